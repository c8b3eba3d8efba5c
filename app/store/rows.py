"""How images, tags and annotations are laid out in their tables: rows to models and back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache

from pydantic import TypeAdapter

from app.models import Annotation, ImageRecord, ImageStatus, Provenance, Review, Tag, TagKind
from app.models.geometry import Geometry
from app.store.backend import Connection, now_iso

IMAGE_COLUMNS = "id, path, width, height, status, status_by, review, review_note, reviewed_by"
TAG_COLUMNS = "id, name, color, kind, keypoint_names, skeleton, model_label"
ANNOTATION_COLUMNS = "id, image_id, tag_id, geometry, provenance, created_by, updated_by, version"


@cache
def _geometry() -> TypeAdapter[Geometry]:
    """Reads a stored geometry's JSON text in one step (built on first use, as the models are)."""
    return TypeAdapter(Geometry)


def image_from_row(
    i: int,
    path: str,
    width: int,
    height: int,
    status: str,
    status_by: str,
    review: str,
    review_note: str,
    reviewed_by: str,
) -> ImageRecord:
    # Not validated: a project of 100,000 images is read at every open, and these rows were ours.
    return ImageRecord.model_construct(
        id=i,
        path=path,
        width=width,
        height=height,
        status=ImageStatus(status),
        status_by=status_by,
        review=Review(review),
        review_note=review_note,
        reviewed_by=reviewed_by,
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


def insert_row(c: Connection, table: str, columns: Mapping[str, object]) -> int:
    """Insert one row; an `id` of None is left out, so the database gives one. Returns the row's id."""
    names = [k for k, v in columns.items() if not (k == "id" and v is None)]
    marks = ", ".join("?" * len(names))
    cur = c.execute(
        f"INSERT INTO {table}({', '.join(names)}) VALUES ({marks}) RETURNING id", [columns[k] for k in names]
    )
    return int(cur.fetchone()[0])


def insert_tag(c: Connection, tag: Tag) -> int:
    """Insert a tag (under its own id if it carries one, as after an undo); returns its id."""
    return insert_row(c, "tags", dict(zip(TAG_COLUMNS.split(", "), (tag.id, *tag_values(tag)), strict=True)))


def insert_annotation(c: Connection, a: Annotation, who: str) -> Annotation:
    """Insert an annotation, written by `who`; one that carries an id (an undo puts it back) keeps it, its
    author and its version, else it gets a new id."""
    author = a.author if a.id is not None and a.author else who
    version = a.version if a.id is not None else 1
    row = {
        "id": a.id,
        "image_id": a.image_id,
        "tag_id": a.tag_id,
        "geometry": a.geometry.model_dump_json(),
        "provenance": a.provenance.model_dump_json(),
        "created_by": author,
        "updated_by": a.editor if a.id is not None else "",
        "updated_at": now_iso(),
        "version": version,
    }
    new_id = insert_row(c, "annotations", row)
    return a.model_copy(
        update={"id": new_id, "author": author, "editor": row["updated_by"], "version": version}
    )


def annotation_from_row(
    i: int,
    image_id: int,
    tag_id: int,
    geometry: str,
    provenance: str,
    created_by: str,
    updated_by: str,
    version: int,
) -> Annotation:
    return Annotation(
        id=i,
        image_id=image_id,
        tag_id=tag_id,
        geometry=_geometry().validate_json(geometry),
        provenance=Provenance.model_validate_json(provenance),
        author=created_by,
        editor=updated_by,
        version=version,
    )
