"""Errors raised when a project cannot be opened or written; each message is meant for the user."""


class ProjectError(Exception):
    """A project could not be opened or written."""


class NotAProjectError(ProjectError):
    pass


class NewerProjectError(ProjectError):
    pass


class ReadOnlyProjectError(ProjectError):
    pass


class ProjectInUseError(ProjectError):
    """Another program has the project file open for writing."""


class StoreError(ProjectError):
    """The project's database refused a read or a write; nothing of that write was kept."""


class IntegrityFailure(StoreError):
    """A write broke a rule of the schema (a name already taken, a row that is gone)."""


class EditConflict(StoreError):
    """Another labeller changed or deleted the rows this edit was made from (team projects)."""

    def __init__(self, message: str, image_id: int | None = None) -> None:
        super().__init__(message)
        self.image_id = image_id


class DatabaseUnavailable(StoreError):
    """The team database cannot be reached; nothing is written until it is back."""
