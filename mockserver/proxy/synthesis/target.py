"""What the solver must reproduce: a captured `/v1/usages` body parsed back into per-bucket totals (`Target`), and
what it gives back (`Synthesis`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from mockserver.contract.enums import QUALITY_GATE_VERDICTS
from mockserver.proxy.synthesis.residual import BILLING
from mockserver.world.aggregate import KIND_INDEX, ROW_INDEX, Bucket
from mockserver.world.clock import format_ms
from mockserver.world.timeline import Event

SERIES_TYPES = ("usages", "model-usages", "asset-usages", "nsfw-usages", "quality-gate-usages", "consumption")


@dataclass
class Target:
    """One captured /usages body, reduced to what the events must reproduce."""

    source: str  # the capture file, for messages
    start: int  # the window [start, end) in epoch ms, clipped to now + 1 (no events after now)
    end: int
    step: int  # buckets: `count` buckets of `step` ms from `first` (report.window_of)
    first: int
    count: int
    buckets: list[Bucket]  # the captured totals per bucket
    types: frozenset[str]  # the series the body has (SERIES_TYPES)
    consumption: dict[str, tuple[int, int, int]] | None  # user -> (value, discount, quality-gate) milli-CU


@dataclass
class PageTarget:
    """A captured activity page past the first (`activityOffset` > 0) whose earlier pages were not captured: its
    window must hold exactly `offset` events newer than its first item (at `after`), so that the page is served at
    that offset. The events the other captures need there count; free events make up the rest."""

    source: str
    after: int  # the time of the page's first (newest) item
    end: int  # the window's end, clipped to now + 1
    offset: int


@dataclass
class Synthesis:
    """The events that reproduce the targets, and what could not be reproduced exactly."""

    events: list[Event]  # the known events (hidden fields assigned) followed by the filler events
    problems: list[str] = field(default_factory=list)


def _milli(value: Any) -> int:
    """A CU amount of a body (a JSON number or a decimal string) as integer milli-CU."""
    try:
        return int((Decimal(str(value)) * 1000).to_integral_value())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def target_from_body(
    source: str, body: dict[str, Any], start: int, end: int, step: int, first: int, count: int
) -> Target:
    """Parse a `/v1/usages` body back into per-bucket totals: the inverse of `build_report` for its series."""
    buckets = [Bucket(format_ms(first + i * step)) for i in range(count)]
    index = {b.time: i for i, b in enumerate(buckets)}
    types: set[str] = set()

    def points(series: str, rows: Iterable[dict[str, Any]], name: str) -> Iterable[tuple[Any, Bucket, dict[str, Any]]]:
        for row in rows:
            for point in row.get("points", ()):
                i = index.get(point.get("time"))
                if i is None:
                    raise ValueError(f"{series}[{row.get(name)!r}]: a point at {point.get('time')!r}, not a bucket")
                yield row.get(name), buckets[i], point

    if "usages" in body:
        types.add("usages")
        for name, bucket, p in points("usages", body["usages"], "usageName"):
            r = ROW_INDEX[name]
            if r in BILLING:
                totals = [_milli(p["value"]), _milli(p["apiKey"]), 0, 0, 0, 0]
            else:
                totals = [int(p["value"]), int(p["apiKey"])]
                totals += [_milli(p[k]) for k in ("cost", "discount", "apiKeyCost", "apiKeyDiscount")]
            if any(totals):
                bucket.usage[r] = totals
    if "modelUsages" in body:
        types.add("model-usages")
        for model, bucket, p in points("modelUsages", body["modelUsages"], "modelId"):
            totals = [_milli(p["cost"]), _milli(p["discount"]), int(p["jobs"])]
            totals += [_milli(p["apiKeyCost"]), _milli(p["apiKeyDiscount"])]
            if any(totals):
                bucket.models[model] = totals
    for key, series, table, name in (
        ("assetUsages", "asset-usages", "assets", "kind"),
        ("nsfwUsages", "nsfw-usages", "nsfw", "label"),
        ("qualityGateUsages", "quality-gate-usages", "verdicts", "verdict"),
    ):
        if key not in body:
            continue
        types.add(series)
        for row, bucket, p in points(key, body[key], name):
            if p["count"] or p["countApiKey"]:
                if table == "assets":
                    row = KIND_INDEX[row]
                elif table == "verdicts":
                    row = QUALITY_GATE_VERDICTS.index(row)
                getattr(bucket, table)[row] = [int(p["count"]), int(p["countApiKey"])]
    consumption = None
    if "consumption" in body:
        types.add("consumption")
        consumption = {
            row["userId"]: (
                _milli(row["value"]),
                _milli(row["discount"]),
                _milli((row.get("costDetails") or {}).get("quality-gate", 0)),
            )
            for row in body["consumption"]
        }
    return Target(source, start, end, step, first, count, buckets, frozenset(types), consumption)
