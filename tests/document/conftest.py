"""A Document over a temporary project file, with no window: the document rules are tested here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.document import Document
from app.models import ImageRecord, Tag
from app.store import ProjectStore

# Image sizes as the canvas records them once decoded: the document needs no image files.
SIZES = {"a.jpg": (512, 512), "b.jpg": (451, 300), "c.jpg": (640, 480)}


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """`make_project(name="p", tags=())`: a project file with the images of SIZES; returns its path."""

    def make(name: str = "p", tags: tuple[Tag, ...] = ()) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        store = ProjectStore.create(folder / f"{name}.labelassist")
        store.add_images(ImageRecord(path=p, width=w, height=h) for p, (w, h) in SIZES.items())
        for tag in tags:
            store.add_tag(tag)
        store.close()
        return folder / f"{name}.labelassist"

    return make


@pytest.fixture
def make_doc(make_project: Callable[..., Path]) -> Iterator[Callable[..., Document]]:
    """`make_doc(tags=())`: a Document with a new project open on its first image; closed at teardown."""
    docs: list[Document] = []

    def make(tags: tuple[Tag, ...] = (), name: str = "p") -> Document:
        doc = Document()
        doc.open_project(make_project(name, tags))
        docs.append(doc)
        return doc

    yield make
    for doc in docs:
        doc.close()
