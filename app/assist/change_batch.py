"""One refilter per change: the document's signals during one assist edit are folded into a single update.

A commit writes annotations (annotationsAdded), perhaps new tags (tagsChanged) and decisions, each of which
alone would make the suggestions be filtered again; inside `one_change()` they are only noted, and the
strongest update asked for runs once when the edit ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum


class Update(IntEnum):
    NONE = 0
    REFILTER = 1  # annotations or decisions changed
    RETARGET = 2  # tags or the label mapping changed: build the suggestions again, then refilter


class ChangeBatch:
    """`refilter` and `retarget` say whether the suggestions changed; then `announce` tells the app."""

    def __init__(
        self, refilter: Callable[[], bool], retarget: Callable[[], bool], announce: Callable[[], None]
    ) -> None:
        self._refilter = refilter
        self._retarget = retarget
        self._announce = announce
        self._depth = 0
        self._owed = Update.NONE

    def need(self, update: Update) -> None:
        """Run the update now, or at the end of the change in progress."""
        self._owed = max(self._owed, update)
        if not self._depth:
            self._settle()

    @contextmanager
    def one_change(self) -> Iterator[None]:
        """An edit of the decisions (and perhaps annotations and tags): one refilter at its end."""
        self._depth += 1
        self._owed = max(self._owed, Update.REFILTER)
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth:
                self._settle()

    def _settle(self) -> None:
        owed, self._owed = self._owed, Update.NONE
        if owed == Update.RETARGET:
            changed = self._retarget()
        else:
            changed = owed == Update.REFILTER and self._refilter()
        if changed:
            self._announce()
