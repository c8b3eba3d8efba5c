"""Decode image files into display-ready QImages: bounded, EXIF-oriented, with plain error messages.

Pure functions, safe in any thread (QImageReader and QImage need no GUI). Qt decodes; OpenCV is tried
only for files no Qt plugin recognises.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from app.imaging._display import to_display
from app.imaging._jpeg import jpeg_is_complete

PathLike = str | os.PathLike[str]

#: The largest image (width × height) we decode: a 250 MP RGB32 image is already 1 GB in memory.
MAX_PIXELS = 250_000_000

# Qt refuses any single image allocation above this process-wide limit (default 256 MB, i.e. 64 MP at
# 4 bytes/pixel). Raise it to what MAX_PIXELS needs at 8 bytes/pixel (16-bit RGBA is decoded before we
# convert it), so our own pixel check, made on the header, is the limit that users meet.
_ALLOCATION_LIMIT_MB = math.ceil(MAX_PIXELS * 8 / 2**20)
if 0 < QImageReader.allocationLimit() < _ALLOCATION_LIMIT_MB:
    QImageReader.setAllocationLimit(_ALLOCATION_LIMIT_MB)

_CORRUPT = "it is not an image or is corrupt"
_IGNORE_ASPECT = Qt.AspectRatioMode.IgnoreAspectRatio
_SMOOTH = Qt.TransformationMode.SmoothTransformation
_Error = QImageReader.ImageReaderError
_ROTATE_90 = QImageIOHandler.Transformation.TransformationRotate90


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """Size as displayed (after EXIF orientation) and the detected format, read from the header only."""

    width: int
    height: int
    format: str  # lower-case Qt format name ("jpeg", "png", ...), or the file suffix for OpenCV files
    scaled_decode: bool = False  # the decoder itself can decode at a reduced size (JPEG, SVG): cheap previews

    @property
    def pixels(self) -> int:
        """Width × height."""
        return self.width * self.height


class ImageLoadError(Exception):
    """An image that cannot be shown; ``str()`` is a message fit for the status bar."""

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"Cannot read '{Path(self.path).name}': {reason}")


def probe(path: PathLike) -> ImageInfo:
    """Size (after EXIF orientation) and format from the file header, without decoding pixels.

    Only files no Qt plugin reads (OpenCV fallback) are decoded to learn their size.
    """
    reader = _reader(path)
    size = reader.size()
    if not size.isValid():
        if _diagnose(path, reader) == "unsupported":
            image = _decode_fallback(path)
            return ImageInfo(image.width(), image.height(), _suffix(path))
        raise ImageLoadError(path, _CORRUPT)
    width, height = size.width(), size.height()
    if reader.transformation() & _ROTATE_90:
        width, height = height, width
    scaled = reader.supportsOption(QImageIOHandler.ImageOption.ScaledSize)
    return ImageInfo(width, height, _format_name(reader), scaled)


def load(path: PathLike, max_side: int | None = None) -> QImage:
    """Decode ``path`` EXIF-oriented into Grayscale8, RGB32 or ARGB32_Premultiplied.

    With ``max_side`` the longer side is reduced to at most that many pixels, during decoding where the
    format allows it (JPEG: about twice as fast at half size), else by smooth scaling after it.
    """
    reader = _reader(path)
    size = reader.size()
    fmt = _format_name(reader)  # ask now: the reader forgets its format once read() is done
    if size.isValid():
        _check_pixels(path, size.width(), size.height())
        if max_side is not None and max(size.width(), size.height()) > max_side:
            # The scaled size applies before the EXIF rotation; the long side is the same either way.
            reader.setScaledSize(_fit(size, max_side))
    # Without a size in the header (rare handlers) read anyway: Qt's allocation limit still bounds it.
    image = reader.read()
    if image.isNull():
        if _diagnose(path, reader) != "unsupported":
            raise ImageLoadError(path, "the file was truncated" if _truncated(path, fmt) else _CORRUPT)
        image = _decode_fallback(path)
        if max_side is not None and max(image.width(), image.height()) > max_side:
            image = image.scaled(_fit(image.size(), max_side), _IGNORE_ASPECT, _SMOOTH)
    elif fmt == "jpeg" and not jpeg_is_complete(path):
        raise ImageLoadError(path, "the file was truncated")
    _check_pixels(path, image.width(), image.height())
    return to_display(image)


def _reader(path: PathLike) -> QImageReader:
    reader = QImageReader(os.fspath(path))
    # Trust the bytes, not the suffix: a PNG saved as .jpg is fine, a text file called .jpg is not an image.
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)
    return reader


def _diagnose(path: PathLike, reader: QImageReader) -> str:
    """Raise for file-level problems; otherwise return "unsupported" or "invalid"."""
    try:
        with open(path, "rb") as f:
            empty = not f.read(1)
    except FileNotFoundError:
        raise ImageLoadError(path, "the file does not exist") from None
    except IsADirectoryError:
        raise ImageLoadError(path, "it is a folder, not a file") from None
    except PermissionError:
        raise ImageLoadError(path, "permission denied") from None
    except OSError as exc:
        raise ImageLoadError(path, exc.strerror or str(exc)) from None
    if empty:
        raise ImageLoadError(path, "the file is empty")
    return "unsupported" if reader.error() == _Error.UnsupportedFormatError else "invalid"


def _decode_fallback(path: PathLike) -> QImage:
    from app.imaging import _opencv  # numpy and OpenCV, only for the formats Qt cannot read

    image = _opencv.decode(path, MAX_PIXELS)
    if image is None:
        raise ImageLoadError(path, _CORRUPT)
    return image


def _check_pixels(path: PathLike, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        megapixels = round(width * height / 1e6)
        raise ImageLoadError(
            path, f"the image is {width}×{height} ({megapixels} MP); the limit is {MAX_PIXELS / 1e6:g} MP"
        )


def _truncated(path: PathLike, fmt: str) -> bool:
    """For a failed decode: does the file stop before its format's end marker?"""
    if fmt == "jpeg":
        return not jpeg_is_complete(path)
    if fmt == "png":
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 12))
            return b"IEND" not in f.read()
    return False


def _fit(size: QSize, max_side: int) -> QSize:
    scale = max_side / max(size.width(), size.height())
    return QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))


def _format_name(reader: QImageReader) -> str:
    return bytes(reader.format().data()).decode("ascii", "replace").lower()


def _suffix(path: PathLike) -> str:
    return Path(path).suffix.lstrip(".").lower() or "unknown"
