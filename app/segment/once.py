"""Work done once per key, however many threads ask: the image embedding that the prefetch computes for the
next image is the one a click on it waits for, not a second copy. The few most recent keys are kept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None


class OnceCache(Generic[T]):
    def __init__(self, keep: int = 3) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Pending] = OrderedDict()
        self.computed = 0  # how many times work was run (for the status line and the tests)

    def get(self, key: Hashable, work: Callable[[], T]) -> T:
        """The value for `key`: kept, being computed by another thread (waited for), or computed now. A
        failure is raised to every caller waiting for it and not kept."""
        with self._lock:
            entry = self._entries.get(key)
            mine = entry is None
            if entry is None:
                entry = self._entries[key] = _Pending()
                while len(self._entries) > self.keep:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        if mine:
            try:
                entry.value = work()
                with self._lock:
                    self.computed += 1
            except BaseException as e:
                entry.error = e
                with self._lock:
                    if self._entries.get(key) is entry:
                        del self._entries[key]
            finally:
                entry.done.set()
        else:
            entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value  # type: ignore[return-value]

    def has(self, key: Hashable) -> bool:
        """Whether the value for `key` is ready."""
        with self._lock:
            entry = self._entries.get(key)
            return entry is not None and entry.done.is_set() and entry.error is None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
