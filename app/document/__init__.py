"""The document layer: state, signals and undoable edits, shared by all widgets."""

from app.document.document import Document

__all__ = ["Document"]
