"""The project session: opening a project file or a folder, the stores built together on one connection, and
the questions widgets ask through the document."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from app.models import Annotation, Box, Deployment, Tag
from app.session import ProjectError, ProjectSession
from app.store.assist_store import COMMITTED, CacheKey

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
WIDGETS = Path(__file__).resolve().parents[2] / "app" / "widgets"


def test_a_folder_becomes_a_project_beside_its_images_and_takes_in_new_ones(image_folder: Path) -> None:
    session = ProjectSession.open(image_folder)
    assert session.path == image_folder / "photos.labelassist" and session.name == "photos"
    assert [r.path for r in session.store.images()] == ["astronaut.jpg", "cat.png", "hand.jpg"]
    session.close()
    shutil.copy(SAMPLES / "dog.jpg", image_folder / "dog.jpg")
    again = ProjectSession.open(image_folder)  # the same project, with the new photo added once
    try:
        assert [r.path for r in again.store.images()] == ["astronaut.jpg", "cat.png", "dog.jpg", "hand.jpg"]
    finally:
        again.close()


def test_a_file_that_is_not_a_project_is_refused_and_left_alone(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.labelassist"
    bogus.write_text("hello")
    with pytest.raises(ProjectError, match="not a LabelAssist project"):
        ProjectSession.open(bogus)
    assert bogus.read_text() == "hello"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.labelassist"]


def test_the_stores_write_through_one_connection_in_one_transaction(image_folder: Path) -> None:
    session = ProjectSession.open(image_folder)
    try:
        image = session.store.images()[0]
        tag = session.store.add_tag(Tag(name="face"))
        d = session.assist_records.save_deployment(Deployment(name="d", url="http://h", model="m"))
        key = CacheKey(content_hash="h", deployment_id=d.id, model_version="v")
        # A commit of suggestions: the annotation and the decision land together, or neither does.
        decision = session.assist_records.decide(key, ["k1"], COMMITTED)
        face = Annotation(image_id=image.id, tag_id=tag.id, geometry=Box(x1=1, y1=2, x2=30, y2=40))
        session.store.add_annotations([face], also=decision)
        assert session.assist_records.decisions(key) == {"k1": COMMITTED}
        assert session.count_with_tag(tag.id) == 1
        assert session.next_tag_id() == tag.id + 1
    finally:
        session.close()


def test_added_files_are_kept_relative_to_the_project_and_only_once(
    image_folder: Path, tmp_path: Path
) -> None:
    extra = tmp_path / "more"
    extra.mkdir()
    shutil.copy(SAMPLES / "dog.jpg", extra / "dog.jpg")
    session = ProjectSession.open(image_folder)
    try:
        assert [r.path for r in session.add_image_files([extra / "dog.jpg"])] == ["../more/dog.jpg"]
        assert session.add_image_files([extra / "dog.jpg", image_folder / "cat.png"]) == []
        record = next(r for r in session.store.images() if r.path == "../more/dog.jpg")
        assert session.image_path(record).resolve() == (extra / "dog.jpg").resolve()
    finally:
        session.close()


def test_exports_go_beside_the_project_folder_not_into_it(image_folder: Path) -> None:
    session = ProjectSession.open(image_folder)
    try:
        assert session.default_export_folder() == image_folder.parent / "photos-export"
    finally:
        session.close()


def test_widgets_reach_the_project_only_through_the_document() -> None:
    """Import-linter keeps `app.store` imports out of widgets; this keeps them off the session's stores too."""
    reaching = {"store", "session", "records", "assist_records", "database"}
    found = [
        f"{path.relative_to(WIDGETS)}:{node.lineno} .{node.attr}"
        for path in sorted(WIDGETS.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in reaching
    ]
    assert found == []
