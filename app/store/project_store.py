"""The labels in a project file: images, tags and annotations. Every call is its own durable transaction."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from app.models import Annotation, ImageRecord, ImageStatus, Review, Tag
from app.store.backend import Connection, Database, Write, now_iso
from app.store.bulk import BatchWrites, ImageRow
from app.store.database import PROJECT_SUFFIX, ProjectDatabase
from app.store.errors import EditConflict, IntegrityFailure
from app.store.rows import (
    ANNOTATION_COLUMNS,
    IMAGE_COLUMNS,
    TAG_COLUMNS,
    annotation_from_row,
    image_from_row,
    insert_annotation,
    insert_tag,
    tag_from_row,
    tag_values,
)

__all__ = ["PROJECT_SUFFIX", "ProjectStore"]


class ProjectStore(BatchWrites):
    """Reads and writes the images, tags and annotations of one project, over that project's database.

    `create` and `open` are shorthands that open the database too; `close` closes it.
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> ProjectStore:
        """Create a new, empty project file; refuses to overwrite an existing file."""
        return cls(ProjectDatabase.create(path))

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ProjectStore:
        """Open an existing project, upgrading its schema; never writes to a file that is not ours."""
        return cls(ProjectDatabase.open(path))

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str]) -> ProjectStore:
        return cls(ProjectDatabase.open_or_create(path))

    @property
    def path(self) -> Path:
        """The project file (a file project only)."""
        assert isinstance(self.database, ProjectDatabase), "a team project has no file"
        return self.database.path

    @property
    def root(self) -> Path:
        """The folder image paths are relative to."""
        return self.database.root

    def close(self) -> None:
        self.database.close()

    def integrity_ok(self) -> bool:
        return self.database.integrity_ok()

    # ---- meta ----------------------------------------------------------------------------------

    def set_meta(self, key: str, value: str) -> None:
        with self.database.transaction() as c:
            c.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.database.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    # ---- images --------------------------------------------------------------------------------

    def add_images(self, records: Iterable[ImageRecord]) -> list[ImageRecord]:
        """Add images (paths relative to the project folder); paths already present are skipped. One insert
        for all of them: a folder of thousands of images is added in a few milliseconds."""
        records = list(records)
        now = now_iso()
        with self.database.transaction() as c:
            (last,) = c.execute("SELECT coalesce(max(id), 0) FROM images").fetchone()
            c.executemany(
                "INSERT INTO images(path, width, height, status, added_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (path) DO NOTHING",
                [(r.path, r.width, r.height, r.status.value, now) for r in records],
            )
            new_ids = dict(c.execute("SELECT path, id FROM images WHERE id > ?", (last,)).fetchall())
        added = []
        for r in records:
            i = new_ids.pop(r.path, None)  # popped: a path given twice is added once
            if i is not None:
                added.append(r.model_copy(update={"id": i}))
        return added

    def images(self) -> list[ImageRecord]:
        rows = self.database.execute(f"SELECT {IMAGE_COLUMNS} FROM images ORDER BY path, id")
        return [image_from_row(*row) for row in rows]

    def image(self, image_id: int) -> ImageRecord | None:
        sql = f"SELECT {IMAGE_COLUMNS} FROM images WHERE id = ?"
        row = self.database.execute(sql, (image_id,)).fetchone()
        return image_from_row(*row) if row is not None else None

    def image_count(self) -> int:
        return self.database.execute("SELECT count(*) FROM images").fetchone()[0]

    def set_image_status(self, image_id: int, status: ImageStatus) -> None:
        """Set an image's status, recording who set it and when."""
        with self.database.transaction() as c:
            self.status_writer(image_id, status)(c)

    def status_writer(self, image_id: int, status: ImageStatus) -> Write:
        """Set an image's status inside another write's transaction (an image's first annotation)."""
        who = self.database.who

        def write(c: Connection) -> None:
            c.execute(
                "UPDATE images SET status = ?, status_by = ?, status_at = ? WHERE id = ?",
                (status.value, who, now_iso(), image_id),
            )

        return write

    def set_review(self, image_id: int, review: Review, note: str = "") -> None:
        """Record a reviewer's verdict; a rejected image goes back to the to-do list (in progress)."""
        with self.database.transaction() as c:
            c.execute(
                "UPDATE images SET review = ?, review_note = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
                (review.value, note, self.database.who, now_iso(), image_id),
            )
            if review == Review.REJECTED:
                c.execute(
                    "UPDATE images SET status = ? WHERE id = ? AND status = ?",
                    (ImageStatus.IN_PROGRESS.value, image_id, ImageStatus.DONE.value),
                )

    def set_image_size(self, image_id: int, width: int, height: int) -> None:
        with self.database.transaction() as c:
            c.execute("UPDATE images SET width = ?, height = ? WHERE id = ?", (width, height, image_id))

    def image_path(self, record: ImageRecord | ImageRow) -> Path:
        return self.root / record.path

    # ---- tags ----------------------------------------------------------------------------------

    def add_tag(self, tag: Tag) -> Tag:
        """Add a tag; a name already in use raises ValueError with a message for the user."""
        try:
            with self.database.transaction() as c:
                tag_id = insert_tag(c, tag)
        except IntegrityFailure as e:
            raise ValueError(f"There is already a tag named '{tag.name}'.") from e
        return tag.model_copy(update={"id": tag_id})

    def next_tag_id(self) -> int:
        return self.database.next_id("tags")

    @staticmethod
    def tags_writer(tags: Sequence[Tag], delete: bool = False) -> Write:
        """Insert (or delete) tags that carry their ids, inside another write's transaction."""

        def write(c: Connection) -> None:
            for tag in tags:
                if delete:
                    c.execute("DELETE FROM tags WHERE id = ?", (tag.id,))
                else:
                    insert_tag(c, tag)

        return write

    def update_tag(self, tag: Tag) -> None:
        with self.database.transaction() as c:
            c.execute(
                "UPDATE tags SET name = ?, color = ?, kind = ?, keypoint_names = ?, skeleton = ?, "
                "model_label = ? WHERE id = ?",
                (*tag_values(tag), tag.id),
            )

    def delete_tag(self, tag_id: int) -> None:
        """Delete a tag and every annotation that uses it, in one transaction."""
        with self.database.transaction() as c:
            c.execute("DELETE FROM annotations WHERE tag_id = ?", (tag_id,))
            c.execute("DELETE FROM tags WHERE id = ?", (tag_id,))

    def tags(self) -> list[Tag]:
        rows = self.database.execute(f"SELECT {TAG_COLUMNS} FROM tags ORDER BY id")
        return [tag_from_row(*row) for row in rows]

    # ---- annotations ---------------------------------------------------------------------------

    def add_annotations(
        self, annotations: Sequence[Annotation], also: Write | None = None
    ) -> list[Annotation]:
        """Insert annotations; an annotation that carries an id keeps it (used by undo).

        ``also`` runs first, in the same transaction (e.g. the tags and suggestion decisions of a commit).
        """
        with self.database.transaction() as c:
            if also is not None:
                also(c)
            return [insert_annotation(c, a, self.database.who) for a in annotations]

    def update_annotations(self, annotations: Sequence[Annotation]) -> list[Annotation]:
        """Write new versions of annotations, each made from the row version it carries; returns them as
        stored. If any row changed since (another labeller), nothing is written: EditConflict."""
        who, now = self.database.who, now_iso()
        with self.database.transaction() as c:
            for a in annotations:
                cur = c.execute(
                    "UPDATE annotations SET tag_id = ?, geometry = ?, provenance = ?, updated_at = ?, "
                    "updated_by = ?, version = version + 1 WHERE id = ? AND version = ?",
                    (
                        a.tag_id,
                        a.geometry.model_dump_json(),
                        a.provenance.model_dump_json(),
                        now,
                        who,
                        a.id,
                        a.version,
                    ),
                )
                if cur.rowcount != 1:
                    raise _conflict(c, a.saved_id, changed=True)
        return [a.model_copy(update={"editor": who, "version": a.version + 1}) for a in annotations]

    def delete_annotations(
        self, ids: Iterable[int], also: Write | None = None, versions: Mapping[int, int] | None = None
    ) -> None:
        """Delete annotations; ``also`` runs after, in the same transaction. With ``versions`` (id: the row
        version the deletion was decided on), a row changed since refuses the whole write: EditConflict.
        A row that is gone already is fine: it is deleted either way."""
        with self.database.transaction() as c:
            for i in ids:
                if versions is None or i not in versions:
                    c.execute("DELETE FROM annotations WHERE id = ?", (i,))
                elif (
                    c.execute(
                        "DELETE FROM annotations WHERE id = ? AND version = ?", (i, versions[i])
                    ).rowcount
                    != 1
                ):
                    if c.execute("SELECT 1 FROM annotations WHERE id = ?", (i,)).fetchone() is not None:
                        raise _conflict(c, i, changed=True)
            if also is not None:
                also(c)

    def annotations_for(self, image_id: int) -> list[Annotation]:
        return self._annotations_where("image_id", image_id)

    def annotations_with_tag(self, tag_id: int) -> list[Annotation]:
        return self._annotations_where("tag_id", tag_id)

    def _annotations_where(self, column: str, value: int) -> list[Annotation]:
        rows = self.database.execute(
            f"SELECT {ANNOTATION_COLUMNS} FROM annotations WHERE {column} = ? ORDER BY id", (value,)
        )
        return [annotation_from_row(*row) for row in rows]

    def annotation_count(self, image_id: int | None = None) -> int:
        if image_id is None:
            return self.database.execute("SELECT count(*) FROM annotations").fetchone()[0]
        sql = "SELECT count(*) FROM annotations WHERE image_id = ?"
        return self.database.execute(sql, (image_id,)).fetchone()[0]

    def annotation_count_with_tag(self, tag_id: int) -> int:
        sql = "SELECT count(*) FROM annotations WHERE tag_id = ?"
        return self.database.execute(sql, (tag_id,)).fetchone()[0]


def _conflict(c: Connection, annotation_id: int, changed: bool) -> EditConflict:
    """The refusal of an edit made from an old version of a row: who changed (or deleted) it."""
    row = c.execute(
        "SELECT updated_by, created_by, image_id FROM annotations WHERE id = ?", (annotation_id,)
    ).fetchone()
    if row is None:
        return EditConflict("Another labeller deleted this annotation; it is gone from the image.")
    who = row[0] or row[1] or "another labeller"
    verb = "changed" if changed else "deleted"
    return EditConflict(f"{who} {verb} this annotation meanwhile; their version is shown.", image_id=row[2])
