"""Model-assist records in the project file: deployments, cached answers, decisions and usage."""

from __future__ import annotations

import sqlite3

import pytest

from app.models import Box, Deployment, LocalSpec, ModelInfo, Prediction, PredictionSet
from app.store import ProjectDatabase, ProjectStore
from app.store.assist_store import COMMITTED, DISMISSED, AssistStore, CacheKey
from app.store.errors import IntegrityFailure
from app.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate


@pytest.fixture
def records(tmp_path):  # type: ignore[no-untyped-def]
    database = ProjectDatabase.create(tmp_path / "p.labelassist")
    yield AssistStore(database)
    database.close()


def test_deployments_round_trip_without_secrets(records) -> None:  # type: ignore[no-untyped-def]
    d = records.save_deployment(
        Deployment(
            name="faces",
            url="https://h:8000/",
            model="face",
            has_token=True,
            label_map={"face": 3, "hat": "ignore"},
            rate_limit=2,
        )
    )
    local = records.save_deployment(
        Deployment(name="local", model="pose", local=LocalSpec(people_model="pose"))
    )
    assert records.deployments() == [d, local]
    assert d.url == "https://h:8000"
    with pytest.raises(ValueError, match="already exists"):
        records.save_deployment(Deployment(name="faces", url="http://x", model="m"))
    records.delete_deployment(d.id)
    assert records.deployments() == [local]


def test_cached_answers_and_decisions_survive_reopening(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = ProjectDatabase.create(tmp_path / "p.labelassist")
    records = AssistStore(database)
    d = records.save_deployment(Deployment(name="d", url="http://h", model="m"))
    key = CacheKey(content_hash="abc", deployment_id=d.id, model_version="v1")
    answer = PredictionSet(
        model=ModelInfo(name="m", version="v1"),
        floor=0.05,
        predictions=(Prediction(label="x", score=0.5, box=Box(x1=1, y1=2, x2=3, y2=4)),),
    )
    records.cache(key, answer)
    records.run(records.decide(key, ["k1", "k2"], DISMISSED))
    records.run(records.decide(key, ["k3"], COMMITTED))
    records.run(records.undecide(key, ["k2"]))
    database.close()
    again = AssistStore(ProjectDatabase.open(tmp_path / "p.labelassist"))
    assert again.cached(key) == answer
    assert again.cached(key.model_copy(update={"model_version": "v2"})) is None
    assert again.cached_hashes(d.id, "v1") == {"abc"}
    assert again.decisions(key) == {"k1": DISMISSED, "k3": COMMITTED}
    again.database.close()


def test_usage_summary(records) -> None:  # type: ignore[no-untyped-def]
    d = records.save_deployment(Deployment(name="d", url="http://h", model="m"))
    for i, ms in enumerate([10, 20, 30, 40, 100]):
        records.record_call(d.id, ok=True, latency_ms=ms, predictions=2, content_hash=f"h{i % 3}")
    records.record_call(d.id, ok=False, latency_ms=None, detail="HTTP 500")
    key = CacheKey(content_hash="h0", deployment_id=d.id, model_version="v")
    records.run(records.decide(key, ["a", "b"], COMMITTED))
    records.run(records.decide(key, ["c"], DISMISSED))
    u = records.usage(d.id)
    assert (u.calls, u.failures, u.images, u.predictions, u.committed, u.dismissed) == (6, 1, 3, 10, 2, 1)
    assert (u.p50_ms, u.p95_ms) == (30, 100)


def test_a_first_version_project_is_upgraded_with_its_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.labelassist"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA application_id = 1279345201")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO deployments(name, protocol, url, model) VALUES ('d', 'oip', 'http://h', 'm')")
    conn.execute("INSERT INTO usage_events(deployment_id, time, kind, ok) VALUES (1, 't', 'infer', 1)")
    conn.close()
    database = ProjectDatabase.open(path)
    assert database.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert AssistStore(database).usage(1).calls == 1
    database.close()
    migrate(sqlite3.connect(path, isolation_level=None))  # nothing left to do


def test_pre_labelled_images_are_kept_per_model_version_and_go_with_their_deployment(tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    from app.models import ImageRecord

    store = ProjectStore.create(tmp_path / "p.labelassist")
    records = AssistStore(store.database)
    a, b = store.add_images(
        [ImageRecord(path="a.jpg", width=10, height=10), ImageRecord(path="b.jpg", width=10, height=10)]
    )
    d = records.save_deployment(Deployment(name="d", url="http://h", model="m"))
    records.mark_prelabelled([a.id, b.id], d.id, "v1")
    assert records.is_prelabelled(a.id, d.id, "v1") and not records.is_prelabelled(a.id, d.id, "v2")
    store.close()
    again = AssistStore(ProjectDatabase.open(tmp_path / "p.labelassist"))
    assert again.is_prelabelled(b.id, d.id, "v1")
    again.delete_deployment(d.id)
    assert not again.is_prelabelled(b.id, d.id, "v1")
    again.database.close()


def test_an_answer_and_which_content_its_image_has_are_kept_together_or_not_at_all(tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    from app.models import ImageRecord

    store = ProjectStore.create(tmp_path / "p.labelassist")
    records = AssistStore(store.database)
    [a] = store.add_images([ImageRecord(path="a.jpg", width=10, height=10)])
    d = records.save_deployment(Deployment(name="d", url="http://h", model="m"))
    key = CacheKey(content_hash="abc", deployment_id=d.id, model_version="v1")
    answer = PredictionSet(model=ModelInfo(name="m", version="v1"))
    with pytest.raises(IntegrityFailure):  # the image is gone: its content cannot be kept, nor the answer
        records.cache(key, answer, image_id=a.id + 1)
    assert records.cached(key) is None
    records.cache(key, answer, image_id=a.id)
    records.cache(key.model_copy(update={"content_hash": "new"}), answer, image_id=a.id)  # the file changed
    contents = store.database.execute("SELECT image_id, content_hash FROM image_contents").fetchall()
    assert records.cached(key) == answer and [tuple(r) for r in contents] == [(a.id, "new")]
    store.close()
