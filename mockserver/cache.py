"""Byte-bounded caches: LRU maps whose entries carry an estimated size in bytes, sharing one byte budget.

Every cache keyed by what clients send (query windows, hours, buckets, entities) is a `ByteLRU` of one
`CacheBudget`, which `Worlds` creates once per app: however many worlds a server holds, their caches together stay
under the budget, and the least recently used entry of any of them goes first.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

DEFAULT_CACHE_BYTES = 32 * 1024 * 1024
ENTRY_OVERHEAD = 200  # bytes an entry costs beyond its value: ordered-dict node, key tuple, [value, size, tick]
LARGEST_SHARE = 4  # an entry larger than budget / 4 is not kept (it would push out everything else)
ORJSON_MIN_BUFFER = 4096


def compact(data: bytes) -> bytes:
    """A copy of a small `orjson.dumps` result: orjson's output keeps its 4 KB write buffer, whatever its length."""
    return bytes(memoryview(data)) if len(data) < ORJSON_MIN_BUFFER else data


class CacheBudget:
    """A byte budget shared by `ByteLRU`s; thread-safe (renders may run in worker threads)."""

    def __init__(self, limit: int = DEFAULT_CACHE_BYTES) -> None:
        self.limit = limit
        self._caches: weakref.WeakSet[ByteLRU] = weakref.WeakSet()  # a replaced world's caches go with it
        self._lock = threading.Lock()
        self._ticks = itertools.count()  # recency across caches: an entry's tick is its last use

    def cache(self, name: str) -> ByteLRU:
        """A new cache drawing on this budget."""
        cache = ByteLRU(self, name)
        with self._lock:
            self._caches.add(cache)
        return cache

    def usage(self) -> dict[str, int]:
        """Accounted bytes and entries of every live cache, and the limit."""
        with self._lock:
            caches = list(self._caches)
            return {
                "bytes": sum(c.bytes for c in caches),
                "entries": sum(len(c) for c in caches),
                "limit": self.limit,
                "caches": len(caches),
            }

    def _make_room(self) -> None:
        """Drop the least recently used entries of all caches until they fit (called with the lock held)."""
        caches = [c for c in self._caches if c.bytes]
        used = sum(c.bytes for c in caches)
        while used > self.limit and caches:
            oldest = min(caches, key=ByteLRU._oldest_tick)
            size = oldest._pop_oldest()
            used -= size
            if not oldest.bytes:
                caches.remove(oldest)


class ByteLRU:
    """A least-recently-used map bounded by its budget: `get`, `put`, `clear`; sizes are the caller's estimates.

    `get` takes no lock (one dict lookup, a tick, a move), so the hot path of a cached request stays as fast as a
    plain `OrderedDict`; `put` and `clear` take the budget's lock.
    """

    __slots__ = ("__weakref__", "_budget", "_entries", "bytes", "name")

    def __init__(self, budget: CacheBudget, name: str) -> None:
        self._budget = budget
        self.name = name
        self._entries: OrderedDict[Hashable, list[Any]] = OrderedDict()  # key -> [value, size, tick]
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable) -> Any:
        """The value of `key` (now the most recently used), or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        entry[2] = next(self._budget._ticks)
        with contextlib.suppress(KeyError):  # evicted by another thread in between: the caller still gets the value
            self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: Hashable, value: Any, size: int) -> Any:
        """Keep `value` under `key`, `size` bytes estimated; drop the least recently used entries over budget.

        Return `value` (not kept when larger than a quarter of the budget).
        """
        budget = self._budget
        size += ENTRY_OVERHEAD
        if size * LARGEST_SHARE > budget.limit:
            return value
        with budget._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = [value, size, next(budget._ticks)]
            self.bytes += size
            budget._make_room()
        return value

    def clear(self) -> None:
        with self._budget._lock:
            self._entries.clear()
            self.bytes = 0

    def _oldest_tick(self) -> int:
        for entry in self._entries.values():
            return int(entry[2])
        return 1 << 62

    def _pop_oldest(self) -> int:
        _, entry = self._entries.popitem(last=False)
        self.bytes -= entry[1]
        return int(entry[1])
