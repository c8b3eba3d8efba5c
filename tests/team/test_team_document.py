"""Several labellers on one team project, each with a Document of their own (no window): claims,
live changes, refused concurrent edits, review, and the server going away and coming back."""

from __future__ import annotations

from app.models import Annotation, ImageStatus, Review
from app.models.geometry import Box
from app.store import ProjectStore
from app.store.team.database import TeamDatabase


def _draw(doc, x: float = 10) -> None:
    doc.add_annotation(Box(x1=x, y1=x, x2=x + 60, y2=x + 40), tag_id=next(iter(doc.tags)))


def _stored(url: str, image_id: int) -> list[Annotation]:
    store = ProjectStore(TeamDatabase.open(url, "checker"))
    try:
        return store.annotations_for(image_id)
    finally:
        store.database.close()


def test_two_labellers_never_hold_one_image_and_d_skips_the_held_one(team_doc, qtbot):
    alice = team_doc("alice")
    bob = team_doc("bob")
    first = alice.current_image
    assert first is not None and alice.holder_of(first.id) is None
    assert bob.current_image == first and bob.holder_of(first.id) == "alice"
    assert "alice is working on this image" in bob.read_only_reason()

    messages: list[str] = []
    bob.message.connect(messages.append)
    _draw(bob)
    assert bob.annotations == {} and messages[-1].startswith("Not changed: alice is working")

    bob.next_image()
    assert bob.current_image != first and bob.read_only_reason() == ""
    qtbot.waitUntil(lambda: alice.holder_of(bob.current_image.id) == "bob", timeout=3000)
    alice.next_image()  # skips bob's image
    assert alice.current_image not in (first, bob.current_image)


def test_an_image_shown_read_only_is_taken_over_when_its_holder_leaves_it(team_doc, qtbot):
    alice = team_doc("alice")
    bob = team_doc("bob")  # on alice's image, read-only
    first = alice.current_image
    alice.next_image()
    qtbot.waitUntil(lambda: alice.holder_of(first.id) == "bob", timeout=3000)  # bob holds it now
    assert bob.read_only_reason() == ""
    charlie = team_doc("charlie")  # opens on the first image too: bob's
    assert charlie.current_image == first and charlie.holder_of(first.id) == "bob"


def test_a_commit_on_one_workstation_shows_on_the_other(team_doc, qtbot):
    alice = team_doc("alice")
    bob = team_doc("bob")  # looks at alice's image, read-only
    _draw(alice)
    (mine,) = alice.annotations.values()
    qtbot.waitUntil(lambda: list(bob.annotations.values()) == [mine], timeout=3000)
    assert mine.author == "alice"

    alice.set_selection({mine.saved_id})
    alice.delete_selected()
    qtbot.waitUntil(lambda: bob.annotations == {}, timeout=3000)


def test_an_edit_of_an_annotation_someone_changed_meanwhile_is_refused_with_their_version_shown(
    team_doc, team_url, qtbot
):
    alice = team_doc("alice")
    _draw(alice)
    (mine,) = alice.annotations.values()
    # Bob changes it behind alice's lease (e.g. after it expired while she was away).
    bob = ProjectStore(TeamDatabase.open(team_url, "bob"))
    (theirs,) = bob.update_annotations([mine.model_copy(update={"geometry": Box(x1=1, y1=1, x2=9, y2=9)})])
    bob.database.close()

    messages: list[str] = []
    alice.message.connect(messages.append)
    alice.update_annotations(
        [mine], [mine.model_copy(update={"geometry": Box(x1=5, y1=5, x2=50, y2=50)})], "Move"
    )
    assert "bob changed this annotation meanwhile" in messages[-1]
    assert alice.annotations == {theirs.saved_id: theirs}
    assert alice.undo_stack.count() == 1  # only her own add: the refused edit left nothing to undo
    assert _stored(team_url, mine.image_id) == [theirs]


def test_a_rejected_image_goes_back_to_the_labellers_to_do_and_shows_there(team_doc, team_url, qtbot):
    owner = team_doc("owner")  # published the project: may review
    alice = team_doc("alice")
    assert owner.can_review and not alice.can_review
    image = owner.current_image
    owner.set_status(ImageStatus.DONE)
    owner.set_review(Review.REJECTED, "missing the second car")
    row = alice.row_of(image.id)

    qtbot.waitUntil(lambda: alice.images[row].review == Review.REJECTED, timeout=3000)
    seen = alice.images[row]
    assert (seen.status, seen.reviewed_by, seen.review_note) == (
        ImageStatus.IN_PROGRESS,
        "owner",
        "missing the second car",
    )

    alice.set_review(Review.ACCEPTED)
    assert alice.images[row].review == Review.REJECTED  # a labeller cannot accept


def test_the_server_killed_mid_edit_loses_no_acknowledged_edit_and_editing_resumes(
    team_doc, team_url, pg_cluster, qtbot
):
    alice = team_doc("alice")
    image_id = alice.current_image.id
    _draw(alice, 10)
    acknowledged = list(alice.annotations.values())

    pg_cluster.stop_immediate()
    messages: list[str] = []
    alice.message.connect(messages.append)
    _draw(alice, 100)
    assert any("cannot be reached" in m for m in messages)
    assert list(alice.annotations.values()) == acknowledged  # nothing shown that was not written
    qtbot.waitUntil(lambda: not alice.team_online, timeout=5000)
    _draw(alice, 150)
    assert messages[-1].startswith("Not changed: The team database cannot be reached")

    pg_cluster.restart()
    qtbot.waitUntil(lambda: alice.team_online, timeout=15000)
    assert _stored(team_url, image_id) == acknowledged
    _draw(alice, 200)
    assert len(alice.annotations) == 2
    assert sorted(a.saved_id for a in _stored(team_url, image_id)) == sorted(alice.annotations)


def test_an_image_left_while_the_server_was_away_is_given_back_when_it_returns(team_doc, pg_cluster, qtbot):
    alice = team_doc("alice")
    bob = team_doc("bob")
    first = alice.current_image
    pg_cluster.stop_immediate()
    alice.next_image()  # its claim on the first image cannot be given back now
    second = alice.current_image
    pg_cluster.restart()
    qtbot.waitUntil(lambda: alice.team_online, timeout=15000)
    qtbot.waitUntil(
        lambda: bob.holder_of(second.id) == "alice" and bob.holder_of(first.id) is None, timeout=5000
    )
    qtbot.waitUntil(lambda: bob.read_only_reason() == "", timeout=3000)  # bob, on the first image, holds it


def test_next_to_do_skips_done_images_and_those_others_hold(team_doc, qtbot):
    alice = team_doc("alice")  # holds img0
    bob = team_doc("bob")
    bob.next_image()  # holds img1
    qtbot.waitUntil(lambda: alice.holder_of(bob.current_image.id) == "bob", timeout=3000)
    alice.set_status(ImageStatus.DONE)
    alice.next_to_do()
    assert alice.current_image.path == "img2.jpg"
    alice.set_status(ImageStatus.DONE)
    messages: list[str] = []
    alice.message.connect(messages.append)
    alice.next_to_do()  # img0 and img2 are done, img1 is bob's
    assert alice.current_image.path == "img2.jpg" and messages[-1].startswith("Nothing left to do")
