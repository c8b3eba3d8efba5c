"""Model quality from the labellers' own decisions: a session of commits, edits, deletions, dismissals and
annotations drawn by hand in known amounts (scenario.py), then every figure checked exactly, for version 1
and for version 2 measured against the same final annotations; and the series the plots are given."""

from __future__ import annotations

import json

import pytest
from scenario import HARD, ask_version_2, check_version_1

from app.models.quality import QualityReport
from app.report import figures
from app.store import ProjectDatabase
from app.store.quality import QualityStore
from app.store.quality_rows import AnnotationRow
from app.store.quality_time import IDLE_SECONDS, labelling_seconds, mean_seconds


def _report(path) -> QualityReport:  # type: ignore[no-untyped-def]
    database = ProjectDatabase.open_read_only(path)
    try:
        return QualityStore(database).report()
    finally:
        database.close()


def test_every_figure_is_what_the_labeller_did(labelled) -> None:
    report = _report(labelled.path)
    (d,) = report.deployments
    assert d.name == "fake" and [v.version for v in d.versions] == ["fake-1"]
    check_version_1(d.versions[0])
    assert sum(p.calls for p in d.calls) == 5 and sum(p.failures for p in d.calls) == 0  # one call an image
    assert report.unassisted_images <= 1  # the rocket: drawn with no model (timed if not its first edit)


def test_an_undone_commit_and_an_undone_dismissal_count_for_nothing(labelled) -> None:
    labelled.doc.go_to_row(next(i for i, r in enumerate(labelled.doc.images) if r.path == "rocket.jpg"))
    labelled.m()  # the rocket has no answer of its own: nothing is shown, but it is answered now
    labelled.doc.go_to_row(next(i for i, r in enumerate(labelled.doc.images) if r.path == "dog.jpg"))
    labelled.undo()  # the rocket's hand-drawn car
    labelled.undo()  # the dog's commit
    (v,) = _report(labelled.path).deployments[0].versions
    assert (v.worked, v.total.suggested, v.total.committed, v.total.as_is) == (4, 9, 6, 4)


def test_version_2_is_measured_against_the_same_final_annotations(labelled, fake_oip) -> None:
    ask_version_2(labelled, fake_oip)
    (d,) = _report(labelled.path).deployments
    old, new = d.versions
    check_version_1(old)  # unchanged: the new answer is another version's
    assert (new.version, new.answered, new.worked) == ("fake-2", 1, 1)
    total = new.total
    assert (total.suggested, total.committed, total.dismissed, total.found, total.missed) == (5, 0, 0, 5, 0)
    assert total.acceptance is None  # nobody decided on its suggestions: they were already annotated
    assert (total.best.threshold, total.best.precision, total.best.recall) == (
        0.62,
        1.0,
        1.0,
    )  # all five found down to 0.625

    compared = figures.comparison_figure(old, new)
    assert [s.name for s in compared.series] == ["fake fake-1", "fake fake-2"]
    assert compared.series[0].y == pytest.approx((7 / 9, 1.0, 0.6, 0.75))
    assert compared.series[1].y == (None, 1.0, 1.0, 1.0)


def test_the_plots_are_given_the_computed_series(labelled) -> None:
    (d,) = _report(labelled.path).deployments
    (v,) = d.versions
    plot = figures.threshold_figure(v, current=0.5)
    precision, recall, f1 = plot.series
    assert len(precision.x) == 101 and precision.x[50] == 0.5
    assert (precision.y[50], recall.y[50]) == (pytest.approx(0.75), pytest.approx(0.6))
    assert (precision.y[62], recall.y[62], f1.y[62]) == (1.0, pytest.approx(0.6), pytest.approx(0.75))
    assert [(m.x, m.label) for m in plot.markers] == [(0.5, "slider 0.50"), (0.62, "best 0.62")]

    acceptance = figures.acceptance_figure(v)  # one day: per image, in the order they were decided on
    assert acceptance.series[0].y == pytest.approx((1.0, 1 / 3, 1.0, 1.0))
    assert [name for _x, name in acceptance.x_ticks] == ["image 1", "image 2", "image 3", "image 4"]
    calls = figures.calls_figure(d)
    assert sum(calls.series[0].y) == 5 and d.calls_unit == "minute"


def test_the_hard_examples_are_the_images_with_misses_or_corrected_suggestions(labelled) -> None:
    database = ProjectDatabase.open_read_only(labelled.path)
    try:
        hard = QualityStore(database).hard_images(labelled.deployment_id)
        paths = dict(database.execute("SELECT id, path FROM images").fetchall())
    finally:
        database.close()
    assert {paths[i]: n for i, n in hard.items()} == HARD


def test_labelling_time_leaves_idle_gaps_out() -> None:
    minute = "2025-03-01T10:{:02d}:{:02d}.000Z"
    events = [
        ("ann", minute.format(0, 0), 1),
        ("ann", minute.format(0, 30), 1),  # 30 s on image 1
        ("ann", minute.format(0, 50), 2),  # 20 s on image 2
        ("ann", minute.format(5, 0), 3),  # after 250 s: idle, counts for nothing
        ("ann", minute.format(5, 10), 3),  # 10 s on image 3
        ("bob", minute.format(0, 40), 3),  # another labeller's first edit: no time of its own
        ("bob", minute.format(1, 20), 3),  # 40 s on image 3
    ]
    spent = labelling_seconds(events)
    assert IDLE_SECONDS == 120 and spent == {1: 30.0, 2: 20.0, 3: 50.0}
    assert mean_seconds(spent, [1, 2, 4]) == (25.0, 2)  # image 4 has no measured time


@pytest.mark.parametrize("key", ["car|1,2,3,4", 'say "hi"|1,2,3,4'])
def test_a_commits_link_reads_the_same_off_the_text_as_parsed(key: str) -> None:
    from app.models import Provenance, Source

    provenance = Provenance(
        source=Source.MODEL, deployment="d", model="m", version="7", score=0.5, suggestion=key
    )
    row = AnnotationRow(1, 1, 1, "{}", provenance.model_dump_json(), "", "", "", 1)
    assert row.link() == ("7", json.loads(provenance.model_dump_json())["suggestion"])
    assert row.created_at() == provenance.model_dump_json().split('"time":"')[1].split('"')[0]


def test_a_project_file_from_before_gains_what_quality_needs(tmp_path, monkeypatch) -> None:
    import sqlite3

    from app.store import schema

    path = tmp_path / "old.labelassist"
    with monkeypatch.context() as m:  # as a LabelAssist from before wrote it: five steps
        m.setattr(schema, "SCHEMA_VERSION", 5)
        connection = sqlite3.connect(path, isolation_level=None)
        schema.migrate(connection)
        connection.execute("INSERT INTO images(path) VALUES ('a.jpg')")
        connection.close()
    database = ProjectDatabase.open(path)  # upgraded
    try:
        assert database.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 6
        assert (
            database.execute("SELECT image_id, tag_id, geometry FROM suggestion_decisions").fetchall() == []
        )
        assert QualityStore(database).report().deployments == ()
    finally:
        database.close()
