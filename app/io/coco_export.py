"""COCO export: `annotations.json` streamed to disk, with the images in `images/` (app/io/coco.py says what
the file holds).

The file is written in two passes, images then annotations, so that neither list is ever whole in memory;
each annotation goes from its stored row straight to COCO's dict, without the models in between. The bytes
are those of `json.dumps` of the whole document.
"""

from __future__ import annotations

import json
import re
from itertools import chain
from operator import mul, sub
from pathlib import Path
from typing import IO, Any

import orjson

from app.io.coco import ANNOTATIONS_FILE, EXTENSION
from app.io.dataset import ExportResult
from app.io.images import Folders, place
from app.io.progress import Progress
from app.io.project_view import ProjectView
from app.models import Provenance, Tag, TagKind
from app.store.bulk import StoredAnnotation, stored_annotations

INFO = {"description": "Exported by LabelAssist", "version": "1.0"}
CHUNK = 1000  # entries serialised per json.dumps call
PROVENANCE_FIELDS = list(Provenance.model_fields)
# A third decimal; a character class is several times faster to scan for than `\d`.
_THIRD_DECIMAL = re.compile(r"[.][0-9][0-9][0-9]")


def write(view: ProjectView, out: Path, options: Any, progress: Progress) -> ExportResult:
    result = ExportResult(out)
    with (out / ANNOTATIONS_FILE).open("w", encoding="utf-8") as f:
        f.write(f'{{"info": {_dumps(INFO)}, "licenses": [], "images": [')
        exported = _write_images(view, out, options.images, f, progress)
        f.write('], "annotations": [')
        progress.start(len(exported), "Writing COCO")
        entries, tails = _List(f), _Tails()
        for image_id, saved_id in enumerate(exported, 1):
            for row in stored_annotations(view.store.database, saved_id):
                entries.add(_annotation(row, entries.count + 1, image_id, tails))
            progress.advance()
        entries.close()
        categories = [_category(t) for t in view.tags.values()]
        f.write(f'], "categories": {_dumps(categories)}}}')
    result.images, result.annotations = len(exported), entries.count
    result.files.append(ANNOTATIONS_FILE)
    result.left_out += view.missing_note()
    return result


def _write_images(view: ProjectView, out: Path, placement: str, f: IO[str], progress: Progress) -> list[int]:
    """Place each image and write its entry; returns the project ids of the images exported, in order."""
    entries = _List(f)
    exported = []
    folders = Folders()
    for item in view.placed(progress, "Placing images"):
        place(item.path, out / "images" / item.name, placement, folders)
        exported.append(item.record.id)
        entries.add(
            _dumps(
                {
                    "id": len(exported),
                    "file_name": item.name,
                    "width": item.width,
                    "height": item.height,
                    EXTENSION: {"path": item.record.path, "status": item.record.status.value},
                }
            )
        )
    entries.close()
    return exported


class _List:
    """The entries of one JSON list (each already JSON text), written a chunk at a time."""

    def __init__(self, f: IO[str]) -> None:
        self.f = f
        self.count = 0  # entries added
        self.chunk: list[str] = []

    def add(self, entry: str) -> None:
        self.count += 1
        self.chunk.append(entry)
        if len(self.chunk) >= CHUNK:
            self._flush()

    def close(self) -> None:
        self._flush()

    def _flush(self) -> None:
        if self.chunk:
            self.f.write((", " if self.count > len(self.chunk) else "") + ", ".join(self.chunk))
            self.chunk = []


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _category(tag: Tag) -> dict[str, Any]:
    cat: dict[str, Any] = {"id": tag.id, "name": tag.name, "supercategory": ""}
    if tag.kind == TagKind.KEYPOINTS:
        cat["keypoints"] = list(tag.keypoint_names)
        cat["skeleton"] = [[a + 1, b + 1] for a, b in tag.skeleton]
    cat[EXTENSION] = {"kind": tag.kind.value, "color": tag.color}
    return cat


def _annotation(row: StoredAnnotation, ann_id: int, image_id: int, tails: _Tails) -> str:
    """The annotation's entry, as `json.dumps` writes it (floats as their repr)."""
    _id, _image, tag_id, geometry, provenance, author, editor, _version = row
    flat = _flat_text(geometry)
    values = None if flat is None else _floats(flat)
    g = json.loads(geometry) if values is None else _POLYGON
    kind = g["type"]
    extra = ""
    if kind == "polygon":
        if values is None:
            values = list(chain.from_iterable(g["points"]))
        xs, ys = values[0::2], values[1::2]
    elif kind == "box":
        xs, ys = [g["x1"], g["x2"]], [g["y1"], g["y2"]]
    else:
        points = g["points"]
        labelled = [p for p in points if p["v"]]
        xs, ys = [p["x"] for p in labelled or points], [p["y"] for p in labelled or points]
        coords = [v for p in points for v in (round(p["x"], 2), round(p["y"], 2), p["v"])]
        extra = f', "keypoints": {_dumps(coords)}, "num_keypoints": {len(labelled)}'
    x1, y1, x2, y2 = min(xs), min(ys), max(xs), max(ys)
    w, h = x2 - x1, y2 - y1
    if kind == "polygon":
        segmentation = _segmentation(geometry, values, flat)
        area = round(_shoelace(xs, ys), 2)
    else:
        # Boxes and keypoints get their box as segmentation: pycocotools' annToMask and COCOeval("segm")
        # fail on an empty one, and our category kind tells the import it is a box.
        segmentation = _dumps([[round(v, 2) for v in (x1, y1, x2, y1, x2, y2, x1, y2)]])
        area = round(w * h, 2)
    bbox = f"[{round(x1, 2)!r}, {round(y1, 2)!r}, {round(w, 2)!r}, {round(h, 2)!r}]"
    return (
        f'{{"id": {ann_id}, "image_id": {image_id}, "category_id": {tag_id}, "iscrowd": 0, "bbox": {bbox}, '
        f'"area": {area!r}, "segmentation": {segmentation}{extra}{tails.get(provenance, author, editor)}'
    )


_POLYGON = {"type": "polygon"}
_POLYGON_HEAD = '{"type":"polygon","points":[['


def _flat_text(geometry: str) -> str | None:
    """A stored polygon's numbers as "x,y,x,y,…", where the model wrote it with no exponent or null."""
    if not (geometry.startswith(_POLYGON_HEAD) and geometry.endswith("]]}")):
        return None
    flat = geometry[len(_POLYGON_HEAD) : -3].replace("],[", ",")
    if "e" in flat or "n" in flat:  # an exponent, or null / NaN / Infinity
        return None
    return flat


def _floats(flat: str) -> list[float] | None:
    try:
        values = orjson.loads(f"[{flat}]")  # a C parser: a third faster than float() on each number
    except orjson.JSONDecodeError:
        return None
    return values if flat.count(".") == len(values) else None  # an integer reads as an int in JSON


def _segmentation(polygon: str, values: list[float], flat: str | None) -> str:
    """A polygon's segmentation: the stored numbers themselves where rounding would change none of them
    (JSON written by the model and by `json.dumps` agree on such numbers), else the rounded values.
    `flat`: the numbers as text, where `_flat_text` found them plain."""
    if flat is not None and _THIRD_DECIMAL.search(flat) is None:
        return "[[" + flat.replace(",", ", ") + "]]"
    if _long_numbers(polygon):
        return _dumps([[round(v, 2) for v in values]])
    points = polygon[polygon.index("[[") : polygon.rindex("]]") + 2]
    return points.replace(",", ", ").replace("], [", ", ")


class _Tails:
    """The end of an annotation's entry (score, attributes, provenance), kept for the next one: most
    annotations of a dataset share who made them and how."""

    def __init__(self) -> None:
        self._last: tuple[str, str, str] | None = None
        self._text = ""

    def get(self, provenance: str, author: str, editor: str) -> str:
        if self._last != (provenance, author, editor):
            self._last = (provenance, author, editor)
            prov = _provenance(provenance)
            tail: dict[str, Any] = {} if prov["score"] is None else {"score": prov["score"]}
            # Who drew it and who changed it last, where CVAT's COCO keeps an annotation's own attributes.
            tail["attributes"] = {"author": author, "editor": editor}
            tail[EXTENSION] = prov
            self._text = ", " + _dumps(tail)[1:]
        return self._text


def _long_numbers(polygon: str) -> bool:
    """Whether a stored polygon has a coordinate with more than two decimals (or an exponent). Without one,
    rounding to a hundredth of a pixel changes no value, and the export's slowest step can be skipped. Past
    `{"type":` the only 'e' in a polygon's JSON is an exponent's."""
    return polygon.find("e", 8) >= 0 or _THIRD_DECIMAL.search(polygon) is not None


def _shoelace(xs: list[float], ys: list[float]) -> float:
    """app/io/shapes.py's polygon_area, term for term (so the same float), in C loops."""
    terms = map(sub, map(mul, xs, ys[1:] + ys[:1]), map(mul, xs[1:] + xs[:1], ys))
    return abs(sum(terms)) / 2.0


def _provenance(stored: str) -> dict[str, Any]:
    """The provenance as the model would dump it; a row of an older layout goes through the model."""
    value = json.loads(stored)
    if list(value) != PROVENANCE_FIELDS:
        value = Provenance.model_validate(value).model_dump(mode="json")
    return value
