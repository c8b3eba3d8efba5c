"""Model quality figures on a 100,000-image project: how long the Deployments page's background read, the
report and the hard-example selection take.

The project is written straight into a new project file: 100,000 images, each answered by version 1 of a box
model (8 predictions, scores spread over 0.05–1), 20,000 of them also by version 2. On every image the
labeller committed 3 suggestions (one in ten of those edited afterwards), dismissed 1 and drew 1 annotation by
hand on every third; 60% of the images are marked done; 100,000 model calls are counted.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.models.prediction import prediction_key
from app.store import ProjectDatabase
from app.store.quality import QualityStore
from bench.bench_annotator import line, seconds

IMAGES = 100_000
SECOND_VERSION = 20_000
PREDICTIONS = 8
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def _json(value: object) -> str:
    """Compact, as the project's own rows are written (pydantic's model_dump_json)."""
    return json.dumps(value, separators=(",", ":"))


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _answer(rng: random.Random, version: str) -> tuple[str, list[tuple[str, float, list[float]]]]:
    predictions = []
    for _ in range(PREDICTIONS):
        x, y = rng.randrange(0, 560), rng.randrange(0, 400)
        box = [float(x), float(y), float(x + rng.randrange(10, 80)), float(y + rng.randrange(10, 80))]
        predictions.append((rng.choice(("car", "person")), round(rng.uniform(0.05, 1.0), 4), box))
    predictions.sort(key=lambda p: -p[1])
    text = _json(
        {
            "model": {"name": "detector", "version": version, "task": "detect", "labels": ["car", "person"]},
            "floor": 0.05,
            "predictions": [
                {
                    "label": label,
                    "score": score,
                    "box": {"type": "box", "x1": b[0], "y1": b[1], "x2": b[2], "y2": b[3]},
                    "polygon": None,
                    "keypoints": None,
                    "keypoint_names": None,
                }
                for label, score, b in predictions
            ],
        }
    )
    return text, predictions


def make_project(path: Path, images: int) -> None:
    database = ProjectDatabase.create(path, "bench")
    rng = random.Random(11)
    rows: dict[str, list[tuple]] = {
        k: [] for k in ("images", "contents", "cache", "decisions", "annotations")
    }
    usage = []
    t = START
    for i in range(1, images + 1):
        t += timedelta(seconds=rng.uniform(4, 40 if i % 50 else 900))  # now and then a long pause
        digest = f"{i:032x}"
        rows["images"].append(
            (i, f"img_{i:06d}.jpg", 640, 480, "done" if i % 10 < 6 else "in_progress", _iso(t))
        )
        rows["contents"].append((i, digest))
        for version in ("1", "2") if i <= SECOND_VERSION else ("1",):
            text, predictions = _answer(rng, version)
            rows["cache"].append((digest, 1, version, text, _iso(t)))
            if version != "1":
                continue
            for n, (label, score, b) in enumerate(predictions[:4]):
                key = prediction_key(label, *b)
                decision = "committed" if n < 3 else "dismissed"
                box = _json({"type": "box", "x1": b[0], "y1": b[1], "x2": b[2], "y2": b[3]})
                tag = 1 if label == "car" else 2
                rows["decisions"].append(
                    (
                        digest,
                        1,
                        "1",
                        key,
                        decision,
                        _iso(t),
                        "bench",
                        i,
                        tag if n < 3 else None,
                        box if n < 3 else None,
                    )
                )
                if n < 3:
                    edited = rng.random() < 0.1
                    final = box if not edited else box.replace(f'"x1":{b[0]}', f'"x1":{b[0] + 4}')
                    provenance = _json(
                        {
                            "source": "model",
                            "deployment": "detector",
                            "model": "detector",
                            "version": "1",
                            "score": score,
                            "time": _iso(t),
                            "suggestion": key,
                        }
                    )
                    rows["annotations"].append((i, tag, final, provenance, _iso(t), 2 if edited else 1))
        if i % 3 == 0:
            manual = _json({"type": "box", "x1": 5.0, "y1": 5.0, "x2": 60.0, "y2": 70.0})
            provenance = _json({"source": "manual", "time": _iso(t + timedelta(seconds=3))})
            rows["annotations"].append((i, 1, manual, provenance, _iso(t + timedelta(seconds=3)), 1))
        usage.append((1, _iso(t), 1, rng.uniform(20, 90), PREDICTIONS, digest))
    with database.transaction() as c:
        c.execute("INSERT INTO tags(id, name, color, kind) VALUES (1, 'car', '#e6194b', 'box')")
        c.execute("INSERT INTO tags(id, name, color, kind) VALUES (2, 'person', '#3cb44b', 'box')")
        c.execute(
            "INSERT INTO deployments(id, name, protocol, url, model) VALUES (1, 'detector', 'oip', '', 'm')"
        )
        c.executemany(
            "INSERT INTO images(id, path, width, height, status, status_at, status_by) VALUES (?, ?, ?, ?, ?, ?, 'bench')",
            rows["images"],
        )
        c.executemany("INSERT INTO image_contents(image_id, content_hash) VALUES (?, ?)", rows["contents"])
        c.executemany(
            "INSERT INTO prediction_cache(content_hash, deployment_id, model_version, predictions, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            rows["cache"],
        )
        c.executemany(
            "INSERT INTO suggestion_decisions(content_hash, deployment_id, model_version, key, decision, time, who, "
            "image_id, tag_id, geometry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows["decisions"],
        )
        c.executemany(
            "INSERT INTO annotations(image_id, tag_id, geometry, provenance, updated_at, version, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, 'bench')",
            rows["annotations"],
        )
        c.executemany(
            "INSERT INTO usage_events(deployment_id, time, kind, ok, latency_ms, predictions, content_hash) "
            "VALUES (?, ?, 'infer', ?, ?, ?, ?)",
            usage,
        )
    database.close()


def main() -> None:
    images = int(os.environ.get("LABELASSIST_BENCH_QUALITY_IMAGES", IMAGES))  # fewer for a quick look
    with tempfile.TemporaryDirectory(prefix="labelassist-bench-quality-") as tmp:
        path = Path(tmp) / "quality.labelassist"
        t = time.perf_counter()
        make_project(path, images)
        print(
            f"(built a project of {images:,} answered images in {time.perf_counter() - t:.0f} s)", flush=True
        )
        database = ProjectDatabase.open_read_only(path)
        try:
            store = QualityStore(database)
            t = time.perf_counter()
            report = store.report()
            took = time.perf_counter() - t
            v1 = report.deployments[0].versions[0]
            note = (
                f"{v1.worked:,} worked images, {v1.total.suggested:,} suggestions, "
                f"best threshold {v1.total.best.threshold if v1.total.best else '—'}"
            )
            line(f"quality report, {images:,} images, 2 versions", seconds(took), note=note)
            t = time.perf_counter()
            hard = store.hard_images(1)
            line(
                "hard examples of a deployment",
                seconds(time.perf_counter() - t),
                note=f"{len(hard):,} images",
            )
            t = time.perf_counter()
            changed = store.changed_since("2")
            line(
                "images changed since a version",
                seconds(time.perf_counter() - t),
                note=f"{len(changed):,} images",
            )
        finally:
            database.close()


if __name__ == "__main__":
    main()
