"""The labels in a project file: images, tags and annotations. Every call is its own durable transaction."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from app.models import Annotation, ImageRecord, ImageStatus, Tag
from app.store.database import PROJECT_SUFFIX, ProjectDatabase, Write
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


class ProjectStore:
    """Reads and writes the images, tags and annotations of one project, over that project's database.

    `create` and `open` are shorthands that open the database too; `close` closes it.
    """

    def __init__(self, database: ProjectDatabase) -> None:
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
            c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.database.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    # ---- images --------------------------------------------------------------------------------

    def add_images(self, records: Iterable[ImageRecord]) -> list[ImageRecord]:
        """Add images (paths relative to the project folder); paths already present are skipped."""
        added: list[ImageRecord] = []
        with self.database.transaction() as c:
            for r in records:
                cur = c.execute(
                    "INSERT OR IGNORE INTO images(path, width, height, status) VALUES (?, ?, ?, ?)",
                    (r.path, r.width, r.height, r.status.value),
                )
                if cur.rowcount:
                    added.append(r.model_copy(update={"id": cur.lastrowid}))
        return added

    def images(self) -> list[ImageRecord]:
        rows = self.database.execute(f"SELECT {IMAGE_COLUMNS} FROM images ORDER BY path, id")
        return [image_from_row(*row) for row in rows]

    def image(self, image_id: int) -> ImageRecord | None:
        sql = f"SELECT {IMAGE_COLUMNS} FROM images WHERE id = ?"
        row = self.database.execute(sql, (image_id,)).fetchone()
        if row is None:
            return None
        i, path, width, height, status = row
        return ImageRecord(id=i, path=path, width=width, height=height, status=ImageStatus(status))

    def image_count(self) -> int:
        return self.database.execute("SELECT count(*) FROM images").fetchone()[0]

    def set_image_status(self, image_id: int, status: ImageStatus) -> None:
        with self.database.transaction() as c:
            c.execute("UPDATE images SET status = ? WHERE id = ?", (status.value, image_id))

    def set_image_size(self, image_id: int, width: int, height: int) -> None:
        with self.database.transaction() as c:
            c.execute("UPDATE images SET width = ?, height = ? WHERE id = ?", (width, height, image_id))

    def image_path(self, record: ImageRecord) -> Path:
        return self.root / record.path

    # ---- tags ----------------------------------------------------------------------------------

    def add_tag(self, tag: Tag) -> Tag:
        """Add a tag; a name already in use raises ValueError with a message for the user."""
        try:
            with self.database.transaction() as c:
                tag_id = insert_tag(c, tag)
        except sqlite3.IntegrityError as e:
            raise ValueError(f"There is already a tag named '{tag.name}'.") from e
        return tag.model_copy(update={"id": tag_id})

    def next_tag_id(self) -> int:
        return (self.database.execute("SELECT max(id) FROM tags").fetchone()[0] or 0) + 1

    @staticmethod
    def tags_writer(tags: Sequence[Tag], delete: bool = False) -> Write:
        """Insert (or delete) tags that carry their ids, inside another write's transaction."""

        def write(c: sqlite3.Connection) -> None:
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
            return [insert_annotation(c, a) for a in annotations]

    def update_annotations(self, annotations: Sequence[Annotation]) -> None:
        rows = [
            (a.tag_id, a.geometry.model_dump_json(), a.provenance.model_dump_json(), a.id)
            for a in annotations
        ]
        with self.database.transaction() as c:
            c.executemany(
                "UPDATE annotations SET tag_id = ?, geometry = ?, provenance = ?, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                rows,
            )

    def delete_annotations(self, ids: Iterable[int], also: Write | None = None) -> None:
        """Delete annotations; ``also`` runs after, in the same transaction."""
        with self.database.transaction() as c:
            c.executemany("DELETE FROM annotations WHERE id = ?", [(i,) for i in ids])
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

    # ---- bulk import ---------------------------------------------------------------------------

    def insert_batch(
        self,
        tags: Sequence[Tag],
        images: Sequence[ImageRecord],
        build: Callable[[list[Tag], list[ImageRecord]], Sequence[Annotation]],
        statuses: dict[int, ImageStatus] | None = None,
    ) -> tuple[list[Tag], list[ImageRecord], list[Annotation]]:
        """Add tags, images and their annotations (built by `build` once the new ids are known) and set
        image statuses, all in one transaction: everything is written or nothing. Ids carried are kept."""
        with self.database.transaction() as c:
            new_tags, new_images = [], []
            for t in tags:
                tag_id = insert_tag(c, t)
                new_tags.append(t if t.id is not None else t.model_copy(update={"id": tag_id}))
            for r in images:
                cur = c.execute(
                    "INSERT INTO images(id, path, width, height, status) VALUES (?, ?, ?, ?, ?)",
                    (r.id, r.path, r.width, r.height, r.status.value),
                )
                new_images.append(r if r.id is not None else r.model_copy(update={"id": cur.lastrowid}))
            annotations = [insert_annotation(c, a) for a in build(new_tags, new_images)]
            _set_statuses(c, statuses)
        return new_tags, new_images, annotations

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


def _set_statuses(c: sqlite3.Connection, statuses: dict[int, ImageStatus] | None) -> None:
    rows = [(s.value, i) for i, s in (statuses or {}).items()]
    c.executemany("UPDATE images SET status = ? WHERE id = ?", rows)
