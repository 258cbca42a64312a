"""Byte-bounded caches: least-recently-used maps whose entries carry an estimated size, sharing one byte budget.

Every cache keyed by what clients send (rendered bodies, bucket totals, generated hours, entities) draws on one
`CacheBudget`, which `Worlds` creates once per app: however many worlds a server holds, their caches together stay
under the budget. The budget is split in fixed shares, one pool per kind of cache shared by every world (`SHARES`):
a burst of one kind (a 90-day window generates thousands of hours) cannot push out the others.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Any, Generic, TypeVar

DEFAULT_CACHE_BYTES = 24 * 1024 * 1024
# The share of the budget each kind of cache gets (all worlds together). Bucket totals save the most work per byte
# (a day's bucket stands for 24 generated hours); a body is cheap to render again from cached buckets.
SHARES: Mapping[str, float] = {"renders": 0.15, "buckets": 0.5, "hours": 0.25, "entities": 0.1}
ENTRY_OVERHEAD = 200  # bytes an entry costs beyond its value: ordered-dict node, key tuple, [value, size]
LARGEST_SHARE = 4  # an entry larger than a quarter of its pool is not kept (it would push out everything else)
ORJSON_MIN_BUFFER = 4096


def compact(data: bytes) -> bytes:
    """A copy of a small `orjson.dumps` result: orjson's output keeps its 4 KB write buffer, whatever its length."""
    return bytes(memoryview(data)) if len(data) < ORJSON_MIN_BUFFER else data


class CacheBudget:
    """A byte budget split into pools (`SHARES`), each a `ByteLRU` shared by the caches of every world.

    Thread-safe: renders may run in worker threads.
    """

    def __init__(self, limit: int = DEFAULT_CACHE_BYTES, shares: Mapping[str, float] = SHARES) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        self.pools = {name: ByteLRU(int(limit * share), self.lock) for name, share in shares.items()}
        self._owners = itertools.count(1)  # never reused, unlike id(): a new world never sees a dropped world's

    def cache(self, pool: str) -> CacheView[Any]:
        """A new cache (one world's) in the pool `pool`."""
        return CacheView(self.pools[pool], next(self._owners))

    def usage(self) -> dict[str, Any]:
        """Accounted bytes and entries of each pool and in all, with the limits."""
        with self.lock:
            pools = {name: {"bytes": p.bytes, "entries": len(p), "limit": p.limit} for name, p in self.pools.items()}
        total = sum(p["bytes"] for p in pools.values())
        return {"bytes": total, "entries": sum(p["entries"] for p in pools.values()), "limit": self.limit} | {
            "pools": pools
        }


class ByteLRU:
    """A least-recently-used map holding at most `limit` estimated bytes: `get`, `put`, `discard`.

    `get` takes no lock (a dict lookup and a move), so a cache hit costs what it costs in a plain `OrderedDict`;
    `put` takes the lock, and drops the least recently used entries until the new one fits.
    """

    def __init__(self, limit: int, lock: threading.Lock | None = None) -> None:
        self.limit = limit
        self.lock = lock or threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()  # key -> (value, size)
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Any:
        """The value of `key` (now the most recently used), or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:  # noqa: SIM105 (contextlib.suppress costs a microsecond on the hot path)
            self._entries.move_to_end(key)
        except KeyError:
            pass  # dropped by another thread in between: the caller still gets the value
        return entry[0]

    def put(self, key: Hashable, value: Any, size: int) -> Any:
        """Keep `value` under `key` (`size`: its estimated bytes); return `value`."""
        size += ENTRY_OVERHEAD
        if size * LARGEST_SHARE > self.limit:
            return value
        entries = self._entries
        with self.lock:
            old = entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.limit:
                self.bytes -= entries.popitem(last=False)[1][1]
        return value

    def discard(self, owner: int) -> None:
        """Drop every entry whose key is `(owner, ...)` (one world's part of a shared pool)."""
        with self.lock:
            # list() copies the keys in one C call: a lock-free `get` moving a key cannot break the iteration.
            gone = [k for k in list(self._entries) if isinstance(k, tuple) and k[0] == owner]
            for key in gone:
                self.bytes -= self._entries.pop(key)[1]


V = TypeVar("V")


class CacheView(Generic[V]):
    """One world's cache of `V` values in a shared pool: its keys are prefixed with the world's owner number."""

    __slots__ = ("_entries", "owner", "pool")

    def __init__(self, pool: ByteLRU, owner: int) -> None:
        self.pool = pool
        self.owner = owner
        self._entries = pool._entries

    def get(self, key: Hashable) -> V | None:
        """`ByteLRU.get`, inlined: this is the hot path of a cached request."""
        key = (self.owner, key)
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:  # noqa: SIM105
            self._entries.move_to_end(key)
        except KeyError:
            pass
        value: V = entry[0]
        return value

    def put(self, key: Hashable, value: V, size: int) -> V:
        self.pool.put((self.owner, key), value, size)
        return value

    def fits(self, size: int) -> bool:
        """Whether an entry of `size` estimated bytes would be kept (not larger than its share of the pool)."""
        return (size + ENTRY_OVERHEAD) * LARGEST_SHARE <= self.pool.limit

    def clear(self) -> None:
        self.pool.discard(self.owner)
