"""Exporting a project: options, the writer per format, and a staging folder so that a cancelled or failed
export leaves nothing behind and a finished one appears whole."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from app.collector import paused
from app.io.dataset import ExportResult
from app.io.progress import Progress
from app.io.project_view import ProjectView
from app.store import ProjectDatabase, ProjectStore
from app.store.backend import Database
from app.store.errors import ProjectInUseError

# A project file, or an opener: a callable that opens a new connection to a project (app/session.py),
# which the callee closes when done. A team project is only reached through an opener.
ProjectSource = Path | Callable[[], Database]

Writer = Callable[[ProjectView, Path, Any, Progress], ExportResult]
# The module whose `write` writes each format; imported when used, so a command loads only its own format.
WRITERS = {
    "coco": "app.io.coco_export",
    "yolo": "app.io.yolo",
    "voc": "app.io.voc",
    "labelme": "app.io.labelme",
}


@dataclass(frozen=True)
class ExportOptions:
    format: str
    only_done: bool = False
    images: str = "copy"  # "copy" or "link"
    val_fraction: float = 0.0  # YOLO: share of images in the val split (0: no split)
    task: str = "auto"  # YOLO: auto, detect, segment or pose
    # For retraining (app/io/selection.py): only images labelled since this model version first answered,
    # only the deployment's hard examples, or both; `deployment` names which one (needed only when several).
    changed_since: str | None = None
    hard_examples: bool = False
    deployment: str | None = None


def export_project(
    project: ProjectSource, out: Path, options: ExportOptions, progress: Progress | None = None
) -> ExportResult:
    """Export a project (its file, or an opener) into the folder `out`. Opens its own connection, so any
    thread may call it."""
    if options.format not in WRITERS:
        raise ValueError(f"Unknown format '{options.format}'; choose one of {', '.join(WRITERS)}.")
    progress = progress or Progress()
    store = open_store_to_read(project)
    try:
        chosen: set[int] | None = None
        why: list[str] = []
        if options.changed_since is not None or options.hard_examples:
            from app.io.selection import selected_images  # the quality store: loaded only when it chooses

            chosen, why = selected_images(
                store.database, options.changed_since, options.hard_examples, options.deployment
            )
        view = ProjectView(store, options.only_done, chosen)
        write: Writer = import_module(WRITERS[options.format]).write
        with staging(out) as tmp, paused():
            result = write(view, tmp, options, progress)
            progress.check()
        if view.unchosen:
            result.left_out.append(f"{view.unchosen} image(s) {' or '.join(why)}")
    finally:
        store.close()
    result.out = out
    return result


def model_versions(project: ProjectSource) -> list[tuple[str, str]]:
    """(deployment name, model version) of every model version that answered in the project, oldest first:
    what `changed_since` and `hard_examples` can name."""
    from app.store.quality import QualityStore

    store = open_store(project)
    try:
        return [
            (name, version) for _i, name, version, _first in QualityStore(store.database).model_versions()
        ]
    finally:
        store.close()


def open_store(project: ProjectSource) -> ProjectStore:
    """The stores over a new connection to `project`; closing the store closes it."""
    return ProjectStore(project()) if callable(project) else ProjectStore.open(project)


def open_store_to_read(project: ProjectSource) -> ProjectStore:
    """As `open_store`, but a project file the app has open (so up to date) is read beside the app."""
    try:
        return open_store(project)
    except ProjectInUseError:
        assert not callable(project)
        return ProjectStore(ProjectDatabase.open_read_only(project))


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A fresh folder beside `out` to write into; on success its contents move into `out`."""
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"'{out}' is a file, not a folder.")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.exporting-", dir=out.parent))
    try:
        yield tmp
        out.mkdir(exist_ok=True)
        for entry in sorted(tmp.iterdir()):
            _move_into(entry, out / entry.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_into(src: Path, dst: Path) -> None:
    """Move a file or folder into place, merging folders and replacing files of the same name."""
    if src.is_dir() and not src.is_symlink() and dst.is_dir():
        for child in src.iterdir():
            _move_into(child, dst / child.name)
        return
    if dst.is_dir() and not dst.is_symlink():
        shutil.rmtree(dst)
    elif dst.exists() or dst.is_symlink():
        dst.unlink()
    os.replace(src, dst)
