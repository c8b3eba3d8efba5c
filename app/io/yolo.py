"""YOLO in the Ultralytics layout: `images/<split>/x.jpg`, `labels/<split>/x.txt`, and a `data.yaml`.

One label line per object, coordinates normalised to 0–1: detect `class cx cy w h`, segment `class x y x y …`,
pose `class cx cy w h x y v …` with `kpt_shape: [K, 3]` and a `flip_idx` when point names say left/right.
A dataset has one task, so a project with boxes, polygons and keypoints exports (task "auto") one dataset
per kind, in `detect/`, `segment/` and `pose/`; a single kind goes straight into the folder. `data.yaml`
also carries `kpt_names` (as Ultralytics reads them) and, under `labelassist`, skeletons and colours.
This module writes them; app/io/yolo_read.py reads them back.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.io.dataset import (
    YOLO_TASKS,
    ExportResult,
)
from app.io.images import Folders, place
from app.io.progress import Progress
from app.io.project_view import ExportItem, ProjectView
from app.io.shapes import box_corners
from app.models import Tag, TagKind
from app.models.geometry import Box, Keypoint, Keypoints, Polygon

TASKS = YOLO_TASKS
TASK_OF_KIND = {TagKind.BOX: "detect", TagKind.POLYGON: "segment", TagKind.KEYPOINTS: "pose"}
KIND_OF_TASK = {v: k for k, v in TASK_OF_KIND.items()}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".dng", ".mpo", ".pfm")

# ---- export --------------------------------------------------------------------------------------


def write(view: ProjectView, out: Path, options: Any, progress: Progress) -> ExportResult:
    classes = _classes(view, options.task)
    nested = len(classes) > 1
    writers = [
        _TaskWriter(out / task if nested else out, task, tags, options.images)
        for task, tags in classes.items()
    ]
    val = _val_split([r.path for r in view.images], options.val_fraction)
    result = ExportResult(out)
    written = left = 0
    for item in view.items(progress, "Writing YOLO"):
        split = "val" if item.record.path in val else "train"
        placed = sum(w.add(item, split) for w in writers)
        written += placed
        left += len(item.annotations) - placed
        result.images += 1
    for w in writers:
        result.files.append(w.finish(bool(val)).relative_to(out).as_posix())
    result.annotations = written
    if left:
        result.left_out.append(f"{left} annotation(s) that a YOLO {options.task} dataset cannot hold")
    result.left_out += view.missing_note()
    return result


def _classes(view: ProjectView, task: str) -> dict[str, list[Tag]]:
    """The class list of each dataset to write."""
    if task == "detect":
        return {"detect": list(view.tags.values())}
    if task == "segment":
        return {"segment": view.tags_of(TagKind.BOX, TagKind.POLYGON)}
    if task == "pose":
        return {"pose": view.tags_of(TagKind.KEYPOINTS)}
    by_task = {t: [tag for tag in view.tags.values() if TASK_OF_KIND[tag.kind] == t] for t in TASKS}
    return {t: tags for t, tags in by_task.items() if tags} or {"detect": []}


def _val_split(paths: list[str], fraction: float) -> set[str]:
    """A stable share of the images for validation (the same images every time for the same project)."""
    n = round(len(paths) * min(max(fraction, 0.0), 1.0))
    return set(sorted(paths, key=lambda p: (zlib.crc32(p.encode()), p))[:n])


@dataclass
class _TaskWriter:
    root: Path
    task: str
    tags: list[Tag]
    placement: str
    index: dict[int, int] = field(init=False)
    points: int = field(init=False)
    folders: Folders = field(init=False, default_factory=Folders)

    def __post_init__(self) -> None:
        self.index = {t.id: i for i, t in enumerate(self.tags)}  # type: ignore[misc]
        self.points = max((len(t.keypoint_names) for t in self.tags), default=0)

    def add(self, item: ExportItem, split: str) -> int:
        """Place the image and write its label file; returns how many annotations it holds."""
        place(item.path, self.root / "images" / split / item.name, self.placement, self.folders)
        lines = [
            line
            for a in item.annotations
            if a.tag_id in self.index and (line := self._line(a.tag_id, a.geometry, item))
        ]
        label = self.root / "labels" / split / (Path(item.name).stem + ".txt")
        label.parent.mkdir(parents=True, exist_ok=True)
        label.write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
        return len(lines)

    def _line(self, tag_id: int, g: Box | Polygon | Keypoints, item: ExportItem) -> str:
        w, h = item.width, item.height
        c = self.index[tag_id]
        if self.task == "segment":
            pts = box_corners(g) if isinstance(g, Box) else g.points  # type: ignore[union-attr]
            return f"{c} " + " ".join(f"{_n(x / w)} {_n(y / h)}" for x, y in pts)
        b = g.bounds()
        head = f"{c} {_n((b.x1 + b.x2) / 2 / w)} {_n((b.y1 + b.y2) / 2 / h)} {_n(b.width / w)} {_n(b.height / h)}"
        if self.task == "detect":
            return head
        pts = list(g.points) + [Keypoint()] * (self.points - len(g.points))  # type: ignore[union-attr]
        return head + "".join(f" {_n(p.x / w)} {_n(p.y / h)} {int(p.v)}" for p in pts)

    def finish(self, has_val: bool) -> Path:
        for split in ("train", "val") if has_val else ("train",):
            (self.root / "images" / split).mkdir(parents=True, exist_ok=True)
            (self.root / "labels" / split).mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = {
            "train": "images/train",
            "val": "images/val" if has_val else "images/train",
            "nc": len(self.tags),
            "names": {i: t.name for i, t in enumerate(self.tags)},
        }
        if self.task == "pose":
            data["kpt_shape"] = [self.points, 3]
            names = {t.keypoint_names for t in self.tags}
            if len(names) == 1 and (flip := flip_index(next(iter(names)))) is not None:
                data["flip_idx"] = flip
            data["kpt_names"] = {i: list(t.keypoint_names) for i, t in enumerate(self.tags)}
        data["labelassist"] = {
            t.name: {"color": t.color, **({"skeleton": [list(e) for e in t.skeleton]} if t.skeleton else {})}
            for t in self.tags
        }
        path = self.root / "data.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path


def _n(v: float) -> str:
    return f"{min(max(v, 0.0), 1.0):.6f}"


def flip_index(names: tuple[str, ...]) -> list[int] | None:
    """For horizontal-flip augmentation: each point's mirror (LEFT_EYE ↔ RIGHT_EYE); None if no pair."""
    lower = [n.lower() for n in names]
    where = {n: i for i, n in enumerate(lower)}
    out, paired = [], False
    for i, n in enumerate(lower):
        twin = n.replace("left", "\0").replace("right", "left").replace("\0", "right")
        j = where.get(twin, i) if twin != n else i
        paired = paired or j != i
        out.append(j)
    return out if paired else None
