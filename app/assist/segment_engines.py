"""The click-to-segment engines on offer, each made on first use: the built-in ones at once, a pack (whose
ONNX sessions take a moment to load) and a remote deployment on the worker thread that first needs them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.models import Deployment
from app.segment.pack_files import HOW_TO_ADD, find_pack
from app.settings import Preferences

if TYPE_CHECKING:  # the engines bring numpy and OpenCV: made on first use, not with the window
    from app.inference.deployments import Deployments
    from app.segment.engine import Engine

PACK = "sam_pack"
GRABCUT, SCISSORS = "grabcut", "scissors"
# (engine id, title) of the engines that come with the app, in the order they are offered
BUILT_IN = (
    (GRABCUT, "GrabCut (built in)"),
    (SCISSORS, "Intelligent Scissors (built in, follows edges)"),
)


def remote_id(d: Deployment) -> str:
    """The engine id of a deployment that segments from clicks."""
    return f"remote:{d.id}"


class EngineShelf:
    def __init__(self, deployments: Deployments, prefs: Preferences, warn: Callable[[str], None]) -> None:
        self.deployments, self.prefs, self.warn = deployments, prefs, warn
        self._made: dict[str, Engine] = {}
        self._lock = threading.Lock()  # asked for from worker threads

    def get(self, engine_id: str) -> Engine:
        with self._lock:
            engine = self._made.get(engine_id)
            if engine is None:
                engine = self._made[engine_id] = self._make(engine_id)
            return engine

    def forget(self, engine_id: str) -> None:
        """Make it again next time (the pack was replaced)."""
        with self._lock:
            self._made.pop(engine_id, None)

    def _make(self, engine_id: str) -> Engine:
        if engine_id == PACK:
            return self._pack()
        if engine_id == GRABCUT:
            from app.segment.grabcut import GrabCutEngine

            return GrabCutEngine()
        if engine_id == SCISSORS:
            from app.segment.scissors import ScissorsEngine

            return ScissorsEngine()
        if engine_id.startswith("remote:"):
            d = self.deployments.get(int(engine_id.split(":", 1)[1]))
            if d is None:
                raise ValueError("that deployment is gone: choose another engine in Intelligent Tools")
            from app.assist.remote_segment import RemoteEngine

            return RemoteEngine(d, self.deployments.client, lambda: self.deployments.token_for(d))
        raise ValueError(f"no segmentation engine '{engine_id}'")

    def _pack(self) -> Engine:
        from app.segment.sam_pack import SamPackEngine  # onnxruntime only for those who add a pack

        record = self.prefs.segment_pack
        if record is None:
            raise ValueError(HOW_TO_ADD)
        files = find_pack(record.folder)
        engine = SamPackEngine(files)
        if files.sha256 != record.sha256:
            self.warn(
                f"The pack in {files.folder} has changed since it was added: SHA-256 {files.sha256[:12]}… "
                f"(was {record.sha256[:12]}…); add it again to record it."
            )
        return engine
