"""Publishing a project file as a team project: every row arrives with its id, or nothing does; and the
command line publishes and exports a team project as it does a file."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import psycopg
import pytest

from app.__main__ import main
from app.models import Annotation, Deployment, ImageRecord, ImageStatus, PredictionSet, Review, Tag, TagKind
from app.models.geometry import Box, Polygon
from app.models.prediction import ModelInfo
from app.store import NotAProjectError, ProjectDatabase, ProjectError, ProjectStore
from app.store.assist_store import COMMITTED, DISMISSED, AssistStore, CacheKey
from app.store.team.database import TeamDatabase
from app.store.team.publish import IMAGE_ROOT_HINT, TABLES, publish

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """shots/shots.labelassist: four images (one by an absolute path), three tags, annotations by alice
    and bob, a status, a review, a deployment with a cached answer, decisions, a pre-label and a call."""
    folder, elsewhere = tmp_path / "shots", tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    for rel, sample in (
        ("astronaut.jpg", "astronaut.jpg"),
        ("cat.png", "cat.png"),
        ("sub/hand.jpg", "hand.jpg"),
    ):
        shutil.copy(SAMPLES / sample, folder / rel)
    shutil.copy(SAMPLES / "coffee.png", elsewhere / "coffee.png")
    path = folder / "shots.labelassist"
    alice = ProjectStore(ProjectDatabase.create(path, "alice"))
    bob = ProjectStore(ProjectDatabase.open(path, "bob"))
    try:
        sizes = {"astronaut.jpg": (512, 512), "cat.png": (451, 300), "sub/hand.jpg": (0, 0)}
        records = [ImageRecord(path=p, width=w, height=h) for p, (w, h) in sizes.items()]
        a, c, h, far = alice.add_images([*records, ImageRecord(path=(elsewhere / "coffee.png").as_posix())])
        car = alice.add_tag(Tag(name="car", color="#e6194b"))
        road = alice.add_tag(Tag(name="road", color="#3cb44b", kind=TagKind.POLYGON))
        alice.add_tag(Tag(name="unused", color="#4363d8"))
        first, _ = alice.add_annotations(
            [
                Annotation(
                    image_id=a.saved_id, tag_id=car.saved_id, geometry=Box(x1=10, y1=20, x2=200, y2=300)
                ),
                Annotation(
                    image_id=a.saved_id,
                    tag_id=road.saved_id,
                    geometry=Polygon(points=((5, 5), (300, 10.5), (280.25, 400))),
                ),
            ]
        )
        bob.update_annotations([first.model_copy(update={"geometry": Box(x1=11, y1=21, x2=201, y2=301)})])
        bob.add_annotations(
            [
                Annotation(image_id=c.saved_id, tag_id=car.saved_id, geometry=Box(x1=1, y1=2, x2=30, y2=40)),
                Annotation(image_id=far.saved_id, tag_id=car.saved_id, geometry=Box(x1=3, y1=3, x2=9, y2=9)),
            ]
        )
        alice.set_image_status(a.saved_id, ImageStatus.DONE)
        bob.set_review(a.saved_id, Review.ACCEPTED, "fine")
        alice.set_image_status(h.saved_id, ImageStatus.IN_PROGRESS)
        assist = AssistStore(alice.database)
        d = assist.save_deployment(Deployment(name="cars", url="http://127.0.0.1:1", model="detector"))
        key = CacheKey(content_hash="abc", deployment_id=d.saved_id, model_version="1")
        assist.cache(
            key, PredictionSet(model=ModelInfo(name="detector", version="1", labels=("car",))), a.saved_id
        )
        assist.run(assist.decide(key, ["s1", "s2"], COMMITTED))
        assist.run(assist.decide(key, ["s3"], DISMISSED))
        assist.mark_prelabelled([a.saved_id, c.saved_id], d.saved_id, "1")
        assist.record_call(d.saved_id, ok=True, latency_ms=12.5, predictions=3, content_hash="abc")
    finally:
        alice.close()
        bob.close()
    return path


def _rows(execute, table: str, columns: list[str]) -> list[tuple]:  # type: ignore[no-untyped-def]
    # Sorted here: the two databases may collate text differently.
    rows = execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
    return sorted((tuple(r) for r in rows), key=repr)


def _schema_exists(pg_url: str, project: str) -> bool:
    with psycopg.connect(pg_url, autocommit=True) as c:
        schema = c.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (f"la_{project}",)).fetchone()
        registry = c.execute("SELECT to_regclass('public.labelassist_projects')").fetchone()[0]
        registered = (
            registry
            and c.execute("SELECT 1 FROM public.labelassist_projects WHERE name = %s", (project,)).fetchone()
        )
    return bool(schema or registered)


def test_every_row_arrives_with_its_id_and_new_rows_get_new_ids(source: Path, pg_url: str) -> None:
    url = pg_url + "?project=shots"
    report = publish(source, url, "owner")
    assert report.counts == {
        "images": 4,
        "tags": 3,
        "annotations": 4,
        "deployments": 1,
        "usage_events": 1,
        "prediction_cache": 1,
        "suggestion_decisions": 3,
        "prelabelled": 2,
        "image_contents": 1,
    }
    assert report.summary().startswith(f"Published 4 image(s), 3 tag(s) and 4 annotation(s) to {url}")

    file = ProjectDatabase.open_read_only(source)
    team = TeamDatabase.open(url, "carol")
    try:
        for table in TABLES:  # every column, times and row versions included
            columns = [d[0] for d in file.execute(f"SELECT * FROM {table} LIMIT 0").description]
            assert _rows(team.execute, table, columns) == _rows(file.execute, table, columns), table
        mine, theirs = ProjectStore(file), ProjectStore(team)
        assert theirs.images() == mine.images() and theirs.tags() == mine.tags()
        for image in mine.images():
            assert theirs.annotations_for(image.saved_id) == mine.annotations_for(image.saved_id)
        astronaut = next(i for i in theirs.images() if i.path == "astronaut.jpg")
        edited = theirs.annotations_for(astronaut.saved_id)[0]
        assert (edited.author, edited.editor, edited.version) == ("alice", "bob", 2)
        assert theirs.meta(IMAGE_ROOT_HINT) == str(source.parent)
        assert [r.path for r in theirs.images()][0] == (
            source.parent.parent / "elsewhere/coffee.png"
        ).as_posix()

        local, shared = AssistStore(file), AssistStore(team)
        (d,) = shared.deployments()
        assert [d] == local.deployments()
        key = CacheKey(content_hash="abc", deployment_id=d.saved_id, model_version="1")
        assert shared.cached(key) == local.cached(key) is not None
        assert (
            shared.decisions(key)
            == local.decisions(key)
            == {"s1": COMMITTED, "s2": COMMITTED, "s3": DISMISSED}
        )
        assert shared.prelabelled(d.saved_id, "1") == local.prelabelled(d.saved_id, "1")
        assert shared.usage(d.saved_id) == local.usage(d.saved_id)

        # The sequences were moved past the copied ids: what the team adds next cannot collide.
        tag = theirs.add_tag(Tag(name="bus", color="#f58231"))
        (image,) = theirs.add_images([ImageRecord(path="new.jpg")])
        (added,) = theirs.add_annotations(
            [Annotation(image_id=image.saved_id, tag_id=tag.saved_id, geometry=Box(x1=0, y1=0, x2=1, y2=1))]
        )
        assert (tag.id, image.id, added.id) == (4, 5, 5)
    finally:
        file.close()
        team.close()


def test_the_copy_announces_nothing_to_labellers_who_listen(source: Path, pg_url: str) -> None:
    url = pg_url + "?project=shots"
    with psycopg.connect(pg_url, autocommit=True) as listener:
        listener.execute('LISTEN "la_shots"')
        publish(source, url, "owner")
        team = TeamDatabase.open(url, "carol")
        try:
            ProjectStore(team).add_tag(Tag(name="bus", color="#f58231"))
        finally:
            team.close()
        # Notices arrive in commit order: had the copy announced its rows, they would come first.
        (first,) = listener.notifies(timeout=10, stop_after=1)
    assert first.payload.startswith("tags * ")


def test_a_second_publish_to_the_same_name_is_refused_and_changes_nothing(source: Path, pg_url: str) -> None:
    url = pg_url + "?project=shots"
    publish(source, url, "owner")
    store = ProjectStore.open(source)
    store.add_images([ImageRecord(path="later.jpg")])
    store.close()

    with pytest.raises(ProjectError, match="already a team project 'shots'"):
        publish(source, url, "someone else")
    team = TeamDatabase.open(url, "carol")
    try:
        assert ProjectStore(team).image_count() == 4
        assert team.execute("SELECT name, role FROM members ORDER BY name").fetchall() == [
            ("carol", "labeller"),
            ("owner", "owner"),
        ]
    finally:
        team.close()


def test_a_publish_that_fails_midway_leaves_nothing_behind(source: Path, pg_url: str) -> None:
    # A row the team's foreign keys refuse: a file written without SQLite's checks can hold one.
    connection = sqlite3.connect(source)
    with connection:
        connection.execute(
            "INSERT INTO annotations(image_id, tag_id, geometry, provenance) VALUES (1, 99, '{}', '{}')"
        )
    connection.close()
    url = pg_url + "?project=shots"
    with pytest.raises(ProjectError, match="Nothing was published: .*foreign key"):
        publish(source, url, "owner")
    assert not _schema_exists(pg_url, "shots")
    with pytest.raises(NotAProjectError, match="no team project 'shots'"):
        TeamDatabase.open(url, "owner")


def test_an_interrupted_publish_leaves_nothing_behind(source: Path, pg_url: str) -> None:
    def interrupt(done: int, total: int, stage: str) -> None:
        if stage == "Publishing annotations" and done == total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish(source, pg_url + "?project=shots", "owner", interrupt)
    assert not _schema_exists(pg_url, "shots")
    publish(source, pg_url + "?project=shots", "owner")  # and the name is free for the next try
    assert _schema_exists(pg_url, "shots")


def test_only_a_project_file_is_published(tmp_path: Path, pg_url: str) -> None:
    notes = tmp_path / "notes.labelassist"
    notes.write_text("not a project")
    with pytest.raises(NotAProjectError, match="not a LabelAssist project"):
        publish(notes, pg_url + "?project=notes", "owner")
    with pytest.raises(NotAProjectError, match="No project file"):
        publish(tmp_path / "missing.labelassist", pg_url + "?project=notes", "owner")
    assert not _schema_exists(pg_url, "notes")


def _without_ids(doc: dict) -> dict:
    return {
        key: [{k: v for k, v in entry.items() if k != "id"} for entry in doc[key]]
        for key in ("images", "annotations", "categories")
    }


def test_publish_then_export_from_the_command_line_as_from_the_file(
    source: Path, pg_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    url = pg_url.replace("labelassist@", "labelassist:s3cret@") + "?project=shots"  # trust: any password
    assert main(["publish", str(source), url, "--as", "owner"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Published 4 image(s), 3 tag(s) and 4 annotation(s) to ") and "s3cret" not in out

    monkeypatch.chdir(tmp_path)  # the images are found from the published folder, not from here
    assert main(["export", url, str(tmp_path / "team"), "--format", "coco"]) == 0
    assert "Exported 4 image(s) and 4 annotation(s)" in capsys.readouterr().out
    assert main(["export", str(source), "--out", str(tmp_path / "file"), "--format", "coco"]) == 0
    capsys.readouterr()
    team, file = (json.loads((tmp_path / d / "annotations.json").read_text()) for d in ("team", "file"))
    assert _without_ids(team) == _without_ids(file)
    assert {(a["attributes"]["author"], a["attributes"]["editor"]) for a in team["annotations"]} == {
        ("alice", "bob"),
        ("alice", ""),
        ("bob", ""),
    }

    assert main(["publish", str(source), url, "--as", "owner"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("labelassist publish: There is already a team project 'shots'")
    assert "Traceback" not in err and "s3cret" not in err and len(err.strip().splitlines()) == 1


def test_import_into_a_team_project_from_the_command_line(
    source: Path, pg_url: str, tmp_path: Path, capsys
) -> None:
    url = pg_url + "?project=shots"
    lm = tmp_path / "lm"
    main(["export", str(source), str(lm), "--format", "labelme", "--images", "link"])
    edited = json.loads((lm / "astronaut.json").read_text())["shapes"][0]
    assert (edited["labelassist"]["author"], edited["labelassist"]["editor"]) == ("alice", "bob")
    empty = tmp_path / "empty" / "empty.labelassist"
    empty.parent.mkdir()
    ProjectStore.create(empty).close()
    publish(empty, url, "owner")
    capsys.readouterr()

    args = ["import", url, "--format", "labelme", "--src", str(lm), "--as", "dana", "--image-root", str(lm)]
    assert main(args) == 0
    assert "Imported into " + url in capsys.readouterr().out
    team = TeamDatabase.open(url, "carol")
    try:
        store = ProjectStore(team)
        assert store.image_count() == 4 and store.annotation_count() == 4
        assert {a.author for i in store.images() for a in store.annotations_for(i.saved_id)} == {"dana"}
    finally:
        team.close()


def test_the_publisher_is_the_labeller_named_in_the_preferences(source: Path, pg_url: str, capsys) -> None:
    from app.settings import Preferences, save_preferences

    save_preferences(Preferences(labeller="erin"))
    url = pg_url + "?project=shots"
    assert main(["publish", str(source.parent), url]) == 0  # the project's folder names it too
    team = TeamDatabase.open(url, "carol")
    try:
        assert team.execute("SELECT role FROM members WHERE name = 'erin'").fetchone() == ("owner",)
    finally:
        team.close()
