"""Items whose extent in the scene depends on the zoom, and the one way that extent may change.

Qt's scene index (a BSP tree) files an item under the rect its boundingRect() returned when it was indexed,
and takes it out again — on removal, or when prepareGeometryChange() announces a change — by asking
boundingRect() anew. If the rect has changed in between without an announcement, the item is taken out of the
wrong leaves: the leaves it was filed under keep a pointer to it, and once the item is deleted (Del, undo, an
image switch) the next paint or click reads freed memory. That was the crash after zooming: outlines, handles
and keypoint dots keep their size on screen, so their margins in scene units follow the zoom, and the items
read the zoom live from the scene while only some of them were told.

So an item never reads the live zoom for its extent: it keeps its own copy, changed only through `set_px`,
which announces the change before making it, as Qt requires of every change of boundingRect(). Its extent is
its shape's rect widened by `margin()` screen pixels; an item that paints nothing (another layer draws it)
has no margin, so a zoom costs it no re-index at all.
"""

from __future__ import annotations

import math

from PySide6.QtWidgets import QGraphicsItem


def margin_px(sized_for: float, px: float) -> float:
    """The zoom an item sizes its margins for, given the one it is sized for now and the view's `px`.

    A margin wider than needed only repaints a few more pixels, while announcing a new extent costs a
    re-index per item. So the margins are sized for `px` rounded up to a power of two, and kept while they
    are at most four times wider than needed: with thousands of shapes, zooming back and forth re-indexes
    them once per few doublings of the zoom, not on every step.
    """
    if sized_for / 4 < px <= sized_for:
        return sized_for
    return 2.0 ** math.ceil(math.log2(max(px, 1e-9)))


class ZoomSizedItem(QGraphicsItem):
    """A scene item with parts sized in screen pixels (pens, dots, handles, captions)."""

    def __init__(self) -> None:
        super().__init__()
        self.px = 1.0  # scene units per screen pixel that the item's extent is sized for

    def margin(self) -> float:
        """How many screen pixels the item paints beyond its shape."""
        return 0.0

    def scene_margin(self) -> float:
        """`margin()` in scene units at the zoom the item is sized for: what boundingRect() adds."""
        return self.margin() * self.px

    def set_px(self, px: float) -> None:
        """Size for a new zoom; the extent changes only here, after Qt was told it is about to."""
        px = margin_px(self.px, px)
        if px != self.px:
            if self.margin():
                self.prepareGeometryChange()
            self.px = px
