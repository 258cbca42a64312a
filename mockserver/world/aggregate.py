"""Per-bucket totals of a world's events: every series of a response is read from these, never from raw events.

A bucket that lies wholly in the past and inside the window is the same for every query that asks for it without
filters, so its totals (and its points, already serialised) are computed once and kept (`World.bucket_cache`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from mockserver.cache import compact
from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS, USAGE_NAMES
from mockserver.world.catalog import BILLING_ROWS
from mockserver.world.timeline import Event

ROW_INDEX = {name: i for i, name in enumerate(USAGE_NAMES)}
KIND_INDEX = {kind: i for i, kind in enumerate(ASSET_KINDS)}
VERDICT_INDEX = {verdict: i for i, verdict in enumerate(QUALITY_GATE_VERDICTS)}
CU_ROW, CU_DISCOUNT_ROW = (ROW_INDEX[name] for name in BILLING_ROWS)
# Estimated size of a cached bucket (tracemalloc on the shipped scenarios): its time and tables, plus per row its
# totals and, once served, its memoised serialised point.
BUCKET_BYTES = 400
BUCKET_ROW_BYTES = 500


def cu(milli: int) -> int | float:
    """Milli-CU as the JSON number the API shows: an integer when whole."""
    return milli // 1000 if milli % 1000 == 0 else milli / 1000


def cu_text(milli: int) -> str:
    """Milli-CU as a decimal string (the `value` of the creative-unit rows)."""
    if milli % 1000 == 0:
        return str(milli // 1000)
    return f"{milli / 1000:.3f}".rstrip("0")


class Bucket:
    """The totals of one bucket, per row, only where something happened (every absent row is zero)."""

    __slots__ = ("assets", "models", "nsfw", "points", "time", "usage", "users", "verdicts")

    def __init__(self, time: str) -> None:
        self.time = time
        self.usage: dict[int, list[int]] = {}  # usage row -> count, API-key count, cost, discount, API cost, API disc.
        self.models: dict[str, list[int]] = {}  # model id -> cost, discount, jobs, API-key cost, API-key discount
        self.assets: dict[int, list[int]] = {}  # asset kind -> count, API-key count
        self.nsfw: dict[str, list[int]] = {}  # label -> count, API-key count
        self.verdicts: dict[int, list[int]] = {}  # verdict row -> count, API-key count
        self.users: dict[str, list[int]] = {}  # user -> CU charged, CU waived, quality-gate CU
        self.points: dict[tuple[str, object, bool], Any] = {}  # (series, row, raw) -> the point, as dict or bytes

    def add(self, e: Event) -> None:
        api = e.api
        cost, discount = e.cost, e.discount
        if e.usage_row is not None:
            row = self.usage.get(ROW_INDEX[e.usage_row])
            if row is None:
                row = self.usage[ROW_INDEX[e.usage_row]] = [0, 0, 0, 0, 0, 0]
            row[0] += 1
            row[2] += cost
            row[3] += discount
            if api:
                row[1] += 1
                row[4] += cost
                row[5] += discount
        # The creative-unit rows total the CU charged and waived across every event.
        if cost or discount:
            for r, amount in ((CU_ROW, cost), (CU_DISCOUNT_ROW, discount)):
                if amount:
                    row = self.usage.get(r)
                    if row is None:
                        row = self.usage[r] = [0, 0, 0, 0, 0, 0]
                    row[0] += amount
                    if api:
                        row[1] += amount
        has_job = e.job_type is not None  # as `e.job is not None`, without deriving a generated event's id
        if e.model is not None and (cost or discount or has_job):  # a free, job-less event is no point
            model = self.models.get(e.model)
            if model is None:
                model = self.models[e.model] = [0, 0, 0, 0, 0]
            model[0] += cost
            model[1] += discount
            if has_job:
                model[2] += 1
            if api:
                model[3] += cost
                model[4] += discount
        if e.created:
            _count(self.assets, KIND_INDEX[e.asset_kind or "image"], api)
        if e.nsfw is not None:
            _count(self.nsfw, e.nsfw, api)
        if e.verdict is not None:
            _count(self.verdicts, 0, api)  # every verdict also counts in "total"
            _count(self.verdicts, VERDICT_INDEX[e.verdict], api)
        user = self.users.get(e.user)
        if user is None:
            user = self.users[e.user] = [0, 0, 0]
        user[0] += cost
        user[1] += discount
        user[2] += e.qg_cost

    def point(self, series: str, row: object, raw: bool) -> Any:
        """The non-zero point of a row in this bucket, as a dict or (with `raw`) serialised; memoised."""
        key = (series, row, raw)
        cached = self.points.get(key)
        if cached is None:
            point = self._make_point(series, row)
            cached = self.points[key] = compact(orjson.dumps(point)) if raw else point
        return cached

    def _make_point(self, series: str, row: Any) -> dict[str, Any]:
        if series == "usage":
            c, a, co, di, ac, ad = self.usage[row]
            if row in (CU_ROW, CU_DISCOUNT_ROW):
                return {"time": self.time, "value": cu_text(c), "apiKey": cu_text(a)}
            return {
                "time": self.time,
                "value": str(c),
                "apiKey": str(a),
                "cost": cu(co),
                "discount": cu(di),
                "apiKeyCost": cu(ac),
                "apiKeyDiscount": cu(ad),
            }
        if series == "model":
            co, di, jobs, ac, ad = self.models[row]
            return {
                "time": self.time,
                "cost": cu(co),
                "discount": cu(di),
                "jobs": jobs,
                "apiKeyCost": cu(ac),
                "apiKeyDiscount": cu(ad),
            }
        tables: dict[str, dict[Any, list[int]]] = {"asset": self.assets, "nsfw": self.nsfw, "verdict": self.verdicts}
        count, api = tables[series][row]
        return {"time": self.time, "count": count, "countApiKey": api}


def _count(table: dict[Any, list[int]], key: object, api: bool) -> None:
    row = table.get(key)
    if row is None:
        row = table[key] = [0, 0]
    row[0] += 1
    if api:
        row[1] += 1


def bucket_bytes(bucket: Bucket) -> int:
    """The estimated size of a bucket once its points are served (rows counted, not measured)."""
    b = bucket
    rows = len(b.usage) + len(b.models) + len(b.assets) + len(b.nsfw) + len(b.verdicts) + len(b.users)
    return BUCKET_BYTES + BUCKET_ROW_BYTES * rows


def bucket_of(time: str, events: Iterable[Event]) -> Bucket:
    """The totals of some events in one bucket."""
    bucket = Bucket(time)
    for event in events:
        bucket.add(event)
    return bucket


def add_users(totals: dict[str, list[int]], users: dict[str, list[int]]) -> None:
    """Add per-user totals (a bucket's `users`) to `totals` (user -> CU charged, CU waived, quality-gate CU)."""
    for user, (value, discount, gate) in users.items():
        row = totals.get(user)
        if row is None:
            totals[user] = [value, discount, gate]
        else:
            row[0] += value
            row[1] += discount
            row[2] += gate


def consumption_list(totals: dict[str, list[int]]) -> list[dict[str, Any]]:
    """The `consumption` list of per-user totals: CU charged, waived and in total, largest first."""
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    result = []
    for user, (value, discount, gate) in ordered:
        if not value and not discount:
            continue  # no zero rows: events that cost nothing leave no consumption
        entry: dict[str, Any] = {
            "userId": user,
            "value": cu(value),
            "discount": cu(discount),
            "total": cu(value + discount),
        }
        if gate:
            entry["costDetails"] = {"quality-gate": cu(gate)}
        result.append(entry)
    return result
