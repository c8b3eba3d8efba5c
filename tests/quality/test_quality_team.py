"""The same session on a team project on PostgreSQL: the figures come out the same from the same SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assist_layer import AssistLayer, make_project
from scenario import HARD, IMAGES, TAGS, VERSION_1, check_version_1, serve, work_through

from app.assist.controller import AssistController
from app.document import Document
from app.inference.client import InferenceClient
from app.inference.deployments import Deployments
from app.models import Deployment
from app.store.quality import QualityStore
from app.store.team.database import TeamDatabase
from app.store.team.publish import publish


class TeamLayer(AssistLayer):
    """An AssistLayer whose project file is published as a team project first and opened from there."""

    def __init__(self, folder: Path, team_url: str, model_url: str) -> None:
        self.path = make_project(folder, IMAGES, TAGS)
        publish(self.path, team_url, "alice")
        self.doc = Document()
        self.doc.labeller = "alice"
        self.deployments = Deployments(InferenceClient())
        self.assist = AssistController(self.doc, self.deployments)
        self.messages: list[str] = []
        self.doc.open_project(team_url, image_root=folder)
        self.deployment = self._use(Deployment(name="fake", url=model_url, model="fake"))


def test_a_team_projects_figures_are_the_files(pg_url: str, tmp_path: Path, fake_oip: Any, qapp: Any) -> None:
    url = pg_url + "?project=quality"
    serve(fake_oip, VERSION_1, "fake-1")
    layer = TeamLayer(tmp_path / "photos", url, fake_oip.url)
    try:
        work_through(layer)
    finally:
        layer.close()
    database = TeamDatabase.open(url, "lead")
    try:
        store = QualityStore(database)
        (d,) = store.report().deployments
        check_version_1(d.versions[0])
        paths = dict(database.execute("SELECT id, path FROM images").fetchall())
        assert {paths[i]: n for i, n in store.hard_images(d.deployment_id).items()} == HARD
        assert store.changed_since("fake-1") == set(paths)  # every image was labelled in the session
    finally:
        database.close()


def test_a_team_project_made_before_quality_was_kept_is_brought_up_to_date(pg_url: str, monkeypatch) -> None:
    import app.store.team.database as team_database
    import app.store.team.schema as team_schema

    url = pg_url + "?project=older"
    with monkeypatch.context() as m:  # a LabelAssist from before: its schema has one step
        m.setattr(team_schema, "SCHEMA_VERSION", 1)
        m.setattr(team_database, "SCHEMA_VERSION", 1)
        TeamDatabase.create(url, "owner").close()
    database = TeamDatabase.open(url, "lead")  # migrates
    try:
        version = database.execute(
            "SELECT schema_version FROM public.labelassist_projects WHERE name = 'older'"
        ).fetchone()[0]
        assert version == team_schema.SCHEMA_VERSION == 2
        assert (
            database.execute("SELECT image_id, tag_id, geometry FROM suggestion_decisions").fetchall() == []
        )
        assert QualityStore(database).report().deployments == ()
    finally:
        database.close()
