"""Fixtures for the project store tests: stores that close themselves, and file snapshots."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.store import ProjectStore


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "project.labelassist"


@pytest.fixture
def make_store() -> Iterator[Callable[..., ProjectStore]]:
    """`make_store(path, create=False)` opens (or creates) a store that is closed at teardown."""
    opened: list[ProjectStore] = []

    def make(path: Path, create: bool = False) -> ProjectStore:
        store = ProjectStore.create(path) if create else ProjectStore.open(path)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def snapshot() -> Callable[[Path], tuple[str, list[str]]]:
    """`snapshot(file)`: the file's sha256 and the names in its folder, to prove nothing was touched."""

    def snap(path: Path) -> tuple[str, list[str]]:
        return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(os.listdir(path.parent))

    return snap
