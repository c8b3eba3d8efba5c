"""Bring decoded images to the few formats the canvas paints quickly and correctly."""

from __future__ import annotations

from PySide6.QtGui import QImage

Format = QImage.Format

_KEEP = {Format.Format_RGB32, Format.Format_ARGB32_Premultiplied, Format.Format_Grayscale8}


def to_display(image: QImage) -> QImage:
    """8-bit grey, RGB32, or premultiplied ARGB32 when the image has alpha."""
    fmt = image.format()
    if fmt in _KEEP:
        return image
    if fmt == Format.Format_Grayscale16:
        from app.imaging._gray import gray16_array, gray_to_qimage  # numpy, only for 16-bit grey

        return gray_to_qimage(gray16_array(image))
    if image.hasAlphaChannel():
        return image.convertToFormat(Format.Format_ARGB32_Premultiplied)
    return image.convertToFormat(Format.Format_RGB32)
