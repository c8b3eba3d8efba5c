"""Click to segment: click → preview p50 / p95 for each engine on a 1 MP and a 12 MP photo, and the time a
pack takes to embed an image (what the labeller waits for once per image, ahead of the clicks).

Built-in engines and the pack go through the app's Segmenter (prompt → worker → outline → signal back on
the UI thread); the remote engine is timed as the worker runs it, against the reference server on
127.0.0.1 serving the same pack. The pack is LABELASSIST_SAM_PACK (a folder with a real MobileSAM /
EfficientSAM export) when set, else the tests' tiny pack, whose figures are the app's and onnxruntime's
overhead, not a real model's.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from bench.bench_annotator import line, millis, seconds

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))  # the tiny pack the tests build

SIZES = {"1 MP": (1152, 864), "12 MP": (4000, 3000)}
CLICKS = ((265, 265), (285, 345), (215, 515), (240, 420), (180, 470))  # on the dog, in its 768 × 576 photo
EDGE = (
    (140, 380),
    (216, 300),
    (250, 225),
    (300, 238),
    (300, 302),
    (290, 380),
    (308, 464),
    (276, 507),
    (200, 536),
)
ROUNDS = 3  # each round: the five clicks one after another, each waited for


def _photos(folder: Path) -> dict[str, Path]:
    dog = cv2.imread(str(REPO / "resources" / "samples" / "dog.jpg"))
    out = {}
    for label, size in SIZES.items():
        path = folder / f"dog_{label.replace(' ', '')}.jpg"
        cv2.imwrite(
            str(path), cv2.resize(dog, size, interpolation=cv2.INTER_CUBIC), [cv2.IMWRITE_JPEG_QUALITY, 90]
        )
        out[label] = path
    return out


def _pack(folder: Path) -> tuple[Path, str]:
    real = os.environ.get("LABELASSIST_SAM_PACK")
    if real:
        return Path(real), "pack"
    import tiny_sam

    return tiny_sam.make_pack(folder / "pack", name="tiny_sam"), "tiny test pack"


def _wait(signal, timeout_ms: int = 60_000) -> object:  # type: ignore[no-untyped-def]
    loop, got = QEventLoop(), []
    signal.connect(lambda *value: (got.append(value[0] if value else True), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect()
    return got[0] if got else None


def _p(samples: list[float], q: float) -> float:
    return (
        statistics.quantiles(samples, n=20)[18]
        if q == 0.95 and len(samples) > 1
        else statistics.median(samples)
    )


def main() -> None:
    app = QApplication.instance() or QApplication([])
    from app.assist.segmenter import PACK, Segmenter
    from app.document import Document
    from app.inference.client import InferenceClient
    from app.inference.deployments import Deployments
    from app.settings import Preferences

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["LABELASSIST_HOME"] = str(root / "home")
        (root / "photos").mkdir()
        photos = _photos(root / "photos")
        pack, pack_label = _pack(root)
        doc = Document()
        doc.open_project(root / "photos")
        deployments = Deployments(InferenceClient())
        prefs = Preferences()
        segmenter = Segmenter(doc, deployments, prefs)
        segmenter.add_pack(pack)
        _wait(segmenter.changed)
        segmenter.activate(True)
        rows = {r.path: r for r in doc.images}
        for engine in ("grabcut", "scissors", PACK):
            segmenter.choose(engine)
            for label, path in photos.items():
                doc.show_image_id(rows[path.name].id)  # type: ignore[arg-type]
                _time_clicks(segmenter, engine if engine != PACK else pack_label, label, SIZES[label])
        _time_embedding(pack, photos, pack_label)
        _time_remote(pack, photos, pack_label)
        segmenter.stop()
        deployments.shutdown()
        doc.close()
    del app


def _time_clicks(segmenter, engine: str, label: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    from app.segment.engine import Prompt

    k = size[0] / 768
    view = (0.0, 0.0, float(size[0]), float(size[1]))
    clicks = [(x * k, y * k) for x, y in CLICKS]
    segmenter.segment(Prompt(positive=(clicks[0],)), view)  # the picture and embedding, once per image
    _wait(segmenter.resultReady)
    samples = []
    # The scissors take clicks along the edge, each costing a new map of paths (shifted a pixel a round,
    # so that no round finds the paths of the one before).
    edge = [(x * k, y * k) for x, y in EDGE]
    for r in range(ROUNDS):
        steps = range(1, len(clicks) + 1) if engine != "scissors" else range(3, len(edge) + 1)
        for n in steps:
            if engine == "scissors":
                prompt = Prompt(positive=tuple((x + 2 * r * k, y + 2 * r * k) for x, y in edge[:n]))
            else:
                prompt = Prompt(positive=tuple(clicks[:n]))
            start = time.perf_counter()
            segmenter.segment(prompt, view)
            if _wait(segmenter.resultReady) is None:
                line(f"{engine}, {label}: click → preview", "no answer")
                return
            samples.append(time.perf_counter() - start)
    line(
        f"{engine}, {label}: click → preview p50 / p95",
        f"{millis(_p(samples, 0.5))} / {millis(_p(samples, 0.95))}",
    )


def _time_embedding(pack: Path, photos: dict[str, Path], pack_label: str) -> None:
    from app.assist.segment_picture import load_picture
    from app.segment.pack_files import find_pack
    from app.segment.sam_pack import SamPackEngine

    engine = SamPackEngine(find_pack(pack))
    for label, path in photos.items():
        start = time.perf_counter()
        picture = load_picture(path)
        decoded = time.perf_counter()
        engine.prepare(picture)
        done = time.perf_counter()
        line(
            f"{pack_label}, {label}: decode + embedding",
            f"{seconds(done - start)}",
            note=f"decode {millis(decoded - start)}",
        )


def _time_remote(pack: Path, photos: dict[str, Path], pack_label: str) -> None:
    from app.assist.remote_segment import RemoteEngine
    from app.assist.segment_picture import load_picture
    from app.inference.client import InferenceClient
    from app.models import Deployment
    from app.segment.engine import Prompt
    from app.segment.outline import outline
    from server.app import create_app
    from server.background import BackgroundServer
    from server.registry import ModelRegistry
    from server.sam_model import SamServedModel

    server = BackgroundServer(create_app(ModelRegistry([SamServedModel(str(pack))])))
    try:
        engine = RemoteEngine(
            Deployment(name="bench", url=server.url, model="sam"), InferenceClient(), lambda: None
        )
        for label, path in photos.items():
            picture = load_picture(path)
            sent = engine.prepare(picture)
            k = picture.width / 768
            view = (0.0, 0.0, picture.width, picture.height)
            engine.segment(
                picture, sent, Prompt(positive=((CLICKS[0][0] * k, CLICKS[0][1] * k),)), view
            )  # embeds
            samples = []
            for _ in range(ROUNDS):
                for n in range(1, len(CLICKS) + 1):
                    start = time.perf_counter()
                    prompt = Prompt(positive=tuple((x * k, y * k) for x, y in CLICKS[:n]))
                    outline(engine.segment(picture, sent, prompt, view))
                    samples.append(time.perf_counter() - start)
            line(
                f"remote {pack_label}, {label}: click → outline p50 / p95",
                f"{millis(_p(samples, 0.5))} / {millis(_p(samples, 0.95))}",
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
