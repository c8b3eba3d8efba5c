"""The server's command line chooses what it serves."""

from __future__ import annotations

import pytest

from server.cli import build_parser, build_registry


@pytest.mark.usefixtures("people_models")
def test_people_serves_only_the_models_named() -> None:
    served = [
        m.info.name for m in build_registry(build_parser().parse_args(["--people", "person-segmentation"]))
    ]
    assert served == ["person-segmentation"]
    both = build_parser().parse_args(["--people", "face", "--people", "pose"])
    assert sorted(m.info.name for m in build_registry(both)) == ["face", "pose"]


@pytest.mark.usefixtures("people_models")
def test_people_without_names_serves_the_whole_pack_and_an_unknown_name_is_refused() -> None:
    assert len(list(build_registry(build_parser().parse_args([])))) >= 4
    with pytest.raises(ValueError, match="no people-pack model named nobody"):
        build_registry(build_parser().parse_args(["--people", "nobody"]))
