"""Errors raised when a project file cannot be opened; each message is meant for the user."""


class ProjectError(Exception):
    """A project file could not be opened or written."""


class NotAProjectError(ProjectError):
    pass


class NewerProjectError(ProjectError):
    pass


class ReadOnlyProjectError(ProjectError):
    pass
