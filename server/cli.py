"""Command line: `labelassist-server [--host H] [--port P] [--token T] [--model best.onnx] ...`."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import socket
import sys
import threading
import time
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
    parser.add_argument(
        "--token",
        default=None,
        help=f"Bearer token clients must send; required for a non-loopback --host "
        f"(or set {TOKEN_ENV}, which keeps it out of the process list)",
    )
    parser.add_argument(
        "--model",
        action="append",
        type=Path,
        default=[],
        metavar="ONNX",
        help="serve an Ultralytics-style YOLO ONNX export (repeatable)",
    )
    parser.add_argument(
        "--labels",
        type=Path,
        default=None,
        help="text file with one class name per line, for an ONNX model without names",
    )
    parser.add_argument(
        "--sam-pack",
        type=Path,
        default=None,
        metavar="DIR",
        help="serve a SAM-family ONNX pack (encoder + decoder) as the interactive segmentation model 'sam'",
    )
    parser.add_argument("--no-people", action="store_true", help="do not serve the embedded people pack")
    parser.add_argument(
        "--people",
        action="append",
        default=[],
        metavar="NAME",
        help="serve only this people-pack model (repeatable; default: all four)",
    )
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one ends (for apps that launch it)",
    )
    parser.add_argument("--models-dir", type=Path, default=None, help="people-pack model folder")
    parser.add_argument("--workers", type=int, default=2, help="inference threads (default 2)")
    parser.add_argument(
        "--queue", type=int, default=8, help="requests that may wait for a worker (default 8)"
    )
    parser.add_argument("--threads", type=int, default=2, help="threads per model invocation (default 2)")
    parser.add_argument(
        "--max-body-mb", type=float, default=64, help="request body limit in MiB (default 64)"
    )
    parser.add_argument("--max-megapixels", type=float, default=64, help="image size limit (default 64 MP)")
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=30,
        help="seconds a request body may take to arrive; slower ones get 408 (default 30)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    scale = parser.add_argument_group("scaling out with Ray Serve (needs the cluster extra)")
    scale.add_argument(
        "--ray-serve", action="store_true", help="serve from replicas behind Ray Serve's HTTP proxy"
    )
    replicas = scale.add_mutually_exclusive_group()
    replicas.add_argument("--replicas", type=int, default=1, help="replicas with --ray-serve (default 1)")
    replicas.add_argument("--autoscale", metavar="MIN:MAX", help="let Ray Serve keep MIN to MAX replicas")
    scale.add_argument(
        "--ray-address",
        default="auto",
        help="the Ray cluster: 'auto' (the one this machine is in, else a local Ray; default) or an address",
    )
    return parser


def build_registry(args: argparse.Namespace) -> ModelRegistry:
    """The models to serve: the people pack unless --no-people, plus every --model file."""
    registry = ModelRegistry()
    if not args.no_people:
        from server.people.pack import load_people_pack

        wanted = set(args.people)  # none named: all of them
        missing = set(wanted)
        for model in load_people_pack(args.models_dir or models_dir(), args.threads):
            if not wanted or model.info.name in wanted:
                missing.discard(model.info.name)
                registry.add(model)
        if missing:
            raise ValueError(f"no people-pack model named {', '.join(sorted(missing))}")
    for path in args.model:
        from server.yolo_onnx import load_yolo

        registry.add(load_yolo(path, labels_file=args.labels, num_threads=args.threads))
    if args.sam_pack is not None:
        from server.sam_model import SamServedModel

        registry.add(SamServedModel(str(args.sam_pack), args.threads))
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
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.ray_serve and args.replicas < 1:
        print("labelassist-server: --replicas must be at least 1", file=sys.stderr)
        return 2
    try:
        registry = build_registry(
            args
        )  # with --ray-serve too: a model that does not load fails here, at once
        if args.ray_serve and args.autoscale:
            from server.ray_serve import parse_range

            parse_range(args.autoscale)
    except (RuntimeError, OSError, ValueError) as exc:
        print(f"labelassist-server: {exc}", file=sys.stderr)
        return 1
    if not len(registry):
        print("labelassist-server: no models to serve", file=sys.stderr)
        return 1

    settings = ServerSettings(
        token=token,
        max_body_bytes=int(args.max_body_mb * 1024 * 1024),
        max_pixels=int(args.max_megapixels * 1_000_000),
        workers=args.workers,
        queue=args.queue,
        body_timeout_s=args.body_timeout,
    )
    if args.ray_serve:
        from server import ray_serve

        return ray_serve.run(args, settings, READY_LINE)

    import uvicorn

    from server.app import create_app
    from server.http_protocol import JsonErrorH11Protocol

    app = create_app(registry, settings)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"labelassist-server: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    log.info("serving %s", ", ".join(m.info.name for m in registry))
    # One line on stdout that launchers read to learn the port (with --port 0 the system picks it).
    print(f"{READY_LINE} http://{args.host}:{port}", flush=True)
    if args.exit_with_parent:
        watch_parent()
    config = uvicorn.Config(app, log_level=args.log_level, server_header=False, http=JsonErrorH11Protocol)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


READY_LINE = "labelassist-server listening on"


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def watch_parent(interval: float = 1.0) -> None:
    """End this process when its parent is gone, so a killed app leaves no server behind."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                log.info("parent process ended; stopping")
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
