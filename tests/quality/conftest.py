"""A labelling session with known figures (scenario.py), run through the document and assist layers over a
real project and a real OIP server on 127.0.0.1, without a window."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "assist"))  # the AssistLayer

from assist_layer import AssistLayer  # noqa: E402
from fake_oip import FakeOip  # noqa: E402
from scenario import IMAGES, TAGS, VERSION_1, ask_version_2, serve, work_through  # noqa: E402


@pytest.fixture
def labelled(tmp_path: Path, fake_oip: FakeOip, qapp: Any) -> Iterator[AssistLayer]:
    """A project file after the session of scenario.py (version 1 of the fake model)."""
    serve(fake_oip, VERSION_1, "fake-1")
    layer = AssistLayer(tmp_path / "project", fake_oip.url, IMAGES, TAGS)
    work_through(layer)
    yield layer
    layer.close()


@pytest.fixture
def closed_project(labelled: AssistLayer, fake_oip: FakeOip) -> Callable[..., Path]:
    """`closed_project(version_2=False)`: the labelled project file, closed (and asked by version 2 first)."""

    def close(version_2: bool = False) -> Path:
        if version_2:
            ask_version_2(labelled, fake_oip)
        labelled.close()
        return labelled.path

    return close
