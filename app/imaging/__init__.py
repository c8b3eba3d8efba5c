"""Image decoding: pure loader functions and the canvas's asynchronous image source."""

from app.imaging.async_source import ImageSource
from app.imaging.loader import MAX_PIXELS, ImageInfo, ImageLoadError, load, probe

__all__ = ["MAX_PIXELS", "ImageInfo", "ImageLoadError", "ImageSource", "load", "probe"]
