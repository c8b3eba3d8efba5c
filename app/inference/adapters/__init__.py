"""One adapter per protocol: pure functions that build HTTP requests and read the answers."""

from app.inference.adapters.base import HttpRequest

__all__ = ["HttpRequest"]
