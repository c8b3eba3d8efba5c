"""Many rows at once, for dataset import and export: one `executemany` per table inside the caller's
transaction, and annotations read as plain rows. A dataset of 100,000 images is not turned into models and
back on its way in or out; the models stay for the undoable import of the GUI, built around the same writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple, TypeVar

from app.models import Annotation, ImageRecord, ImageStatus, Tag
from app.store.backend import Connection, Database, now_iso
from app.store.rows import insert_tag

R = TypeVar("R", Tag, ImageRecord)

# image id, tag id, geometry JSON, provenance JSON: what an import writes of each new annotation.
AnnotationRow = tuple[int, int, str, str]
# id, image id, tag id, geometry, provenance, author, editor, version: an annotation as stored.
StoredAnnotation = tuple[int, int, int, str, str, str, str, int]

_INSERT_IMAGE = "INSERT INTO images(id, path, width, height, status, added_at) VALUES (?, ?, ?, ?, ?, ?)"
_INSERT_ANNOTATION = (
    "INSERT INTO annotations(id, image_id, tag_id, geometry, provenance, created_by, updated_by, "
    "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
STORED_COLUMNS = "id, image_id, tag_id, geometry, provenance, created_by, updated_by, version"


def insert_images(c: Connection, database: Database, images: Sequence[ImageRecord]) -> list[int]:
    """Insert image records (a carried id is kept); returns their ids, in order."""
    now = now_iso()
    ids = _ids(database, "images", [r.id for r in images])
    rows = [(i, r.path, r.width, r.height, r.status.value, now) for i, r in zip(ids, images, strict=True)]
    c.executemany(_INSERT_IMAGE, rows)
    return ids


def insert_stored(c: Connection, database: Database, rows: Sequence[StoredAnnotation]) -> list[int]:
    """Insert annotations as stored rows; an id of 0 gets a new one. Returns the ids, in order."""
    ids = _ids(database, "annotations", [r[0] or None for r in rows])
    now = now_iso()
    values = [(i, *r[1:7], now, r[7]) for i, r in zip(ids, rows, strict=True)]
    c.executemany(_INSERT_ANNOTATION, values)
    return ids


def insert_new(c: Connection, who: str, rows: Iterable[AnnotationRow]) -> int:
    """Insert new annotations drawn by `who`, letting the database number them; returns how many."""
    now = now_iso()
    sql = (
        "INSERT INTO annotations(image_id, tag_id, geometry, provenance, created_by, updated_by, updated_at, "
        "version) VALUES (?, ?, ?, ?, ?, '', ?, 1)"
    )
    count = 0

    def values() -> Iterator[tuple]:  # row by row: a large dataset's rows are never all in memory at once
        nonlocal count
        for r in rows:
            count += 1
            yield (*r, who, now)

    c.executemany(sql, values())
    return count


class ImageRow(NamedTuple):
    """An image as an export reads it: a plain row, not a model (100,000 models would hold over 100 MiB)."""

    id: int
    path: str  # relative to the project folder
    width: int
    height: int
    status: ImageStatus


def image_rows(database: Database) -> list[ImageRow]:
    """Every image as a plain row, in the order of `ProjectStore.images` (by path)."""
    rows = database.execute("SELECT id, path, width, height, status FROM images ORDER BY path, id")
    return [ImageRow(i, path, w, h, ImageStatus(status)) for i, path, w, h, status in rows]


def stored_annotations(database: Database, image_id: int) -> list[StoredAnnotation]:
    """One image's annotations as stored rows, in id order."""
    sql = f"SELECT {STORED_COLUMNS} FROM annotations WHERE image_id = ? ORDER BY id"
    return list(database.execute(sql, (image_id,)))


def _ids(database: Database, table: str, carried: list[int | None]) -> list[int]:
    """The ids carried (an undone import put back) and new ones for the rest, none of them a carried one."""
    taken = {i for i in carried if i is not None}
    missing = sum(i is None for i in carried)
    if not missing:
        return [i for i in carried if i is not None]
    fresh = (i for i in database.next_ids(table, missing + len(taken)) if i not in taken)
    return [i if i is not None else next(fresh) for i in carried]


class BatchWrites:
    """The writes of a whole dataset import, and their undo (a part of ProjectStore)."""

    database: Database

    def insert_batch(
        self,
        tags: Sequence[Tag],
        images: Sequence[ImageRecord],
        build: Callable[[list[Tag], list[ImageRecord]], Sequence[Annotation]],
        statuses: dict[int, ImageStatus] | None = None,
    ) -> tuple[list[Tag], list[ImageRecord], list[Annotation]]:
        """Add tags, images and their annotations (built by `build` once the new ids are known) and set
        image statuses, all in one transaction: everything is written or nothing. Ids carried are kept."""
        who = self.database.who
        with self.database.transaction() as c:
            new_tags, new_images = self._insert_tags_and_images(c, tags, images)
            built = build(new_tags, new_images)
            rows = [_stored_row(a, who) for a in built]
            ids = insert_stored(c, self.database, rows)
            _set_statuses(c, statuses)
        annotations = [
            a.model_copy(update={"id": i, "author": r[5], "editor": r[6], "version": r[7]})
            for a, r, i in zip(built, rows, ids, strict=True)
        ]
        return new_tags, new_images, annotations

    def import_rows(
        self,
        tags: Sequence[Tag],
        images: Sequence[ImageRecord],
        build: Callable[[list[Tag], list[ImageRecord]], Iterable[AnnotationRow]],
        statuses: dict[int, ImageStatus] | None = None,
    ) -> tuple[list[Tag], list[ImageRecord], int]:
        """`insert_batch` for a dataset import that needs no models back: the new annotations as plain rows
        (image id, tag id, geometry JSON, provenance JSON); returns how many were written."""
        with self.database.transaction() as c:
            new_tags, new_images = self._insert_tags_and_images(c, tags, images)
            count = insert_new(c, self.database.who, build(new_tags, new_images))
            _set_statuses(c, statuses)
        return new_tags, new_images, count

    def _insert_tags_and_images(
        self, c: Connection, tags: Sequence[Tag], images: Sequence[ImageRecord]
    ) -> tuple[list[Tag], list[ImageRecord]]:
        new_tags = [_with_id(t, insert_tag(c, t)) for t in tags]
        ids = insert_images(c, self.database, images)
        new_images = [_with_id(r, i) for r, i in zip(images, ids, strict=True)]
        return new_tags, new_images

    def delete_batch(
        self,
        annotation_ids: Iterable[int],
        image_ids: Iterable[int],
        tag_ids: Iterable[int],
        statuses: dict[int, ImageStatus] | None = None,
    ) -> None:
        """Undo of `insert_batch`: remove those annotations, images and tags and restore statuses, at once."""
        with self.database.transaction() as c:
            c.executemany("DELETE FROM annotations WHERE id = ?", [(i,) for i in annotation_ids])
            c.executemany("DELETE FROM images WHERE id = ?", [(i,) for i in image_ids])
            c.executemany("DELETE FROM tags WHERE id = ?", [(i,) for i in tag_ids])
            _set_statuses(c, statuses)


def _with_id(record: R, new_id: int) -> R:
    return record if record.id is not None else record.model_copy(update={"id": new_id})


def _stored_row(a: Annotation, who: str) -> StoredAnnotation:
    """As `insert_annotation` stores it: one that carries an id (an undo puts it back) keeps its author,
    editor and version."""
    carried = a.id is not None
    return (
        a.id or 0,
        a.image_id,
        a.tag_id,
        a.geometry.model_dump_json(),
        a.provenance.model_dump_json(),
        a.author if carried and a.author else who,
        a.editor if carried else "",
        a.version if carried else 1,
    )


def _set_statuses(c: Connection, statuses: dict[int, ImageStatus] | None) -> None:
    rows = [(s.value, i) for i, s in (statuses or {}).items()]
    c.executemany("UPDATE images SET status = ? WHERE id = ?", rows)
