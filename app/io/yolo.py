"""YOLO in the Ultralytics layout: `images/<split>/x.jpg`, `labels/<split>/x.txt`, and a `data.yaml`.

One label line per object, coordinates normalised to 0–1: detect `class cx cy w h`, segment `class x y x y …`,
pose `class cx cy w h x y v …` with `kpt_shape: [K, 3]` and a `flip_idx` when point names say left/right.
A dataset has one task, so a project with boxes, polygons and keypoints exports (task "auto") one dataset
per kind, in `detect/`, `segment/` and `pose/`; a single kind goes straight into the folder. `data.yaml`
also carries `kpt_names` (as Ultralytics reads them) and, under `labelassist`, skeletons and colours.
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
    Issue,
    SourceAnnotation,
    SourceDataset,
    SourceImage,
    anonymous_names,
)
from app.io.images import image_size, place
from app.io.progress import Progress
from app.io.project_view import ExportItem, ProjectView
from app.io.shapes import box_corners, is_finite, pairs
from app.io.source_files import read_error
from app.models import Provenance, Source, Tag, TagKind
from app.models.geometry import Box, Keypoint, Keypoints, Polygon, Visibility

TASKS = YOLO_TASKS
TASK_OF_KIND = {TagKind.BOX: "detect", TagKind.POLYGON: "segment", TagKind.KEYPOINTS: "pose"}
KIND_OF_TASK = {v: k for k, v in TASK_OF_KIND.items()}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".dng", ".mpo", ".pfm")

# ---- export --------------------------------------------------------------------------------------


def write(view: ProjectView, out: Path, options: Any, progress: Progress) -> ExportResult:
    classes = _classes(view, options.task)
    nested = len(classes) > 1
    writers = [_TaskWriter(out / task if nested else out, task, tags, options.images) for task, tags in classes.items()]
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

    def __post_init__(self) -> None:
        self.index = {t.id: i for i, t in enumerate(self.tags)}  # type: ignore[misc]
        self.points = max((len(t.keypoint_names) for t in self.tags), default=0)

    def add(self, item: ExportItem, split: str) -> int:
        """Place the image and write its label file; returns how many annotations it holds."""
        place(item.path, self.root / "images" / split / item.name, self.placement)
        lines = [line for a in item.annotations if a.tag_id in self.index and (line := self._line(a.tag_id, a.geometry, item))]
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
            "train": "images/train", "val": "images/val" if has_val else "images/train",
            "nc": len(self.tags), "names": {i: t.name for i, t in enumerate(self.tags)},
        }  # fmt: skip
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


# ---- import --------------------------------------------------------------------------------------


def read(src: Path, progress: Progress) -> SourceDataset:
    """Read a YOLO dataset: a data.yaml, its folder, or a folder of such datasets (detect/, segment/, pose/)."""
    yamls = _data_yamls(src)
    data = SourceDataset()
    for path in yamls:
        _read_one(path, data, progress)
    return data


def _data_yamls(src: Path) -> list[Path]:
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise read_error(str(src), "", "no such file or folder")
    for name in ("data.yaml", "data.yml", "dataset.yaml"):
        if (src / name).is_file():
            return [src / name]
    nested = [src / t / "data.yaml" for t in TASKS if (src / t / "data.yaml").is_file()]
    if nested:
        return nested
    found = sorted(src.glob("*.yaml"))
    if len(found) == 1:
        return found
    raise read_error(str(src), "", "no data.yaml here (nor in detect/, segment/ or pose/ below it)")


def _read_one(path: Path, data: SourceDataset, progress: Progress) -> None:
    spec = _load_yaml(path)
    base = path.parent / spec["path"] if isinstance(spec.get("path"), str) else path.parent
    names = _names(spec, path.name)
    kpt = _kpt_shape(spec, path.name)
    ext = spec.get("labelassist") if isinstance(spec.get("labelassist"), dict) else {}
    kpt_names = spec.get("kpt_names") if isinstance(spec.get("kpt_names"), dict) else {}
    point_names = {i: _point_names(kpt_names.get(i), kpt) for i in names}
    for i, n in names.items():
        meta = ext.get(n) if isinstance(ext.get(n), dict) else {}
        if isinstance(meta.get("color"), str):
            data.colors.setdefault(n, meta["color"])
        if kpt:
            skeleton = tuple(tuple(e) for e in meta.get("skeleton", ()) if len(e) == 2)
            data.tags.append(_pose_tag(n, point_names[i], skeleton))
    images = _image_files(spec, base, path.name)
    progress.start(len(images), f"Reading {path.parent.name or 'YOLO'}")
    for image in images:
        progress.advance()
        data.images.append(_read_labels(image, base, names, kpt, point_names, data))


def _pose_tag(name: str, points: tuple[str, ...], skeleton: tuple) -> Tag:
    try:
        return Tag(name=name, kind=TagKind.KEYPOINTS, keypoint_names=points, skeleton=skeleton)
    except ValueError:
        return Tag(name=name, kind=TagKind.KEYPOINTS, keypoint_names=points)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise read_error(path.name, "", f"not valid YAML ({str(e).splitlines()[0]})") from e
    if not isinstance(spec, dict):
        raise read_error(path.name, "", "not a YOLO data.yaml (expected a mapping with 'names')")
    return spec


def _names(spec: dict[str, Any], file: str) -> dict[int, str]:
    names = spec.get("names")
    if isinstance(names, list):
        out = dict(enumerate(names))
    elif isinstance(names, dict) and all(isinstance(k, int) for k in names):
        out = dict(names)
    else:
        raise read_error(file, "names", "expected a list of class names or a mapping {index: name}")
    if not all(isinstance(n, str) and n.strip() for n in out.values()):
        raise read_error(file, "names", "every class needs a name")
    return {i: str(n).strip() for i, n in out.items()}


def _kpt_shape(spec: dict[str, Any], file: str) -> tuple[int, int] | None:
    shape = spec.get("kpt_shape")
    if shape is None:
        return None
    if not (isinstance(shape, list) and len(shape) == 2 and shape[0] > 0 and shape[1] in (2, 3)):
        raise read_error(file, "kpt_shape", f"expected [points, 2 or 3], got {shape!r}")
    return int(shape[0]), int(shape[1])


def _point_names(given: Any, kpt: tuple[int, int] | None) -> tuple[str, ...]:
    if kpt is None:
        return ()
    if isinstance(given, list) and len(given) <= kpt[0] and all(isinstance(n, str) for n in given) and given:
        return tuple(given)
    return anonymous_names(kpt[0])


def _image_files(spec: dict[str, Any], base: Path, file: str) -> list[Path]:
    found: list[Path] = []
    for split in ("train", "val", "test"):
        entries = spec.get(split)
        for entry in entries if isinstance(entries, list) else [entries] if isinstance(entries, str) else []:
            where = base / entry
            if where.is_dir():
                found += sorted(p for p in where.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
            elif where.suffix == ".txt" and where.is_file():
                lines = where.read_text(encoding="utf-8").splitlines()
                found += [(base / ln.strip()) if not Path(ln.strip()).is_absolute() else Path(ln.strip())
                          for ln in lines if ln.strip()]  # fmt: skip
            else:
                raise read_error(file, split, f"'{entry}' is neither a folder nor a list of images")
    return list(dict.fromkeys(p.absolute() for p in found))


def _label_path(image: Path) -> Path:
    """Ultralytics' rule: the last `images` folder in the path becomes `labels`, the suffix `.txt`."""
    parts = list(image.parts)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            break
    return Path(*parts).with_suffix(".txt")


def _read_labels(
    image: Path, base: Path, names: dict[int, str], kpt: tuple[int, int] | None,
    point_names: dict[int, tuple[str, ...]], data: SourceDataset,
) -> SourceImage:  # fmt: skip
    label = _label_path(image)
    rel = label.relative_to(base).as_posix() if label.is_relative_to(base) else str(label)
    out = SourceImage(path=image, file=rel, entry=image.name)
    if not label.is_file():
        return out  # an image without a label file has no objects
    size = image_size(image)
    lines = label.read_text(encoding="utf-8", errors="replace").splitlines()
    for n, text in enumerate(lines, 1):
        if not text.strip():
            continue
        if size is None:
            data.issues.append(Issue(rel, f"line {n}", f"cannot read the image {image.name} to place the labels"))
            continue
        try:
            out.annotations.append(_parse_line(text.split(), names, kpt, point_names, size, f"line {n}"))
        except ValueError as e:
            data.issues.append(Issue(rel, f"line {n}", str(e)))
    if size is not None:
        out.width, out.height = size
    return out


def _parse_line(
    tokens: list[str], names: dict[int, str], kpt: tuple[int, int] | None,
    point_names: dict[int, tuple[str, ...]], size: tuple[int, int], entry: str,
) -> SourceAnnotation:  # fmt: skip
    if not tokens[0].isdigit() or int(tokens[0]) not in names:
        raise ValueError(f"unknown class {tokens[0]!r} (data.yaml names classes 0–{max(names, default=-1)})")
    c = int(tokens[0])
    try:
        values = [float(t) for t in tokens[1:]]
    except ValueError as e:
        raise ValueError(f"not a number: {e}") from None
    if not is_finite(values):
        raise ValueError("NaN or infinite coordinate")
    w, h = size
    if kpt is not None:
        k, d = kpt
        if len(values) != 4 + k * d:
            raise ValueError(f"a pose line holds {5 + k * d} values (kpt_shape [{k}, {d}]), this one {len(values) + 1}")
        pts = []
        for i in range(k):
            x, y, *v = values[4 + i * d : 4 + (i + 1) * d]
            vis = Visibility(int(v[0])) if v else (Visibility.VISIBLE if (x or y) else Visibility.UNLABELLED)
            pts.append(Keypoint(x=x * w, y=y * h, v=vis) if vis else Keypoint())
        names_c = point_names[c]
        geometry = Keypoints(points=tuple(pts[: len(names_c)]))
        return SourceAnnotation(names[c], TagKind.KEYPOINTS, geometry, entry, keypoint_names=names_c)
    if len(values) in (4, 5):
        cx, cy, bw, bh = values[:4]
        if bw < 0 or bh < 0:
            raise ValueError("negative width or height")
        box = Box(x1=(cx - bw / 2) * w, y1=(cy - bh / 2) * h, x2=(cx + bw / 2) * w, y2=(cy + bh / 2) * h)
        prov = Provenance(source=Source.MODEL, score=values[4]) if len(values) == 5 and 0 <= values[4] <= 1 else Provenance()
        return SourceAnnotation(names[c], TagKind.BOX, box, entry, prov)
    if len(values) >= 6 and len(values) % 2 == 0:
        polygon = Polygon(points=tuple((x * w, y * h) for x, y in pairs(values)))
        return SourceAnnotation(names[c], TagKind.POLYGON, polygon, entry)
    raise ValueError(f"{len(tokens)} values are neither a box (5) nor a polygon (odd, 7 or more)")

