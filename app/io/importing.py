"""Importing a dataset: read the files, check them against the project, then write all of it in one
transaction, or nothing. The GUI runs the same steps, with the write as an undoable command."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from app.collector import paused
from app.io.dataset import DatasetError, SourceDataset
from app.io.export import ProjectSource, open_store
from app.io.plan import ImportPlan, plan_import
from app.io.progress import Progress
from app.models import ImageRecord, Tag
from app.store import ProjectDatabase, ProjectStore

Reader = Callable[[Path, Progress], SourceDataset]
# The module whose `read` reads each format; imported when used, so a command loads only its own format.
READERS = {
    "coco": "app.io.coco",
    "yolo": "app.io.yolo_read",
    "voc": "app.io.voc",
    "labelme": "app.io.labelme",
}


def read_dataset(fmt: str, src: Path, progress: Progress | None = None) -> SourceDataset:
    if fmt not in READERS:
        raise ValueError(f"Unknown format '{fmt}'; choose one of {', '.join(READERS)}.")
    read: Reader = import_module(READERS[fmt]).read
    return read(Path(src).absolute(), progress or Progress())


def plan_for(
    store: ProjectStore, fmt: str, src: Path, skip_invalid: bool = False, progress: Progress | None = None
) -> ImportPlan:
    """Read and check everything; raises DatasetError listing the problems unless `skip_invalid`."""
    progress = progress or Progress()
    with paused():
        # The dataset as read is let go as soon as it is planned, while the collector is still off: it
        # has an object or two per annotation that the collector would otherwise walk once for nothing.
        data = read_dataset(fmt, src, progress)
        plan = plan_import(data, store.root, store.tags(), store.images(), store.annotations_for, progress)
        del data
    if plan.issues and not skip_invalid:
        raise DatasetError(plan.issues)
    return plan


def plan_for_project(
    project: ProjectSource, fmt: str, src: Path, skip_invalid: bool = False, progress: Progress | None = None
) -> ImportPlan:
    """`plan_for` over a connection of its own to `project` (a file, opened read-only, or an opener): for
    a worker thread while the app keeps the project open (a connection belongs to its thread)."""
    store = ProjectStore(project() if callable(project) else ProjectDatabase.open_read_only(project))
    try:
        return plan_for(store, fmt, src, skip_invalid, progress)
    finally:
        store.close()


def write_plan(store: ProjectStore, plan: ImportPlan) -> tuple[list[Tag], list[ImageRecord], int]:
    """Write the whole plan in one transaction: the new tags and images, and how many annotations."""
    with paused():
        return store.import_rows(plan.new_tags, plan.new_images, plan.rows, plan.statuses)


def import_into(
    project: ProjectSource, fmt: str, src: Path, skip_invalid: bool = False, progress: Progress | None = None
) -> ImportPlan:
    """Import into a project: an opener's, or the project file `project` (created if missing, and removed
    again if the import fails)."""
    new_file = None if callable(project) or Path(project).exists() else Path(project)
    store = ProjectStore.create(new_file) if new_file is not None else open_store(project)
    ok = False
    try:
        plan = plan_for(store, fmt, src, skip_invalid, progress)
        if progress is not None:
            progress.check()
        write_plan(store, plan)
        ok = True
        return plan
    finally:
        store.close()
        if new_file is not None and not ok:
            for suffix in ("", "-wal", "-shm"):
                new_file.with_name(new_file.name + suffix).unlink(missing_ok=True)
