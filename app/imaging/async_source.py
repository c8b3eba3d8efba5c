"""Decode images for the canvas off the GUI thread: a screen-sized preview first, then the full image."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, QSize, Signal, Slot
from PySide6.QtGui import QImage

from app.imaging.loader import load, probe
from app.worker import BackgroundRunner

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class _Token:
    generation: int
    key: object
    path: str


@dataclass(frozen=True, slots=True)
class _Decoded:
    image: QImage
    full_size: QSize | None  # set when ``image`` is a reduced preview


def preview_long_side(long_side: int, preview_side: int) -> int:
    """Long side of the preview: the source divided by the largest of 8, 4, 2 leaving ≥ 90% of preview_side."""
    # libjpeg decodes at 1/2, 1/4 or 1/8 almost for free; any other size costs an extra resampling pass
    # over the whole image (4000 px to 2048 px: ~70 ms instead of ~55 ms here). The canvas scales anyway.
    for divisor in (8, 4, 2):
        if long_side / divisor >= 0.9 * preview_side:
            return math.ceil(long_side / divisor)
    return math.ceil(long_side / 2)


def _decode_first(path: str, preview_side: int) -> _Decoded:
    """A reduced preview when the decoder makes that cheap and the image is larger than the screen."""
    info = probe(path)
    long_side = max(info.width, info.height)
    if info.scaled_decode and long_side > preview_side:
        preview = load(path, max_side=preview_long_side(long_side, preview_side))
        return _Decoded(preview, QSize(info.width, info.height))
    # Formats without reduced decoding (PNG, TIFF, ...) would decode everything twice: go straight to full.
    return _Decoded(load(path), None)


def _decode_full(path: str) -> _Decoded:
    return _Decoded(load(path), None)


class ImageSource(QObject):
    """Asynchronous image decoding for the canvas; a newer request replaces older ones not yet started.

    Results of a request that was overtaken while decoding are still emitted (the work is done and a cache
    may keep it); receivers compare ``key`` with what they show. No full decode is started for them.
    """

    preview_ready = Signal(object, QImage, QSize)  # key, reduced image, full image size (as displayed)
    full_ready = Signal(object, QImage)  # key, full-resolution image
    failed = Signal(object, str)  # key, message for the user

    def __init__(self, parent: QObject | None = None, *, preview_side: int = 2048) -> None:
        super().__init__(parent)
        self.preview_side = preview_side
        self._generation = 0
        self._runner = BackgroundRunner(self, name="ImageSource")
        self._runner.result.connect(self._on_result)
        self._runner.error.connect(self._on_error)

    def request(self, path: PathLike, key: object) -> None:
        """Decode ``path``: preview_ready (large JPEGs only) then full_ready, or failed; replaces pending."""
        self._generation += 1
        token = _Token(self._generation, key, os.fspath(path))
        self._runner.submit(partial(_decode_first, token.path, self.preview_side), token)

    def cancel(self) -> None:
        """Forget the current request: nothing not yet started will run for it."""
        self._generation += 1
        self._runner.cancel_pending()

    def stop(self) -> None:
        """Stop the decoding thread (waits up to 5 s for a decode in progress); call on shutdown."""
        self._runner.stop(timeout_ms=5000)

    @Slot(object, object)
    def _on_result(self, token: _Token, decoded: _Decoded) -> None:
        if decoded.full_size is None:
            self.full_ready.emit(token.key, decoded.image)
            return
        current = token.generation == self._generation
        self.preview_ready.emit(token.key, decoded.image, decoded.full_size)
        # Queued after the receivers had their say (painting is deferred, so this costs little): one that
        # cancelled or asked for another image meanwhile gets no full decode of this one.
        if current and token.generation == self._generation:
            self._runner.submit(partial(_decode_full, token.path), token)

    @Slot(object, str)
    def _on_error(self, token: _Token, message: str) -> None:
        self.failed.emit(token.key, message)
