"""The project file: one SQLite database (WAL) beside its images. Every call is its own durable transaction."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from app.models import Annotation, ImageRecord, ImageStatus, Provenance, Tag, TagKind
from app.models.geometry import Box, Keypoints, Polygon
from app.store.errors import NewerProjectError, NotAProjectError, ProjectError, ReadOnlyProjectError
from app.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

PROJECT_SUFFIX = ".labelassist"
_GEOMETRY_TYPES = {"box": Box, "polygon": Polygon, "keypoints": Keypoints}


class ProjectStore:
    """Reads and writes one project file. Use `create` or `open`, and `close` when done."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.root = path.parent
        self._conn = conn

    # ---- opening -------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> ProjectStore:
        """Create a new, empty project file; refuses to overwrite an existing file."""
        p = Path(path).absolute()
        if p.exists():
            raise NotAProjectError(f"Cannot create a project at '{p}': a file is already there.")
        if not p.parent.is_dir():
            raise ProjectError(f"Cannot create a project in '{p.parent}': the folder does not exist.")
        if not _writable(p.parent, folder=True):
            raise ReadOnlyProjectError(f"Cannot create a project in '{p.parent}': the folder is read-only.")
        conn = _connect(p)
        migrate(conn)
        store = cls(p, conn)
        store.set_meta("created_by", "LabelAssist")
        return store

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ProjectStore:
        """Open an existing project, upgrading its schema; never writes to a file that is not ours."""
        p = Path(path).absolute()
        if not p.is_file():
            raise NotAProjectError(f"No project file at '{p}'.")
        _check_identity(p)
        if not _writable(p) or not _writable(p.parent, folder=True):
            raise ReadOnlyProjectError(
                f"'{p.name}' is read-only (the file or its folder cannot be written). "
                "LabelAssist saves every edit as it is made, so it needs write access."
            )
        conn = _connect(p)
        migrate(conn)
        return cls(p, conn)

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str]) -> ProjectStore:
        p = Path(path)
        return cls.open(p) if p.exists() else cls.create(p)

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        try:
            self._conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full, I/O error) may leave the transaction open; without this
            # ROLLBACK every later edit would fail with "cannot start a transaction within a transaction".
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def integrity_ok(self) -> bool:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # ---- meta ----------------------------------------------------------------------------------

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    # ---- images --------------------------------------------------------------------------------

    def add_images(self, records: Iterable[ImageRecord]) -> list[ImageRecord]:
        """Add images (paths relative to the project folder); paths already present are skipped."""
        added: list[ImageRecord] = []
        with self._tx() as c:
            for r in records:
                cur = c.execute(
                    "INSERT OR IGNORE INTO images(path, width, height, status) VALUES (?, ?, ?, ?)",
                    (r.path, r.width, r.height, r.status.value),
                )
                if cur.rowcount:
                    added.append(r.model_copy(update={"id": cur.lastrowid}))
        return added

    def images(self) -> list[ImageRecord]:
        rows = self._conn.execute("SELECT id, path, width, height, status FROM images ORDER BY path, id")
        return [
            ImageRecord.model_construct(id=i, path=p, width=w, height=h, status=ImageStatus(s))
            for i, p, w, h, s in rows
        ]

    def image(self, image_id: int) -> ImageRecord | None:
        row = self._conn.execute(
            "SELECT id, path, width, height, status FROM images WHERE id = ?", (image_id,)
        ).fetchone()
        if row is None:
            return None
        i, p, w, h, s = row
        return ImageRecord(id=i, path=p, width=w, height=h, status=ImageStatus(s))

    def image_count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM images").fetchone()[0]

    def set_image_status(self, image_id: int, status: ImageStatus) -> None:
        with self._tx() as c:
            c.execute("UPDATE images SET status = ? WHERE id = ?", (status.value, image_id))

    def set_image_size(self, image_id: int, width: int, height: int) -> None:
        with self._tx() as c:
            c.execute("UPDATE images SET width = ?, height = ? WHERE id = ?", (width, height, image_id))

    def image_path(self, record: ImageRecord) -> Path:
        return self.root / record.path

    # ---- tags ----------------------------------------------------------------------------------

    def add_tag(self, tag: Tag) -> Tag:
        """Add a tag; a name already in use raises ValueError with a message for the user."""
        try:
            with self._tx() as c:
                tag_id = _insert_tag(c, tag)
        except sqlite3.IntegrityError as e:
            raise ValueError(f"There is already a tag named '{tag.name}'.") from e
        return tag.model_copy(update={"id": tag_id})

    def next_tag_id(self) -> int:
        return (self._conn.execute("SELECT max(id) FROM tags").fetchone()[0] or 0) + 1

    @staticmethod
    def tags_writer(tags: Sequence[Tag], delete: bool = False) -> Callable[[sqlite3.Connection], None]:
        """Insert (or delete) tags that carry their ids, inside another write's transaction."""

        def write(c: sqlite3.Connection) -> None:
            for tag in tags:
                if delete:
                    c.execute("DELETE FROM tags WHERE id = ?", (tag.id,))
                else:
                    _insert_tag(c, tag)

        return write

    def update_tag(self, tag: Tag) -> None:
        with self._tx() as c:
            c.execute(
                "UPDATE tags SET name = ?, color = ?, kind = ?, keypoint_names = ?, skeleton = ?, model_label = ? "
                "WHERE id = ?",
                (*_tag_row(tag), tag.id),
            )

    def delete_tag(self, tag_id: int) -> None:
        """Delete a tag and every annotation that uses it, in one transaction."""
        with self._tx() as c:
            c.execute("DELETE FROM annotations WHERE tag_id = ?", (tag_id,))
            c.execute("DELETE FROM tags WHERE id = ?", (tag_id,))

    def tags(self) -> list[Tag]:
        rows = self._conn.execute(
            "SELECT id, name, color, kind, keypoint_names, skeleton, model_label FROM tags ORDER BY id"
        )
        return [
            Tag(
                id=i,
                name=n,
                color=col,
                kind=TagKind(k),
                keypoint_names=tuple(json.loads(kn)),
                skeleton=tuple(tuple(e) for e in json.loads(sk)),
                model_label=label,
            )
            for i, n, col, k, kn, sk, label in rows
        ]

    # ---- annotations ---------------------------------------------------------------------------

    def add_annotations(
        self, annotations: Sequence[Annotation], also: Callable[[sqlite3.Connection], None] | None = None
    ) -> list[Annotation]:
        """Insert annotations; an annotation that carries an id keeps it (used by undo).

        ``also`` runs first, in the same transaction (e.g. the tags and suggestion decisions of a commit).
        """
        out = []
        with self._tx() as c:
            if also is not None:
                also(c)
            for a in annotations:
                cur = c.execute(
                    "INSERT INTO annotations(id, image_id, tag_id, geometry, provenance) VALUES (?, ?, ?, ?, ?)",
                    (a.id, a.image_id, a.tag_id, a.geometry.model_dump_json(), a.provenance.model_dump_json()),
                )
                out.append(a if a.id is not None else a.model_copy(update={"id": cur.lastrowid}))
        return out

    def update_annotations(self, annotations: Sequence[Annotation]) -> None:
        with self._tx() as c:
            c.executemany(
                "UPDATE annotations SET tag_id = ?, geometry = ?, provenance = ?, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                [(a.tag_id, a.geometry.model_dump_json(), a.provenance.model_dump_json(), a.id) for a in annotations],
            )

    def delete_annotations(
        self, ids: Iterable[int], also: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        """Delete annotations; ``also`` runs after, in the same transaction."""
        with self._tx() as c:
            c.executemany("DELETE FROM annotations WHERE id = ?", [(i,) for i in ids])
            if also is not None:
                also(c)

    def annotations_for(self, image_id: int) -> list[Annotation]:
        rows = self._conn.execute(
            "SELECT id, image_id, tag_id, geometry, provenance FROM annotations WHERE image_id = ? ORDER BY id",
            (image_id,),
        )
        return [_annotation(*row) for row in rows]

    def annotations_with_tag(self, tag_id: int) -> list[Annotation]:
        rows = self._conn.execute(
            "SELECT id, image_id, tag_id, geometry, provenance FROM annotations WHERE tag_id = ? ORDER BY id",
            (tag_id,),
        )
        return [_annotation(*row) for row in rows]

    def annotation_count(self, image_id: int | None = None) -> int:
        if image_id is None:
            return self._conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
        return self._conn.execute("SELECT count(*) FROM annotations WHERE image_id = ?", (image_id,)).fetchone()[0]

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
        with self._tx() as c:
            new_tags, new_images = [], []
            for t in tags:
                tag_id = _insert_tag(c, t)
                new_tags.append(t if t.id is not None else t.model_copy(update={"id": tag_id}))
            for r in images:
                cur = c.execute(
                    "INSERT INTO images(id, path, width, height, status) VALUES (?, ?, ?, ?, ?)",
                    (r.id, r.path, r.width, r.height, r.status.value),
                )
                new_images.append(r if r.id is not None else r.model_copy(update={"id": cur.lastrowid}))
            annotations = []
            for a in build(new_tags, new_images):
                cur = c.execute(
                    "INSERT INTO annotations(id, image_id, tag_id, geometry, provenance) VALUES (?, ?, ?, ?, ?)",
                    (a.id, a.image_id, a.tag_id, a.geometry.model_dump_json(), a.provenance.model_dump_json()),
                )
                annotations.append(a if a.id is not None else a.model_copy(update={"id": cur.lastrowid}))
            c.executemany("UPDATE images SET status = ? WHERE id = ?", [(s.value, i) for i, s in (statuses or {}).items()])
        return new_tags, new_images, annotations

    def delete_batch(
        self, annotation_ids: Iterable[int], image_ids: Iterable[int], tag_ids: Iterable[int],
        statuses: dict[int, ImageStatus] | None = None,
    ) -> None:  # fmt: skip
        """Undo of `insert_batch`: remove those annotations, images and tags and restore statuses, at once."""
        with self._tx() as c:
            c.executemany("DELETE FROM annotations WHERE id = ?", [(i,) for i in annotation_ids])
            c.executemany("DELETE FROM images WHERE id = ?", [(i,) for i in image_ids])
            c.executemany("DELETE FROM tags WHERE id = ?", [(i,) for i in tag_ids])
            c.executemany("UPDATE images SET status = ? WHERE id = ?", [(s.value, i) for i, s in (statuses or {}).items()])


def _connect(path: Path) -> sqlite3.Connection:
    # A short wait: the UI thread writes, and another writer holding the file should fail fast and loudly.
    conn = sqlite3.connect(path, isolation_level=None, timeout=1.0)
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit is on disk when the call returns, so a crash or power cut loses no reported edit.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _check_identity(path: Path) -> None:
    """Raise unless `path` is a LabelAssist project this version can read. Reads only."""
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as e:
        raise NotAProjectError(f"Cannot read '{path}': {e.strerror}.") from e
    if not header.startswith(b"SQLite format 3\x00"):
        raise NotAProjectError(f"'{path.name}' is not a LabelAssist project (it is not a SQLite database).")
    # Ask SQLite rather than the raw header: after a crash the newest header may still be in the WAL file.
    # Read-only, so a file that is not ours is never written: a read-write connection would checkpoint a
    # foreign WAL into it or roll back its journal. Without a WAL, `immutable` also keeps SQLite from
    # creating -wal/-shm files beside it; with one, `mode=ro` reads the WAL through its existing -shm.
    wal = path.with_name(path.name + "-wal")
    has_wal = wal.is_file() and wal.stat().st_size > 0
    uri = path.as_uri() + ("?mode=ro" if has_wal else "?mode=ro&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=5.0)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise NotAProjectError(f"'{path.name}' cannot be read as a project: {e}.") from e
    if app_id != APPLICATION_ID:
        raise NotAProjectError(f"'{path.name}' is a SQLite database but not a LabelAssist project.")
    if user_version > SCHEMA_VERSION:
        raise NewerProjectError(
            f"'{path.name}' was written by a newer LabelAssist (project format {user_version}; "
            f"this version reads up to {SCHEMA_VERSION}). Update LabelAssist to open it."
        )


def _writable(path: Path, folder: bool = False) -> bool:
    """Whether we may write `path`.

    `os.access` alone is not enough: for root it reports every file writable. A file (or, on POSIX, a
    folder) with no write permission bit at all was made read-only on purpose, so treat it as such for
    every user. Windows reports its folders' read-only attribute as missing write bits although it does
    not stop writing there, so folders are left to `os.access` on Windows.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if (not folder or os.name != "nt") and not mode & 0o222:
        return False
    return os.access(path, os.W_OK)


def _insert_tag(c: sqlite3.Connection, tag: Tag) -> int:
    cur = c.execute(
        "INSERT INTO tags(id, name, color, kind, keypoint_names, skeleton, model_label) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (tag.id, *_tag_row(tag)),
    )
    return cur.lastrowid  # type: ignore[return-value]


def _tag_row(tag: Tag) -> tuple[str, str, str, str, str, str | None]:
    return (
        tag.name,
        tag.color,
        tag.kind.value,
        json.dumps(list(tag.keypoint_names)),
        json.dumps([list(e) for e in tag.skeleton]),
        tag.model_label,
    )


def _annotation(i: int, image_id: int, tag_id: int, geometry: str, provenance: str) -> Annotation:
    g = json.loads(geometry)
    return Annotation(
        id=i,
        image_id=image_id,
        tag_id=tag_id,
        geometry=_GEOMETRY_TYPES[g["type"]].model_validate(g),
        provenance=Provenance.model_validate_json(provenance),
    )
