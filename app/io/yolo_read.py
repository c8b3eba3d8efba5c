"""Reading YOLO datasets in the Ultralytics layout (see app/io/yolo.py for the layout): a data.yaml, its
folder, or a folder of such datasets; label lines are checked one by one and bad ones named with their file."""

from __future__ import annotations

from itertools import cycle
from pathlib import Path
from typing import Any

import yaml

from app.io.dataset import Issue, SourceAnnotation, SourceDataset, SourceImage, anonymous_names
from app.io.images import image_size
from app.io.progress import Progress
from app.io.shapes import box_from_corners, is_finite, polygon_and_extent
from app.io.source_files import read_error
from app.io.yolo import IMAGE_SUFFIXES, TASKS
from app.models import Provenance, Source, Tag, TagKind
from app.models.geometry import Keypoint, Keypoints, Visibility


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
                found += [
                    (base / ln.strip()) if not Path(ln.strip()).is_absolute() else Path(ln.strip())
                    for ln in lines
                    if ln.strip()
                ]
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
    image: Path,
    base: Path,
    names: dict[int, str],
    kpt: tuple[int, int] | None,
    point_names: dict[int, tuple[str, ...]],
    data: SourceDataset,
) -> SourceImage:
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
            data.issues.append(
                Issue(rel, f"line {n}", f"cannot read the image {image.name} to place the labels")
            )
            continue
        try:
            out.annotations.append(_parse_line(text.split(), names, kpt, point_names, size, f"line {n}"))
        except ValueError as e:
            data.issues.append(Issue(rel, f"line {n}", str(e)))
    if size is not None:
        out.width, out.height = size
    return out


def _parse_line(
    tokens: list[str],
    names: dict[int, str],
    kpt: tuple[int, int] | None,
    point_names: dict[int, tuple[str, ...]],
    size: tuple[int, int],
    entry: str,
) -> SourceAnnotation:
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
            raise ValueError(
                f"a pose line holds {5 + k * d} values (kpt_shape [{k}, {d}]), this one {len(values) + 1}"
            )
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
        box = box_from_corners((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h)
        prov = (
            Provenance(source=Source.MODEL, score=values[4])
            if len(values) == 5 and 0 <= values[4] <= 1
            else Provenance()
        )
        return SourceAnnotation(names[c], TagKind.BOX, box, entry, prov)
    if len(values) >= 6 and len(values) % 2 == 0:
        scaled = [v * s for v, s in zip(values, cycle((w, h)))]
        polygon, extent = polygon_and_extent(scaled)
        return SourceAnnotation(names[c], TagKind.POLYGON, polygon, entry, extent=extent)
    raise ValueError(f"{len(tokens)} values are neither a box (5) nor a polygon (odd, 7 or more)")
