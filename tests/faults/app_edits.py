"""A labeller's random stream of edits through the real document and assist layers (no window), and what a
project file holds once opened, without what changes from run to run (times, latencies).

The stream is a function of its seed and the project it starts from: the killed child (kill_child.py) and
the parent's replay of it make the same edits, so the parent knows what the project must hold.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from app.assist.controller import AssistController
from app.document import Document
from app.document.import_command import ImportDataset
from app.inference.client import InferenceClient
from app.inference.deployments import Deployments
from app.io.importing import plan_for_project
from app.models import Box, Polygon, Tag, TagKind

# What a kill must not lose: every table of labels and model-assist records; not the usage log (latencies).
TABLES = (
    "tags",
    "images",
    "annotations",
    "deployments",
    "prediction_cache",
    "suggestion_decisions",
    "prelabelled",
    "image_contents",
)
VOLATILE = {"time", "latency_ms"}  # columns and JSON keys; also every column ending in "_at"


def settle(condition: Callable[[], bool] = lambda: True, timeout_s: float = 30.0) -> None:
    """Run the event loop until `condition()` holds and the queue is empty."""
    deadline = time.monotonic() + timeout_s
    QApplication.processEvents()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not settle in time")
        QApplication.processEvents()
        time.sleep(0.001)


class App:
    """The document, the deployments and model assist on a project file, as the main window builds them."""

    def __init__(self, path: Path) -> None:
        self.doc = Document()
        self.deployments = Deployments(InferenceClient())
        self.assist = AssistController(self.doc, self.deployments)
        self.doc.open_project(path)
        settle(lambda: bool(self.deployments.online()))
        self.assist.select_deployment(self.deployments.online()[0].id)
        settle(lambda: not self.assist.busy)

    def close(self) -> None:
        self.assist.stop()
        self.deployments.shutdown()
        self.doc.close()


# ---- the edits: each takes the app and the stream's random numbers ------------------------------------


def _on_screen(app: App, rng: random.Random) -> list[int]:
    ids = sorted(app.doc.annotations)
    return rng.sample(ids, min(len(ids), rng.randint(1, 2))) if ids else []


def draw_box(app: App, rng: random.Random) -> None:
    x, y = rng.uniform(0, 400), rng.uniform(0, 400)
    tag = app.doc.tag_for_kind(TagKind.BOX)
    app.doc.add_annotation(
        Box(x1=x, y1=y, x2=x + rng.uniform(5, 100), y2=y + rng.uniform(5, 100)), tag.id if tag else None
    )


def draw_polygon(app: App, rng: random.Random) -> None:
    x, y = rng.uniform(0, 400), rng.uniform(0, 400)
    points = [(x + rng.uniform(0, 90), y + rng.uniform(0, 90)) for _ in range(rng.randint(3, 8))]
    tag = app.doc.tag_for_kind(TagKind.POLYGON)
    app.doc.add_annotation(Polygon(points=points), tag.id if tag else None)


def move(app: App, rng: random.Random) -> None:
    chosen = _on_screen(app, rng)
    dx, dy = rng.uniform(-20, 20), rng.uniform(-20, 20)
    before = [app.doc.annotations[i] for i in chosen]
    after = [a.model_copy(update={"geometry": a.geometry.translated(dx, dy)}) for a in before]
    app.doc.update_annotations(before, after, "Move")


def delete(app: App, rng: random.Random) -> None:
    app.doc.set_selection(set(_on_screen(app, rng)))
    app.doc.delete_selected()


def retag(app: App, rng: random.Random) -> None:
    app.doc.set_selection(set(_on_screen(app, rng)))
    tags = sorted(app.doc.tags)
    if tags and app.doc.selected:
        app.doc.retag_selected(rng.choice(tags))


def assist(app: App, rng: random.Random) -> None:  # M
    app.assist.assist()
    settle(lambda: not app.assist.busy)


def commit_all(app: App, rng: random.Random) -> None:  # S
    app.assist.commit_all()


def commit_selected(app: App, rng: random.Random) -> None:  # a click, then Space
    shown = app.assist.shown()
    if shown:
        pick = rng.choice(shown).key
        if pick not in app.assist.selected:
            app.assist.toggle(pick)
    app.assist.commit_selected()


def dismiss(app: App, rng: random.Random) -> None:  # Esc
    app.assist.dismiss()


def undo(app: App, rng: random.Random) -> None:
    app.doc.undo_stack.undo()


def redo(app: App, rng: random.Random) -> None:
    app.doc.undo_stack.redo()


def add_tag(app: App, rng: random.Random) -> None:
    kind = rng.choice([TagKind.BOX, TagKind.POLYGON])
    app.doc.add_tag(Tag(name=f"tag {rng.randrange(10_000)}", color=app.doc.new_tag_color(), kind=kind))


def change_tag(app: App, rng: random.Random) -> None:
    tags = app.doc.tag_list()
    if tags:
        tag = rng.choice(tags)
        change = rng.choice(
            [{"name": f"renamed {rng.randrange(10_000)}"}, {"color": f"#{rng.randrange(1 << 24):06x}"}]
        )
        app.doc.update_tag(tag.model_copy(update=change))


def remove_tag(app: App, rng: random.Random) -> None:
    tags = sorted(app.doc.tags)
    if len(tags) > 2:
        app.doc.remove_tag(rng.choice(tags[2:]))


def import_dataset(app: App, rng: random.Random) -> None:
    path = app.doc.project_path
    assert path is not None
    plan = plan_for_project(path, "coco", path.parent / "dataset", skip_invalid=True)
    if plan.annotations:
        app.doc.push(ImportDataset(app.doc, plan, f"Import {len(plan.annotations)} annotation(s)"))


def next_image(app: App, rng: random.Random) -> None:  # D
    app.doc.next_image()


def previous_image(app: App, rng: random.Random) -> None:  # A
    app.doc.previous_image()


def toggle_done(app: App, rng: random.Random) -> None:  # Ctrl+Enter
    app.doc.toggle_done()


EDITS: dict[str, tuple[float, Callable[[App, random.Random], None]]] = {
    "draw a box": (18, draw_box),
    "draw a polygon": (6, draw_polygon),
    "move": (12, move),
    "delete": (7, delete),
    "retag": (4, retag),
    "M": (10, assist),
    "S": (5, commit_all),
    "Space": (5, commit_selected),
    "Esc": (3, dismiss),
    "undo": (9, undo),
    "redo": (5, redo),
    "add a tag": (3, add_tag),
    "rename or recolour a tag": (3, change_tag),
    "delete a tag": (2, remove_tag),
    "import": (2, import_dataset),
    "D": (5, next_image),
    "A": (3, previous_image),
    "Ctrl+Enter": (2, toggle_done),
}


def run(app: App, seed: int, edits: int, report: Callable[[str, int, str], None] = lambda *_: None) -> None:
    """Make `edits` edits chosen by `seed`; report("doing", i, name) before each, ("done", i, name) after."""
    rng = random.Random(seed)
    names = list(EDITS)
    weights = [EDITS[n][0] for n in names]
    for i in range(edits):
        name = rng.choices(names, weights)[0]
        report("doing", i, name)
        EDITS[name][1](app, rng)
        settle(lambda: not app.assist.busy)
        report("done", i, name)


# ---- what the project holds -----------------------------------------------------------------------


def _steady(value: Any) -> Any:
    """A cell without its volatile parts (JSON text loses its "time" keys)."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(_drop_volatile(json.loads(value)), sort_keys=True)
        except ValueError:
            return value
    return value


def _drop_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_drop_volatile(v) for v in value]
    return value


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the label and assist tables, ordered, read as another process would."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        held = {}
        for table in TABLES:
            cursor = conn.execute(f"SELECT * FROM {table}")
            keep = [
                i
                for i, d in enumerate(cursor.description)
                if d[0] not in VOLATILE and not d[0].endswith("_at")
            ]
            held[table] = sorted(
                (tuple(_steady(row[i]) for i in keep) for row in cursor.fetchall()), key=repr
            )
        return held
    finally:
        conn.close()
