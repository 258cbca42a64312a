"""Chunks of whole past buckets, serialised once: over a chunk, a row's points are one slice of bytes.

Most of an unfiltered window is whole past buckets, whose points are the same bytes in every response covering
them. A chunk keeps, for `CHUNK_BUCKETS` aligned buckets (a day of hours), each row's points already joined, with
where each bucket's points begin; a response then copies a few slices per row instead of a point per bucket. The
chunk's per-user totals are kept as running sums, so `consumption` over any part of it is two lookups per user.
A chunk is built over the buckets that are past when it is first needed, and rebuilt once a query needs later ones.
A run of whole chunks inside a window (`Span`: the days of a week, say) is joined once more, so that a response
copies one slice per row for all of them, and their users' totals are summed once.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson

from mockserver.cache import compact
from mockserver.world.aggregate import Bucket, add_users, bucket_bytes, bucket_of, consumption_list
from mockserver.world.clock import HOUR, MONDAY_OFFSET, WEEK, format_ms
from mockserver.world.world import World

CHUNK_BUCKETS = 24
# Estimated sizes beyond the bytes of the points: a chunk, and per row its key, tuple and offsets (4 bytes each).
CHUNK_BYTES = 300
CHUNK_ROW_BYTES = 200
USER_SUMS_BYTES = 150  # per user: key and array, beyond the 8 bytes of each running sum
# A window is served from chunks when its points, at about POINT_BYTES each, fill at most 1/CHUNKS_SHARE of the
# bucket pool: a window whose chunks (with the buckets they are built from) would not stay in the pool would rebuild
# them at every render, slower than reading its buckets point by point.
POINT_BYTES = 110
CHUNKS_SHARE = 4


class Stretch(NamedTuple):
    """The buckets `[a, b)` of the chunk starting at `low`: whole past buckets of a window, all in one chunk."""

    low: int
    a: int
    b: int


def fits_chunks(world: World, points: int) -> bool:
    """Whether a window of `points` points (zero points included) is served from chunks (see `CHUNKS_SHARE`)."""
    return points * POINT_BYTES * CHUNKS_SHARE <= world.bucket_cache.pool.limit


def chunk_start(low: int, step: int) -> int:
    """The start of the chunk of buckets of `step` ms holding the bucket that starts at `low`."""
    origin = MONDAY_OFFSET if step == WEEK else 0  # weekly buckets start on Mondays (clock.floor_to)
    return low - (low - origin) // step % CHUNK_BUCKETS * step


def stretches(first: int, step: int, a: int, b: int) -> list[Stretch]:
    """The buckets `[a, b)` of a window whose bucket 0 starts at `first`, cut at chunk boundaries."""
    found = []
    i = a
    while i < b:
        low = first + i * step
        start = chunk_start(low, step)
        j = (low - start) // step
        take = min(CHUNK_BUCKETS - j, b - i)
        found.append(Stretch(start, j, j + take))
        i += take
    return found


def covered(low: int, step: int, now: int) -> int:
    """How many buckets of the chunk starting at `low` are whole and past at `now` (all of them, once it is)."""
    return max(0, min(CHUNK_BUCKETS, (now + 1 - low) // step))


class Chunk:
    """One series' rows over the first `count` buckets of a chunk: per row (in key order), its points (dense or
    not) joined by commas, and the offset of each bucket's first point (plus one past the end: slices drop the last
    comma); and per row all its points as one fragment (None when it has none), for a stretch over all of them."""

    __slots__ = ("count", "rows", "size", "wholes")

    def __init__(self, count: int, rows: list[tuple[bytes, array[int]]], size: int) -> None:
        self.count = count
        self.rows = rows
        self.size = size
        self.wholes = [orjson.Fragment(data) if data else None for data, _ in rows]

    def part(self, row: int, a: int, b: int) -> bytes:
        """The points of the `row`th row in the buckets `[a, b)`, joined (empty when there are none)."""
        data, starts = self.rows[row]
        low, high = starts[a], starts[b]
        return data[low : high - 1] if high > low else b""  # (high - 1 is -1 before the first point)


def build_chunk(
    buckets: Sequence[Bucket], series: str, table: str, keys: Sequence[Any], zero: dict[str, Any] | None
) -> Chunk:
    """The chunk of rows `keys` of a series over `buckets`, read from each bucket's `table`; zero-filled unless
    `zero` (the zero point's fields) is None."""
    zeros = None if zero is None else [compact(orjson.dumps({"time": b.time, **zero})) for b in buckets]
    tables = [getattr(bucket, table) for bucket in buckets]
    rows: list[tuple[bytes, array[int]]] = []
    size = CHUNK_BYTES
    for key in keys:
        parts = []
        starts = array("I", [0])
        at = 0
        for i, found in enumerate(tables):
            if key in found:
                point = buckets[i].point(series, key, True)
            elif zeros is not None:
                point = zeros[i]
            else:
                starts.append(at)
                continue
            parts.append(point)
            at += len(point) + 1
            starts.append(at)
        data = b",".join(parts)
        rows.append((data, starts))
        size += len(data) + CHUNK_ROW_BYTES + 4 * len(starts)
    return Chunk(len(buckets), rows, size)


class UserSums:
    """The running per-user totals over the first `count` buckets of a chunk: for user u, `sums[u][3 * i + k]` is
    field k (CU charged, waived, quality-gate CU) summed over the buckets before bucket i."""

    __slots__ = ("count", "size", "sums")

    def __init__(self, buckets: Sequence[Bucket]) -> None:
        self.count = len(buckets)
        width = 3 * (self.count + 1)
        sums: dict[str, array[int]] = {}
        for i, bucket in enumerate(buckets):
            at = 3 * (i + 1)
            for user, (value, discount, gate) in bucket.users.items():
                row = sums.get(user)
                if row is None:
                    row = sums[user] = array("q", bytes(8 * width))
                row[at] += value
                row[at + 1] += discount
                row[at + 2] += gate
        for row in sums.values():  # from per-bucket totals to running sums
            for at in range(3, width):
                row[at] += row[at - 3]
        self.sums = sums
        self.size = CHUNK_BYTES + sum(USER_SUMS_BYTES + 8 * width for _ in sums)

    def add_to(self, totals: dict[str, list[int]], a: int, b: int) -> None:
        """Add each user's totals over the buckets `[a, b)` to `totals` (user -> the three fields)."""
        low, high = 3 * a, 3 * b
        for user, row in self.sums.items():
            value, discount, gate = row[high] - row[low], row[high + 1] - row[low + 1], row[high + 2] - row[low + 2]
            found = totals.get(user)
            if found is None:
                totals[user] = [value, discount, gate]
            else:
                found[0] += value
                found[1] += discount
                found[2] += gate


def whole_bucket(world: World, step: int, low: int) -> Bucket:
    """The totals of the whole past bucket of `step` ms starting at `low`, unfiltered: cached (a pure function of
    the events)."""
    key = (step, low)
    bucket: Bucket | None = world.bucket_cache.get(key)
    if bucket is None:
        # The hours of a bucket of whole hours are not kept: the bucket is, and its next query needs no events (a
        # shorter bucket's hour is kept: the next buckets read it too).
        bucket = bucket_of(format_ms(low), world.events(low, low + step, keep=step < HOUR))
        world.bucket_cache.put(key, bucket, bucket_bytes(bucket))
    return bucket


class Empty(NamedTuple):
    """The buckets `[a, b)` of the chunk starting at `low`, all after the window's events: zero points only."""

    low: int
    a: int
    b: int


class Span(NamedTuple):
    """All the buckets of `chunks` consecutive chunks, the first starting at `low`: whole past buckets of a window."""

    low: int
    chunks: int


class Joined:
    """One series' rows over a `Span`: per row (in key order), its points in all the span's chunks as one fragment
    (None when it has none)."""

    __slots__ = ("rows", "size")

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.rows: list[orjson.Fragment | None] = []
        self.size = CHUNK_BYTES
        for row in range(len(chunks[0].rows)):
            data = b",".join(part for chunk in chunks if (part := chunk.rows[row][0]))
            self.rows.append(orjson.Fragment(data) if data else None)
            self.size += len(data) + CHUNK_ROW_BYTES


Segment = Bucket | Stretch | Span | Empty  # a bucket of its own (cut by the window), or buckets of chunks


def layout(world: World, first: int, step: int, count: int, start: int, limit: int) -> list[Segment]:
    """The `count` buckets of a window from `first`, unfiltered, for the events of `[start, limit)`: the buckets
    cut by the window's edges, then runs of whole past buckets and of empty ones, cut at chunk boundaries."""
    a = 0 if first >= start else 1  # bucket 0 starts before the window
    b = max(a, min(count, (limit - first) // step))  # buckets before b end by the limit
    e = min(count, max(b, -(-(limit - first) // step)))  # buckets from e start at or after it
    segments: list[Segment] = [_cut(world, first + i * step, step, start, limit) for i in range(a)]
    segments += spans(stretches(first, step, a, b))
    segments += [_cut(world, first + i * step, step, start, limit) for i in range(b, e)]
    segments += [Empty(*s) for s in stretches(first, step, e, count)]
    return segments


def spans(found: list[Stretch]) -> list[Stretch | Span]:
    """Consecutive stretches, each run of two or more whole chunks (all their buckets) as one `Span`."""
    merged: list[Stretch | Span] = []
    run: list[Stretch] = []
    for stretch in [*found, None]:
        if stretch is not None and stretch.a == 0 and stretch.b == CHUNK_BUCKETS:
            run.append(stretch)
            continue
        merged += [Span(run[0].low, len(run))] if len(run) > 1 else run
        run = []
        if stretch is not None:
            merged.append(stretch)
    return merged


def _cut(world: World, low: int, step: int, start: int, limit: int) -> Bucket:
    """The bucket starting at `low` over the events of `[start, limit)`: kept by the events it covers (windows
    whose edges fall between the same two events share it)."""
    lo, hi = max(low, start), min(low + step, limit)
    if hi <= lo:
        return Bucket(format_ms(low))
    key = ("cut", step, low, world.position(lo), world.position(hi))
    bucket: Bucket | None = world.bucket_cache.get(key)
    if bucket is None:
        bucket = bucket_of(format_ms(low), world.events(lo, hi))
        world.bucket_cache.put(key, bucket, bucket_bytes(bucket))
    return bucket


class ChunkedPoints:
    """`report.Points` for an unfiltered, pre-serialised response: each row's points are slices of cached chunks
    (`Chunk`), plus the points of the few buckets cut by the window's edges.

    The keys of a row label (`rows`) must be the same sequence in every call: chunks keep rows in that order.
    """

    def __init__(self, world: World, segments: list[Segment], step: int, drop: bool, now: int) -> None:
        self.world = world
        self.segments = segments
        self.step = step
        self.drop = drop
        self.now = now

    def rows(self, label: str, series: str, table: str, keys: Sequence[Any], zero: dict[str, Any]) -> list[Any]:
        """The points of every row `keys` of a series, read from each bucket's `table`, in key order; `label`
        names that list of rows in the chunk cache."""
        # A row is a list of fragments, each some points joined by commas: orjson writes `[` + them, by commas, + `]`,
        # which is the row's points as one list, without joining them here first.
        drop = self.drop
        fragment = orjson.Fragment  # (a local name: the hot path)
        parts: list[list[orjson.Fragment]] = [[] for _ in keys]
        for segment in self.segments:
            if isinstance(segment, Span):
                joined = self._joined(label, segment, series, table, keys, zero)
                for whole, found in zip(joined.rows, parts, strict=True):
                    if whole is not None:
                        found.append(whole)
            elif isinstance(segment, Stretch):
                chunk = self._chunk(label, segment.low, series, table, keys, zero, segment.b)
                a, b = segment.a, segment.b
                if a == 0 and b == chunk.count:  # the whole chunk: most stretches of a window
                    for whole, found in zip(chunk.wholes, parts, strict=True):
                        if whole is not None:
                            found.append(whole)
                    continue
                for (data, starts), found in zip(chunk.rows, parts, strict=True):
                    low, high = starts[a], starts[b]
                    if high > low:  # points in the stretch (always, when dense)
                        found.append(fragment(data[low : high - 1]))
            elif isinstance(segment, Empty):
                if not drop:
                    piece = fragment(self._zeros(segment.low, zero).part(0, segment.a, segment.b))
                    for found in parts:
                        found.append(piece)
            else:
                for point, found in zip(self._pieces(segment, label, series, table, keys, zero), parts, strict=True):
                    if point is not None:
                        found.append(point)
        return parts

    def _pieces(
        self, bucket: Bucket, label: str, series: str, table: str, keys: Sequence[Any], zero: dict[str, Any]
    ) -> list[orjson.Fragment | None]:
        """Each row's point in a bucket of its own (None: none), memoised in the bucket (a cut one is kept)."""
        memo = ("pieces", label, self.drop)
        pieces: list[orjson.Fragment | None] | None = bucket.points.get(memo)
        if pieces is None:
            found = getattr(bucket, table)
            zero_point = None if self.drop else orjson.Fragment(compact(orjson.dumps({"time": bucket.time, **zero})))
            pieces = [orjson.Fragment(bucket.point(series, key, True)) if key in found else zero_point for key in keys]
            bucket.points[memo] = pieces
        return pieces

    def consumption(self) -> list[dict[str, Any]]:
        """The `consumption` list of the window (as `report.consumption_rows` of its buckets)."""
        totals: dict[str, list[int]] = {}
        for segment in self.segments:
            if isinstance(segment, Span):
                add_users(totals, self._span_sums(segment))
            elif isinstance(segment, Stretch):
                self._sums(segment.low, segment.b).add_to(totals, segment.a, segment.b)
            elif isinstance(segment, Bucket):
                add_users(totals, segment.users)
        return consumption_list(totals)

    def _buckets(self, low: int) -> list[Bucket]:
        step = self.step
        return [whole_bucket(self.world, step, low + i * step) for i in range(covered(low, step, self.now))]

    def _chunk(
        self, label: str, low: int, series: str, table: str, keys: Sequence[Any], zero: dict[str, Any], needed: int
    ) -> Chunk:
        cache = self.world.bucket_cache
        key = ("chunk", self.step, low, label, self.drop)
        chunk: Chunk | None = cache.get(key)
        if chunk is None or chunk.count < needed:
            chunk = build_chunk(self._buckets(low), series, table, keys, None if self.drop else zero)
            cache.put(key, chunk, chunk.size)
        return chunk

    def _joined(
        self, label: str, span: Span, series: str, table: str, keys: Sequence[Any], zero: dict[str, Any]
    ) -> Joined:
        cache = self.world.bucket_cache
        key = ("joined", self.step, span.low, span.chunks, label, self.drop)
        joined: Joined | None = cache.get(key)
        if joined is None:
            step = CHUNK_BUCKETS * self.step
            lows = range(span.low, span.low + span.chunks * step, step)
            joined = Joined([self._chunk(label, low, series, table, keys, zero, CHUNK_BUCKETS) for low in lows])
            cache.put(key, joined, joined.size)
        return joined

    def _span_sums(self, span: Span) -> dict[str, list[int]]:
        """Each user's totals over a span (user -> CU charged, CU waived, quality-gate CU)."""
        cache = self.world.bucket_cache
        key = ("span-sums", self.step, span.low, span.chunks)
        totals: dict[str, list[int]] | None = cache.get(key)
        if totals is None:
            totals = {}
            step = CHUNK_BUCKETS * self.step
            for low in range(span.low, span.low + span.chunks * step, step):
                self._sums(low, CHUNK_BUCKETS).add_to(totals, 0, CHUNK_BUCKETS)
            cache.put(key, totals, USER_SUMS_BYTES * (1 + len(totals)))
        return totals

    def _zeros(self, low: int, zero: dict[str, Any]) -> Chunk:
        cache = self.world.bucket_cache
        key = ("zeros", self.step, low, tuple(zero))
        chunk: Chunk | None = cache.get(key)
        if chunk is None:
            step = self.step
            empty = [Bucket(format_ms(low + i * step)) for i in range(CHUNK_BUCKETS)]
            chunk = build_chunk(empty, "", "users", [None], zero)
            cache.put(key, chunk, chunk.size)
        return chunk

    def _sums(self, low: int, needed: int) -> UserSums:
        cache = self.world.bucket_cache
        key = ("user-sums", self.step, low)
        sums: UserSums | None = cache.get(key)
        if sums is None or sums.count < needed:
            sums = UserSums(self._buckets(low))
            cache.put(key, sums, sums.size)
        return sums
