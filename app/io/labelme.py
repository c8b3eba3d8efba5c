"""labelme JSON: one file per image, beside the image, with `rectangle`, `polygon` and `point` shapes.

A keypoint instance becomes `point` shapes that share a `group_id`, each labelled with its point name, with
the tag's name in `description` and `flags.occluded` for occluded points. The file's `labelassist` field
(kept by labelme as extra data) lists each keypoint tag's points and skeleton; each shape's own `labelassist`
field holds its provenance, and who drew it and who changed it last (`author`, `editor`).
On import, a `point` shape without a description is a one-point keypoint tag named by its label; circles,
lines and masks are skipped and counted.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.io.dataset import ExportResult, Issue, SourceAnnotation, SourceDataset, SourceImage
from app.io.images import Folders, place
from app.io.progress import Progress
from app.io.project_view import ProjectView
from app.io.shapes import box_from_corners, polygon_and_extent
from app.io.source_files import files_in, load_json, plain_error
from app.models import Annotation, Provenance, Tag, TagKind
from app.models.geometry import Box, Keypoint, Keypoints, Polygon, Visibility

VERSION = "5.5.0"
EXTENSION = "labelassist"

# ---- export --------------------------------------------------------------------------------------


def write(view: ProjectView, out: Path, options: Any, progress: Progress) -> ExportResult:
    result = ExportResult(out)
    folders = Folders()
    for item in view.items(progress, "Writing labelme"):
        place(item.path, out / item.name, options.images, folders)
        shapes: list[dict[str, Any]] = []
        used: dict[str, Tag] = {}
        group = 0  # each keypoint instance's points share a group_id
        for a in item.annotations:
            tag = view.tags[a.tag_id]
            used[tag.name] = tag
            group += tag.kind == TagKind.KEYPOINTS
            shapes += _shapes(a, tag, group)
        doc = {
            "version": VERSION,
            "flags": {},
            "shapes": shapes,
            "imagePath": item.name,
            "imageData": None,
            "imageHeight": item.height,
            "imageWidth": item.width,
            EXTENSION: {"tags": {t.name: _tag_spec(t) for t in used.values()}},
        }
        path = out / (Path(item.name).stem + ".json")
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        result.files.append(path.name)
        result.images += 1
        result.annotations += len(item.annotations)
    result.left_out += view.missing_note()
    return result


def _tag_spec(tag: Tag) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": tag.kind.value, "color": tag.color}
    if tag.kind == TagKind.KEYPOINTS:
        spec |= {"points": list(tag.keypoint_names), "skeleton": [list(e) for e in tag.skeleton]}
    return spec


def _shapes(a: Annotation, tag: Tag, group: int) -> list[dict[str, Any]]:
    g = a.geometry
    # Not in `description`: a point shape's names its keypoint tag, and labelme shows it as the shape's note.
    ext = {EXTENSION: a.provenance.model_dump(mode="json") | {"author": a.author, "editor": a.editor}}
    if isinstance(g, Box):
        return [_shape(tag.name, [[g.x1, g.y1], [g.x2, g.y2]], "rectangle", **ext)]
    if isinstance(g, Polygon):
        return [_shape(tag.name, [list(p) for p in g.points], "polygon", **ext)]
    return [
        _shape(
            name,
            [[p.x, p.y]],
            "point",
            group_id=group,
            description=tag.name,
            flags={"occluded": True} if p.v == Visibility.OCCLUDED else {},
            **ext,
        )
        for name, p in zip(tag.keypoint_names, g.points, strict=True)
        if p.v != Visibility.UNLABELLED
    ]


def _shape(label: str, points: list[list[float]], kind: str, **extra: Any) -> dict[str, Any]:
    shape = {
        "label": label,
        "points": [[round(x, 2), round(y, 2)] for x, y in points],
        "group_id": None,
        "description": "",
        "shape_type": kind,
        "flags": {},
        "mask": None,
    }
    shape.update(extra)
    return shape


# ---- import --------------------------------------------------------------------------------------


def read(src: Path, progress: Progress) -> SourceDataset:
    """Read one labelme file or every labelme JSON file under a folder."""
    files = files_in(src, ".json")
    data = SourceDataset()
    declared: dict[str, tuple[tuple[str, ...], tuple]] = {}
    pending: list[tuple[SourceImage, list[_Points]]] = []
    skipped: Counter[str] = Counter()
    progress.start(len(files), "Reading labelme")
    for path in files:
        progress.advance()
        name = path.relative_to(src).as_posix() if src.is_dir() else path.name
        try:
            doc = load_json(path)
        except Exception as e:  # a broken file is one issue; the others are still checked
            data.issues.append(Issue(name, "", str(e).split(": ", 1)[-1]))
            continue
        if (
            not isinstance(doc, dict)
            or not isinstance(doc.get("shapes"), list)
            or not isinstance(doc.get("imagePath"), str)
        ):
            data.issues.append(Issue(name, "", "not a labelme file (needs 'shapes' and 'imagePath')"))
            continue
        _declared_points(doc, declared, data.colors)
        image = SourceImage(
            path=path.parent / doc["imagePath"].replace("\\", "/"),
            file=name,
            entry=f"image {doc['imagePath']}",
        )
        image.width, image.height = _dim(doc.get("imageWidth")), _dim(doc.get("imageHeight"))
        points = _read_shapes(doc["shapes"], image, data, skipped)
        data.images.append(image)
        pending.append((image, points))
    for name, (points_of, skeleton) in declared.items():
        data.tags.append(_keypoint_tag(name, points_of, skeleton))
    names = _point_names(declared, [p for _, pts in pending for p in pts])
    for image, points in pending:
        _assemble_keypoints(image, points, names, data)
    data.notes += [
        f"skipped {n} labelme '{kind}' shape(s): LabelAssist has no such shape" for kind, n in skipped.items()
    ]
    return data


_Points = tuple[
    str, str, Any, float, float, bool, Provenance, str
]  # tag, point, group, x, y, occluded, prov, entry


def _read_shapes(
    shapes: list[Any], image: SourceImage, data: SourceDataset, skipped: Counter[str]
) -> list[_Points]:
    points: list[_Points] = []
    for i, s in enumerate(shapes, 1):
        label = str(s.get("label", "")).strip() if isinstance(s, dict) else ""
        entry = f"shape {i}" + (f" ({label})" if label else "")
        try:
            if not label:
                raise ValueError("a shape needs a label")
            kind = s.get("shape_type") or "polygon"
            pts = [(float(p[0]), float(p[1])) for p in s.get("points") or []]
            prov = _provenance(s.get(EXTENSION))
            if kind == "rectangle":
                if len(pts) != 2:
                    raise ValueError(f"a rectangle has 2 points, this one {len(pts)}")
                box = box_from_corners(pts[0][0], pts[0][1], pts[1][0], pts[1][1])
                image.annotations.append(SourceAnnotation(label, TagKind.BOX, box, entry, prov))
            elif kind == "polygon":
                polygon, extent = polygon_and_extent([v for p in pts for v in p])
                image.annotations.append(
                    SourceAnnotation(label, TagKind.POLYGON, polygon, entry, prov, extent=extent)
                )
            elif kind == "point":
                if len(pts) != 1:
                    raise ValueError(f"a point has 1 coordinate pair, this one {len(pts)}")
                tag = str(s.get("description") or "").strip() or label
                occluded = bool((s.get("flags") or {}).get("occluded"))
                points.append((tag, label, s.get("group_id"), *pts[0], occluded, prov, entry))
            else:
                skipped[str(kind)] += 1
        except (ValueError, TypeError, IndexError, AttributeError, ValidationError) as e:
            data.issues.append(Issue(image.file, entry, plain_error(e)))
    return points


def _point_names(
    declared: dict[str, tuple[tuple[str, ...], tuple]], points: list[_Points]
) -> dict[str, tuple[str, ...]]:
    """Each keypoint tag's point names: as the files declare them, else every label seen, in order."""
    names = {tag: spec[0] for tag, spec in declared.items()}
    seen: dict[str, dict[str, None]] = {}
    for p in points:
        if p[0] not in names:
            seen.setdefault(p[0], {})[p[1]] = None
    return names | {tag: tuple(labels) for tag, labels in seen.items()}


def _assemble_keypoints(
    image: SourceImage, points: list[_Points], names: dict[str, tuple[str, ...]], data: SourceDataset
) -> None:
    """Join point shapes into keypoint instances: one per (tag, group_id); points without a group stand alone."""
    groups: dict[tuple[str, Any], list[_Points]] = {}
    for n, p in enumerate(points):
        groups.setdefault((p[0], p[2] if p[2] is not None else f"single-{n}"), []).append(p)
    for (tag, _group), members in groups.items():
        order = names[tag]
        unknown = [m for m in members if m[1] not in order]
        if unknown:
            data.issues.append(
                Issue(
                    image.file,
                    unknown[0][7],
                    f"'{unknown[0][1]}' is not a point of '{tag}' ({', '.join(order)})",
                )
            )
            continue
        placed = {m[1]: m for m in members}
        kps = tuple(
            Keypoint(
                x=placed[n][3], y=placed[n][4], v=Visibility.OCCLUDED if placed[n][5] else Visibility.VISIBLE
            )
            if n in placed
            else Keypoint()
            for n in order
        )
        image.annotations.append(
            SourceAnnotation(
                tag, TagKind.KEYPOINTS, Keypoints(points=kps), members[0][7], members[0][6], order
            )
        )


def _keypoint_tag(name: str, points: tuple[str, ...], skeleton: tuple) -> Tag:
    try:
        return Tag(name=name, kind=TagKind.KEYPOINTS, keypoint_names=points, skeleton=skeleton)
    except ValidationError:
        return Tag(name=name, kind=TagKind.KEYPOINTS, keypoint_names=points)


def _declared_points(
    doc: dict[str, Any], declared: dict[str, tuple[tuple[str, ...], tuple]], colors: dict[str, str]
) -> None:
    """Keypoint tags' points and skeletons, and tags' colours, from the file's `labelassist` field."""
    ext = doc.get(EXTENSION)
    tags = ext.get("tags") if isinstance(ext, dict) else None
    for name, spec in tags.items() if isinstance(tags, dict) else ():
        if not isinstance(spec, dict):
            continue
        if isinstance(spec.get("color"), str):
            colors.setdefault(str(name), spec["color"])
        if isinstance(spec.get("points"), list) and spec["points"]:
            skeleton = tuple(
                tuple(e) for e in spec.get("skeleton") or () if isinstance(e, list) and len(e) == 2
            )
            declared.setdefault(str(name), (tuple(str(p) for p in spec["points"]), skeleton))


def _provenance(ext: Any) -> Provenance:
    if isinstance(ext, dict):
        try:
            return Provenance.model_validate({k: v for k, v in ext.items() if k in Provenance.model_fields})
        except ValidationError:
            pass
    return Provenance()


def _dim(v: Any) -> int:
    return int(v) if isinstance(v, int | float) and v > 0 else 0
