"""Click-to-segment for the image on screen: the engine chosen in Intelligent Tools, run off the UI thread.

Every prompt carries (image, generation) and replaces one still waiting; only the answer to the latest
prompt on the image on screen is announced. The picture and each engine's per-image work (a SAM embedding)
are computed once per image, ahead of time for the image on screen and the next one while the tool is in
use, and kept for the last few images: a click then costs only the engine's own step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.assist.segment_engines import BUILT_IN, GRABCUT, PACK, EngineShelf, remote_id
from app.document.document import Document
from app.inference.deployments import Deployments
from app.models import Protocol, Task
from app.models.geometry import Box
from app.segment.engine import Prompt
from app.segment.once import OnceCache
from app.segment.pack_files import PackFiles, find_pack
from app.settings import Preferences, SegmentPackRecord, save_preferences
from app.worker import BackgroundRunner

if TYPE_CHECKING:  # numpy and OpenCV come with them: loaded on the worker with the first segmentation
    from app.segment.engine import Engine, Mask, Picture, Rect
    from app.segment.outline import Outline

ImageKey = tuple[int, str]


@dataclass(frozen=True)
class SegmentTicket:
    image: ImageKey
    generation: int


@dataclass(frozen=True)
class SegmentResult:
    ticket: SegmentTicket
    mask: Mask
    outline: Outline
    seconds: float  # from the prompt to its answer, on the worker


@dataclass(frozen=True)
class RefineResult:
    image: ImageKey
    outlines: dict[str, Outline]  # suggestion key → its outline
    engine: str


class Segmenter(QObject):
    resultReady = Signal(object)  # SegmentResult for the latest prompt on the image on screen
    refined = Signal(object)  # RefineResult
    failed = Signal(str)
    changed = Signal()  # the engines offered, the chosen one or the pack changed
    status = Signal(str)

    def __init__(
        self, doc: Document, deployments: Deployments, prefs: Preferences, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.doc, self.deployments, self.prefs = doc, deployments, prefs
        self.engine_id = prefs.segment_engine
        self.active = False  # the click-to-segment tool is in use
        self.generation = 0
        self.pictures: OnceCache[Picture] = OnceCache(keep=3)
        self.prepared: OnceCache[object] = OnceCache(keep=4)
        self.engines = EngineShelf(deployments, prefs, self.status.emit)
        self._clicks = BackgroundRunner(self, name="segment-clicks")
        self._ahead = BackgroundRunner(self, name="segment-ahead")
        self._clicks.result.connect(self._on_result)
        self._clicks.error.connect(self._on_error)
        self._ahead.result.connect(self._on_ahead)
        self._ahead.error.connect(self._on_error)
        doc.currentImageChanged.connect(self._on_image)
        deployments.changed.connect(self.changed)
        deployments.statusChanged.connect(lambda _id: self.changed.emit())

    # ---- engines -------------------------------------------------------------------------------

    def choices(self) -> list[tuple[str, str]]:
        """(engine id, title) of every engine that can be chosen now, built in first."""
        out = list(BUILT_IN)
        pack = self.prefs.segment_pack
        if pack is not None:
            out.append((PACK, f"{pack.name} (ONNX pack)"))
        for d in self.deployments.online():
            probe = self.deployments.probe(d.saved_id)
            if d.protocol == Protocol.OIP and probe is not None and probe.model.task == Task.SEGMENT:
                out.append((remote_id(d), f"{d.name} (remote)"))
        return out

    def choose(self, engine_id: str) -> None:
        if engine_id == self.engine_id:
            return
        self.engine_id = self.prefs.segment_engine = engine_id
        save_preferences(self.prefs)
        self.cancel()
        self.changed.emit()
        title = dict(self.choices()).get(engine_id, engine_id)
        self.status.emit(f"Click to segment with {title}.")
        self.prefetch()

    def in_use(self) -> str:
        """The engine the clicks go to: the chosen one, or GrabCut while it is not offered (a deployment
        offline, a pack removed); the choice itself is kept for when it is back."""
        return self.engine_id if self.engine_id in dict(self.choices()) else "grabcut"

    def engine_title(self) -> str:
        return dict(self.choices()).get(self.in_use(), "GrabCut (built in)")

    def uses_box(self) -> bool:
        return self.in_use() != "scissors"

    def takes_clicks_along_edges(self) -> bool:
        return self.in_use() == "scissors"

    # ---- the pack ------------------------------------------------------------------------------

    def add_pack(self, folder: str | Path) -> None:
        """Check the folder, record its SHA-256 and licence, and choose it (in the background)."""
        self.status.emit(f"Checking the pack in {folder}…")
        self._ahead.submit(lambda: find_pack(folder), "pack")

    def _pack_added(self, files: PackFiles) -> None:
        self.prefs.segment_pack = SegmentPackRecord(
            folder=str(files.folder.absolute()), name=files.name, sha256=files.sha256, licence=files.licence
        )
        self.engines.forget(PACK)
        self.prepared.clear()
        licence = files.licence or "not stated in the folder"
        self.status.emit(f"Pack {files.name} added: SHA-256 {files.sha256[:12]}…, licence {licence}.")
        self.engine_id = ""  # so that choosing it below counts as a change
        self.choose(PACK)

    # ---- prompts -------------------------------------------------------------------------------

    def _current(self) -> tuple[ImageKey, Path] | None:
        img, path = self.doc.current_image, self.doc.current_path()
        if img is None or img.id is None or path is None:
            return None
        return (img.id, str(path)), path

    def segment(self, prompt: Prompt, view: Rect) -> None:
        """Segment the image on screen from `prompt` (image pixels) within `view`; replaces any waiting."""
        self.generation += 1
        current = self._current()
        if current is None or prompt.is_empty():
            self._clicks.cancel_pending()
            return
        key, path = current
        ticket = SegmentTicket(key, self.generation)
        engine_id = self.in_use()
        self._clicks.submit(lambda: self._run(engine_id, key, path, prompt, view, ticket), ticket)

    def _run(
        self, engine_id: str, key: ImageKey, path: Path, prompt: Prompt, view: Rect, ticket: SegmentTicket
    ) -> SegmentResult:
        from app.segment.outline import outline

        start = time.perf_counter()
        engine, picture, prepared = self._ready(engine_id, key, path)
        mask = engine.segment(picture, prepared, prompt, view)
        return SegmentResult(ticket, mask, outline(mask), time.perf_counter() - start)

    def _ready(self, engine_id: str, key: ImageKey, path: Path) -> tuple[Engine, Picture, object]:
        from app.assist.segment_picture import load_picture

        engine = self.engines.get(engine_id)
        picture = self.pictures.get(key, lambda: load_picture(path))
        prepared = self.prepared.get((engine_id, key), lambda: engine.prepare(picture))
        return engine, picture, prepared

    def cancel(self) -> None:
        """Forget the prompt: an answer still on its way is dropped."""
        self.generation += 1
        self._clicks.cancel_pending()

    def refine(self, boxes: dict[str, Box]) -> None:
        """Segment inside each box (suggestion key → box) on the image on screen; `refined` follows."""
        current = self._current()
        if current is None or not boxes:
            return
        key, path = current
        engine_id = self.in_use() if self.uses_box() else GRABCUT  # the scissors take no box

        def job() -> RefineResult:
            from app.segment.outline import outline

            engine, picture, prepared = self._ready(engine_id, key, path)
            view = (0.0, 0.0, picture.width, picture.height)
            found = {}
            for k, b in boxes.items():
                found[k] = outline(
                    engine.segment(picture, prepared, Prompt(box=(b.x1, b.y1, b.x2, b.y2)), view)
                )
            return RefineResult(key, found, engine.title)

        self._clicks.submit(job, ("refine", key))

    # ---- ahead of the clicks -------------------------------------------------------------------

    def activate(self, on: bool) -> None:
        """The tool is (no longer) in use: while it is, the next images are prepared ahead."""
        self.active = on
        if not on:
            self.cancel()
        self.prefetch()

    def prefetch(self) -> None:
        """Prepare the image on screen, then the next one, in the background (once per image and engine)."""
        current = self._current()
        if not self.active or current is None:
            return
        wanted = [current]
        row = self.doc.row + 1
        if 0 <= row < len(self.doc.images):
            record = self.doc.images[row]
            path = self.doc.image_path(record)
            if record.id is not None and path is not None:
                wanted.append(((record.id, str(path)), path))
        engine_id = self.in_use()

        def job() -> tuple[str, float | None]:
            first: float | None = None
            for i, (key, path) in enumerate(wanted):
                fresh = not self.prepared.has((engine_id, key))
                start = time.perf_counter()
                self._ready(engine_id, key, path)
                if i == 0 and fresh:
                    first = time.perf_counter() - start
            return engine_id, first

        self._ahead.submit(job, ("ahead", current[0]))

    def _on_image(self) -> None:
        self.cancel()
        self.prefetch()

    # ---- answers -------------------------------------------------------------------------------

    def _on_result(self, token: object, value: object) -> None:
        current = self._current()
        if isinstance(value, RefineResult):
            if current is not None and value.image == current[0]:
                self.refined.emit(value)
            return
        assert isinstance(value, SegmentResult)
        if current is not None and value.ticket == SegmentTicket(current[0], self.generation):
            self.resultReady.emit(value)

    def _on_ahead(self, token: object, value: object) -> None:
        if isinstance(value, PackFiles):
            self._pack_added(value)
            return
        assert isinstance(value, tuple)
        engine_id: str = value[0]
        seconds: float | None = value[1]
        if seconds is not None and (engine_id == PACK or engine_id.startswith("remote:")):
            self.status.emit(f"Segmentation: this image is ready for clicks ({seconds:.2f} s to prepare).")

    def _on_error(self, token: object, message: str) -> None:
        if isinstance(token, SegmentTicket) and token.generation != self.generation:
            return  # the answer to a prompt already replaced
        self.failed.emit(f"Segmentation: {message}")

    def stop(self) -> None:
        self._clicks.stop(timeout_ms=5000)
        self._ahead.stop(timeout_ms=5000)
