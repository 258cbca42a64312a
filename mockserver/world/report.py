"""Answer a `UsageQuery` from a world: every list of the response derived from the same filtered events.

Series come from per-bucket totals (`aggregate.py`); the result is plain data ready for orjson, with series
points pre-serialised on the hot path. Pydantic stays off it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import orjson

from mockserver.cache import compact
from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS, USAGE_NAMES
from mockserver.contract.query import UsageQuery
from mockserver.errors import QueryError
from mockserver.scenario.budget import MAX_RESPONSE_BYTES, points_over, series_rows
from mockserver.world.activity import (
    EMPTY_PAGE,
    activity_entry,
    activity_page,
    entities,
    listed_entities,
    listed_page,
    query_filter,
)
from mockserver.world.aggregate import (
    CU_DISCOUNT_ROW,
    CU_ROW,
    Bucket,
    add_users,
    bucket_of,
    consumption_list,
)
from mockserver.world.chunks import ChunkedPoints, fits_chunks, layout, whole_bucket
from mockserver.world.clock import floor_to, format_ms
from mockserver.world.world import World


def granularity_for(world: World, length: int) -> tuple[str, int]:
    """The granularity (name, bucket ms) of a window of `length` ms."""
    for longest, name, step in world.settings.granularity:
        if length <= longest:
            return name, step
    return world.settings.coarsest


RENDER_KEY_BYTES = 300  # a cached body's key (the query, now, variant) and its `Rendered` tuple, estimated


class Rendered(NamedTuple):
    body: bytes
    activity_count: int | None  # events on the activity page, when the body has one


class Window(NamedTuple):
    """The buckets of a query's window: `buckets` buckets of `step` ms from `first`, named `granularity`."""

    start: int
    end: int
    granularity: str
    step: int
    first: int
    buckets: int


def window_of(world: World, query: UsageQuery, now: int) -> Window:
    """The window a query asks for at `now` and the buckets its series have."""
    start, end = query.window(now, world.settings.default_time_range)
    granularity, step = granularity_for(world, end - start)
    first = floor_to(start, step)
    return Window(start, end, granularity, step, first, -(-(end - first) // step))


def check_size(world: World, query: UsageQuery, now: int) -> None:
    """Refuse (400) a query whose response would hold more points than one response may (README "Limits").

    Counted before rendering, cheaply: buckets x series rows, the dense count (zero points included), also with
    `dropZeroPoints` (an upper bound of that body: its exact count would need the render itself).
    """
    window = window_of(world, query, now)
    rows = series_rows(len(world.models), len(world.nsfw_labels), query.types)
    over = points_over(window.buckets * rows)
    if over:
        raise QueryError(
            f"the response would hold {window.buckets * rows} points ({window.buckets} points of {window.granularity} "
            f"in each of {rows} series rows), {over}; ask for a shorter window or fewer types",
            code="RESPONSE_TOO_LARGE",
        )


def render_key(query: UsageQuery, now: int, variant: object = None) -> tuple[Any, ...]:
    """The render cache key of a query answered at `now` in a contract `variant`."""
    return (query, now, variant)


def cached_render(world: World, key: tuple[Any, ...]) -> Rendered | None:
    """The cached body of a render key, or None; safe without `world.lock`, e.g. on the event loop.

    The cache is a `mockserver.cache` view: its lock-free `get` is one dict lookup and one LRU move under the GIL,
    safe while a worker thread renders into the same pool; a stored `Rendered` is immutable.
    """
    rendered: Rendered | None = world.render_cache.get(key)
    return rendered


def render_usages(
    world: World,
    query: UsageQuery,
    now: int,
    adapt: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    variant: object = None,
) -> Rendered:
    """The serialised 200 body, from the world's render cache when the same request was answered at the same `now`.

    `adapt` transforms the body (contract pinning); `variant` names that transformation in the cache key. Holds
    `world.lock` throughout: renders of one world run one at a time (it may block: call it off the event loop).
    """
    key = render_key(query, now, variant)
    with world.lock:
        return _render_locked(world, key, query, now, adapt)


def try_render_usages(
    world: World,
    query: UsageQuery,
    now: int,
    adapt: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    variant: object = None,
) -> Rendered | None:
    """`render_usages`, or None at once when another thread holds `world.lock` (never blocks: for the event loop)."""
    if not world.lock.acquire(blocking=False):
        return None
    try:
        return _render_locked(world, render_key(query, now, variant), query, now, adapt)
    finally:
        world.lock.release()


def _render_locked(
    world: World,
    key: tuple[Any, ...],
    query: UsageQuery,
    now: int,
    adapt: Callable[[dict[str, Any]], dict[str, Any]] | None,
) -> Rendered:
    cache = world.render_cache
    rendered: Rendered | None = cache.get(key)
    if rendered is not None:  # rendered by the thread that held the lock before this one
        return rendered
    check_size(world, query, now)
    # Contract adapters read and edit points: they get dicts; the newest contract gets pre-serialised points.
    report = build_report(world, query, now, raw=adapt is None)
    if adapt is not None:
        report = adapt(report)
    activity = report.get("activity")
    rendered = Rendered(compact(orjson.dumps(report)), len(activity) if activity is not None else None)
    if len(rendered.body) > MAX_RESPONSE_BYTES:
        raise QueryError(
            f"the response would be {len(rendered.body)} bytes, over the limit of {MAX_RESPONSE_BYTES} bytes per "
            "response; ask for a shorter window, fewer types or dropZeroPoints",
            code="RESPONSE_TOO_LARGE",
        )
    cache.put(key, rendered, len(rendered.body) + RENDER_KEY_BYTES)
    return rendered


class Points:
    """Turns one response's sparse series into points: dense (zero-filled) or not, as dicts or pre-serialised.

    Zero points are made once per bucket and shared by every row; with `raw`, each row's points become one
    `orjson.Fragment`, so the hot path serialises only the non-zero points (adapters need dicts: `raw=False`).
    """

    def __init__(self, buckets: list[Bucket], drop: bool, raw: bool) -> None:
        self.buckets = buckets
        self.drop = drop
        self.raw = raw
        self._zeros: dict[tuple[str, ...], list[Any]] = {}

    def zeros(self, template: dict[str, Any]) -> list[Any]:
        kind = tuple(template)
        zeros = self._zeros.get(kind)
        if zeros is None:
            points = [{"time": b.time, **template} for b in self.buckets]
            zeros = [compact(orjson.dumps(p)) for p in points] if self.raw else points
            self._zeros[kind] = zeros
        return zeros

    def rows(self, label: str, series: str, table: str, keys: Sequence[Any], zero: dict[str, Any]) -> list[Any]:
        """The points of every row `keys` of a series, read from each bucket's `table`, in key order (`label`:
        see `ChunkedPoints.rows`)."""
        nonzero: dict[Any, list[tuple[int, Any]]] = {key: [] for key in keys}
        raw = self.raw
        for b, bucket in enumerate(self.buckets):
            for key in getattr(bucket, table):
                found = nonzero.get(key)
                if found is not None:
                    found.append((b, bucket.point(series, key, raw)))
        return [self._row(series, zero, nonzero[key]) for key in keys]

    def consumption(self) -> list[dict[str, Any]]:
        """The `consumption` list of the window's buckets."""
        return consumption_rows(self.buckets)

    def _row(self, series: str, zero: dict[str, Any], nonzero: list[tuple[int, Any]]) -> Any:
        if self.drop:
            parts = [p for _, p in nonzero]
        else:
            parts = list(self.zeros(zero))
            for b, point in nonzero:
                parts[b] = point
        if not self.raw:
            return parts
        return orjson.Fragment(b"[" + b",".join(parts) + b"]")


_USAGE_ZERO = {"value": "0", "apiKey": "0", "cost": 0, "discount": 0, "apiKeyCost": 0, "apiKeyDiscount": 0}
_CU_ZERO = {"value": "0", "apiKey": "0"}
_MODEL_ZERO = {"cost": 0, "discount": 0, "jobs": 0, "apiKeyCost": 0, "apiKeyDiscount": 0}
_COUNT_ZERO = {"count": 0, "countApiKey": 0}
_BILLING = (CU_ROW, CU_DISCOUNT_ROW)
_USAGE_ROWS = [r for r in range(len(USAGE_NAMES)) if r not in _BILLING]


def buckets_for(
    world: World, query: UsageQuery, first: int, step: int, count: int, start: int, limit: int
) -> list[Bucket]:
    """The totals of every bucket of a window `[start, limit)`: cached for whole past buckets without filters."""
    if query.team_id is not None and query.team_id != world.team.id:
        return [Bucket(format_ms(first + i * step)) for i in range(count)]
    passes = query_filter(query)
    buckets = []
    for i in range(count):
        low = first + i * step
        high = low + step
        lo, hi = max(low, start), min(high, limit)
        if passes is None and lo == low and hi == high:
            bucket = whole_bucket(world, step, low)
        elif hi <= lo:
            bucket = Bucket(format_ms(low))
        else:
            events = world.events(lo, hi)
            bucket = bucket_of(format_ms(low), events if passes is None else filter(passes, events))
        buckets.append(bucket)
    return buckets


def consumption_of(world: World, query: UsageQuery, now: int) -> list[dict[str, Any]]:
    """The `consumption` list of `query`'s body at `now`, exactly as `build_report` makes it."""
    start, end, _, step, first, count = window_of(world, query, now)
    return consumption_rows(buckets_for(world, query, first, step, count, start, min(end, now + 1)))


def build_report(world: World, query: UsageQuery, now: int, *, raw: bool = False) -> dict[str, Any]:
    """Return the 200 body of `GET /v1/usages` for `query` at time `now`.

    With `raw`, series points are pre-serialised fragments: fast to `orjson.dumps`, opaque to anything else.
    """
    start, end, granularity, step, first, count = window_of(world, query, now)
    limit = min(end, now + 1)  # events later than now are not served
    drop = query.drop_zero_points
    types = query.types
    points: Points | ChunkedPoints
    row_count = series_rows(len(world.models), len(world.nsfw_labels), types)
    if (
        raw
        and query_filter(query) is None
        and query.team_id in (None, world.team.id)
        and fits_chunks(world, count * row_count)
    ):
        points = ChunkedPoints(world, layout(world, first, step, count, start, limit), step, drop, now)
    else:
        points = Points(buckets_for(world, query, first, step, count, start, limit), drop, raw)
    body: dict[str, Any] = {}
    user_refs: set[str] = set()
    model_refs: set[str] = set()

    if "usages" in types:
        usage = points.rows("usage", "usage", "usage", _USAGE_ROWS, _USAGE_ZERO)
        billing = points.rows("billing", "usage", "usage", _BILLING, _CU_ZERO)
        by_row = dict(zip(_USAGE_ROWS, usage, strict=True)) | dict(zip(_BILLING, billing, strict=True))
        body["usages"] = [
            {"usageName": name, "granularity": granularity, "points": by_row[r]} for r, name in enumerate(USAGE_NAMES)
        ]
    if "model-usages" in types:
        ids = [m.id for m in world.models]
        rows = points.rows("model", "model", "models", ids, _MODEL_ZERO)
        body["modelUsages"] = [{"modelId": i, "points": p} for i, p in zip(ids, rows, strict=True)]
        model_refs.update(ids)
    if "asset-usages" in types:
        rows = points.rows("asset", "asset", "assets", range(len(ASSET_KINDS)), _COUNT_ZERO)
        body["assetUsages"] = [{"kind": k, "points": p} for k, p in zip(ASSET_KINDS, rows, strict=True)]
    if "nsfw-usages" in types:
        labels = world.nsfw_labels
        rows = points.rows("nsfw", "nsfw", "nsfw", labels, _COUNT_ZERO)
        body["nsfwUsages"] = [{"label": label, "points": p} for label, p in zip(labels, rows, strict=True)]
    if "quality-gate-usages" in types:
        rows = points.rows("verdict", "verdict", "verdicts", range(len(QUALITY_GATE_VERDICTS)), _COUNT_ZERO)
        body["qualityGateUsages"] = [
            {"verdict": v, "points": p} for v, p in zip(QUALITY_GATE_VERDICTS, rows, strict=True)
        ]
    if "consumption" in types:
        consumption = points.consumption()
        body["consumption"] = consumption
        user_refs.update(row["userId"] for row in consumption)
    if raw:
        listed = EMPTY_PAGE
        if "activity" in types:
            listed = listed_page(world, query, start, limit, now)
            body["activity"] = listed.activity
        body["entities"] = listed_entities(world, listed, user_refs, model_refs, now)
    else:
        placed = activity_page(world, query, start, limit) if "activity" in types else []
        page = [events[i] for _, events, i in placed]
        if "activity" in types:
            body["activity"] = [activity_entry(e) for e in page]
        body["entities"] = entities(world, page, user_refs, model_refs, now)
    return body


def consumption_rows(buckets: Iterable[Bucket]) -> list[dict[str, Any]]:
    """The `consumption` list of some buckets: per user, CU charged, waived and in total, largest first."""
    totals: dict[str, list[int]] = {}
    for bucket in buckets:
        add_users(totals, bucket.users)
    return consumption_list(totals)
