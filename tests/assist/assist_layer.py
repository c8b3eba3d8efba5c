"""The document and assist layers over a real project file and a real OIP server, without any window.

`AssistLayer` is what a labeller's keys do, one method a key (M, S, Space, Esc, Ctrl+Z, Ctrl+Shift+Z, D, A,
Ctrl+Shift+M), each returning once the app has settled; `rows()` reads the project file through a connection
of its own, and `messages` are the status-bar lines model assist wrote.
"""

from __future__ import annotations

import json
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
from app.models import Deployment, Tag
from app.project_files import add_image_files
from app.store import ProjectStore

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def wait_until(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    """Run the event loop until `condition()` holds; fail plainly when it never does."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not settle in time")
        QApplication.processEvents()
        time.sleep(0.002)


def make_project(folder: Path, images: tuple[str, ...], tags: tuple[Tag, ...] = ()) -> Path:
    """A new project file in `folder` with copies of these sample images and these tags; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in images:
        shutil.copy(SAMPLES / name, folder / name)
    store = ProjectStore.create(folder / "project.labelassist")
    for tag in tags:
        store.add_tag(tag)
    add_image_files(store, sorted(folder / name for name in images))
    store.close()
    return store.path


class AssistLayer:
    def __init__(
        self, folder: Path, url: str, images: tuple[str, ...], tags: tuple[Tag, ...] = (), **deployment: Any
    ) -> None:
        self.path = make_project(folder, images, tags)
        self.doc = Document()
        self.deployments = Deployments(InferenceClient())
        self.assist = AssistController(self.doc, self.deployments)
        self.messages: list[str] = []
        self.assist.status.connect(self.messages.append)
        self.doc.open_project(self.path)
        self.deployment = self._use(Deployment(name="fake", url=url, model="fake", **deployment))

    def _use(self, d: Deployment) -> Deployment:
        """Save the deployment in the open project, wait until it is online and choose it."""
        d = self.deployments.save(d)
        wait_until(lambda: any(o.id == d.id for o in self.deployments.online()))
        self.assist.select_deployment(d.id)
        return d

    @property
    def deployment_id(self) -> int:
        assert self.deployment.id is not None
        return self.deployment.id

    def image_bytes(self) -> bytes:
        """The file of the image on screen."""
        path = self.doc.current_path()
        assert path is not None
        return path.read_bytes()

    def close(self) -> None:
        self.assist.stop()
        self.deployments.shutdown()
        self.doc.close()

    def open_other(self, folder: Path, images: tuple[str, ...]) -> None:
        """Open another project with the same deployment (saved there under the same id)."""
        self.doc.open_project(make_project(folder, images))
        self.deployment = self._use(self.deployment.model_copy(update={"id": None}))

    def reopen(self) -> None:
        """Close the project and open it again (the undo history goes, the project file stays)."""
        row = self.doc.row
        self.doc.open_project(self.path)
        self.doc.go_to_row(row)
        wait_until(lambda: self.deployment.id in {d.id for d in self.deployments.online()})
        self.assist.select_deployment(self.deployment.id)

    # ---- keys ----------------------------------------------------------------------------------

    def m(self) -> None:
        self.assist.assist()
        wait_until(lambda: not self.assist.busy)

    def s(self) -> int:
        return self.assist.commit_all()

    def space(self) -> int:
        """Select the first shown suggestion (as a click would) and commit the selection."""
        shown = self.assist.shown()
        if shown and shown[0].key not in self.assist.selected:
            self.assist.toggle(shown[0].key)
        return self.assist.commit_selected()

    def esc(self) -> int:
        return self.assist.dismiss()

    def undo(self) -> None:
        self.doc.undo_stack.undo()

    def redo(self) -> None:
        self.doc.undo_stack.redo()

    def prelabel(self) -> int:
        """Ctrl+Shift+M: pre-label the images to do; returns when the batch has ended."""
        prefetcher = self.assist.prefetcher
        n = prefetcher.prelabel()
        wait_until(lambda: not prefetcher.batch_running and not prefetcher.in_flight)
        return n

    def d(self) -> None:
        self.doc.next_image()

    def a(self) -> None:
        self.doc.previous_image()

    # ---- the project file ----------------------------------------------------------------------

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Tags, annotations and suggestion decisions as another process would read them."""
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            return {
                "tags": conn.execute("SELECT id, name, kind FROM tags ORDER BY id").fetchall(),
                "annotations": conn.execute(
                    "SELECT id, image_id, tag_id, geometry, provenance FROM annotations ORDER BY id"
                ).fetchall(),
                "decisions": conn.execute(
                    "SELECT content_hash, key, decision FROM suggestion_decisions ORDER BY content_hash, key"
                ).fetchall(),
            }
        finally:
            conn.close()

    def model_annotation_tags(self) -> dict[int, int]:
        """tag id -> how many annotations committed from suggestions use it."""
        counts: dict[int, int] = {}
        for _id, _image, tag_id, _geometry, provenance in self.rows()["annotations"]:
            if json.loads(provenance).get("source") == "model":
                counts[tag_id] = counts.get(tag_id, 0) + 1
        return counts
