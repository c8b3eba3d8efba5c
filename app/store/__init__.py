"""The project file (SQLite)."""

from app.store.errors import NewerProjectError, NotAProjectError, ProjectError, ReadOnlyProjectError
from app.store.project_store import PROJECT_SUFFIX, ProjectStore

__all__ = [
    "PROJECT_SUFFIX", "NewerProjectError", "NotAProjectError", "ProjectError", "ProjectStore",
    "ReadOnlyProjectError",
]  # fmt: skip
