"""The project the kill suite works on, and the model its reference server runs.

ScatterModel answers a few boxes that depend only on the image's pixels, so that a replay of the same
stream of edits gets the same suggestions.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from app.models import Deployment, Tag, TagKind, Task
from app.session import ProjectSession
from app.store import ProjectStore
from server.model import Detections, ModelInfo

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
IMAGES = ("astronaut.jpg", "cat.png", "hand.jpg", "dog.jpg")


class ScatterModel:
    info = ModelInfo(
        name="scatter", task=Task.DETECT, labels=("person", "car"), platform="test", release="s1"
    )

    def predict(self, image: np.ndarray, options: Any) -> Detections:
        h, w = image.shape[:2]
        rng = np.random.default_rng(int(image[:: max(1, h // 8), :: max(1, w // 8)].sum()))
        n = int(rng.integers(2, 6))
        x, y = rng.uniform(0, w * 0.7, n), rng.uniform(0, h * 0.7, n)
        boxes = np.stack([x, y, x + rng.uniform(10, w * 0.3, n), y + rng.uniform(10, h * 0.3, n)], 1)
        return Detections(
            boxes=boxes.astype(np.float32),
            scores=rng.uniform(0.1, 1.0, n).astype(np.float32),
            labels=[("person", "car")[int(i)] for i in rng.integers(0, 2, n)],
        )


def make_project(folder: Path, url: str) -> Path:
    """A project of four sample photos with a box and a polygon tag and a deployment of ScatterModel at
    `url`, and a small COCO dataset beside it (dataset/) for the import edit."""
    folder.mkdir(parents=True)
    for name in IMAGES:
        shutil.copy(SAMPLES / name, folder / name)
    path = folder / "photos.labelassist"
    ProjectStore.create(path).close()
    session = ProjectSession.open(path)
    try:
        session.store.add_tag(Tag(name="car", color="#e6194b"))
        session.store.add_tag(Tag(name="road", color="#3cb44b", kind=TagKind.POLYGON))
        session.add_image_files(sorted(folder / name for name in IMAGES))
        session.assist_records.save_deployment(Deployment(name="scatter", url=url, model="scatter"))
    finally:
        session.close()
    _write_dataset(folder / "dataset")
    return path


def _write_dataset(folder: Path) -> None:
    folder.mkdir()
    images = [{"id": i + 1, "file_name": name, "width": 100, "height": 100} for i, name in enumerate(IMAGES)]
    annotations = [
        {
            "id": i + 1,
            "image_id": i + 1,
            "category_id": 1,
            "bbox": [5 + i, 5, 30, 20],
            "area": 600,
            "iscrowd": 0,
        }
        for i in range(len(IMAGES))
    ]
    coco = {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "imported"}]}
    (folder / "annotations.json").write_text(json.dumps(coco))
