"""Fixtures for imaging and background-runner tests; factories stop their threads at teardown."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402

from app.imaging.async_source import ImageSource  # noqa: E402
from app.worker import BackgroundRunner  # noqa: E402


@pytest.fixture
def make_runner(qtbot) -> Iterator[Callable[..., BackgroundRunner]]:
    """Build BackgroundRunners that are stopped (thread joined) after the test."""
    made: list[BackgroundRunner] = []

    def make(**options) -> BackgroundRunner:
        runner = BackgroundRunner(**options)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.stop()


@pytest.fixture
def make_image_source(qtbot) -> Iterator[Callable[..., ImageSource]]:
    """Build ImageSources whose decoding threads are stopped after the test."""
    made: list[ImageSource] = []

    def make(**options) -> ImageSource:
        source = ImageSource(**options)
        made.append(source)
        return source

    yield make
    for source in made:
        source.stop()
