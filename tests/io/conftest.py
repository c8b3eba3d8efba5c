"""A real project file on real sample photos, annotated with boxes, polygons and two kinds of keypoints."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dataset_checks import FACE_POINTS

from app.imaging.loader import probe
from app.models import (
    Annotation,
    Box,
    ImageRecord,
    ImageStatus,
    Keypoint,
    Keypoints,
    Polygon,
    Provenance,
    Source,
    Tag,
    TagKind,
    Visibility,
)
from app.models.templates import keypoint_tag
from app.store import ProjectStore

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
WHEN = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def make_store() -> Iterator[Callable[[Path], ProjectStore]]:
    """Open (or create) project files that are closed after the test."""
    opened: list[ProjectStore] = []

    def make(path: Path) -> ProjectStore:
        store = ProjectStore.open(path) if path.exists() else ProjectStore.create(path)
        opened.append(store)
        return store

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def project(tmp_path: Path, make_store: Callable[[Path], ProjectStore]) -> Path:
    """photos/photos.labelassist: four images (two share a file name in different folders), four tags."""
    folder = tmp_path / "photos"
    (folder / "more").mkdir(parents=True)
    for rel, sample in (
        ("astronaut.jpg", "astronaut.jpg"),
        ("cat.png", "cat.png"),
        ("hand.jpg", "hand.jpg"),
        ("more/cat.png", "coffee.png"),
    ):
        shutil.copy(SAMPLES / sample, folder / rel)
    store = make_store(folder / "photos.labelassist")
    records = []
    for rel in ("astronaut.jpg", "cat.png", "hand.jpg", "more/cat.png"):
        info = probe(folder / rel)
        records.append(ImageRecord(path=rel, width=info.width, height=info.height))
    images = {r.path: r for r in store.add_images(records)}
    car = store.add_tag(Tag(name="car", color="#e6194b"))
    road = store.add_tag(Tag(name="road", color="#3cb44b", kind=TagKind.POLYGON))
    face = store.add_tag(
        Tag(
            name="face",
            color="#4363d8",
            kind=TagKind.KEYPOINTS,
            keypoint_names=FACE_POINTS,
            skeleton=((0, 1), (0, 2), (1, 3), (2, 4)),
        )
    )
    hand = store.add_tag(keypoint_tag("hand", "hand (21 points)", "#f58231"))
    model = Provenance(
        source=Source.MODEL, deployment="local", model="yolo", version="8", score=0.87, time=WHEN
    )
    face_points = (
        Keypoint(x=250.5, y=120.25, v=Visibility.VISIBLE),
        Keypoint(x=270, y=100, v=Visibility.VISIBLE),
        Keypoint(x=230, y=101, v=Visibility.OCCLUDED),
        Keypoint(),
        Keypoint(x=200, y=110, v=Visibility.VISIBLE),
    )
    hand_points = tuple(Keypoint(x=100 + 5 * i, y=200 + 3 * i, v=Visibility.VISIBLE) for i in range(21))
    a, c, h, c2 = (images[p].id for p in ("astronaut.jpg", "cat.png", "hand.jpg", "more/cat.png"))
    store.add_annotations(
        [
            Annotation(image_id=a, tag_id=car.id, geometry=Box(x1=10.5, y1=20.25, x2=200, y2=300.75)),
            Annotation(image_id=a, tag_id=car.id, geometry=Box(x1=0, y1=0, x2=511, y2=511), provenance=model),
            Annotation(
                image_id=a,
                tag_id=road.id,
                geometry=Polygon(points=((5, 5), (300, 10.5), (280.25, 400), (12, 380))),
            ),
            Annotation(image_id=a, tag_id=face.id, geometry=Keypoints(points=face_points), provenance=model),
            Annotation(
                image_id=c, tag_id=road.id, geometry=Polygon(points=((0, 0), (450, 0), (450, 299), (0, 299)))
            ),
            Annotation(image_id=h, tag_id=hand.id, geometry=Keypoints(points=hand_points)),
            Annotation(image_id=h, tag_id=car.id, geometry=Box(x1=30, y1=40, x2=60, y2=90)),
            Annotation(image_id=c2, tag_id=car.id, geometry=Box(x1=1, y1=2, x2=3.5, y2=4.5)),
        ]
    )
    for image_id in (a, c, h, c2):
        store.set_image_status(image_id, ImageStatus.DONE if image_id in (a, h) else ImageStatus.IN_PROGRESS)
    return store.path
