"""One adapter per protocol: pure functions that build HTTP requests and read the answers."""

from __future__ import annotations

from importlib import import_module

from app.inference.adapters.base import Adapter, HttpRequest, HttpResponse, ImageInput, Probe
from app.models import Protocol

# Loaded on first use: numpy and the response models stay out of the app's start-up.
_MODULES = {
    Protocol.OIP: ("app.inference.adapters.oip", "OipAdapter"),
    Protocol.ROBOFLOW: ("app.inference.adapters.roboflow", "RoboflowAdapter"),
    Protocol.DATATURE: ("app.inference.adapters.datature", "DatatureAdapter"),
    Protocol.LABEL_STUDIO: ("app.inference.adapters.label_studio", "LabelStudioAdapter"),
}
_loaded: dict[Protocol, Adapter] = {}
# Imported by name, so a bundler cannot see them: the PyInstaller spec lists them from here.
ADAPTER_MODULES = tuple(module for module, _name in _MODULES.values())


def adapter_for(protocol: Protocol) -> Adapter:
    adapter = _loaded.get(protocol)
    if adapter is None:
        module, name = _MODULES[protocol]
        adapter = _loaded[protocol] = getattr(import_module(module), name)()
    return adapter


__all__ = ["ADAPTER_MODULES", "Adapter", "HttpRequest", "HttpResponse", "ImageInput", "Probe", "adapter_for"]
