"""COCO: one JSON file with images, categories and annotations (boxes, polygon or RLE segmentation, keypoints).

Export: `annotations.json` with the images in `images/`. Keypoint categories carry their `keypoints` names and
a 1-based `skeleton`, as COCO's person category does; boxes and keypoints carry their box as segmentation so
that every annotation rasterises in pycocotools. A model's score is the annotation's `score`; the full
provenance, and each category's kind and colour, live in a `labelassist` extension field other tools ignore;
who drew an annotation and who changed it last are its `attributes` `author` and `editor`.
Import: polygons as polygons (one annotation per part), RLE masks traced into polygons, `bbox` as a box
where there is no segmentation, keypoints where the category names points.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app import masks
from app.io.dataset import ExportResult, Issue, SourceAnnotation, SourceDataset, SourceImage
from app.io.images import place
from app.io.progress import Progress
from app.io.project_view import ProjectView
from app.io.shapes import box_corners, flat, pairs, polygon_area
from app.io.source_files import load_json, pick_file, plain_error, read_error
from app.models import Annotation, ImageStatus, Provenance, Source, Tag, TagKind
from app.models.geometry import Box, Keypoint, Keypoints, Polygon, Visibility

ANNOTATIONS_FILE = "annotations.json"
EXTENSION = "labelassist"

# ---- export --------------------------------------------------------------------------------------


def write(view: ProjectView, out: Path, options: Any, progress: Progress) -> ExportResult:
    result = ExportResult(out)
    categories = [_category(t) for t in view.tags.values()]
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for item in view.items(progress, "Writing COCO"):
        place(item.path, out / "images" / item.name, options.images)
        image_id = len(images) + 1
        images.append(
            {
                "id": image_id,
                "file_name": item.name,
                "width": item.width,
                "height": item.height,
                EXTENSION: {"path": item.record.path, "status": item.record.status.value},
            }
        )
        for a in item.annotations:
            annotations.append(_annotation(a, len(annotations) + 1, image_id))
    progress.check()
    doc = {
        "info": {"description": "Exported by LabelAssist", "version": "1.0"},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
    (out / ANNOTATIONS_FILE).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result.images, result.annotations = len(images), len(annotations)
    result.files.append(ANNOTATIONS_FILE)
    result.left_out += view.missing_note()
    return result


def _category(tag: Tag) -> dict[str, Any]:
    cat: dict[str, Any] = {"id": tag.id, "name": tag.name, "supercategory": ""}
    if tag.kind == TagKind.KEYPOINTS:
        cat["keypoints"] = list(tag.keypoint_names)
        cat["skeleton"] = [[a + 1, b + 1] for a, b in tag.skeleton]
    cat[EXTENSION] = {"kind": tag.kind.value, "color": tag.color}
    return cat


def _annotation(a: Annotation, ann_id: int, image_id: int) -> dict[str, Any]:
    g = a.geometry
    b = g.bounds()
    out: dict[str, Any] = {
        "id": ann_id,
        "image_id": image_id,
        "category_id": a.tag_id,
        "iscrowd": 0,
        "bbox": [round(b.x1, 2), round(b.y1, 2), round(b.width, 2), round(b.height, 2)],
        # Boxes and keypoints get their box as segmentation: pycocotools' annToMask and COCOeval("segm")
        # fail on an empty one, and our category kind tells the import it is a box.
        "area": round(b.width * b.height, 2),
        "segmentation": [flat(box_corners(b))],
    }
    if isinstance(g, Polygon):
        out["segmentation"] = [flat(g.points)]
        out["area"] = round(polygon_area(g.points), 2)
    elif isinstance(g, Keypoints):
        out["keypoints"] = [v for p in g.points for v in (round(p.x, 2), round(p.y, 2), int(p.v))]
        out["num_keypoints"] = len(g.labelled())
    if a.provenance.score is not None:
        out["score"] = a.provenance.score
    # Who drew it and who changed it last, where CVAT's COCO keeps an annotation's own attributes.
    out["attributes"] = {"author": a.author, "editor": a.editor}
    out[EXTENSION] = a.provenance.model_dump(mode="json")
    return out


# ---- import --------------------------------------------------------------------------------------


def read(src: Path, progress: Progress) -> SourceDataset:
    """Read a COCO file (or the one JSON file in a folder)."""
    path = pick_file(src, "*.json", preferred=(ANNOTATIONS_FILE,))
    doc = load_json(path)
    name = path.name
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        raise read_error(name, "", "not a COCO file: it has no 'images' list")
    for key in ("annotations", "categories"):
        if not isinstance(doc.get(key, []), list):
            raise read_error(name, "", f"'{key}' is not a list")
    data = SourceDataset()
    cats = _read_categories(doc.get("categories", []), name, data)
    images = _read_images(doc["images"], path.parent, name, data)
    anns = doc.get("annotations", [])
    progress.start(len(anns), "Reading COCO")
    kinds: dict[int, set[TagKind]] = {}
    for i, raw in enumerate(anns):
        progress.advance()
        entry = (
            f"annotation {raw.get('id', f'#{i + 1}')}" if isinstance(raw, dict) else f"annotation #{i + 1}"
        )
        try:
            image, cat, found = _read_annotation(raw, images, cats, entry, name)
        except (ValueError, TypeError, KeyError, ValidationError) as e:
            data.issues.append(Issue(name, entry, plain_error(e)))
            continue
        image.annotations.extend(found)
        kinds.setdefault(cat["id"], set()).update(a.kind for a in found)
        if isinstance(raw.get("segmentation"), dict):
            data.notes.append(f"{name}, {entry}: RLE mask traced into {len(found)} polygon(s)")
        elif len(found) > 1:
            data.notes.append(f"{name}, {entry}: {len(found)} polygon parts became {len(found)} annotations")
    data.tags = [_declared_tag(c, kinds.get(c["id"], set())) for c in cats.values()]
    for c in cats.values():
        ext = c.get(EXTENSION)
        if isinstance(ext, dict) and isinstance(ext.get("color"), str):
            data.colors[str(c["name"]).strip()] = ext["color"]
    data.images = list(images.values())
    return data


def _read_categories(raw: list[Any], name: str, data: SourceDataset) -> dict[int, dict[str, Any]]:
    cats: dict[int, dict[str, Any]] = {}
    for i, c in enumerate(raw):
        entry = f"category #{i + 1}"
        if not isinstance(c, dict) or not isinstance(c.get("id"), int) or not str(c.get("name", "")).strip():
            raise read_error(name, entry, "a category needs an integer 'id' and a 'name'")
        kps = c.get("keypoints") or []
        if not isinstance(kps, list) or not all(isinstance(k, str) for k in kps):
            raise read_error(name, f"category '{c['name']}'", "'keypoints' must be a list of point names")
        cats[c["id"]] = c
    return cats


def _read_images(raw: list[Any], folder: Path, name: str, data: SourceDataset) -> dict[int, SourceImage]:
    images: dict[int, SourceImage] = {}
    locate = _ImageFinder(folder)
    for i, im in enumerate(raw):
        entry = f"image #{i + 1}"
        if not isinstance(im, dict) or "id" not in im or not isinstance(im.get("file_name"), str):
            raise read_error(name, entry, "an image needs an 'id' and a 'file_name'")
        ext = im.get(EXTENSION) if isinstance(im.get(EXTENSION), dict) else {}
        status = ext.get("status")
        images[im["id"]] = SourceImage(
            path=locate(im["file_name"]),
            file=name,
            entry=f"image {im['id']} ({im['file_name']})",
            width=_int(im.get("width")),
            height=_int(im.get("height")),
            status=ImageStatus(status) if status in ImageStatus._value2member_map_ else None,
        )
    return images


class _ImageFinder:
    """COCO names images relative to an images folder that sits beside or above the JSON (`images/`,
    or `val2017/` beside `annotations/`); the folder that held the last image is tried first."""

    def __init__(self, folder: Path) -> None:
        near = [folder, folder / "images", folder.parent / "images", folder.parent]
        in_layout = folder.name == "annotations" and folder.parent.is_dir()  # COCO's own: val2017/ beside it
        siblings = (
            [d for d in sorted(folder.parent.iterdir()) if d.is_dir() and d != folder] if in_layout else []
        )
        self.bases = list(dict.fromkeys([*near, *siblings]))
        self.folder = folder

    def __call__(self, file_name: str) -> Path:
        for i, base in enumerate(self.bases):
            candidate = base / file_name
            if candidate.is_file():
                self.bases.insert(0, self.bases.pop(i))
                return candidate
        return self.folder / file_name


def _read_annotation(
    raw: Any, images: dict[int, SourceImage], cats: dict[int, dict[str, Any]], entry: str, name: str
) -> tuple[SourceImage, dict[str, Any], list[SourceAnnotation]]:
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    image_id, category_id = raw.get("image_id"), raw.get("category_id")
    image = images.get(image_id) if isinstance(image_id, int) else None
    if image is None:
        raise ValueError(f"image_id {raw.get('image_id')!r} is not among the file's images")
    cat = cats.get(category_id) if isinstance(category_id, int) else None
    if cat is None:
        raise ValueError(f"unknown category_id {raw.get('category_id')!r}")
    prov = _provenance(raw)
    tag = str(cat["name"]).strip()
    names = tuple(cat.get("keypoints") or ())
    if names:
        kps = raw.get("keypoints")
        if not isinstance(kps, list) or len(kps) != 3 * len(names):
            raise ValueError(
                f"'keypoints' must hold {3 * len(names)} numbers for '{tag}' ({len(names)} points)"
            )
        points = [
            Keypoint(x=kps[i], y=kps[i + 1], v=Visibility(int(kps[i + 2]))) for i in range(0, len(kps), 3)
        ]
        geometry: Any = Keypoints(points=tuple(points))
        return image, cat, [SourceAnnotation(tag, TagKind.KEYPOINTS, geometry, entry, prov, names)]
    seg = raw.get("segmentation")
    ext = cat.get(EXTENSION) if isinstance(cat.get(EXTENSION), dict) else {}
    if ext.get("kind") == TagKind.BOX.value:
        seg = None  # our own export: the segmentation is only the box again
    if isinstance(seg, dict):
        polygons = _trace_rle(seg)
        return image, cat, [SourceAnnotation(tag, TagKind.POLYGON, p, entry, prov) for p in polygons]
    if isinstance(seg, list) and seg:
        parts = seg if isinstance(seg[0], list) else [seg]
        polygons = [Polygon(points=tuple(pairs(p))) for p in parts]
        return image, cat, [SourceAnnotation(tag, TagKind.POLYGON, p, entry, prov) for p in polygons]
    bbox = raw.get("bbox")
    if not isinstance(bbox, list) or len(bbox) != 4:
        raise ValueError("no segmentation and no 'bbox' of four numbers")
    x, y, w, h = (float(v) for v in bbox)
    if w < 0 or h < 0:
        raise ValueError(f"bbox {bbox} has a negative width or height")
    box = Box(x1=x, y1=y, x2=x + w, y2=y + h)
    return image, cat, [SourceAnnotation(tag, TagKind.BOX, box, entry, prov)]


def _trace_rle(seg: dict[str, Any]) -> list[Polygon]:
    polygons = [Polygon(points=p.points) for p in masks.outlines(masks.decode_rle(seg))]
    if not polygons:
        raise ValueError("the RLE mask is empty")
    return polygons


def _provenance(raw: dict[str, Any]) -> Provenance:
    ext = raw.get(EXTENSION)
    if isinstance(ext, dict):
        try:
            return Provenance.model_validate(ext)
        except ValidationError:
            pass
    score = raw.get("score")
    if isinstance(score, int | float) and 0.0 <= score <= 1.0:
        return Provenance(source=Source.MODEL, score=float(score))
    return Provenance()


def _declared_tag(cat: dict[str, Any], used: set[TagKind]) -> Tag:
    ext = cat.get(EXTENSION) if isinstance(cat.get(EXTENSION), dict) else {}
    names = tuple(cat.get("keypoints") or ())
    if names:
        skeleton = tuple(
            (int(a) - 1, int(b) - 1)
            for a, b in cat.get("skeleton") or ()
            if 0 < int(a) <= len(names) and 0 < int(b) <= len(names) and a != b
        )
        kind = TagKind.KEYPOINTS
    else:
        skeleton = ()
        kind = (
            TagKind(ext["kind"])
            if ext.get("kind") in ("box", "polygon")
            else (TagKind.POLYGON if used == {TagKind.POLYGON} else TagKind.BOX)
        )
    return Tag(name=str(cat["name"]), kind=kind, keypoint_names=names, skeleton=skeleton)


def _int(v: Any) -> int:
    return int(v) if isinstance(v, int | float) and v > 0 else 0
