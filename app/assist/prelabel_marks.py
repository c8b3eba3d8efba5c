"""Pre-label marks: which images have a deployment's answer waiting for review.

They are noted in the project file (so they outlive the session) and held here for the chosen deployment
and model version — the one copy the app reads: the images list shows it, opening a marked image shows its
pending suggestions.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection

from PySide6.QtCore import QObject, Signal

from app.store.assist_store import AssistStore

log = logging.getLogger(__name__)


class PrelabelMarks(QObject):
    changed = Signal()  # another deployment, model version or project is followed: any image may differ
    added = Signal(object)  # set[int]: images just marked for the deployment followed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: AssistStore | None = None
        self._following: tuple[int, str] | None = None  # (deployment id, model version)
        self._ids: set[int] = set()

    def follow(self, records: AssistStore | None, deployment_id: int | None, version: str) -> None:
        """Hold the marks of this deployment and model version (none when the id is None)."""
        following = (deployment_id, version) if deployment_id is not None else None
        if records is self._records and following == self._following:
            return
        self._records, self._following = records, following
        self._ids = set()
        if records is not None and following is not None:
            self._ids = records.prelabelled(*following)
        self.changed.emit()

    def add(self, image_ids: Collection[int], deployment_id: int, version: str) -> None:
        """Note that these images have the deployment's answer waiting for review."""
        records = self._records
        if records is None or not image_ids:
            return
        try:
            records.mark_prelabelled(image_ids, deployment_id, version)
        except sqlite3.Error as e:  # only a hint for opening those images: the answers themselves are kept
            log.warning("could not note pre-labelled images: %s", e)
            return
        if (deployment_id, version) == self._following:
            self._ids |= set(image_ids)
            self.added.emit(set(image_ids))

    def is_prelabelled(self, image_id: int) -> bool:
        return image_id in self._ids

    def ids(self) -> frozenset[int]:
        return frozenset(self._ids)
