"""One adapter per protocol: pure functions that build HTTP requests and read the answers."""

from __future__ import annotations

from app.inference.adapters.base import Adapter, HttpRequest, HttpResponse, ImageInput, Probe
from app.inference.adapters.oip import OipAdapter
from app.models import Protocol

ADAPTERS: dict[Protocol, Adapter] = {Protocol.OIP: OipAdapter()}


def adapter_for(protocol: Protocol) -> Adapter:
    return ADAPTERS[protocol]


__all__ = ["ADAPTERS", "Adapter", "HttpRequest", "HttpResponse", "ImageInput", "Probe", "adapter_for"]
