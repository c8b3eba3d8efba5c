"""`labelassist export …` and `labelassist import …` as a user types them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dataset_checks import assert_same_within_a_pixel, shapes_by_image

from app.__main__ import main

REPO = Path(__file__).resolve().parents[2]


def test_export_then_import_from_the_command_line(project: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "labelme"
    assert main(["export", str(project), "--format", "labelme", "--out", str(out)]) == 0
    assert f"Exported 4 image(s) and 8 annotation(s) to {out}" in capsys.readouterr().out
    back = tmp_path / "back.labelassist"
    assert main(["import", str(back), "--format", "labelme", "--src", str(out)]) == 0
    assert "8 annotation(s), 4 new image(s)" in capsys.readouterr().out
    assert_same_within_a_pixel(shapes_by_image(project), shapes_by_image(back))


def test_export_only_done_with_a_yolo_split(project: Path, tmp_path: Path, capsys) -> None:
    args = [
        "export",
        str(project.parent),
        "--format",
        "yolo",
        "--out",
        str(tmp_path / "y"),
        "--only",
        "done",
        "--val",
        "0.5",
        "--task",
        "detect",
        "--images",
        "link",
    ]
    assert main(args) == 0
    assert "Exported 2 image(s)" in capsys.readouterr().out
    assert len(list((tmp_path / "y" / "images" / "val").iterdir())) == 1


def test_bad_input_exits_non_zero_and_says_what_and_where(project: Path, tmp_path: Path, capsys) -> None:
    main(["export", str(project), "--format", "coco", "--out", str(tmp_path / "c")])
    capsys.readouterr()
    path = tmp_path / "c" / "annotations.json"
    doc = json.loads(path.read_text())
    doc["annotations"][0]["category_id"] = 42
    path.write_text(json.dumps(doc))
    back = tmp_path / "back.labelassist"
    assert main(["import", str(back), "--format", "coco", "--src", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported: 1 problem(s) in the input." in err
    assert "annotations.json, annotation 1: unknown category_id 42" in err
    assert "--skip-invalid" in err and not back.exists()
    assert main(["import", str(back), "--format", "coco", "--src", str(path), "--skip-invalid"]) == 0
    assert "skipped: annotations.json, annotation 1: unknown category_id 42" in capsys.readouterr().out


def test_plain_errors_for_a_missing_project_and_a_bad_split(tmp_path: Path, project: Path, capsys) -> None:
    assert (
        main(["export", str(tmp_path / "nope.labelassist"), "--format", "coco", "--out", str(tmp_path / "o")])
        == 1
    )
    assert "No project file at" in capsys.readouterr().err
    assert (
        main(["export", str(project), "--format", "yolo", "--out", str(tmp_path / "o"), "--val", "1.5"]) == 1
    )
    assert "--val must be at least 0 and below 1" in capsys.readouterr().err


def test_the_installed_entry_point_runs_it(project: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "export",
            str(project),
            "--format",
            "voc",
            "--out",
            str(tmp_path / "voc"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "left out: 4 polygon or keypoint annotation(s): Pascal VOC holds boxes only" in done.stdout
    assert (tmp_path / "voc" / "Annotations" / "astronaut.xml").is_file()
