"""The reference server under Ray Serve: the same application (server/app.py) in N replicas — or an
autoscaling range — behind Ray Serve's HTTP proxy, so clients (the app, tritonclient) see one server.

Each replica loads its own models and keeps its own statistics: `/v2/models/stats` and `/metrics` count
what the replica that answers has seen. Ray is imported only here.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
from typing import Any

from server.settings import ServerSettings

APP_NAME = "labelassist-server"
REPLICA_CPUS = 1  # a replica runs models with --threads threads; one CPU of the cluster's accounting each

log = logging.getLogger("server")


def parse_range(text: str) -> tuple[int, int]:
    """`MIN:MAX` replicas for autoscaling; ValueError when it is not that."""
    low, sep, high = text.partition(":")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise ValueError(f"--autoscale takes MIN:MAX, e.g. 1:4; got {text!r}")
    lo, hi = int(low), int(high)
    if hi < 1 or lo > hi:
        raise ValueError(f"--autoscale needs 0 <= MIN <= MAX and MAX >= 1; got {text!r}")
    return lo, hi


def scaling(args: argparse.Namespace) -> dict[str, Any]:
    """Ray Serve deployment options: a fixed number of replicas, or an autoscaling range."""
    if args.autoscale:
        low, high = parse_range(args.autoscale)
        return {
            "autoscaling_config": {"min_replicas": low, "max_replicas": high, "initial_replicas": max(low, 1)}
        }
    return {"num_replicas": args.replicas}


def application(args: argparse.Namespace, settings: ServerSettings) -> Any:
    """The Serve application; the models are loaded in each replica, not here (they do not travel)."""
    from ray import serve

    def build_app() -> Any:  # runs in every replica
        from server.app import create_app
        from server.cli import build_registry

        return create_app(build_registry(args), settings)

    ingress = serve.ingress(build_app)()
    options: dict[str, Any] = {"ray_actor_options": {"num_cpus": REPLICA_CPUS}, **scaling(args)}
    deployment = serve.deployment(name=APP_NAME, **options)(ingress)
    return deployment.bind()


def free_port(host: str) -> int:
    """A port nothing listens on now (Ray Serve's proxy needs a number; --port 0 asks for any)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start(args: argparse.Namespace, settings: ServerSettings) -> str:
    """Run the application on the Ray cluster (joining or starting one); returns its base URL."""
    import ray
    from ray import serve

    if not ray.is_initialized():
        os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
        ray.init(
            address=None if args.ray_address == "auto" else args.ray_address, logging_level=logging.WARNING
        )
    port = args.port or free_port(args.host)
    serve.start(http_options={"host": args.host, "port": port})
    serve.run(application(args, settings), name=APP_NAME, route_prefix="/")
    host = f"[{args.host}]" if ":" in args.host else args.host
    return f"http://{host}:{port}"


def stop() -> None:
    """Take the application down (Serve itself stays for other applications of a shared cluster)."""
    from ray import serve

    serve.delete(APP_NAME)


def run(args: argparse.Namespace, settings: ServerSettings, ready_line: str) -> int:
    """`labelassist-server --ray-serve`: serve until interrupted or terminated."""
    import ray

    url = start(args, settings)
    print(f"{ready_line} {url}", flush=True)
    ended = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: ended.set())
    ended.wait()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)  # a second signal ends it without waiting for the cleanup
    log.info("stopping")
    stop()
    ray.shutdown()
    return 0
