"""The document's Qt-free parts: the image list, the tag table and the clipboard."""

from __future__ import annotations

from app.document.clipboard import Clipboard
from app.document.image_list import NO_ROW, ImageList
from app.document.tag_table import TagTable
from app.models import Annotation, Box, ImageRecord, Keypoint, Keypoints, Tag, TagKind


def _images(*names: str) -> list[ImageRecord]:
    return [ImageRecord(id=i, path=n, width=100, height=50) for i, n in enumerate(names, 1)]


def test_reloading_the_image_list_keeps_the_image_on_screen_where_it_went() -> None:
    a, b, c = _images("a.jpg", "b.jpg", "c.jpg")
    images = ImageList()
    images.reset([b, c])
    assert images.current is None and images.clamp(7) == 1 and images.clamp(-3) == 0
    images.row = 1
    assert images.reload([a, b, c])  # c.jpg is still listed, one row down
    assert images.current == c and images.row == 2 and images.row_of(a.id) == 0
    assert not images.reload([a, b])  # c.jpg was removed: nothing is on screen
    assert images.row == NO_ROW and ImageList().clamp(0) == NO_ROW


def test_tags_stay_in_id_order_and_the_current_one_follows_a_removal() -> None:
    tags = TagTable()
    tags.reset([Tag(id=3, name="c"), Tag(id=1, name="a")])
    assert list(tags.by_id) == [1, 3] and tags.current_id == 1
    tags.put([Tag(id=2, name="b")])
    assert [t.name for t in tags.by_id.values()] == ["a", "b", "c"]
    tags.current_id = 3
    tags.drop([3])
    assert tags.follow_removal() and tags.current_id == 1
    assert not tags.follow_removal()
    tags.drop([1, 2])
    assert tags.follow_removal() and tags.current_id is None


def test_a_tag_fits_annotations_of_its_kind_and_keypoints_of_its_length() -> None:
    tags = TagTable()
    two = Tag(id=2, name="pair", kind=TagKind.KEYPOINTS, keypoint_names=("l", "r"))
    three = Tag(id=3, name="trio", kind=TagKind.KEYPOINTS, keypoint_names=("a", "b", "c"))
    tags.reset([Tag(id=1, name="box"), two, three, Tag(id=4, name="zone", kind=TagKind.POLYGON)])
    boxed = Annotation(image_id=1, tag_id=1, geometry=Box(x1=0, y1=0, x2=1, y2=1))
    points = Annotation(
        image_id=1, tag_id=2, geometry=Keypoints(points=(Keypoint(x=1, y=1), Keypoint(x=2, y=2)))
    )
    assert tags.fits(boxed, Tag(id=5, name="other box")) and not tags.fits(boxed, tags.by_id[4])
    assert not tags.fits(points, three)
    assert tags.default_tag(TagKind.POLYGON) == Tag(
        name="region", color=tags.new_color(), kind=TagKind.POLYGON
    )
    assert tags.default_tag(TagKind.KEYPOINTS) is None


def test_a_paste_leaves_out_copies_whose_tag_is_gone_and_stays_inside_the_image() -> None:
    clipboard = Clipboard()
    image = ImageRecord(id=1, path="a.jpg", width=100, height=50)
    near_edge = Annotation(image_id=2, tag_id=1, geometry=Box(x1=80, y1=30, x2=120, y2=45))
    gone = Annotation(image_id=2, tag_id=7, geometry=Box(x1=0, y1=0, x2=5, y2=5))
    assert clipboard.pasted_onto(image, {1}) == []
    assert clipboard.copy([near_edge, gone]) == 2
    [pasted] = clipboard.pasted_onto(image, {1})
    assert (pasted.image_id, pasted.id) == (1, None)
    assert (pasted.geometry.x1, pasted.geometry.x2) == (60, 100)  # moved left until it fits
    clipboard.clear()
    assert clipboard.pasted_onto(image, {1}) == []
