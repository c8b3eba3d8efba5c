"""Reading what a document wrote, the way another program would: through a connection of its own."""

from __future__ import annotations

from app.document import Document
from app.models import Annotation, Box
from app.store import ProjectDatabase, ProjectStore


def stored(doc: Document, image_id: int | None = None) -> list[Annotation]:
    """The annotations of an image (the one on screen by default) as another connection reads them."""
    image = doc.current_image
    assert doc.project_path is not None and image is not None and image.id is not None
    database = ProjectDatabase.open_read_only(doc.project_path)
    try:
        return ProjectStore(database).annotations_for(image.id if image_id is None else image_id)
    finally:
        database.close()


def box(x1: float, y1: float, x2: float, y2: float) -> Box:
    return Box(x1=x1, y1=y1, x2=x2, y2=y2)
