"""The document's rules without a window: edits are undo steps written to the project file, undo brings
the edited image back, the clipboard, tags, statuses, and what happens when the file refuses a write."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from doc_checks import box, stored

from app.document.import_command import ImportDataset
from app.models import Annotation, ImageRecord, ImageStatus, Tag, TagKind
from app.models.templates import keypoint_tag

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
CAR, BUS = Tag(name="car", color="#ff0000"), Tag(name="bus", color="#00ff00")


def test_an_added_box_is_one_undo_step_written_at_once(make_doc) -> None:
    doc = make_doc(tags=(CAR,))
    doc.add_annotation(box(10, 10, 80, 80))
    [ann] = stored(doc)
    assert doc.annotations == {ann.id: ann} and doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert stored(doc) == [] and doc.annotations == {}
    doc.undo_stack.redo()
    assert stored(doc) == [ann]  # back under the same id


def test_undo_of_an_edit_on_another_image_brings_that_image_back(make_doc) -> None:
    doc = make_doc(tags=(CAR,))
    first = doc.current_image.id
    doc.add_annotation(box(30, 40, 130, 140))
    doc.next_image()
    doc.undo_stack.undo()
    assert doc.current_image.id == first
    assert doc.annotations == {}


def test_paste_lands_in_the_same_place_on_another_image_and_offset_on_the_same(make_doc) -> None:
    doc = make_doc(tags=(CAR,))
    doc.add_annotation(box(30, 40, 130, 140))
    doc.set_selection(set(doc.annotations))
    assert doc.copy_selected() == 1
    doc.paste()
    offset = [a.geometry for a in doc.annotations.values()][-1]
    assert (offset.x1, offset.y1) == (40, 50)
    assert doc.selected == {max(doc.annotations)}  # what was pasted is selected
    doc.next_image()
    doc.paste()
    [pasted] = doc.annotations.values()
    assert (pasted.geometry.x1, pasted.geometry.y1, pasted.image_id) == (30, 40, doc.current_image.id)


def test_paste_onto_a_smaller_image_stays_inside_it(make_doc) -> None:
    doc = make_doc(tags=(CAR,))  # a.jpg 512×512, then b.jpg 451×300
    doc.add_annotation(box(400, 400, 500, 500))
    doc.set_selection(set(doc.annotations))
    doc.copy_selected()
    doc.next_image()
    doc.paste()
    [b] = [a.geometry for a in doc.annotations.values()]
    assert 0 <= b.x1 < b.x2 <= 451 and 0 <= b.y1 < b.y2 <= 300
    assert (b.width, b.height) == (100, 100)


def test_the_clipboard_does_not_travel_to_another_project(make_doc, make_project) -> None:
    doc = make_doc(tags=(CAR,))
    doc.add_annotation(box(20, 20, 120, 90))
    doc.set_selection(set(doc.annotations))
    doc.copy_selected()
    doc.open_project(make_project("other", tags=(CAR,)))
    doc.paste()
    assert doc.annotations == {} and doc.undo_stack.count() == 0


def test_a_write_the_project_file_refuses_is_reported_and_not_left_on_the_undo_stack(make_doc) -> None:
    doc = make_doc(tags=(CAR,))
    doc.add_annotation(box(10, 10, 60, 60))
    messages: list[str] = []
    doc.message.connect(messages.append)
    blocker = sqlite3.connect(doc.project_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        doc.add_annotation(box(100, 100, 200, 200))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert doc.undo_stack.count() == 1 and len(doc.annotations) == 1 and len(stored(doc)) == 1
    assert messages and messages[-1].startswith("Could not save 'Add car'")


def test_the_first_annotation_and_the_image_started_are_written_together_or_not_at_all(make_doc) -> None:
    doc = make_doc(tags=(CAR,))
    other = sqlite3.connect(doc.project_path, isolation_level=None)
    other.execute(
        "CREATE TRIGGER refuse BEFORE UPDATE OF status ON images BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    try:
        doc.add_annotation(box(10, 10, 60, 60))  # the status cannot be written: neither is the box
    finally:
        other.execute("DROP TRIGGER refuse")
        other.close()
    assert stored(doc) == [] and doc.annotations == {} and doc.current_image.status == ImageStatus.NEW
    doc.add_annotation(box(10, 10, 60, 60))
    assert len(stored(doc)) == 1 and doc.current_image.status == ImageStatus.IN_PROGRESS


def test_status_follows_the_work_and_is_not_an_undo_step(make_doc) -> None:
    doc = make_doc(tags=(CAR,))
    rows: list[int] = []
    doc.imageUpdated.connect(rows.append)
    doc.add_annotation(box(10, 10, 60, 60))
    assert doc.current_image.status == ImageStatus.IN_PROGRESS and rows == [0]
    doc.toggle_done()
    assert doc.current_image.status == ImageStatus.DONE
    assert doc.undo_stack.count() == 1, "marking done is a toggle, not an undo step"
    doc.undo_stack.undo()  # undoes the box; the image stays done
    assert doc.annotations == {} and doc.current_image.status == ImageStatus.DONE
    doc.toggle_done()  # with nothing on it, an image that is no longer done is new again
    assert doc.current_image.status == ImageStatus.NEW


def test_removing_a_tag_takes_its_annotations_in_every_image_and_undo_brings_them_back(make_doc) -> None:
    doc = make_doc(tags=(CAR, BUS))
    car = doc.current_tag_id
    doc.add_annotation(box(10, 10, 60, 60))
    doc.next_image()
    doc.add_annotation(box(20, 20, 70, 70))
    assert doc.count_with_tag(car) == 2
    doc.remove_tag(car)
    assert car not in doc.tags and doc.annotations == {} and doc.count_with_tag(car) == 0
    assert doc.current_tag.name == "bus"  # the first tag left becomes current
    doc.undo_stack.undo()
    assert doc.count_with_tag(car) == 2 and len(doc.annotations) == 1
    assert [t.name for t in doc.tag_list()] == ["car", "bus"]  # keys 1–9 keep their order


def test_undoing_a_tag_removal_brings_the_tag_and_its_annotations_back_together_or_not_at_all(
    make_doc,
) -> None:
    doc = make_doc(tags=(CAR, BUS))
    car = doc.current_tag_id
    doc.add_annotation(box(10, 10, 60, 60))
    doc.remove_tag(car)
    other = sqlite3.connect(doc.project_path, isolation_level=None)
    other.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON annotations BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    try:
        doc.undo_stack.undo()  # the tag could be written, its annotation cannot: neither comes back
        stored_tags = [name for (name,) in other.execute("SELECT name FROM tags")]
    finally:
        other.execute("DROP TRIGGER refuse")
        other.close()
    assert stored_tags == ["bus"] and [t.name for t in doc.tag_list()] == ["bus"]
    assert stored(doc) == [] and doc.annotations == {}


def test_a_project_without_a_box_tag_gets_one_but_keypoints_need_one_added(make_doc) -> None:
    doc = make_doc()
    messages: list[str] = []
    doc.message.connect(messages.append)
    tag = doc.tag_for_kind(TagKind.BOX)
    assert (tag.name, tag.kind, doc.current_tag_id) == ("object", TagKind.BOX, tag.id)
    assert doc.tag_for_kind(TagKind.KEYPOINTS) is None
    assert messages == ["There is no keypoints tag yet: add one in the Tags dock."]
    doc.add_tag(Tag(name="region", color="#123456", kind=TagKind.BOX))
    assert doc.tag_for_kind(TagKind.POLYGON).name == "region (polygon)"  # names stay unique


def test_retagging_keeps_the_tag_of_annotations_it_does_not_fit(make_doc) -> None:
    hand = keypoint_tag("hand", "hand (21 points)", "#46f0f0")
    doc = make_doc(tags=(CAR, BUS, Tag(name="zone", color="#0000ff", kind=TagKind.POLYGON), hand))
    doc.add_annotation(box(10, 10, 60, 60))
    messages: list[str] = []
    doc.message.connect(messages.append)
    doc.set_selection(set(doc.annotations))
    zone = next(t.id for t in doc.tag_list() if t.name == "zone")
    doc.retag_selected(zone)
    assert [a.tag_id for a in doc.annotations.values()] == [doc.current_tag_id]
    assert messages == ["1 selected annotation(s) kept their tag: 'zone' is a polygon tag."]
    bus = next(t.id for t in doc.tag_list() if t.name == "bus")
    doc.retag_selected(bus)
    assert [a.tag_id for a in stored(doc)] == [bus]


def test_added_images_are_listed_and_the_image_on_screen_stays(make_doc, tmp_path: Path) -> None:
    doc = make_doc()
    doc.next_image()
    on_screen = doc.current_image
    (tmp_path / "p" / "0.jpg").write_bytes((SAMPLES / "dog.jpg").read_bytes())  # listed before it
    assert doc.add_image_files([tmp_path / "p" / "0.jpg"]) == 1
    assert [i.path for i in doc.images] == ["0.jpg", "a.jpg", "b.jpg", "c.jpg"]
    assert doc.current_image == on_screen and doc.row == 2


@dataclass
class _Plan:
    """What an import brings, as app/io/plan.py builds it: here one new image and a box on it and on a.jpg."""

    new_tags: list[Tag] = field(default_factory=lambda: [Tag(name="imported")])
    new_images: list[ImageRecord] = field(
        default_factory=lambda: [ImageRecord(path="new.jpg", width=9, height=9)]
    )
    statuses: dict[int, ImageStatus] = field(default_factory=dict)
    image_ids: list[int] = field(default_factory=list)

    def resolve(self, tags: list[Tag], images: list[ImageRecord]) -> list[Annotation]:
        ids = [*self.image_ids, images[0].id]
        return [Annotation(image_id=i, tag_id=tags[0].id, geometry=box(1, 1, 5, 5)) for i in ids]


def test_an_import_is_one_undo_step_and_the_document_reads_it_again(make_doc) -> None:
    doc = make_doc(tags=(CAR,))
    on_screen = doc.current_image.id
    doc.undo_stack.push(ImportDataset(doc, _Plan(image_ids=[on_screen]), "Import"))
    assert [t.name for t in doc.tag_list()] == ["car", "imported"]
    assert len(doc.images) == 4 and doc.current_image.id == on_screen and len(doc.annotations) == 1
    doc.show_image_id(next(i.id for i in doc.images if i.path == "new.jpg"))
    doc.undo_stack.undo()  # the image on screen goes with the import: the first one shows
    assert [i.path for i in doc.images] == ["a.jpg", "b.jpg", "c.jpg"]
    assert doc.current_image.id == on_screen and doc.annotations == {} and doc.current_tag.name == "car"
    doc.undo_stack.redo()
    assert len(doc.images) == 4 and len(doc.annotations) == 1
