"""A team project on PostgreSQL is pre-labelled like a project file: its answers, marks and usage go to the
team's shared tables, under the name of whoever ran it."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import prelabel
from projects import SAMPLES

from app.models import Deployment, ImageRecord
from app.store import ProjectStore
from app.store.assist_store import AssistStore
from app.store.team.database import TeamDatabase

PHOTOS = ("astronaut.jpg", "cat.png", "hand.jpg")


def test_a_team_project_is_prelabelled_into_the_teams_tables(pg_url: str, tmp_path: Path, fake_oip) -> None:
    url = pg_url + "?project=people"
    for name in PHOTOS:  # the images stay on this machine; the team project keeps their relative paths
        shutil.copy(SAMPLES / name, tmp_path / name)
    database = TeamDatabase.create(url, "owner")
    images = ProjectStore(database).add_images([ImageRecord(path=name) for name in PHOTOS])
    d = AssistStore(database).save_deployment(Deployment(name="fake", url=fake_oip.url, model="fake"))
    database.close()

    assert prelabel(url, "--deployment", "fake", "--image-root", tmp_path, "--as", "night-shift") == 0

    database = TeamDatabase.open(url, "reviewer")
    try:
        records = AssistStore(database)
        assert records.prelabelled(d.saved_id, "fake-1") == {img.id for img in images}
        assert len(records.cached_hashes(d.saved_id, "fake-1")) == len(PHOTOS)
        who = database.execute("SELECT who, count(*) FROM usage_events GROUP BY who").fetchall()
        assert [tuple(row) for row in who] == [("night-shift", len(PHOTOS))]
    finally:
        database.close()
