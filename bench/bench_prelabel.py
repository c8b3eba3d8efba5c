"""Pre-labelling a whole project: images/s for each way to run it, measured on this machine (2 CPU cores, no
GPU), so the figures show overheads and how the ways compare here, not what a cluster gives (docs/scale.md
projects that from the per-image cost measured below).

Every run pre-labels a fresh copy of a project of photos (0.3 to 1.5 MP JPEGs) with the people pack's face
model, asking the reference server (a separate process with its default 2 inference threads), or running the
model in the Ray workers. Each way runs on SMALL and on LARGE images, which splits its time into a fixed
start-up (starting workers, loading models) and a steady rate: rate = (LARGE - SMALL) / (t_large - t_small).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import requests

from app.models import Deployment
from app.project_files import add_image_files
from app.store import ProjectStore
from app.store.assist_store import AssistStore
from server.models_fetch import missing_models, models_dir

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
SMALL, LARGE = 48, 480  # of 12 photos at 40 widths: distinct contents, so nothing is answered from the cache
WIDTHS = tuple(range(640, 1440, 20))
REPEATS = 2  # the best of these: start-up times of Ray workers vary by a second on a busy 2-core machine
READY_LINE = "labelassist-server listening on"
IN_APP_IMAGES = 6  # at its default of one request a second, a few show the rate


def make_photos(folder: Path) -> list[Path]:
    paths = []
    for sample in sorted(SAMPLES.glob("*.[jp][pn]g")):
        image = cv2.imread(str(sample), cv2.IMREAD_COLOR)
        for width in WIDTHS:
            height = round(image.shape[0] * width / image.shape[1])
            path = folder / f"{sample.stem}-{width}.jpg"
            cv2.imwrite(str(path), cv2.resize(image, (width, height)), [cv2.IMWRITE_JPEG_QUALITY, 90])
            paths.append(path)
    return paths


@contextlib.contextmanager
def reference_server(*args: str) -> Iterator[str]:
    """`labelassist-server ARGS` in its own process on 127.0.0.1; its URL until the block ends."""
    command = [
        sys.executable,
        "-m",
        "server",
        "--people",
        "face",
        "--port",
        "0",
        "--log-level",
        "warning",
        *args,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(READY_LINE):
                yield line[len(READY_LINE) :].strip()
                break
        else:
            raise RuntimeError("the reference server did not start")
    finally:
        process.terminate()
        process.wait(timeout=30)


def timed_run(template: Path, work: Path, *args: str) -> float:
    """Seconds of one `labelassist prelabel` on a fresh copy of the project (its output kept quiet)."""
    from app.prelabel.cli import main as prelabel

    project = work / f"run-{time.monotonic_ns()}.labelassist"
    shutil.copy(template, project)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = prelabel(["prelabel", str(project), *args])
    elapsed = time.perf_counter() - start
    if code != 0:
        raise RuntimeError(f"prelabel {' '.join(args)} failed ({code})")
    return elapsed


def measured(what: str, sizes: tuple[Path, Path], work: Path, *args: str) -> None:
    """Print the steady rate and the fixed start-up of one way to run, from a SMALL and a LARGE run."""
    t_small, t_large = (min(timed_run(template, work, *args) for _ in range(REPEATS)) for template in sizes)
    rate = (LARGE - SMALL) / max(t_large - t_small, 1e-9)
    start_up = max(0.0, t_small - SMALL / rate)
    print(f"  {what:<52} {rate:6.1f} images/s  + {start_up:4.1f} s start-up", flush=True)


def in_app(work: Path, photos: list[Path], url: str) -> float:
    """images/s of the app's own pre-label (the document and model assist layers, no window)."""
    from PySide6.QtWidgets import QApplication

    from app.assist.controller import AssistController
    from app.document import Document
    from app.inference.client import InferenceClient
    from app.inference.deployments import Deployments

    qt = QApplication.instance() or QApplication([])
    store = ProjectStore.create(work / "in-app.labelassist")
    add_image_files(store, photos)
    d = AssistStore(store.database).save_deployment(Deployment(name="face", url=url, model="face"))
    store.close()
    doc, deployments = Document(), Deployments(InferenceClient())
    assist = AssistController(doc, deployments)
    doc.open_project(store.path)

    def settle(done: Callable[[], bool]) -> None:
        while not done():
            qt.processEvents()
            time.sleep(0.002)

    settle(lambda: any(o.id == d.id for o in deployments.online()))
    assist.select_deployment(d.id)
    start = time.perf_counter()
    n = assist.prefetcher.prelabel()
    settle(lambda: not assist.prefetcher.batch_running and not assist.prefetcher.in_flight)
    elapsed = time.perf_counter() - start
    assist.stop()
    deployments.shutdown()
    doc.close()
    return n / elapsed


def per_image_ms(url: str) -> tuple[float, float]:
    """The server's own mean decode and model time per image, from its statistics (Triton's shape)."""
    stats = requests.get(f"{url}/v2/models/face/stats", timeout=10).json()["model_stats"][0]
    inference = stats["inference_stats"]
    count = inference["success"]["count"] or 1
    return inference["compute_input"]["ns"] / count / 1e6, inference["compute_infer"]["ns"] / count / 1e6


def with_server(sizes: tuple[Path, Path], work: Path, url: str, runs: list[tuple[str, list[str]]]) -> None:
    """The runs, asking the server at `url` (a deployment of it added to copies of the two projects)."""
    copies = []
    for template in sizes:
        copies.append(work / f"{template.stem}-{time.monotonic_ns()}.labelassist")
        shutil.copy(template, copies[-1])
        store = ProjectStore.open(copies[-1])
        AssistStore(store.database).save_deployment(Deployment(name="face", url=url, model="face"))
        store.close()
    for what, args in runs:
        measured(what, (copies[0], copies[1]), work, "--deployment", "face", "--only", "all", *args)


def main() -> None:
    if missing_models(models_dir()):
        print("  skipped: the people-pack models are missing; run `make models`")
        return
    print(
        f"  measured on this machine: {os.cpu_count()} CPU cores, no GPU; runs of {SMALL} and {LARGE} photos"
    )
    with tempfile.TemporaryDirectory(prefix="bench-prelabel-") as folder:
        work = Path(folder)
        photos = make_photos(work)
        templates = []
        for n in (SMALL, LARGE):
            store = ProjectStore.create(work / f"template-{n}.labelassist")
            add_image_files(store, photos[:: len(photos) // n][:n])
            store.close()
            templates.append(store.path)
        sizes = (templates[0], templates[1])

        with reference_server() as url:
            rate = in_app(work, photos[:IN_APP_IMAGES], url)
            print(f"  {'in the app, Ctrl+Shift+M (default limit 1/s)':<52} {rate:6.1f} images/s", flush=True)
            runs = [(f"here, --workers {n} -> reference server", ["--workers", str(n)]) for n in (1, 2, 4)]
            with_server(sizes, work, url, runs)
            decode_ms, model_ms = per_image_ms(url)
        print(f"  per image, in the server: decode {decode_ms:.1f} ms, face model {model_ms:.1f} ms")

        try:
            import ray
        except ImportError:
            print("  Ray rows skipped: the cluster extra is not installed")
            return
        os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
        start = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        print(f"  local Ray started in {time.perf_counter() - start:.1f} s (not counted below)")
        try:
            ray_rows(sizes, work)
        finally:
            ray.shutdown()


def ray_rows(sizes: tuple[Path, Path], work: Path) -> None:
    runs = [
        (f"Ray Data, {n} worker(s) -> reference server", ["--ray", "auto", "--workers", str(n)])
        for n in (1, 2)
    ]
    with reference_server() as url:
        with_server(sizes, work, url, runs)
    for n in (1, 2):
        what = f"Ray Data, {n} worker(s) running the model"
        measured(what, sizes, work, "--model", "face", "--only", "all", "--ray", "auto", "--workers", str(n))
    for replicas in (1, 2):
        served(sizes, work, replicas)


def served(sizes: tuple[Path, Path], work: Path, replicas: int) -> None:
    from ray import serve

    from server import ray_serve
    from server.cli import build_parser
    from server.settings import ServerSettings

    args = build_parser().parse_args(["--ray-serve", "--replicas", str(replicas), "--people", "face"])
    args.port = 0
    with contextlib.redirect_stderr(io.StringIO()):
        url = ray_serve.start(args, ServerSettings())
    try:
        with_server(
            sizes, work, url, [(f"Ray Serve, {replicas} replica(s) <- here, --workers 4", ["--workers", "4"])]
        )
    finally:
        ray_serve.stop()
        serve.shutdown()


if __name__ == "__main__":
    main()
