"""Answer a `UsageQuery` from a world: every list of the response derived from the same filtered events.

The result is plain data (dicts, lists, str, int, float) ready for orjson; pydantic stays off the hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import orjson

from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS, USAGE_NAMES
from mockserver.contract.query import ACTIVITY_PAGE_SIZE, UsageQuery
from mockserver.world.catalog import BILLING_ROWS
from mockserver.world.clock import floor_to, format_ms
from mockserver.world.timeline import Event
from mockserver.world.world import World

_CU_COST, _CU_DISCOUNT = BILLING_ROWS
_ROW_INDEX = {name: i for i, name in enumerate(USAGE_NAMES)}
_KIND_INDEX = {kind: i for i, kind in enumerate(ASSET_KINDS)}
_VERDICT_INDEX = {verdict: i for i, verdict in enumerate(QUALITY_GATE_VERDICTS)}


def cu(milli: int) -> int | float:
    """Milli-CU as the JSON number the API shows: an integer when whole."""
    return milli // 1000 if milli % 1000 == 0 else milli / 1000


def cu_text(milli: int) -> str:
    """Milli-CU as a decimal string (the `value` of the creative-unit rows)."""
    if milli % 1000 == 0:
        return str(milli // 1000)
    return f"{milli / 1000:.3f}".rstrip("0")


def granularity_for(world: World, length: int) -> tuple[str, int]:
    """The granularity (name, bucket ms) of a window of `length` ms."""
    for longest, name, step in world.settings.granularity:
        if length <= longest:
            return name, step
    return world.settings.coarsest


def select_events(world: World, query: UsageQuery, start: int, end: int, now: int) -> list[Event]:
    """The events a query covers: in the window, not in the future, and passing every filter."""
    if query.team_id is not None and query.team_id != world.team.id:
        return []
    users, projects = query.user_ids, query.project_ids
    return [
        e
        for e in world.events(start, min(end, now + 1))
        if (users is None or e.user in users) and (projects is None or e.project in projects)
    ]


RENDER_CACHE_ENTRIES = 128
RENDER_CACHE_BYTES = 64 * 1024 * 1024


class Rendered(NamedTuple):
    body: bytes
    activity_count: int | None  # events on the activity page, when the body has one


def render_usages(
    world: World,
    query: UsageQuery,
    now: int,
    adapt: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    variant: object = None,
) -> Rendered:
    """The serialised 200 body, from the world's render cache when the same request was answered at the same `now`.

    `adapt` transforms the body (contract pinning); `variant` names that transformation in the cache key.
    """
    key = (query, now, variant)
    cache = world.render_cache
    rendered = cache.get(key)
    if rendered is not None:
        cache.move_to_end(key)
        return rendered
    # Contract adapters read and edit points: they get dicts; the newest contract gets pre-serialised points.
    report = build_report(world, query, now, raw=adapt is None)
    if adapt is not None:
        report = adapt(report)
    activity = report.get("activity")
    rendered = Rendered(orjson.dumps(report), len(activity) if activity is not None else None)
    cache[key] = rendered
    world.render_cache_bytes += len(rendered.body)
    while len(cache) > RENDER_CACHE_ENTRIES or world.render_cache_bytes > RENDER_CACHE_BYTES:
        _, dropped = cache.popitem(last=False)
        world.render_cache_bytes -= len(dropped.body)
    return rendered


class Points:
    """Turns one response's sparse series into points: dense (zero-filled) or not, as dicts or pre-serialised.

    Zero points are made once per bucket and shared by every row; with `raw`, each row's points become one
    `orjson.Fragment`, so the hot path serialises only the non-zero points (adapters need dicts: `raw=False`).
    """

    def __init__(self, times: list[str], drop: bool, raw: bool) -> None:
        self.times = times
        self.drop = drop
        self.raw = raw
        self._zeros: dict[str, list[Any]] = {}

    def zeros(self, kind: str, template: dict[str, Any]) -> list[Any]:
        zeros = self._zeros.get(kind)
        if zeros is None:
            points = [{"time": t, **template} for t in self.times]
            zeros = [orjson.dumps(p) for p in points] if self.raw else points
            self._zeros[kind] = zeros
        return zeros

    def row(self, kind: str, template: dict[str, Any], nonzero: list[tuple[int, dict[str, Any]]]) -> Any:
        """The points of a row: `nonzero` lists (bucket, point) in bucket order; every other bucket is zero."""
        dumps = orjson.dumps if self.raw else None
        if self.drop:
            parts = [dumps(p) for _, p in nonzero] if dumps else [p for _, p in nonzero]
        else:
            parts = list(self.zeros(kind, template))
            for b, point in nonzero:
                parts[b] = dumps(point) if dumps else point
        if not self.raw:
            return parts
        return orjson.Fragment(b"[" + b",".join(parts) + b"]")


_USAGE_ZERO = {"value": "0", "apiKey": "0", "cost": 0, "discount": 0, "apiKeyCost": 0, "apiKeyDiscount": 0}
_CU_ZERO = {"value": "0", "apiKey": "0"}
_MODEL_ZERO = {"cost": 0, "discount": 0, "jobs": 0, "apiKeyCost": 0, "apiKeyDiscount": 0}
_COUNT_ZERO = {"count": 0, "countApiKey": 0}


def build_report(world: World, query: UsageQuery, now: int, *, raw: bool = False) -> dict[str, Any]:
    """Return the 200 body of `GET /v1/usages` for `query` at time `now`.

    With `raw`, series points are pre-serialised fragments: fast to `orjson.dumps`, opaque to anything else.
    """
    start, end = query.window(now, world.settings.default_time_range)
    granularity, step = granularity_for(world, end - start)
    first = floor_to(start, step)
    count = -(-(end - first) // step)
    points = Points([format_ms(first + i * step) for i in range(count)], query.drop_zero_points, raw)
    events = select_events(world, query, start, end, now)
    types = query.types
    body: dict[str, Any] = {}
    user_refs: set[str] = set()
    model_refs: set[str] = set()

    if "usages" in types:
        body["usages"] = _usages(events, first, step, points, granularity)
    if "model-usages" in types:
        body["modelUsages"] = _model_usages(world, events, first, step, points)
        model_refs.update(m.id for m in world.models)
    if "asset-usages" in types:
        created = [e for e in events if e.created]
        body["assetUsages"] = _counts(
            created, first, step, points, "kind", ASSET_KINDS, lambda e: (_KIND_INDEX[e.asset_kind or "image"],)
        )
    if "nsfw-usages" in types:
        labels = world.nsfw_labels
        label_index = {label: i for i, label in enumerate(labels)}
        flagged = [e for e in events if e.nsfw is not None and e.nsfw in label_index]
        body["nsfwUsages"] = _counts(
            flagged, first, step, points, "label", labels, lambda e: (label_index[e.nsfw or ""],)
        )
    if "quality-gate-usages" in types:
        gated = [e for e in events if e.verdict is not None]
        # Every verdict also counts in the "total" row.
        body["qualityGateUsages"] = _counts(
            gated,
            first,
            step,
            points,
            "verdict",
            QUALITY_GATE_VERDICTS,
            lambda e: (0, _VERDICT_INDEX[e.verdict or "pass"]),
        )
    if "consumption" in types:
        consumption = _consumption(events)
        body["consumption"] = consumption
        user_refs.update(row["userId"] for row in consumption)
    page: list[Event] = []
    if "activity" in types:
        offset = query.activity_offset
        newest_first = events[::-1]
        page = newest_first[offset : offset + ACTIVITY_PAGE_SIZE]
        body["activity"] = [_activity(e) for e in page]
    body["entities"] = _entities(world, page, user_refs, model_refs, now)
    return body


def _usages(events: list[Event], first: int, step: int, points: Points, granularity: str) -> list[dict[str, Any]]:
    n_rows, n = len(USAGE_NAMES), len(points.times)
    # Per row and bucket: count, API-key count, cost, discount, API-key cost, API-key discount.
    count = [[0] * n for _ in range(n_rows)]
    api = [[0] * n for _ in range(n_rows)]
    cost = [[0] * n for _ in range(n_rows)]
    disc = [[0] * n for _ in range(n_rows)]
    api_cost = [[0] * n for _ in range(n_rows)]
    api_disc = [[0] * n for _ in range(n_rows)]
    cu_row, cud_row = _ROW_INDEX[_CU_COST], _ROW_INDEX[_CU_DISCOUNT]
    for e in events:
        b = (e.t - first) // step
        if e.usage_row is not None:
            r = _ROW_INDEX[e.usage_row]
            count[r][b] += 1
            cost[r][b] += e.cost
            disc[r][b] += e.discount
            if e.api:
                api[r][b] += 1
                api_cost[r][b] += e.cost
                api_disc[r][b] += e.discount
        # The creative-unit rows total the CU charged and waived across every event.
        count[cu_row][b] += e.cost
        count[cud_row][b] += e.discount
        if e.api:
            api[cu_row][b] += e.cost
            api[cud_row][b] += e.discount
    times = points.times
    rows = []
    for r, name in enumerate(USAGE_NAMES):
        c_row, a_row = count[r], api[r]
        if r in (cu_row, cud_row):
            nonzero = [
                (b, {"time": times[b], "value": cu_text(c), "apiKey": cu_text(a_row[b])})
                for b, c in enumerate(c_row)
                if c
            ]
            row_points = points.row("cu", _CU_ZERO, nonzero)
        else:
            co, di, ac, ad = cost[r], disc[r], api_cost[r], api_disc[r]
            nonzero = [
                (
                    b,
                    {
                        "time": times[b],
                        "value": str(c_row[b]),
                        "apiKey": str(a_row[b]),
                        "cost": cu(co[b]),
                        "discount": cu(di[b]),
                        "apiKeyCost": cu(ac[b]),
                        "apiKeyDiscount": cu(ad[b]),
                    },
                )
                for b in range(n)
                if c_row[b] or co[b] or di[b]
            ]
            row_points = points.row("usage", _USAGE_ZERO, nonzero)
        rows.append({"usageName": name, "granularity": granularity, "points": row_points})
    return rows


def _model_usages(world: World, events: list[Event], first: int, step: int, points: Points) -> list[dict[str, Any]]:
    n = len(points.times)
    index = {m.id: i for i, m in enumerate(world.models)}
    stats: list[list[list[int]] | None] = [None] * len(world.models)  # cost, discount, jobs, api cost, api discount
    for e in events:
        i = index.get(e.model) if e.model is not None else None
        if i is None:
            continue
        b = (e.t - first) // step
        row = stats[i]
        if row is None:
            row = stats[i] = [[0] * n for _ in range(5)]
        row[0][b] += e.cost
        row[1][b] += e.discount
        if e.job is not None:
            row[2][b] += 1
        if e.api:
            row[3][b] += e.cost
            row[4][b] += e.discount
    times = points.times
    rows = []
    for model, row in zip(world.models, stats, strict=True):
        nonzero: list[tuple[int, dict[str, Any]]] = []
        if row is not None:
            co, di, jobs, ac, ad = row
            nonzero = [
                (
                    b,
                    {
                        "time": times[b],
                        "cost": cu(co[b]),
                        "discount": cu(di[b]),
                        "jobs": jobs[b],
                        "apiKeyCost": cu(ac[b]),
                        "apiKeyDiscount": cu(ad[b]),
                    },
                )
                for b in range(n)
                if co[b] or di[b] or jobs[b]
            ]
        rows.append({"modelId": model.id, "points": points.row("model", _MODEL_ZERO, nonzero)})
    return rows


def _counts(
    events: list[Event],
    first: int,
    step: int,
    points: Points,
    key: str,
    names: Sequence[str],
    rows_of: Callable[[Event], tuple[int, ...]],
) -> list[dict[str, Any]]:
    n = len(points.times)
    count = [[0] * n for _ in names]
    api = [[0] * n for _ in names]
    for e in events:
        b = (e.t - first) // step
        for r in rows_of(e):
            count[r][b] += 1
            if e.api:
                api[r][b] += 1
    times = points.times
    rows = []
    for r, name in enumerate(names):
        c_row, a_row = count[r], api[r]
        nonzero = [(b, {"time": times[b], "count": c, "countApiKey": a_row[b]}) for b, c in enumerate(c_row) if c]
        rows.append({key: name, "points": points.row("count", _COUNT_ZERO, nonzero)})
    return rows


def _consumption(events: list[Event]) -> list[dict[str, Any]]:
    totals: dict[str, list[int]] = {}
    for e in events:
        row = totals.get(e.user)
        if row is None:
            row = totals[e.user] = [0, 0, 0]
        row[0] += e.cost
        row[1] += e.discount
        row[2] += e.qg_cost
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    result = []
    for user, (value, discount, gate) in ordered:
        if not value and not discount:
            continue  # no zero rows: events that cost nothing leave no consumption
        row: dict[str, Any] = {
            "userId": user,
            "value": cu(value),
            "discount": cu(discount),
            "total": cu(value + discount),
        }
        if gate:
            row["costDetails"] = {"quality-gate": cu(gate)}
        result.append(row)
    return result


def _activity(e: Event) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if e.asset is not None:
        data["assetId"] = e.asset
    if e.collection is not None:
        data["collectionId"] = e.collection
    if e.job is not None:
        data["jobId"] = e.job
    if e.model is not None:
        data["modelId"] = e.model
    if e.api:
        data["isApiKey"] = True
    if e.byok is not None:
        data["byokProvider"] = {"id": e.byok[0], "displayName": e.byok[1]}
    event: dict[str, Any] = {
        "action": e.action,
        "data": data,
        "projectId": e.project,
        "time": format_ms(e.t),
        "userId": e.user,
    }
    if e.cost or e.job is not None:
        event["creativeUnitsCost"] = cu(e.cost)
    return event


def _entities(
    world: World, page: list[Event], user_refs: set[str], model_refs: set[str], now: int
) -> dict[str, list[dict[str, Any]]]:
    users = set(user_refs)
    models = set(model_refs)
    assets: dict[str, Event] = {}
    jobs: dict[str, Event] = {}
    collections: set[str] = set()
    for e in page:
        users.add(e.user)
        if e.model is not None:
            models.add(e.model)
        if e.asset is not None:
            assets.setdefault(e.asset, e)
        if e.job is not None:
            jobs.setdefault(e.job, e)
        if e.collection is not None:
            collections.add(e.collection)
    return {
        "assets": [world.asset_entity(assets[a]) for a in sorted(assets)],
        "collections": [world.collections_by_id[c].entity() for c in sorted(collections)],
        "jobs": [world.job_entity(jobs[j], now) for j in sorted(jobs)],
        "models": [world.models_by_id[m].entity() for m in sorted(models) if m in world.models_by_id],
        "users": [world.users[u].entity(now) for u in sorted(users) if u in world.users],
    }
