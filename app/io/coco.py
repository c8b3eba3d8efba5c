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

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.io.dataset import Issue, SourceAnnotation, SourceDataset, SourceImage
from app.io.progress import Progress
from app.io.shapes import FlatPolygon, polygon_and_extent
from app.io.source_files import load_json, pick_file, plain_error, read_error
from app.models import ImageStatus, Provenance, Source, Tag, TagKind
from app.models.geometry import Box, Keypoint, Keypoints, Polygon, Visibility

ANNOTATIONS_FILE = "annotations.json"
EXTENSION = "labelassist"
PROGRESS_STEP = 1000  # annotations read between two reports

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
    facts = {i: _facts(c) for i, c in cats.items()}
    # Categories whose annotations may take the fast path: neither keypoints nor our export's boxes.
    plain = {i: tag for i, (tag, names, boxes) in facts.items() if not names and not boxes}
    manual = Provenance()  # one for every annotation the file says nothing about: imported now, by hand
    kinds: dict[int, set[TagKind]] = {}
    polygon_cats: set[int] = set()  # categories with a polygon read by the fast path
    for i, raw in enumerate(anns):
        # Each entry is let go once read (its coordinates live on in the dataset): the parsed file and the
        # dataset read from it are never both whole in memory.
        anns[i] = None
        if i % PROGRESS_STEP == 0:
            progress.advance(min(PROGRESS_STEP, len(anns) - i))
        fast = _read_plain_polygon(raw, images, plain, manual)
        if fast is not None:
            polygon_cats.add(raw["category_id"])
            continue
        entry = (
            f"annotation {raw.get('id', f'#{i + 1}')}" if isinstance(raw, dict) else f"annotation #{i + 1}"
        )
        try:
            image, cat, found = _read_annotation(raw, images, cats, facts, entry, manual)
        except (ValueError, TypeError, KeyError, ValidationError) as e:
            data.issues.append(Issue(name, entry, plain_error(e)))
            continue
        image.annotations.extend(found)
        kinds.setdefault(cat["id"], set()).update(a.kind for a in found)
        if isinstance(raw.get("segmentation"), dict):
            data.notes.append(f"{name}, {entry}: RLE mask traced into {len(found)} polygon(s)")
        elif len(found) > 1:
            data.notes.append(f"{name}, {entry}: {len(found)} polygon parts became {len(found)} annotations")
    for cat_id in polygon_cats:
        kinds.setdefault(cat_id, set()).add(TagKind.POLYGON)
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
        path, found = locate(im["file_name"])
        images[im["id"]] = SourceImage(
            path=path,
            file=name,
            entry=f"image {im['id']} ({im['file_name']})",
            width=_int(im.get("width")),
            height=_int(im.get("height")),
            status=ImageStatus(status) if status in ImageStatus._value2member_map_ else None,
            found=found,
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

    def __call__(self, file_name: str) -> tuple[Path, bool]:
        """Where the image is, and whether it is there."""
        for i, base in enumerate(self.bases):
            candidate = base / file_name
            if candidate.is_file():
                self.bases.insert(0, self.bases.pop(i))
                return candidate, True
        return self.folder / file_name, False


def _read_plain_polygon(
    raw: Any, images: dict[int, SourceImage], plain: dict[int, str], manual: Provenance
) -> SourceAnnotation | None:
    """The annotation added to its image, when it is what nearly every annotation of a dataset is: one
    plainly good polygon of a known image and category, with no score or extension of ours. None for
    anything else, which `_read_annotation` reads (and explains, if it is wrong)."""
    if type(raw) is not dict or "id" not in raw or EXTENSION in raw or "score" in raw:
        return None
    seg, image_id, category_id = raw.get("segmentation"), raw.get("image_id"), raw.get("category_id")
    if not (type(seg) is list and len(seg) == 1 and type(seg[0]) is list and type(image_id) is int):
        return None
    image, tag = images.get(image_id), plain.get(category_id) if type(category_id) is int else None
    if image is None or tag is None:
        return None
    try:
        polygon, extent = polygon_and_extent(seg[0])
    except (ValueError, TypeError, ValidationError):
        return None
    if not isinstance(polygon, FlatPolygon):
        return None
    found = SourceAnnotation(tag, TagKind.POLYGON, polygon, f"annotation {raw['id']}", manual, (), extent)
    image.annotations.append(found)
    return found


def _read_annotation(
    raw: Any,
    images: dict[int, SourceImage],
    cats: dict[int, dict[str, Any]],
    facts: dict[int, _Facts],
    entry: str,
    manual: Provenance,
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
    prov = _provenance(raw, manual)
    tag, names, boxes = facts[category_id]
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
    seg = None if boxes else raw.get("segmentation")  # our own export's box: its segmentation is the box
    if isinstance(seg, dict):
        polygons = _trace_rle(seg)
        return image, cat, [SourceAnnotation(tag, TagKind.POLYGON, p, entry, prov) for p in polygons]
    if isinstance(seg, list) and seg:
        parts = seg if isinstance(seg[0], list) else [seg]
        found = []
        for part in parts:
            polygon, extent = polygon_and_extent(part)
            found.append(SourceAnnotation(tag, TagKind.POLYGON, polygon, entry, prov, extent=extent))
        return image, cat, found
    bbox = raw.get("bbox")
    if not isinstance(bbox, list) or len(bbox) != 4:
        raise ValueError("no segmentation and no 'bbox' of four numbers")
    x, y, w, h = (float(v) for v in bbox)
    if w < 0 or h < 0:
        raise ValueError(f"bbox {bbox} has a negative width or height")
    box = Box(x1=x, y1=y, x2=x + w, y2=y + h)
    return image, cat, [SourceAnnotation(tag, TagKind.BOX, box, entry, prov)]


# A category's tag name, point names, and whether our own export marked it a box tag: worked out once
# for all of the category's annotations.
_Facts = tuple[str, tuple[str, ...], bool]


def _facts(cat: dict[str, Any]) -> _Facts:
    ext = cat.get(EXTENSION) if isinstance(cat.get(EXTENSION), dict) else {}
    names = tuple(cat.get("keypoints") or ())
    return str(cat["name"]).strip(), names, ext.get("kind") == TagKind.BOX.value


def _trace_rle(seg: dict[str, Any]) -> list[Polygon]:
    from app import masks  # OpenCV and pycocotools: loaded only for a dataset with RLE masks

    polygons = [Polygon(points=p.points) for p in masks.outlines(masks.decode_rle(seg))]
    if not polygons:
        raise ValueError("the RLE mask is empty")
    return polygons


def _provenance(raw: dict[str, Any], manual: Provenance) -> Provenance:
    ext = raw.get(EXTENSION)
    if isinstance(ext, dict):
        try:
            return Provenance.model_validate(ext)
        except ValidationError:
            pass
    score = raw.get("score")
    if isinstance(score, int | float) and 0.0 <= score <= 1.0:
        return Provenance(source=Source.MODEL, score=float(score))
    return manual


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
