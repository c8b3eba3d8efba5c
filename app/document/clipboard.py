"""Copied annotations, and where a paste puts them (no Qt)."""

from __future__ import annotations

from collections.abc import Container, Iterable

from app.models import Annotation, ImageRecord
from app.models.geometry import clip_to_image

SAME_IMAGE_OFFSET = 10.0  # pasted onto the image they came from, copies are moved so both can be seen


class Clipboard:
    """Lives as long as its project: tag ids belong to the project they came from."""

    def __init__(self) -> None:
        self._copied: list[Annotation] = []

    def copy(self, annotations: Iterable[Annotation]) -> int:
        self._copied = list(annotations)
        return len(self._copied)

    def clear(self) -> None:
        self._copied = []

    def pasted_onto(self, image: ImageRecord, tag_ids: Container[int]) -> list[Annotation]:
        """New annotations for `image`: in the same place on another image, a little offset on the same
        one; moved (and if need be clipped) so they stay inside the image. Copies whose tag is gone are left
        out."""
        kept = [a for a in self._copied if a.tag_id in tag_ids]
        if not kept or image.id is None:
            return []
        offset = SAME_IMAGE_OFFSET if self._copied[0].image_id == image.id else 0.0
        bounds = [a.geometry.bounds() for a in kept]
        x1, y1 = min(b.x1 for b in bounds) + offset, min(b.y1 for b in bounds) + offset
        x2, y2 = max(b.x2 for b in bounds) + offset, max(b.y2 for b in bounds) + offset
        dx = offset + _shift_into(x1, x2, image.width)
        dy = offset + _shift_into(y1, y2, image.height)
        return [
            Annotation(
                image_id=image.id,
                tag_id=a.tag_id,
                geometry=clip_to_image(a.geometry.translated(dx, dy), image.width, image.height),
            )
            for a in kept
        ]


def _shift_into(lo: float, hi: float, size: int) -> float:
    """How far to move [lo, hi] so it lies inside [0, size] (as far as it fits)."""
    if size <= 0:
        return 0.0
    if hi > size:
        return max(size - hi, -lo)
    if lo < 0:
        return -lo
    return 0.0
