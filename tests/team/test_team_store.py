"""The stores on a team project: the same behaviour as on a project file, plus who did what, row versions
and claims, with several labellers on one real PostgreSQL server."""

from __future__ import annotations

import pytest

from app.models import Annotation, ImageStatus, Review
from app.models.geometry import Box
from app.store import ProjectStore
from app.store.assist_store import AssistStore, CacheKey
from app.store.errors import EditConflict, NotAProjectError
from app.store.team.claims import Claims
from app.store.team.database import TeamDatabase


def _box(store: ProjectStore, x: float = 10) -> Annotation:
    image = store.images()[0]
    return Annotation(
        image_id=image.saved_id,
        tag_id=store.tags()[0].saved_id,
        geometry=Box(x1=x, y1=x, x2=x + 50, y2=x + 40),
    )


def test_an_edit_by_one_labeller_is_read_by_another_with_who_made_it(labeller):
    alice, bob = ProjectStore(labeller("alice")), ProjectStore(labeller("bob"))
    (added,) = alice.add_annotations([_box(alice)])
    (seen,) = bob.annotations_for(added.image_id)
    assert seen == added and seen.author == "alice" and seen.version == 1

    (moved,) = bob.update_annotations([seen.model_copy(update={"geometry": Box(x1=1, y1=1, x2=5, y2=5)})])
    (again,) = alice.annotations_for(added.image_id)
    assert again == moved and (again.author, again.editor, again.version) == ("alice", "bob", 2)


def test_an_edit_made_from_an_old_version_is_refused_and_says_who_changed_it(labeller):
    alice, bob = ProjectStore(labeller("alice")), ProjectStore(labeller("bob"))
    (mine,) = alice.add_annotations([_box(alice)])
    bob.update_annotations([mine.model_copy(update={"geometry": Box(x1=2, y1=2, x2=9, y2=9)})])

    with pytest.raises(EditConflict, match="bob changed this annotation"):
        alice.update_annotations([mine.model_copy(update={"geometry": Box(x1=3, y1=3, x2=7, y2=7)})])
    with pytest.raises(EditConflict, match="bob changed"):
        alice.delete_annotations([mine.saved_id], versions={mine.saved_id: mine.version})
    (stored,) = alice.annotations_for(mine.image_id)
    assert stored.geometry == Box(x1=2, y1=2, x2=9, y2=9) and stored.editor == "bob"


def test_status_review_and_decisions_record_who(labeller):
    alice, bob = ProjectStore(labeller("alice")), ProjectStore(labeller("reviewer"))
    image = alice.images()[0]
    alice.set_image_status(image.saved_id, ImageStatus.DONE)
    bob.set_review(image.saved_id, Review.REJECTED, "the car on the left is missing")
    again = alice.image(image.saved_id)
    assert again is not None
    assert (again.status, again.status_by) == (ImageStatus.IN_PROGRESS, "alice")
    assert (again.review, again.review_note, again.reviewed_by) == (
        Review.REJECTED,
        "the car on the left is missing",
        "reviewer",
    )


def test_the_prediction_cache_is_shared_by_the_team(labeller):
    from app.models import Deployment, PredictionSet
    from app.models.prediction import ModelInfo

    alice, bob = AssistStore(labeller("alice")), AssistStore(labeller("bob"))
    d = alice.save_deployment(Deployment(name="people", protocol="oip", url="http://127.0.0.1:1", model="m"))
    key = CacheKey(content_hash="abc", deployment_id=d.saved_id, model_version="1")
    answer = PredictionSet(model=ModelInfo(name="m", version="1", labels=("person",)))
    alice.cache(key, answer)
    assert bob.cached(key) == answer
    alice.record_call(d.saved_id, ok=True, latency_ms=12.0, predictions=3, content_hash="abc")
    assert bob.usage(d.saved_id).calls == 1


def test_claims_never_overlap_and_expire(labeller):
    alice, bob = Claims(labeller("alice")), Claims(labeller("bob"), lease_seconds=1)
    image_id = ProjectStore(alice.database).images()[0].saved_id
    assert alice.claim(image_id).mine
    held = bob.claim(image_id)
    assert not held.mine and held.holder == "alice"
    assert bob.next_unclaimed() != image_id

    alice.release(image_id)
    assert bob.claim(image_id).mine  # a one-second lease
    import time

    time.sleep(1.2)  # the lease runs out on the server's clock; nothing renews it
    assert alice.claim(image_id).mine


def test_opening_a_project_that_is_not_there_says_how_to_publish_one(pg_url):
    with pytest.raises(NotAProjectError, match="labelassist publish"):
        TeamDatabase.open(pg_url + "?project=missing", "alice")
