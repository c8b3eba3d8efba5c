"""What the project store keeps: everything written comes back identical after closing and reopening."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from app.models import (
    Annotation,
    Box,
    ImageRecord,
    ImageStatus,
    Keypoint,
    Keypoints,
    Polygon,
    Provenance,
    Source,
    Tag,
    TagKind,
    Visibility,
)
from app.models.templates import keypoint_tag
from app.store import NotAProjectError, ProjectStore
from app.store.errors import IntegrityFailure

WHEN = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def _fill(store: ProjectStore) -> tuple[list[ImageRecord], list[Tag], list[Annotation]]:
    images = store.add_images(
        [
            ImageRecord(path="a.jpg", width=640, height=480),
            ImageRecord(path="sub/b.png", width=10, height=20, status=ImageStatus.DONE),
            ImageRecord(path="ünïcode/c d.jpg"),
        ]
    )
    box_tag = store.add_tag(Tag(name="car", color="#e6194b"))
    poly_tag = store.add_tag(Tag(name="road", color="#3cb44b", kind=TagKind.POLYGON))
    kp_tag = store.add_tag(keypoint_tag("person", "body (33 points)", "#4363d8"))
    kps = Keypoints(
        points=[Keypoint(x=i, y=2 * i, v=Visibility(i % 3)) for i in range(33)],
    )
    annotations = store.add_annotations(
        [
            Annotation(
                image_id=images[0].id, tag_id=box_tag.id, geometry=Box(x1=1.5, y1=2.5, x2=30.25, y2=40)
            ),
            Annotation(
                image_id=images[0].id,
                tag_id=poly_tag.id,
                geometry=Polygon(points=[(0, 0), (5.5, 0), (5.5, 5.5)]),
                provenance=Provenance(
                    source=Source.MODEL,
                    deployment="local sam",
                    model="sam2",
                    version="t",
                    score=0.5,
                    time=WHEN,
                ),
            ),
            Annotation(
                image_id=images[1].id,
                tag_id=kp_tag.id,
                geometry=kps,
                provenance=Provenance(source=Source.MODEL, model="blazepose", score=0.93125, time=WHEN),
            ),
        ]
    )
    return images, [box_tag, poly_tag, kp_tag], annotations


def test_everything_written_comes_back_after_reopen(project_path, make_store):
    store = make_store(project_path, create=True)
    images, tags, annotations = _fill(store)
    assert all(a.id is not None for a in annotations)
    store.close()

    again = make_store(project_path)
    assert again.images() == sorted(images, key=lambda r: r.path)
    assert again.tags() == tags
    got = again.annotations_for(images[0].id) + again.annotations_for(images[1].id)
    assert got == annotations
    assert [type(a.geometry) for a in got] == [Box, Polygon, Keypoints]
    assert got[1].provenance.model == "sam2" and got[1].provenance.score == 0.5
    assert got[2].provenance.time == WHEN
    assert again.annotations_for(images[2].id) == []
    assert again.image(images[1].id) == images[1]
    assert again.image(99999) is None
    assert again.meta("created_by") == "LabelAssist"
    assert again.integrity_ok()


def test_add_images_skips_paths_already_in_the_project(project_path, make_store):
    store = make_store(project_path, create=True)
    first = store.add_images([ImageRecord(path="a.jpg"), ImageRecord(path="b.jpg")])
    second = store.add_images(
        [ImageRecord(path="b.jpg", width=5), ImageRecord(path="c.jpg"), ImageRecord(path="c.jpg")]
    )
    assert [r.path for r in first] == ["a.jpg", "b.jpg"]
    assert [r.path for r in second] == ["c.jpg"]
    assert second[0].id not in {r.id for r in first}
    assert [r.path for r in store.images()] == ["a.jpg", "b.jpg", "c.jpg"]
    assert store.image(first[1].id).width == 0  # the duplicate did not overwrite the existing row


def test_image_status_and_size_are_kept(project_path, make_store):
    store = make_store(project_path, create=True)
    (img,) = store.add_images([ImageRecord(path="a.jpg")])
    store.set_image_status(img.id, ImageStatus.IN_PROGRESS)
    store.set_image_size(img.id, 4000, 3000)
    store.close()
    assert make_store(project_path).image(img.id) == ImageRecord(
        id=img.id, path="a.jpg", width=4000, height=3000, status=ImageStatus.IN_PROGRESS
    )


def test_image_path_is_resolved_against_the_project_folder(project_path, make_store):
    store = make_store(project_path, create=True)
    (img,) = store.add_images([ImageRecord(path="sub/a.jpg")])
    assert store.image_path(img) == project_path.parent / "sub" / "a.jpg"


def test_update_and_delete_annotations_persist(project_path, make_store):
    store = make_store(project_path, create=True)
    images, tags, annotations = _fill(store)
    box, poly, _ = annotations
    moved = box.model_copy(update={"geometry": Box(x1=100, y1=100, x2=50, y2=50), "tag_id": tags[1].id})
    edited = poly.model_copy(
        update={
            "provenance": Provenance(source=Source.MANUAL, time=WHEN),
            "geometry": poly.geometry.translated(1, 1),
        }
    )
    moved, edited = store.update_annotations([moved, edited])
    assert (moved.version, edited.version) == (2, 2)
    store.delete_annotations([annotations[2].id])
    store.close()

    again = make_store(project_path)
    assert again.annotations_for(images[0].id) == [moved, edited]
    assert again.annotations_for(images[0].id)[0].geometry == Box(x1=50, y1=50, x2=100, y2=100)
    assert again.annotations_for(images[1].id) == []
    assert again.annotation_count() == 2


def test_update_tag_is_kept(project_path, make_store):
    store = make_store(project_path, create=True)
    tag = store.add_tag(Tag(name="car"))
    store.update_tag(tag.model_copy(update={"name": "truck", "color": "#000075"}))
    store.close()
    assert make_store(project_path).tags() == [Tag(id=tag.id, name="truck", color="#000075")]


def test_the_model_label_a_tag_was_created_for_is_kept_and_held_by_one_tag_of_a_kind(
    project_path, make_store
):
    store = make_store(project_path, create=True)
    tag = store.add_tag(Tag(name="person (box)", model_label="person"))
    store.update_tag(tag.model_copy(update={"name": "pedestrian"}))
    store.add_tag(Tag(name="person outline", kind="polygon", model_label="person"))  # another kind: its own
    with pytest.raises(ValueError):
        store.add_tag(Tag(name="person again", model_label="person"))
    store.close()
    assert [(t.name, t.model_label) for t in make_store(project_path).tags()] == [
        ("pedestrian", "person"),
        ("person outline", "person"),
    ]


def test_delete_tag_removes_its_annotations_and_only_those(project_path, make_store):
    store = make_store(project_path, create=True)
    images, tags, annotations = _fill(store)
    store.delete_tag(tags[0].id)
    store.close()

    again = make_store(project_path)
    assert [t.name for t in again.tags()] == ["road", "person"]
    assert again.annotations_with_tag(tags[0].id) == []
    assert again.annotations_for(images[0].id) == [annotations[1]]
    assert again.annotations_for(images[1].id) == [annotations[2]]


def test_annotations_with_explicit_ids_keep_them(project_path, make_store):
    """Undo of a delete re-inserts the same annotations, so later redo/undo steps still find them by id."""
    store = make_store(project_path, create=True)
    images, tags, annotations = _fill(store)
    removed = annotations[:2]
    store.delete_annotations([a.id for a in removed])
    assert store.add_annotations(removed) == removed
    fresh = store.add_annotations(
        [Annotation(image_id=images[0].id, tag_id=tags[0].id, geometry=Box(x1=0, y1=0, x2=1, y2=1))]
    )
    assert fresh[0].id not in {a.id for a in annotations}
    store.close()
    assert make_store(project_path).annotations_for(images[0].id) == [*removed, *fresh]


def test_tags_with_explicit_ids_keep_them(project_path, make_store):
    store = make_store(project_path, create=True)
    tag = store.add_tag(Tag(name="a"))
    store.delete_tag(tag.id)
    assert store.add_tag(tag) == tag
    assert store.tags() == [tag]


def test_annotation_counts(project_path, make_store):
    store = make_store(project_path, create=True)
    images, _, _ = _fill(store)
    assert store.annotation_count() == 3
    assert store.annotation_count(images[0].id) == 2
    assert store.annotation_count(images[2].id) == 0
    assert store.image_count() == 3


def test_a_failed_edit_changes_nothing_and_the_next_edit_works(project_path, make_store):
    store = make_store(project_path, create=True)
    images, tags, _ = _fill(store)
    good = Annotation(image_id=images[2].id, tag_id=tags[0].id, geometry=Box(x1=0, y1=0, x2=1, y2=1))
    orphan = Annotation(image_id=12345, tag_id=tags[0].id, geometry=Box(x1=0, y1=0, x2=1, y2=1))
    with pytest.raises(IntegrityFailure):
        store.add_annotations([good, orphan])  # one call is one transaction: the good one is not kept either
    assert store.annotation_count(images[2].id) == 0
    store.add_annotations([good])
    assert store.annotation_count(images[2].id) == 1


def test_a_failed_commit_does_not_wedge_the_store(project_path, make_store):
    """If COMMIT itself fails (disk full, I/O error), later edits must still work.

    A deferred foreign-key check is a portable way to make COMMIT fail: SQLite keeps the transaction
    open after it, as it may after SQLITE_FULL.
    """
    store = make_store(project_path, create=True)
    images, tags, _ = _fill(store)
    store.database.execute("PRAGMA defer_foreign_keys = ON")
    orphan = Annotation(image_id=12345, tag_id=tags[0].id, geometry=Box(x1=0, y1=0, x2=1, y2=1))
    with pytest.raises(IntegrityFailure):
        store.add_annotations([orphan])
    store.add_tag(Tag(name="after the failure"))
    assert [t.name for t in store.tags()][-1] == "after the failure"
    assert store.annotation_count() == 3


def test_store_uses_wal_and_full_sync(project_path, make_store):
    store = make_store(project_path, create=True)
    assert store.database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.database.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert not store.database.in_transaction  # autocommit between calls: every call is its own transaction
    store.close()
    # WAL is a property of the file, so it is still set for any later connection.
    conn = sqlite3.connect(project_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_create_refuses_to_overwrite(project_path, make_store):
    make_store(project_path, create=True).close()
    with pytest.raises(NotAProjectError, match="already there"):
        ProjectStore.create(project_path)


def test_open_missing_file(tmp_path):
    with pytest.raises(NotAProjectError, match="No project file"):
        ProjectStore.open(tmp_path / "nope.labelassist")


def test_open_or_create_creates_then_opens(project_path):
    store = ProjectStore.open_or_create(project_path)
    store.add_tag(Tag(name="x"))
    store.close()
    store = ProjectStore.open_or_create(project_path)
    try:
        assert [t.name for t in store.tags()] == ["x"]
    finally:
        store.close()


def test_a_hundred_thousand_images_in_one_call(project_path, make_store):
    store = make_store(project_path, create=True)
    records = [ImageRecord(path=f"img/{i:06d}.jpg", width=i % 5000, height=7) for i in range(100_000)]
    added = store.add_images(records)
    assert len(added) == 100_000
    assert len({r.id for r in added}) == 100_000
    store.close()

    again = make_store(project_path)
    assert again.image_count() == 100_000
    listed = again.images()
    assert [r.path for r in listed] == [r.path for r in records]
    assert listed[12_345].width == 12_345 % 5000


@pytest.mark.parametrize("name", ["with space.labelassist", "ünï #1?%20&x=y.labelassist"])
def test_project_paths_with_unusual_characters(tmp_path, make_store, name):
    folder = tmp_path / "földer #2"
    folder.mkdir()
    path = folder / name
    store = make_store(path, create=True)
    tag = store.add_tag(Tag(name="x"))
    store.close()
    again = make_store(path)
    assert again.tags() == [tag]
    again.close()
    assert sorted(p.name for p in folder.iterdir()) == [name]
