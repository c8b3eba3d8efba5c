"""`labelassist report` and the exports for retraining, from the command line, on the project of scenario.py:
the table, the self-contained HTML page with its plots, and the images only changed since a model version or
only the model's hard examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scenario import HARD, ask_version_2

from app.__main__ import main


def test_the_report_prints_every_version_and_writes_one_self_contained_page(
    closed_project, tmp_path, capsys
) -> None:
    project = closed_project(version_2=True)
    page = tmp_path / "quality.html"
    assert main(["report", str(project), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert "fake: fake fake-1" in out and "fake: fake fake-2" in out
    rows: dict[str, list[str]] = {}
    for line in out.splitlines():  # version 1's block comes first
        if line.startswith(("car ", "person ", "all ")):
            rows.setdefault(line.split()[0], line.split())
    # label, tag, suggested, committed, as is, edited, deleted, dismissed, missed, acceptance, precision, recall
    assert rows["car"][:12] == ["car", "car", "8", "6", "4", "1", "1", "1", "2", "86%", "83%", "62%"]
    assert rows["all"][2:15] == ["—", "10", "7", "5", "1", "1", "2", "3", "78%", "75%", "60%", "0.62", "0.75"]

    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Model quality — project" in html
    assert (
        not re.search(r"""(src|href)=["']?(https?:|//)""", html) and "<script" not in html
    )  # nothing fetched
    assert html.count("<svg") == 2 + 2 + 3  # per version: threshold and acceptance; calls, latency, v1 vs v2
    assert "Precision and recall by threshold — fake fake-1" in html and "fake fake-1 vs fake fake-2" in html
    assert "<td>0.62</td>" in html and 'data-name="precision"' in html


def test_the_report_of_one_deployment_and_of_an_unknown_one(closed_project, capsys) -> None:
    project = closed_project()
    assert main(["report", str(project.parent), "--deployment", "fake", "--threshold", "0.7"]) == 0
    assert "Precision and recall at threshold 0.70" in capsys.readouterr().out
    assert main(["report", str(project), "--deployment", "nope"]) == 1
    assert "No deployment named 'nope' (the project has: fake)" in capsys.readouterr().err


def _exported(out: Path) -> list[str]:
    return sorted(i["file_name"] for i in json.loads((out / "annotations.json").read_text())["images"])


def test_the_hard_examples_export_as_coco_and_yolo(closed_project, tmp_path, capsys) -> None:
    project = closed_project()
    coco = tmp_path / "hard-coco"
    assert main(["export", str(project), str(coco), "--format", "coco", "--hard-examples"]) == 0
    assert _exported(coco) == sorted(HARD)
    assert "2 image(s) with no missed annotation or corrected suggestion" in capsys.readouterr().out
    yolo = tmp_path / "hard-yolo"
    assert (
        main(
            ["export", str(project), str(yolo), "--format", "yolo", "--hard-examples", "--deployment", "fake"]
        )
        == 0
    )
    assert sorted(p.stem for p in (yolo / "images" / "train").iterdir()) == sorted(Path(n).stem for n in HARD)


def test_only_images_labelled_since_a_model_version(labelled, fake_oip, tmp_path, capsys) -> None:
    ask_version_2(labelled, fake_oip)  # asking changes nothing on the image
    labelled.doc.go_to_row(next(i for i, r in enumerate(labelled.doc.images) if r.path == "coffee.png"))
    labelled.doc.toggle_done()
    labelled.close()
    out = tmp_path / "since-2"
    assert (
        main(["export", str(labelled.path), str(out), "--format", "coco", "--changed-since", "fake-2"]) == 0
    )
    assert _exported(out) == ["coffee.png"]
    assert "5 image(s) not labelled since model version fake-2 first answered" in capsys.readouterr().out
    assert (
        main(["export", str(labelled.path), str(tmp_path / "x"), "--format", "coco", "--changed-since", "9"])
        == 1
    )
    assert "No model version '9' has answered in this project." in capsys.readouterr().err
