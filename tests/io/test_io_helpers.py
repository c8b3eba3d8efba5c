"""The small pure pieces: unique flat names, left/right flip order, the export staging folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.io.dataset import ExportCancelled
from app.io.export import staging
from app.io.images import flat_names
from app.io.progress import Progress
from app.io.yolo import flip_index
from app.models.templates import BODY_33_NAMES, HAND_21_NAMES


def test_flat_names_are_unique_by_stem_and_keep_plain_names() -> None:
    names = flat_names(["a.jpg", "x/a.png", "y/a.jpg", "b.jpg", "../up/c.jpg", "a__x.jpg"])
    assert names[0] == "a.jpg" and names[3] == "b.jpg" and names[4] == "c.jpg"
    assert names[1] == "x__a.png" and names[2] == "y__a.jpg"
    stems = [Path(n).stem.lower() for n in names]
    assert len(set(stems)) == len(stems)


def test_flip_index_of_the_body_template_pairs_every_side() -> None:
    flip = flip_index(BODY_33_NAMES)
    assert flip is not None
    for i, name in enumerate(BODY_33_NAMES):
        twin = BODY_33_NAMES[flip[i]]
        assert twin == name.replace("LEFT", "#").replace("RIGHT", "LEFT").replace("#", "RIGHT")
    assert flip_index(HAND_21_NAMES) is None


def test_staging_moves_the_result_into_place_or_leaves_nothing(tmp_path: Path) -> None:
    with staging(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("1")
    assert (tmp_path / "out" / "a.txt").read_text() == "1"
    progress = Progress()
    progress.cancel()
    with pytest.raises(ExportCancelled), staging(tmp_path / "other") as tmp:
        (tmp / "b.txt").write_text("2")
        progress.advance()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
