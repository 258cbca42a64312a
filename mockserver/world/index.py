"""Where the world's jobs and assets are: an index from id to the activity event behind it, and newest-first walks.

Ids of generated events are hashes of the seed, so they cannot be inverted: the index walks the activity once (hours
up to the latest instant asked for, extended as the clock moves) and keeps, per id, a 64-bit hash and the event's
place (hour, position). Two flat arrays of 8-byte integers, sorted: about 16 bytes per job or asset, 10 MB for the
largest world the budget admits; events themselves stay in the byte-budgeted hour cache.
"""

from __future__ import annotations

import hashlib
import threading
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING

from mockserver.world.clock import HOUR, floor_to
from mockserver.world.timeline import Event

if TYPE_CHECKING:
    from mockserver.world.world import World

JOB, ASSET = 0, 1
_POSITION_BITS = 24  # events in one hour: the budget's 25,000 a day with every spike stays far below 2**24
_TAIL_LIMIT = 50_000  # ids found since the last merge, kept in a dict until then


def _hash(entity_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(entity_id.encode(), digest_size=8).digest(), "big")


class EntityIndex:
    """Job and asset ids of a world's activity events, found by id. Thread-safe; a pure function of the world."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._lock = threading.Lock()
        self._first = floor_to(world.start, HOUR)
        self._covered = self._first  # hours before this one are indexed
        self._hashes = array("Q")
        self._places = array("Q")
        self._tail: dict[int, list[int]] = {}

    def job(self, job_id: str, now: int) -> Event | None:
        """The event of the job `job_id`, if the activity has it by `now`."""
        return self._find(job_id, JOB, now)

    def asset(self, asset_id: str, now: int) -> Event | None:
        """The event that created the asset `asset_id`, if the activity has it by `now`."""
        return self._find(asset_id, ASSET, now)

    def _find(self, entity_id: str, kind: int, now: int) -> Event | None:
        self._extend(now)
        key = _hash(entity_id)
        places = list(self._tail.get(key, ()))
        i = bisect_left(self._hashes, key)
        while i < len(self._hashes) and self._hashes[i] == key:
            places.append(self._places[i])
            i += 1
        for place in places:
            if place & 1 != kind:
                continue
            hour = self._first + (place >> (_POSITION_BITS + 1)) * HOUR
            event = self._world.hour(hour)[(place >> 1) & ((1 << _POSITION_BITS) - 1)]
            found = event.job if kind == JOB else event.asset
            if found == entity_id and event.t <= now:
                return event
        return None

    def _extend(self, now: int) -> None:
        last = floor_to(now, HOUR)
        if last < self._covered:
            return
        with self._lock:
            hour = self._covered
            while hour <= last:
                index = (hour - self._first) // HOUR
                for position, event in enumerate(self._world.hour(hour, keep=False)):
                    place = (index << (_POSITION_BITS + 1)) | (position << 1)
                    if event.job is not None:
                        self._tail.setdefault(_hash(event.job), []).append(place | JOB)
                    if event.asset is not None and event.created:
                        self._tail.setdefault(_hash(event.asset), []).append(place | ASSET)
                hour += HOUR
            self._covered = hour
            if len(self._tail) > _TAIL_LIMIT or not self._hashes:
                self._merge()

    def _merge(self) -> None:
        pairs = list(zip(self._hashes, self._places, strict=True))
        pairs.extend((key, place) for key, places in self._tail.items() for place in places)
        pairs.sort()
        self._hashes = array("Q", (key for key, _ in pairs))
        self._places = array("Q", (place for _, place in pairs))
        self._tail = {}


def newest_first(world: World, since: int, before: int) -> Iterator[Event]:
    """The events with `since <= t < before`, newest first (ties: the later in the hour first), walking hour by hour."""
    hour = floor_to(before - 1, HOUR)
    earliest = max(floor_to(since, HOUR), floor_to(world.start, HOUR))
    while hour >= earliest:
        for event in reversed(world.hour(hour)):
            if since <= event.t < before:
                yield event
        hour -= HOUR
