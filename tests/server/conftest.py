"""Fixtures for the server tests: the people pack and real servers on 127.0.0.1 ephemeral ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from server_test_support import GOLDEN, FixedModel, RunningServer

from server.app import create_app
from server.model import ServedModel
from server.models_fetch import missing_models, models_dir
from server.registry import ModelRegistry
from server.settings import ServerSettings


@pytest.fixture(scope="session")
def people_models() -> list[ServedModel]:
    if missing_models(models_dir()):
        pytest.skip(f"people-pack models are not in {models_dir()}; run `make models`")
    from server.people.pack import load_people_pack

    return load_people_pack(models_dir())


@pytest.fixture(scope="session")
def people_server(people_models: list[ServedModel]) -> Iterator[RunningServer]:
    server = RunningServer(create_app(ModelRegistry(people_models), ServerSettings()))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fixed_server() -> Iterator[RunningServer]:
    """One shared server for the stateless error tests: a FixedModel with small limits."""
    server = RunningServer(
        create_app(
            ModelRegistry([FixedModel()]), ServerSettings(max_body_bytes=2_000_000, max_pixels=600 * 600)
        )
    )
    yield server
    server.stop()


@pytest.fixture
def make_server() -> Iterator[Callable[..., RunningServer]]:
    """Factory: start a server for the given models and settings; all are stopped after the test."""
    started: list[RunningServer] = []

    def make(models: list[ServedModel], **settings: Any) -> RunningServer:
        server = RunningServer(create_app(ModelRegistry(models), ServerSettings(**settings)))
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def golden_dir():
    if not GOLDEN.is_dir():
        pytest.skip(f"golden references not found at {GOLDEN} (the shared folder beside the repository)")
    return GOLDEN
