"""Project → format → project keeps every annotation within a pixel, and tags keep kind, points and skeleton."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from dataset_checks import assert_same_within_a_pixel, shapes_by_image

from app.io.export import ExportOptions, export_project
from app.io.importing import import_into
from app.models import ImageStatus, Source, TagKind

ALL_KINDS = tuple(TagKind)


@pytest.mark.parametrize(
    ("fmt", "kinds"),
    [("coco", ALL_KINDS), ("yolo", ALL_KINDS), ("labelme", ALL_KINDS), ("voc", (TagKind.BOX,))],
)
def test_round_trip_into_a_new_project(
    project: Path, tmp_path: Path, fmt: str, kinds: tuple[TagKind, ...]
) -> None:
    out = tmp_path / f"out-{fmt}"
    result = export_project(project, out, ExportOptions(fmt))
    assert result.images == 4
    back = tmp_path / "back" / f"{fmt}.labelassist"
    back.parent.mkdir()
    plan = import_into(back, fmt, out)
    assert not plan.issues
    assert_same_within_a_pixel(shapes_by_image(project, kinds), shapes_by_image(back, kinds))


@pytest.mark.parametrize("fmt", ["coco", "yolo", "labelme"])
def test_tags_keep_their_kind_points_and_skeleton(
    project: Path, tmp_path: Path, fmt: str, make_store
) -> None:
    export_project(project, tmp_path / "out", ExportOptions(fmt))
    import_into(tmp_path / "back.labelassist", fmt, tmp_path / "out")
    before = {t.name: t for t in make_store(project).tags()}
    after = {t.name: t for t in make_store(tmp_path / "back.labelassist").tags()}
    assert set(after) == set(before)
    for name, tag in before.items():
        assert (after[name].kind, after[name].keypoint_names, after[name].skeleton) == (
            tag.kind,
            tag.keypoint_names,
            tag.skeleton,
        ), name
        assert after[name].color == tag.color


@pytest.mark.parametrize("fmt", ["coco", "labelme"])
def test_score_and_provenance_come_back(project: Path, tmp_path: Path, fmt: str, make_store) -> None:
    export_project(project, tmp_path / "out", ExportOptions(fmt))
    import_into(tmp_path / "back.labelassist", fmt, tmp_path / "out")
    store = make_store(tmp_path / "back.labelassist")
    model_made = [
        a
        for img in store.images()
        for a in store.annotations_for(img.id)
        if a.provenance.source == Source.MODEL
    ]
    assert len(model_made) == 2
    assert {(a.provenance.deployment, a.provenance.model, a.provenance.score) for a in model_made} == {
        ("local", "yolo", 0.87)
    }


def test_importing_an_export_into_its_own_project_adds_nothing(
    project: Path, tmp_path: Path, make_store
) -> None:
    export_project(project, tmp_path / "out", ExportOptions("coco", images="link"))
    # The links point back at the project's own files, but under other paths: images are new, so import
    # the COCO file next to the project's images instead, where the paths match.
    coco = json.loads((tmp_path / "out" / "annotations.json").read_text())
    for image in coco["images"]:
        image["file_name"] = image["labelassist"]["path"]
    (project.parent / "annotations.json").write_text(json.dumps(coco))
    plan = import_into(project, "coco", project.parent / "annotations.json")
    assert plan.matched_images == 4
    assert plan.annotations == [] and plan.new_images == [] and plan.new_tags == []
    assert plan.duplicates == 8


def test_only_done_exports_only_images_marked_done(project: Path, tmp_path: Path) -> None:
    result = export_project(project, tmp_path / "out", ExportOptions("coco", only_done=True))
    coco = json.loads((tmp_path / "out" / "annotations.json").read_text())
    assert sorted(i["file_name"] for i in coco["images"]) == ["astronaut.jpg", "hand.jpg"]
    assert result.images == 2
    assert {i["labelassist"]["status"] for i in coco["images"]} == {ImageStatus.DONE.value}


def test_yolo_train_val_split_is_stable_and_complete(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "a", ExportOptions("yolo", val_fraction=0.5, task="detect"))
    export_project(project, tmp_path / "b", ExportOptions("yolo", val_fraction=0.5, task="detect"))
    val = sorted(p.name for p in (tmp_path / "a" / "images" / "val").iterdir())
    train = sorted(p.name for p in (tmp_path / "a" / "images" / "train").iterdir())
    assert len(val) == 2 and len(train) == 2 and not set(val) & set(train)
    assert val == sorted(p.name for p in (tmp_path / "b" / "images" / "val").iterdir())
    data = yaml.safe_load((tmp_path / "a" / "data.yaml").read_text())
    assert (data["train"], data["val"]) == ("images/train", "images/val")


def test_images_can_be_linked_instead_of_copied(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "out", ExportOptions("labelme", images="link"))
    linked = tmp_path / "out" / "astronaut.jpg"
    assert linked.read_bytes() == (project.parent / "astronaut.jpg").read_bytes()
    assert linked.is_symlink() or linked.stat().st_nlink > 1


def test_export_into_a_folder_with_files_keeps_them(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.txt").write_text("mine")
    export_project(project, out, ExportOptions("voc"))
    assert (out / "README.txt").read_text() == "mine"
    assert sorted(p.name for p in (out / "Annotations").iterdir()) == [
        "astronaut.xml",
        "cat.xml",
        "hand.xml",
        "more__cat.xml",
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.exporting")]


def test_a_missing_image_file_is_left_out_and_said(project: Path, tmp_path: Path, make_store) -> None:
    (project.parent / "hand.jpg").unlink()
    result = export_project(project, tmp_path / "out", ExportOptions("coco"))
    assert result.images == 3
    assert any("hand.jpg" in line for line in result.left_out)


def test_import_into_an_existing_project_matches_tags_by_name(
    project: Path, tmp_path: Path, make_store
) -> None:
    export_project(project, tmp_path / "out", ExportOptions("coco"))
    other = tmp_path / "other.labelassist"
    import_into(other, "coco", tmp_path / "out")
    plan = import_into(other, "coco", tmp_path / "out")  # the same again: matched, nothing added
    assert plan.new_tags == [] and plan.new_images == [] and plan.annotations == []
    store = make_store(other)
    assert len(store.tags()) == 4 and store.image_count() == 4
    assert sum(store.annotation_count(i.id) for i in store.images()) == 8
    assert store.integrity_ok()


def test_a_tag_of_another_kind_gets_its_own_tag(project: Path, tmp_path: Path, make_store) -> None:
    export_project(project, tmp_path / "out", ExportOptions("voc"))
    store = make_store(tmp_path / "p.labelassist")
    from app.models import Tag

    store.add_tag(Tag(name="car", kind=TagKind.POLYGON))
    store.close()
    plan = import_into(tmp_path / "p.labelassist", "voc", tmp_path / "out")
    assert [t.name for t in plan.new_tags] == ["car (box)"]
    assert any("car (box)" in n for n in plan.notes)
