"""Command line: `labelassist-server [--host H] [--port P] [--token T] [--model best.onnx] ...`."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from pathlib import Path

from server.models_fetch import models_dir
from server.registry import ModelRegistry
from server.settings import ServerSettings

TOKEN_ENV = "LABELASSIST_SERVER_TOKEN"
log = logging.getLogger("server")


def is_loopback(host: str) -> bool:
    """True for localhost and 127.0.0.0/8 / ::1 addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labelassist-server",
        description="LabelAssist reference inference server (Open Inference Protocol v2 REST).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--token", default=None,
                        help=f"Bearer token clients must send; required for a non-loopback --host "
                             f"(or set {TOKEN_ENV}, which keeps it out of the process list)")
    parser.add_argument("--model", action="append", type=Path, default=[], metavar="ONNX",
                        help="serve an Ultralytics-style YOLO ONNX export (repeatable)")
    parser.add_argument("--labels", type=Path, default=None,
                        help="text file with one class name per line, for an ONNX model without names")
    parser.add_argument("--no-people", action="store_true", help="do not serve the embedded people pack")
    parser.add_argument("--models-dir", type=Path, default=None, help="people-pack model folder")
    parser.add_argument("--workers", type=int, default=2, help="inference threads (default 2)")
    parser.add_argument("--queue", type=int, default=8, help="requests that may wait for a worker (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="threads per model invocation (default 2)")
    parser.add_argument("--max-body-mb", type=float, default=64, help="request body limit in MiB (default 64)")
    parser.add_argument("--max-megapixels", type=float, default=64, help="image size limit (default 64 MP)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return parser


def build_registry(args: argparse.Namespace) -> ModelRegistry:
    """The models to serve: the people pack unless --no-people, plus every --model file."""
    registry = ModelRegistry()
    if not args.no_people:
        from server.people.pack import load_people_pack

        for model in load_people_pack(args.models_dir or models_dir(), args.threads):
            registry.add(model)
    for path in args.model:
        from server.yolo_onnx import load_yolo

        registry.add(load_yolo(path, labels_file=args.labels, num_threads=args.threads))
    return registry


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(args.host) and not token:
        print(
            f"refusing to bind {args.host} without authentication: pass --token or set {TOKEN_ENV}, "
            "or bind 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        registry = build_registry(args)
    except (RuntimeError, OSError, ValueError) as exc:
        print(f"labelassist-server: {exc}", file=sys.stderr)
        return 1
    if not len(registry):
        print("labelassist-server: no models to serve", file=sys.stderr)
        return 1

    import uvicorn

    from server.app import create_app

    settings = ServerSettings(
        token=token,
        max_body_bytes=int(args.max_body_mb * 1024 * 1024),
        max_pixels=int(args.max_megapixels * 1_000_000),
        workers=args.workers,
        queue=args.queue,
    )
    app = create_app(registry, settings)
    log.info("serving %s on http://%s:%d", ", ".join(m.info.name for m in registry), args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, server_header=False)
    return 0
