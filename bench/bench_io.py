"""Dataset benchmarks: export and import time for 10,000 images with 20 annotations each, in every format.

The project is generated in a temp dir: 10,000 real 320×240 JPEG files (one encoded photo written under
10,000 names), 10 boxes, 6 polygons and 4 17-point keypoint instances on each. Exports link the images
(copying 10,000 files measures the disk, not us); each import reads the export into a new project file.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

import cv2

from app.io.export import ExportOptions, export_project
from app.io.importing import import_into
from app.models import Annotation, Box, ImageRecord, Keypoint, Keypoints, Tag, TagKind, Visibility
from app.models.templates import BODY_33_NAMES
from app.paths import resources_dir
from app.store import PROJECT_SUFFIX, ProjectStore
from bench.bench_annotator import line, random_polygon, seconds

IMAGES = 10_000
SIZE = (320, 240)
BOXES, POLYGONS, PEOPLE = 10, 6, 4  # 20 annotations an image
POINTS = BODY_33_NAMES[:17]


def make_project(root: Path, images: int) -> Path:
    folder = root / "project"
    folder.mkdir(parents=True)
    photo = cv2.resize(
        cv2.imread(str(resources_dir() / "samples" / "dog.jpg")), SIZE, interpolation=cv2.INTER_AREA
    )
    data = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    for i in range(images):
        (folder / f"img_{i:05d}.jpg").write_bytes(data)
    store = ProjectStore.create(folder / f"project{PROJECT_SUFFIX}")
    try:
        records = store.add_images(
            ImageRecord(path=f"img_{i:05d}.jpg", width=SIZE[0], height=SIZE[1]) for i in range(images)
        )
        tags = [store.add_tag(Tag(name=f"box{k}")) for k in range(4)]
        tags += [store.add_tag(Tag(name=f"region{k}", kind=TagKind.POLYGON)) for k in range(2)]
        person = store.add_tag(
            Tag(name="person", kind=TagKind.KEYPOINTS, keypoint_names=POINTS, skeleton=((0, 1), (0, 2)))
        )
        rng = random.Random(7)
        store.add_annotations([a for r in records for a in _annotations(rng, r.id, tags, person.id)])  # type: ignore[arg-type]
    finally:
        store.close()
    return folder / f"project{PROJECT_SUFFIX}"


def _annotations(rng: random.Random, image_id: int, tags: list[Tag], person: int) -> list[Annotation]:
    w, h = SIZE
    out = []
    for _ in range(BOXES):
        x, y = rng.uniform(0, w - 40), rng.uniform(0, h - 40)
        box = Box(x1=x, y1=y, x2=x + rng.uniform(5, 40), y2=y + rng.uniform(5, 40))
        out.append(Annotation(image_id=image_id, tag_id=tags[rng.randrange(4)].id, geometry=box))  # type: ignore[arg-type]
    for _ in range(POLYGONS):
        poly = random_polygon(rng, w, h, vertices=8)
        out.append(Annotation(image_id=image_id, tag_id=tags[4 + rng.randrange(2)].id, geometry=poly))  # type: ignore[arg-type]
    for _ in range(PEOPLE):
        pts = tuple(
            Keypoint(x=rng.uniform(0, w), y=rng.uniform(0, h), v=Visibility(rng.choice((1, 2))))
            for _ in POINTS
        )
        out.append(Annotation(image_id=image_id, tag_id=person, geometry=Keypoints(points=pts)))
    return out


def main() -> None:
    images = int(os.environ.get("LABELASSIST_BENCH_IO_IMAGES", IMAGES))  # fewer for a quick look
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="labelassist-bench-io-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        project = make_project(root, images)
        print(
            f"(built a project of {images:,} images × 20 annotations in {time.perf_counter() - t:.0f} s)",
            flush=True,
        )
        for fmt in ("coco", "yolo", "voc", "labelme"):
            out = root / f"out-{fmt}"
            t = time.perf_counter()
            result = export_project(project, out, ExportOptions(fmt, images="link"))
            line(
                f"export {fmt}, {images:,} images",
                seconds(time.perf_counter() - t),
                note=f"{result.annotations:,} annotations",
            )
            t = time.perf_counter()
            plan = import_into(root / f"back-{fmt}{PROJECT_SUFFIX}", fmt, out)
            line(
                f"import {fmt}, {images:,} images",
                seconds(time.perf_counter() - t),
                note=f"{len(plan.annotations):,} annotations",
            )
    print(f"(bench_io took {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
