"""Model answers kept per (image content, deployment, model version): in memory (most recent first) and in
the project file, plus what is known about each image's content hash and size."""

from __future__ import annotations

from collections import OrderedDict

from app.models import PredictionSet
from app.store.assist_store import AssistStore, CacheKey

MEMORY_ENTRIES = 512


class AnswerCache:
    def __init__(self) -> None:
        self.records: AssistStore | None = None
        self._memory: OrderedDict[CacheKey, PredictionSet] = OrderedDict()
        self._hashes: dict[int, str] = {}  # image id -> content hash, once read
        self._sizes: dict[str, tuple[int, int]] = {}  # content hash -> displayed size
        self._known: dict[tuple[int, str], set[str]] = {}  # (deployment, version) -> cached hashes

    def reset(self, records: AssistStore | None) -> None:
        """Another project: forget everything."""
        self.records = records
        self._memory.clear()
        self._hashes.clear()
        self._sizes.clear()
        self._known.clear()

    def key(self, image_id: int, deployment_id: int, version: str) -> CacheKey | None:
        """The cache key of an image whose content was read before; None otherwise."""
        digest = self._hashes.get(image_id)
        return (
            CacheKey(content_hash=digest, deployment_id=deployment_id, model_version=version)
            if digest
            else None
        )

    def learn(self, image_id: int, content_hash: str, width: int, height: int) -> None:
        """What an image's content is, as read for a request (the project file gets it with the answer)."""
        self._hashes[image_id] = content_hash
        self._sizes[content_hash] = (width, height)

    def size(self, content_hash: str) -> tuple[int, int]:
        return self._sizes.get(content_hash, (0, 0))

    def known(self, deployment_id: int, version: str) -> set[str]:
        """Content hashes with a cached answer for this deployment and model version."""
        k = (deployment_id, version)
        if k not in self._known:
            self._known[k] = self.records.cached_hashes(deployment_id, version) if self.records else set()
        return self._known[k]

    def has(self, image_id: int, deployment_id: int, version: str) -> bool:
        digest = self._hashes.get(image_id)
        return digest is not None and digest in self.known(deployment_id, version)

    def get(self, key: CacheKey) -> PredictionSet | None:
        result = self._memory.get(key)
        if result is not None:
            self._memory.move_to_end(key)
            return result
        result = self.records.cached(key) if self.records is not None else None
        if result is not None:
            self._remember(key, result)
        return result

    def put(self, key: CacheKey, result: PredictionSet, image_id: int | None = None) -> None:
        """Keep an answer in memory and in the project file, with which content `image_id` has."""
        self._remember(key, result)
        self.known(key.deployment_id, key.model_version).add(key.content_hash)
        if self.records is not None:
            self.records.cache(key, result, image_id)

    def _remember(self, key: CacheKey, result: PredictionSet) -> None:
        self._memory[key] = result
        self._memory.move_to_end(key)
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)
