"""GrabCut (OpenCV) seeded from the labeller's clicks and box: built in, no weights, works everywhere.

With a box, the box is the probable object and a margin around it the background it learns from (OpenCV's
rectangle start). With clicks only, the area around the clicks is probable background and each click, with
a stroke joining the clicks in order, is certain object: the object's colours are learnt from where the
labeller clicked, which finds a dark dog on a light floor from three clicks where a rectangle start, whose
"object" colours are half floor, does not. Points off the object are certain background either way.
"""

from __future__ import annotations

import cv2
import numpy as np

from app.segment.engine import Mask, Picture, Prompt, Rect, Region, clip_rect, take_region

WORK_SIDE = 320  # the area around the prompt is segmented at most this large (≈0.2–0.3 s a click here)
ITERATIONS = 4
BOX_MARGIN = 0.1  # of the box's long side, around it: the background GrabCut learns from
CLICK_MARGIN = 0.5  # of the clicks' extent, around them
MIN_MARGIN = 0.45  # of the view's short side: a single click still gets an area to work in
SEED_RADIUS = 0.03  # of the working area's long side: the disc each click marks as certain


class GrabCutEngine:
    id = "grabcut"
    title = "GrabCut (built in)"
    uses_box = True

    def prepare(self, picture: Picture) -> object:
        return None  # nothing to compute ahead: each prompt works on its own area

    def segment(self, picture: Picture, prepared: object, prompt: Prompt, view: Rect) -> Mask:
        region = take_region(picture, working_area(prompt, view), WORK_SIDE)
        labels = seed_labels(region, prompt)
        h, w = labels.shape
        if h < 2 or w < 2 or not (labels == cv2.GC_FGD).any() and not (labels == cv2.GC_PR_FGD).any():
            return region.mask(np.zeros((h, w), bool))
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        no_rect = (0, 0, 0, 0)  # the labels say where the object may be, not a rectangle
        cv2.grabCut(region.pixels, labels, no_rect, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
        found = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
        return region.mask(_touching_clicks(found, labels == cv2.GC_FGD))


def working_area(prompt: Prompt, view: Rect) -> Rect:
    """The part of the view GrabCut looks at: the prompt and a margin of background around it."""
    x1, y1, x2, y2 = prompt.extent()
    if prompt.box is not None:
        margin = BOX_MARGIN * max(x2 - x1, y2 - y1) + 4
    else:
        short = min(view[2] - view[0], view[3] - view[1])
        margin = max(CLICK_MARGIN * max(x2 - x1, y2 - y1), MIN_MARGIN * short) + 4
    return clip_rect((x1 - margin, y1 - margin, x2 + margin, y2 + margin), view)


def seed_labels(region: Region, prompt: Prompt) -> np.ndarray:
    """GrabCut's starting labels over the region (see the module docstring)."""
    h, w = region.pixels.shape[:2]
    labels = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    if prompt.box is not None:
        labels[:] = cv2.GC_BGD
        (bx1, by1), (bx2, by2) = region.from_image(*prompt.box[:2]), region.from_image(*prompt.box[2:])
        labels[max(round(by1), 0) : round(by2), max(round(bx1), 0) : round(bx2)] = cv2.GC_PR_FGD
    else:
        labels[0, :] = labels[-1, :] = labels[:, 0] = labels[:, -1] = cv2.GC_BGD
    radius = max(2, round(SEED_RADIUS * max(h, w)))
    positive = np.array([region.from_image(*p) for p in prompt.positive], np.float64).reshape(-1, 2)
    if prompt.box is None and len(positive) > 1:
        stroke = positive.round().astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(labels, [stroke], False, int(cv2.GC_FGD), max(1, radius // 2))
    for x, y in positive:
        cv2.circle(labels, (round(x), round(y)), radius, int(cv2.GC_FGD), -1)
    for p in prompt.negative:
        x, y = region.from_image(*p)
        cv2.circle(labels, (round(x), round(y)), radius, int(cv2.GC_BGD), -1)
    if not ((labels == cv2.GC_BGD) | (labels == cv2.GC_PR_BGD)).any():
        labels[0, :] = labels[-1, :] = cv2.GC_BGD  # GrabCut needs some background to learn from
    return labels


def _touching_clicks(found: np.ndarray, clicked: np.ndarray) -> np.ndarray:
    """The parts of the result that hold a click: specks of similar colour elsewhere are not the object."""
    if not clicked.any():
        return found  # a box alone: every part inside it may be the object
    count, parts = cv2.connectedComponents(found.astype(np.uint8), connectivity=8)
    keep = np.unique(parts[clicked & found])
    keep = keep[keep > 0]
    return np.isin(parts, keep) if count > 1 and len(keep) else found
