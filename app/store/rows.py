"""How images, tags and annotations are laid out in their tables: rows to models and back."""

from __future__ import annotations

import json
import sqlite3

from app.models import Annotation, ImageRecord, ImageStatus, Provenance, Tag, TagKind
from app.models.geometry import Box, Keypoints, Polygon

IMAGE_COLUMNS = "id, path, width, height, status"
TAG_COLUMNS = "id, name, color, kind, keypoint_names, skeleton, model_label"
ANNOTATION_COLUMNS = "id, image_id, tag_id, geometry, provenance"
_GEOMETRY_TYPES: dict[str, type[Box | Polygon | Keypoints]] = {
    "box": Box,
    "polygon": Polygon,
    "keypoints": Keypoints,
}


def image_from_row(i: int, path: str, width: int, height: int, status: str) -> ImageRecord:
    # Not validated: a project of 100,000 images is read at every open, and these rows were ours.
    return ImageRecord.model_construct(
        id=i, path=path, width=width, height=height, status=ImageStatus(status)
    )


def tag_from_row(
    i: int, name: str, color: str, kind: str, keypoint_names: str, skeleton: str, model_label: str | None
) -> Tag:
    return Tag(
        id=i,
        name=name,
        color=color,
        kind=TagKind(kind),
        keypoint_names=tuple(json.loads(keypoint_names)),
        skeleton=tuple(tuple(edge) for edge in json.loads(skeleton)),
        model_label=model_label,
    )


def tag_values(tag: Tag) -> tuple[str, str, str, str, str, str | None]:
    """The tag's columns after its id, in TAG_COLUMNS order."""
    return (
        tag.name,
        tag.color,
        tag.kind.value,
        json.dumps(list(tag.keypoint_names)),
        json.dumps([list(edge) for edge in tag.skeleton]),
        tag.model_label,
    )


def insert_tag(c: sqlite3.Connection, tag: Tag) -> int:
    """Insert a tag (under its own id if it carries one, as after an undo); returns its id."""
    cur = c.execute(
        f"INSERT INTO tags({TAG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", (tag.id, *tag_values(tag))
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def insert_annotation(c: sqlite3.Connection, a: Annotation) -> Annotation:
    """Insert an annotation; one that carries an id keeps it (used by undo), else it gets a new one."""
    cur = c.execute(
        f"INSERT INTO annotations({ANNOTATION_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
        (a.id, a.image_id, a.tag_id, a.geometry.model_dump_json(), a.provenance.model_dump_json()),
    )
    return a if a.id is not None else a.model_copy(update={"id": cur.lastrowid})


def annotation_from_row(i: int, image_id: int, tag_id: int, geometry: str, provenance: str) -> Annotation:
    g = json.loads(geometry)
    return Annotation(
        id=i,
        image_id=image_id,
        tag_id=tag_id,
        geometry=_GEOMETRY_TYPES[g["type"]].model_validate(g),
        provenance=Provenance.model_validate_json(provenance),
    )
