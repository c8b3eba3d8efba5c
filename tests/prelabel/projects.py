"""Small real projects for pre-labelling, the app's own pre-label run on one (no window: the document and
model assist layers, as tests/assist does), and the rows a run leaves in a project file."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from app.assist.controller import AssistController
from app.document import Document
from app.inference.client import InferenceClient
from app.inference.deployments import Deployments
from app.models import Deployment
from app.project_files import add_image_files
from app.store import ProjectStore
from app.store.assist_store import AssistStore

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
PHOTOS = ("astronaut.jpg", "cat.png", "grace_hopper.jpg", "hand.jpg", "person_dog_horse.jpg")


def make_project(
    folder: Path, images: tuple[str, ...] = PHOTOS, deployment: Deployment | None = None
) -> Path:
    """A project file in `folder` with copies of these sample photos (and this deployment); its path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in images:
        shutil.copy(SAMPLES / name, folder / name)
    store = ProjectStore.create(folder / "project.labelassist")
    add_image_files(store, sorted(folder / name for name in images))
    if deployment is not None:
        AssistStore(store.database).save_deployment(deployment)
    store.close()
    return store.path


def wait_until(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not settle in time")
        QApplication.processEvents()
        time.sleep(0.002)


class App:
    """The app's model assist on a project file, choosing the deployment named `name` once it is online."""

    def __init__(self, project: Path, name: str) -> None:
        self.doc = Document()
        self.deployments = Deployments(InferenceClient())
        self.assist = AssistController(self.doc, self.deployments)
        self.doc.open_project(project)
        d = next(d for d in self.deployments.all() if d.name == name)
        wait_until(lambda: any(o.id == d.id for o in self.deployments.online()))
        self.assist.select_deployment(d.id)

    def prelabel(self) -> int:
        """Ctrl+Shift+M; returns when the batch has ended."""
        prefetcher = self.assist.prefetcher
        n = prefetcher.prelabel()
        wait_until(lambda: not prefetcher.batch_running and not prefetcher.in_flight)
        return n

    def open_row(self, row: int) -> list[str]:
        """Open the image at `row`; the keys of the suggestions shown once it settles."""
        self.doc.go_to_row(row)
        wait_until(lambda: not self.assist.busy)
        return [s.key for s in self.assist.shown()]

    def close(self) -> None:
        self.assist.stop()
        self.deployments.shutdown()
        self.doc.close()


def rows(project: Path) -> dict[str, Any]:
    """What a pre-label leaves in the project file, as another process reads it (times left out)."""
    conn = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    try:
        return {
            "cache": conn.execute(
                "SELECT content_hash, deployment_id, model_version, predictions FROM prediction_cache "
                "ORDER BY content_hash, deployment_id"
            ).fetchall(),
            "marks": conn.execute(
                "SELECT image_id, deployment_id, model_version FROM prelabelled ORDER BY image_id, deployment_id"
            ).fetchall(),
            "calls": conn.execute(
                "SELECT deployment_id, kind, ok, predictions, content_hash, detail FROM usage_events "
                "ORDER BY content_hash"
            ).fetchall(),
            "annotations": conn.execute("SELECT count(*) FROM annotations").fetchone()[0],
        }
    finally:
        conn.close()
