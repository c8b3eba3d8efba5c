"""Fixtures of the start-up benchmark, made once into the user's cache folder and reused by later runs:
a folder of 2,000 1920×1080 JPEGs, and a project of one 4000×3000 JPEG with 2,000 polygons of 20–60 points,
imported by the real command line from a labelme JSON file (as the peers' harness gives labelme the same file).
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
from pathlib import Path

import cv2
import platformdirs

from app.paths import resources_dir
from app.store import PROJECT_SUFFIX
from bench.bench_annotator import make_photo

VERSION = "1"  # bump when a fixture changes: a stale cache is rebuilt, not reused
FOLDER_IMAGES = 2000
FOLDER_SIZE = (1920, 1080)
POLYGONS = 2000
BIG_SIZE = (4000, 3000)  # what make_photo makes
LABELS = ("person", "car", "tree", "dog", "sign")


def cache_root() -> Path:
    return Path(platformdirs.user_cache_dir("labelassist")) / "bench-startup"


def _ready(folder: Path) -> bool:
    stamp = folder / ".complete"
    return stamp.exists() and stamp.read_text() == VERSION


def _stamp(folder: Path) -> None:
    (folder / ".complete").write_text(VERSION)


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def image_folder() -> Path:
    """2,000 JPEGs at 1920×1080: the sample photos re-encoded once, then copied (hardlinked where possible)."""
    folder = cache_root() / f"folder_{FOLDER_IMAGES}"
    if _ready(folder):
        return folder
    work = _fresh(cache_root() / "folder_sources")
    sources = []
    for i, sample in enumerate(
        sorted(p for p in (resources_dir() / "samples").iterdir() if p.suffix != ".md")
    ):
        image = cv2.imread(str(sample), cv2.IMREAD_COLOR)
        if image is None:
            continue
        target = work / f"source_{i}.jpg"
        cv2.imwrite(str(target), _cover(image, FOLDER_SIZE), [cv2.IMWRITE_JPEG_QUALITY, 90])
        sources.append(target)
    _fresh(folder)
    for i in range(FOLDER_IMAGES):
        _link(sources[i % len(sources)], folder / f"img_{i:05d}.jpg")
    _stamp(folder)
    return folder


def _cover(image: cv2.typing.MatLike, size: tuple[int, int]) -> cv2.typing.MatLike:
    """Crop to the target's aspect ratio and scale: the whole frame filled, nothing stretched."""
    h, w = image.shape[:2]
    tw, th = size
    cw, ch = min(w, h * tw // th), min(h, w * th // tw)
    x, y = (w - cw) // 2, (h - ch) // 2
    return cv2.resize(image[y : y + ch, x : x + cw], size, interpolation=cv2.INTER_CUBIC)


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def clear_folder_project(folder: Path) -> None:
    """Remove the project the app made for the folder, so every run is a first open (as for the peers)."""
    for path in folder.glob(f"{folder.name}{PROJECT_SUFFIX}*"):
        path.unlink()


def polygon_project(program: Path, env: dict[str, str]) -> Path:
    """One 4000×3000 JPEG with 2,000 polygons, imported from its labelme JSON by `program import`."""
    folder = cache_root() / f"polygons_{POLYGONS}"
    project = folder / f"big{PROJECT_SUFFIX}"
    if _ready(folder):
        return project
    source = _fresh(folder / "labelme")
    make_photo(resources_dir() / "samples" / "person_dog_horse.jpg", source / "big.jpg", seed=16)
    shapes = [_polygon_shape(random.Random(i), i) for i in range(POLYGONS)]
    labelme = {
        "version": "5.5.0",
        "flags": {},
        "shapes": shapes,
        "imagePath": "big.jpg",
        "imageData": None,
        "imageHeight": BIG_SIZE[1],
        "imageWidth": BIG_SIZE[0],
    }
    (source / "big.json").write_text(json.dumps(labelme), encoding="utf-8")
    for path in folder.glob(f"big{PROJECT_SUFFIX}*"):
        path.unlink()
    subprocess.run(
        [str(program), "import", str(project), "--format", "labelme", "--src", str(source)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    _stamp(folder)
    return project


def _polygon_shape(rng: random.Random, i: int) -> dict[str, object]:
    """A star-shaped (so simple) polygon of 20–60 points, 30–250 px in radius, inside the image."""
    n, r = rng.randint(20, 60), rng.uniform(30, 250)
    w, h = BIG_SIZE
    cx, cy = rng.uniform(r, w - r), rng.uniform(r, h - r)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    points = []
    for a in angles:
        rk = r * rng.uniform(0.6, 1.0)
        points.append([round(cx + rk * math.cos(a), 2), round(cy + rk * math.sin(a), 2)])
    return {
        "label": LABELS[i % len(LABELS)],
        "points": points,
        "group_id": None,
        "description": "",
        "shape_type": "polygon",
        "flags": {},
    }
