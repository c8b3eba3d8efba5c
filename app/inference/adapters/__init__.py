"""One adapter per protocol: pure functions that build HTTP requests and read the answers."""

from __future__ import annotations

from app.inference.adapters.base import Adapter, HttpRequest, HttpResponse, ImageInput, Probe
from app.inference.adapters.datature import DatatureAdapter
from app.inference.adapters.label_studio import LabelStudioAdapter
from app.inference.adapters.oip import OipAdapter
from app.inference.adapters.roboflow import RoboflowAdapter
from app.models import Protocol

ADAPTERS: dict[Protocol, Adapter] = {
    Protocol.OIP: OipAdapter(),
    Protocol.ROBOFLOW: RoboflowAdapter(),
    Protocol.DATATURE: DatatureAdapter(),
    Protocol.LABEL_STUDIO: LabelStudioAdapter(),
}


def adapter_for(protocol: Protocol) -> Adapter:
    return ADAPTERS[protocol]


__all__ = ["ADAPTERS", "Adapter", "HttpRequest", "HttpResponse", "ImageInput", "Probe", "adapter_for"]
