"""A real reference server (server.app on 127.0.0.1) serving several tiny models, each finding one box."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from server.model import Detections, ModelInfo


class OneBox:
    """A detection model that finds one 'thing' in the top-left quarter of any image."""

    def __init__(self, name: str) -> None:
        self.info = ModelInfo(
            name=name, task="detect", labels=("thing",), platform="test", release=f"{name}-1"
        )

    def predict(self, image: np.ndarray, options: Any) -> Detections:
        h, w = image.shape[:2]
        return Detections(
            boxes=np.array([[0, 0, w / 2, h / 2]], np.float32),
            scores=np.array([0.9], np.float32),
            labels=["thing"],
        )


@contextmanager
def box_server(*names: str) -> Iterator[str]:
    """The reference server with one OneBox model per name; yields its base URL."""
    from server.app import create_app
    from server.background import BackgroundServer
    from server.registry import ModelRegistry
    from server.settings import ServerSettings

    server = BackgroundServer(create_app(ModelRegistry([OneBox(n) for n in names]), ServerSettings()))
    try:
        yield server.url
    finally:
        server.stop()
