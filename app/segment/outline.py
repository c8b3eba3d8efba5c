"""A mask as the polygon the labeller commits: its largest part, traced through the centres of its edge
pixels and simplified. Polygons in LabelAssist have no holes, so holes are counted (to say so), not kept."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from app.models.geometry import Polygon
from app.segment.engine import Mask

SIMPLIFY_PX = 0.75  # mask pixels a simplified outline may stray from the traced one
MIN_HOLE_PX = 4.0  # smaller holes are specks, not worth a word


@dataclass(frozen=True)
class Outline:
    polygon: Polygon | None  # None when the mask is empty
    parts: int  # separate parts of the mask; only the largest is kept
    holes: int  # holes in the largest part, which a polygon cannot keep

    def note(self) -> str:
        """What was left out, in words ("" when nothing was)."""
        notes = []
        if self.parts > 1:
            notes.append(f"kept the largest of {self.parts} parts")
        if self.holes:
            notes.append(f"{self.holes} hole(s) filled: polygons have no holes")
        return "; ".join(notes)


def outline(mask: Mask) -> Outline:
    binary = np.ascontiguousarray(mask.pixels, dtype=np.uint8)
    if not binary.any():
        return Outline(None, 0, 0)
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    tree = hierarchy[0]
    outer = [i for i in range(len(contours)) if tree[i][3] < 0]
    best = max(outer, key=lambda i: cv2.contourArea(contours[i]))
    holes = sum(
        1 for i, row in enumerate(tree) if row[3] == best and cv2.contourArea(contours[i]) >= MIN_HOLE_PX
    )
    contour = cv2.approxPolyDP(contours[best], SIMPLIFY_PX, True)
    if len(contour) < 3:
        contour = contours[best]
    if len(contour) < 3:  # a part one pixel wide: its pixel square
        x, y = contour[0, 0]
        contour = np.array([[[x, y]], [[x + 1, y]], [[x + 1, y + 1]], [[x, y + 1]]])
        centre = 0.0
    else:
        centre = 0.5
    points = tuple(mask.to_image(x + centre, y + centre) for x, y in contour[:, 0, :].tolist())
    return Outline(Polygon(points=points), len(outer), holes)
