"""Pausing Python's cyclic garbage collector around work that makes millions of small objects and no
reference cycles (a dataset import or export, a quality report). Left on, the collector walks the growing
heap over and over: a fifth to a third of such work. No Qt."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, then put back as it was (the app runs it from the GUI thread only:
    app/gui_gc.py, so there it stays off).

    Switched back on, the collector would at once walk every object the block made and kept (all still
    in its youngest generation): a twentieth of an import's time, to find no cycle. They are moved to the
    oldest generation instead (freeze, then unfreeze), which a full collection still looks at."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
