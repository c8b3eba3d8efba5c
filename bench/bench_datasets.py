"""COCO import and export through the command line at 5k, 20k and 100k images, beside pycocotools.

The dataset is shaped like COCO val2017: 80 categories, 640×480 images, 7.2 polygons an image of 8–40
vertices each (5,000 images: 36,000 polygons, 15 MB of JSON). The image files are one tiny JPEG linked
as every file: a COCO import takes sizes from the JSON and only checks that the files are there.
Each command runs in a child process (as a user runs it), three times; the median is shown, with the child's
peak RSS. Goals (issue #16): import ≤ 1.5 × pycocotools' load of the same file, export with linked images
≤ 1 s at 5,000 images, both linear: the slope is seconds per 1,000 images between the sizes.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_annotator import line, seconds

SIZES = (5_000, 20_000, 100_000)
REPEATS = 3
IMAGE_SIZE = (640, 480)
CATEGORIES = 80
POLYGONS_PER_IMAGE = 7.2
EXPORT_GOAL_S = 1.0  # at 5,000 images
IMPORT_FACTOR = 1.5  # × pycocotools' load
# The smallest JPEG a decoder accepts is not needed: nothing decodes it. Any bytes do, as a real file.
TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def make_coco(folder: Path, images: int, seed: int = 7) -> Path:
    """`folder/annotations.json` and `folder/images/*.jpg` (the same few bytes in every file)."""
    rng = random.Random(seed)
    w, h = IMAGE_SIZE
    (folder / "images").mkdir(parents=True)
    entries, annotations = [], []
    for i in range(1, images + 1):
        name = f"{i:012d}.jpg"
        (folder / "images" / name).write_bytes(TINY_JPEG)
        entries.append({"id": i, "file_name": name, "width": w, "height": h})
        # 7.2 an image on average: 7, with one more on every fifth image.
        for _ in range(int(POLYGONS_PER_IMAGE) + (i % 5 == 0)):
            annotations.append(_polygon(rng, len(annotations) + 1, i))
    cats = [{"id": k, "name": f"class{k:02d}", "supercategory": "thing"} for k in range(1, CATEGORIES + 1)]
    doc = {"images": entries, "annotations": annotations, "categories": cats}
    path = folder / "annotations.json"
    path.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    return path


def _polygon(rng: random.Random, ann_id: int, image_id: int) -> dict:
    w, h = IMAGE_SIZE
    n = rng.randint(8, 36)
    r = rng.uniform(10, 120)
    cx, cy = rng.uniform(r, w - r), rng.uniform(r, h - r)
    flat: list[float] = []
    for k in range(n):
        a = 2 * math.pi * k / n
        rk = r * rng.uniform(0.6, 1.0)
        flat += [round(cx + rk * math.cos(a), 2), round(cy + rk * math.sin(a), 2)]
    xs, ys = flat[0::2], flat[1::2]
    x0, y0 = min(xs), min(ys)
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": rng.randint(1, CATEGORIES),
        "segmentation": [flat],
        "area": round(0.5 * abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(n))), 2),
        "bbox": [x0, y0, round(max(xs) - x0, 2), round(max(ys) - y0, 2)],
        "iscrowd": 0,
    }


def timed(args: list[str], repeats: int, before: Callable[[], None] = lambda: None) -> tuple[float, int]:
    """Median wall seconds over `repeats` runs of `python ARGS` and the largest peak RSS; `before` runs
    ahead of each (to remove what the last run wrote)."""
    runs = []
    for _ in range(repeats):
        before()
        runs.append(_measured(["-c", _MEASURE, *args]))
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


# Runs the command in a grandchild and prints its own measure of it: the peak RSS of RUSAGE_CHILDREN is
# that one process's, not the largest of every child the benchmark started.
_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run([sys.executable, *sys.argv[1:]], stdout=subprocess.DEVNULL).returncode
took = time.perf_counter() - t
if rc:
    sys.exit(rc)
print(took)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024))
"""


def _measured(args: list[str]) -> tuple[float, int]:
    child = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(args[2:5])} failed:\n{child.stderr[-2000:]}")
    took, rss = child.stdout.split()[-2:]
    return float(took), int(rss)


def mib(value: int) -> str:
    return f"{value / 2**20:.0f} MiB"


def _remove(*paths: Path) -> Callable[[], None]:
    def remove() -> None:
        for p in paths:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink(missing_ok=True)

    return remove


def _set_aside(out: Path) -> Callable[[], None]:
    """Move the last export out of the way without deleting it. Deleting thousands of files just before a
    run makes ext4 slow to create new ones for a minute or more (it passes over recently freed inodes one by
    one, in the kernel), which would be measured as the export's own time."""

    def set_aside() -> None:
        if out.exists():
            out.rename(out.with_name(f"{out.name}-{time.monotonic_ns()}"))

    return set_aside


def measure(root: Path, images: int) -> dict[str, tuple[float, int]]:
    """pycocotools' load, our import and our export of a generated dataset of `images` images."""
    folder = root / f"coco-{images}"
    t = time.perf_counter()
    src = make_coco(folder, images)
    print(
        f"(generated {images:,} images, {src.stat().st_size / 1e6:.0f} MB of COCO JSON, "
        f"in {time.perf_counter() - t:.0f} s)",
        flush=True,
    )
    repeats = REPEATS if images <= 20_000 else 1  # the 100k step: one run each, to keep `make bench` short
    project, out = folder / "project.labelassist", folder / "export"
    wal = [project.with_name(project.name + s) for s in ("-wal", "-shm")]
    figures = {
        "pycocotools": timed(["-c", _PYCOCOTOOLS, str(src)], repeats),
        "import": timed(
            ["-m", "app", "import", str(project), "--format", "coco", "--src", str(src)],
            repeats,
            _remove(project, *wal),
        ),
        "export": timed(
            ["-m", "app", "export", str(project), str(out), "--format", "coco", "--images", "link"],
            repeats,
            _set_aside(out),
        ),
    }
    return figures  # the folder goes with the benchmark's temporary folder, once every size is measured


_PYCOCOTOOLS = """
import contextlib, io, sys
from pycocotools.coco import COCO
with contextlib.redirect_stdout(io.StringIO()):
    COCO(sys.argv[1])
"""


def main() -> None:
    sizes = [int(s) for s in os.environ.get("LABELASSIST_BENCH_DATASET_SIZES", "").split(",") if s] or SIZES
    started = time.perf_counter()
    results: dict[int, dict[str, tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="labelassist-bench-datasets-") as tmp:
        for images in sizes:
            results[images] = figures = measure(Path(tmp), images)
            coco_s, coco_rss = figures["pycocotools"]
            n = f"{images:,} images"
            line(f"pycocotools COCO() load, {n}", seconds(coco_s), note=f"peak RSS {mib(coco_rss)}")
            s, rss = figures["import"]
            goal = f"≤ {IMPORT_FACTOR:g} × pycocotools = {IMPORT_FACTOR * coco_s:.2f} s"
            line(f"labelassist import coco, {n}", seconds(s), goal, f"peak RSS {mib(rss)}")
            s, rss = figures["export"]
            goal = f"≤ {EXPORT_GOAL_S:g} s" if images == SIZES[0] else "linear"
            line(f"labelassist export coco --images link, {n}", seconds(s), goal, f"peak RSS {mib(rss)}")
    _slopes(results)
    print(f"(bench_datasets took {time.perf_counter() - started:.0f} s)", flush=True)


def _slopes(results: dict[int, dict[str, tuple[float, int]]]) -> None:
    """Seconds per 1,000 images between each pair of sizes: equal slopes are a straight line."""
    sizes = sorted(results)
    for what in ("pycocotools", "import", "export"):
        for a, b in zip(sizes, sizes[1:], strict=False):
            slope = (results[b][what][0] - results[a][what][0]) / ((b - a) / 1000)
            line(
                f"{what} slope, {a // 1000}k → {b // 1000}k images",
                f"{slope * 1000:.1f} ms",
                note="per 1,000 images",
            )


if __name__ == "__main__":
    main()
