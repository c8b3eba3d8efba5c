"""Team projects: stores of one team project opened as several labellers, on the session's PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.document import Document
from app.models import ImageRecord, Tag, TagKind
from app.store import ProjectStore
from app.store.team.database import TeamDatabase


@pytest.fixture
def team_url(pg_url: str) -> str:
    """A team project 'demo' with three images and two tags, published by 'owner'."""
    url = pg_url + "?project=demo"
    store = ProjectStore(TeamDatabase.create(url, "owner"))
    store.add_images([ImageRecord(path=f"img{i}.jpg", width=640, height=480) for i in range(3)])
    store.add_tag(Tag(name="car", color="#e6194b"))
    store.add_tag(Tag(name="road", color="#3cb44b", kind=TagKind.POLYGON))
    store.database.close()
    return url


@pytest.fixture
def labeller(team_url: str) -> Iterator[Callable[[str], TeamDatabase]]:
    """`labeller(name)`: the team project opened by that labeller (closed at teardown)."""
    opened: list[TeamDatabase] = []

    def open_as(name: str) -> TeamDatabase:
        database = TeamDatabase.open(team_url, name)
        opened.append(database)
        return database

    yield open_as
    for database in opened:
        database.close()


@pytest.fixture
def team_doc(team_url: str, qtbot) -> Iterator[Callable[[str], Document]]:
    """`team_doc(name)`: a Document with the team project open as that labeller, listening for the others'
    changes; closed at teardown (its claims are given back)."""
    docs: list[Document] = []

    def open_as(name: str) -> Document:
        doc = Document()
        doc.labeller = name
        doc.open_project(team_url)
        docs.append(doc)
        qtbot.waitUntil(lambda: doc.team_listening, timeout=5000)
        return doc

    yield open_as
    for doc in docs:
        doc.close()
