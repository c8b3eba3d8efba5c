"""The project file (SQLite): one database connection per open project, and the stores built on it."""

from app.store.database import PROJECT_SUFFIX, ProjectDatabase
from app.store.errors import NewerProjectError, NotAProjectError, ProjectError, ReadOnlyProjectError
from app.store.project_store import ProjectStore

__all__ = [
    "PROJECT_SUFFIX",
    "NewerProjectError",
    "NotAProjectError",
    "ProjectDatabase",
    "ProjectError",
    "ProjectStore",
    "ReadOnlyProjectError",
]
