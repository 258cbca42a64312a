"""The mock's decisions (API-FACTS.md and READ-API-FACTS.md, "Decisions for the mock") checked on one exchange.

`check_decisions(capture)` yields one `Finding` per decision that applies to the exchange: `agrees` or `differs`,
with the evidence. The instant of the exchange is `capture.time`, else the response's `Date` header, else unknown;
it is an interval (the exchange took `elapsedMs`, a `Date` header has whole seconds), and a check that depends on
it agrees when some instant of the interval explains the body (an unknown instant: any instant).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from mockserver.contract.versions import LATEST_VERSION, load_contract
from mockserver.proxy.capture import Capture
from mockserver.world.clock import parse_instant
from mockserver.worlds import NOW_HEADER

__all__ = ["DECISIONS", "Finding", "check_decisions", "instant_bounds"]

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
MONDAY = 4 * DAY  # 1970-01-05, the first Monday after the epoch (a Thursday)
SLACK_MS = 1_000  # clocks of proxy and upstream may differ by this much

DECISIONS: Mapping[str, str] = {
    "granularity": "granularity from the window: <=1h 1m, <=6h 5m, <=1d 15m, <=2d 30m, <=7d 1h, <=62d 1d, else 7d",
    "bucket-alignment": "point times start UTC buckets of the granularity (7d on Mondays), inside the window",
    "density": "one point per bucket overlapping the window, in every row (unless dropZeroPoints)",
    "zero-filled-rows": "every row: 22 usage names, 8 asset kinds, 4 verdicts (total = pass + warn + fail)",
    "drop-zero-points": "dropZeroPoints: no all-zero point, every row kept (possibly with points [])",
    "activity-paging": "activity: at most 100 events per page, newest first",
    "consumption-order": "consumption sorted by value descending, then userId",
    "consumption-total": "consumption total = value + discount",
    "non-negative": "no count, cost or amount is negative",
    "api-key-share": "the API-key share (apiKey, apiKeyCost, apiKeyDiscount, countApiKey) never exceeds its total",
    "creative-unit-totals": "creative-unit-cost / -discount rows total sum(consumption.value) / sum(discount)",
    "entities-coverage": "entities hold every user, model, job, asset and collection the body references",
    "entities-sorted": "each entities list sorted by id",
    "timestamps": "times are UTC ISO 8601 with milliseconds (YYYY-MM-DDTHH:MM:SS.sssZ)",
    "envelope": "read endpoints: the body's envelope key (`jobs`, `job`, ...)",
    "page-size": "read lists: at most pageSize items (default 50, at most 100)",
    "list-order": "read lists: newest first by createdAt (jobs filtered by status/type/workflowId: updatedAt)",
    "pagination-token": "read lists: nextPaginationToken only on a full page (when more may follow)",
    "error-body": "errors: {reason, message (same text), code, traceId}; 429 adds remainingSeconds and Retry-After",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """What one exchange says of one decision."""

    decision: str
    verdict: str  # "agrees" | "differs"
    evidence: str
    capture: str  # the capture's source

    def to_json(self) -> dict[str, str]:
        return {"decision": self.decision, "verdict": self.verdict, "evidence": self.evidence, "capture": self.capture}


# -- the instant and the window ---------------------------------------------------------------------------------
def instant_bounds(capture: Capture) -> tuple[float, float]:
    """The interval (epoch ms) holding the upstream's `now` for this exchange; (-inf, inf) when unknown.

    A mockserver upstream says its instant (`x-mock-now`: its clock may be frozen); else the capture's time, else the
    `Date` header.
    """
    announced = capture.response_headers.get(NOW_HEADER)
    if announced:
        try:
            at = parse_instant(announced)
        except ValueError:
            pass
        else:
            return at, at
    if capture.time is not None:
        spread = (capture.elapsed_ms or 0) + SLACK_MS
        return capture.time - spread, capture.time + spread
    date = capture.response_headers.get("date")
    if date:
        try:
            at = int(parsedate_to_datetime(date).timestamp() * 1000)
        except (TypeError, ValueError):
            pass
        else:
            return at - SLACK_MS, at + 1_000 + SLACK_MS
    return -math.inf, math.inf


TIME_RANGES: Mapping[str, int] = {
    "last-hour": HOUR,
    "last-day": DAY,
    "last-three-days": 3 * DAY,
    "last-seven-days": 7 * DAY,
    "last-thirty-one-days": 31 * DAY,
}
GRANULARITIES: tuple[tuple[int, str, int], ...] = (  # (longest window, name, bucket length)
    (HOUR, "1m", MINUTE),
    (6 * HOUR, "5m", 5 * MINUTE),
    (DAY, "15m", 15 * MINUTE),
    (2 * DAY, "30m", 30 * MINUTE),
    (7 * DAY, "1h", HOUR),
    (62 * DAY, "1d", DAY),
)
STEPS = {name: step for _, name, step in GRANULARITIES} | {"7d": WEEK}
DISABLING = frozenset({"false", "0", "no", "off"})


def granularity_for(length: int) -> tuple[str, int]:
    """The granularity (name, bucket ms) of a window of this length."""
    for longest, name, step in GRANULARITIES:
        if length <= longest:
            return name, step
    return "7d", WEEK


def bucket_start(ms: int, step: int) -> int:
    offset = MONDAY if step == WEEK else 0
    return (ms - offset) // step * step + offset


@dataclass(frozen=True, slots=True)
class Window:
    """The window of a request: fixed (`start`, `end`) for dates, else `length` ending at the instant."""

    length: int
    start: int | None = None  # None: ends at the (uncertain) instant
    label: str = ""

    def describe(self) -> str:
        hours = self.length / HOUR
        return f"{self.label} ({hours:g} h)"


def _parse_date(text: str, *, end: bool) -> int | None:
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return int((day + timedelta(days=1 if end else 0)).timestamp() * 1000)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", text):
            return None
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def request_window(params: Mapping[str, str]) -> Window:
    """The window a `/usages` query asks for, as the mock reads it (a lenient upstream's reading when invalid)."""
    start_text, end_text = params.get("startDate"), params.get("endDate")
    if start_text and end_text:
        start, end = _parse_date(start_text, end=False), _parse_date(end_text, end=True)
        if start is not None and end is not None and start < end and end - start <= 120 * DAY:
            return Window(end - start, start, f"{start_text}..{end_text}")
    name = params.get("timeRange") or "last-seven-days"
    if name not in TIME_RANGES:
        name = "last-seven-days"
    return Window(TIME_RANGES[name], None, name)


# -- reading a body -----------------------------------------------------------------------------------------------
SERIES = ("usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages", "slopUsages")
ROW_KEYS = {
    "usages": "usageName",
    "modelUsages": "modelId",
    "assetUsages": "kind",
    "nsfwUsages": "label",
    "qualityGateUsages": "verdict",
    "slopUsages": "verdict",
}
VERDICTS = frozenset({"total", "pass", "warn", "fail"})


@functools.cache
def latest_enum(definition: str, field: str) -> frozenset[str]:
    """The values of an enum of the latest `/usages` contract (the 22 usage names, the 8 asset kinds)."""
    schema = load_contract(LATEST_VERSION)["response_200"]["$defs"][definition]["properties"][field]
    branch = next(b for b in schema.get("anyOf", [schema]) if b.get("type") != "null")
    return frozenset(branch["enum"])


TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\Z")
SHOWN = 5  # problems named in one evidence line


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _ms(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _rows(body: Mapping[str, Any]) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    for series in SERIES:
        rows = body.get(series)
        if isinstance(rows, list):
            for index, row in enumerate(rows):
                if isinstance(row, dict):
                    yield series, index, row


def _points(row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    points = row.get("points")
    return [p for p in points if isinstance(p, dict)] if isinstance(points, list) else []


def _summary(problems: list[str], total: int | None = None) -> str:
    total = len(problems) if total is None else total
    shown = "; ".join(problems[:SHOWN])
    return shown + (f"; and {total - SHOWN} more" if total > SHOWN else "")


class _Checks:
    """The findings of one exchange."""

    def __init__(self, capture: Capture) -> None:
        self.capture = capture
        self.findings: list[Finding] = []

    def add(self, decision: str, problems: list[str], agrees: str) -> None:
        verdict = "differs" if problems else "agrees"
        evidence = _summary(problems) if problems else agrees
        self.findings.append(Finding(decision, verdict, evidence, self.capture.source))


# -- /usages -----------------------------------------------------------------------------------------------------
def _check_usages(checks: _Checks, body: Mapping[str, Any], params: Mapping[str, str]) -> None:
    window = request_window(params)
    name, step = granularity_for(window.length)
    lo, hi = instant_bounds(checks.capture)
    drop = "dropZeroPoints" in params and params["dropZeroPoints"].strip().lower() not in DISABLING
    rows = list(_rows(body))

    if rows:
        problems = [
            f"$.{series}[{i}].granularity is {row.get('granularity')!r}"
            for series, i, row in rows
            if "granularity" in row and row.get("granularity") != name
        ]
        if not drop:  # the spacing of dense points is the granularity too
            for series, i, row in rows:
                times = [_ms(p.get("time")) for p in _points(row)]
                gaps = {b - a for a, b in itertools.pairwise(times) if a is not None and b is not None}
                if gaps - {step}:
                    problems.append(f"$.{series}[{i}] points are {sorted(gaps)[0] / MINUTE:g} min apart")
        with_field = sum(1 for _, _, row in rows if "granularity" in row)
        checks.add(
            "granularity",
            [f"window {window.describe()} means {name}, but " + p for p in problems[:SHOWN]] + problems[SHOWN:],
            f"window {window.describe()} -> {name}; {with_field} rows say {name}",
        )
        _check_alignment(checks, rows, window, step, lo, hi)
        if not drop:
            _check_density(checks, rows, window, step, lo, hi)
        _check_zero_filled(checks, body, rows, drop)
        if drop:
            zero = [
                f"$.{series}[{i}].points[{j}] ({p.get('time')}) is all zero"
                for series, i, row in rows
                for j, p in enumerate(_points(row))
                if all(_number(v) == 0 for k, v in p.items() if k != "time" and _number(v) is not None)
            ]
            missing = [f"$.{series}[{i}] has no points list" for series, i, row in rows if "points" not in row]
            checks.add(
                "drop-zero-points",
                zero + missing,
                f"{sum(len(_points(r)) for _, _, r in rows)} points in {len(rows)} rows, none all zero",
            )

    activity = body.get("activity")
    if isinstance(activity, list):
        problems = [f"$.activity has {len(activity)} events (a page is at most 100)"] if len(activity) > 100 else []
        times = [_ms(e.get("time")) if isinstance(e, dict) else None for e in activity]
        for j in range(1, len(times)):
            a, b = times[j - 1], times[j]
            if a is not None and b is not None and b > a:
                problems.append(f"$.activity[{j}] ({_iso(b)}) is newer than $.activity[{j - 1}] ({_iso(a)})")
        checks.add("activity-paging", problems, f"{len(activity)} events, newest first")

    consumption = body.get("consumption")
    if isinstance(consumption, list):
        _check_consumption(checks, [c for c in consumption if isinstance(c, dict)])

    _check_amounts(checks, body, rows)
    _check_entities(checks, body)
    _check_timestamps(checks, body, rows)


def _check_alignment(
    checks: _Checks, rows: list[tuple[str, int, Mapping[str, Any]]], window: Window, step: int, lo: float, hi: float
) -> None:
    first: float
    last: float
    if window.start is not None:
        first, last = bucket_start(window.start, step), bucket_start(window.start + window.length - 1, step)
    else:  # any instant of [lo, hi]
        first = bucket_start(int(lo - window.length), step) if math.isfinite(lo) else -math.inf
        last = bucket_start(int(hi - 1), step) if math.isfinite(hi) else math.inf
    problems: list[str] = []
    count = 0
    for series, i, row in rows:
        for j, point in enumerate(_points(row)):
            count += 1
            at = _ms(point.get("time"))
            if at is None:
                problems.append(f"$.{series}[{i}].points[{j}].time {point.get('time')!r} is no instant")
            elif bucket_start(at, step) != at:
                problems.append(
                    f"$.{series}[{i}].points[{j}].time {_iso(at)} does not start a {step // MINUTE} min bucket"
                )
            elif not first <= at <= last:
                problems.append(
                    f"$.{series}[{i}].points[{j}].time {_iso(at)} is outside the window {window.describe()}"
                )
    bounds = f"{_iso(first)}..{_iso(last)}" if math.isfinite(first) and math.isfinite(last) else "any instant"
    checks.add("bucket-alignment", problems, f"{count} points on bucket starts within {bounds}")


def _check_density(
    checks: _Checks, rows: list[tuple[str, int, Mapping[str, Any]]], window: Window, step: int, lo: float, hi: float
) -> None:
    problems: list[str] = []
    counts: set[int] = set()
    for series, i, row in rows:
        times = [_ms(p.get("time")) for p in _points(row)]
        if any(t is None for t in times) or not times:
            problems.append(f"$.{series}[{i}] has {len(times)} points, none or not all with a time")
            continue
        known = [t for t in times if t is not None]
        counts.add(len(known))
        if any(b - a != step for a, b in itertools.pairwise(known)):
            problems.append(f"$.{series}[{i}] skips or repeats buckets")
            continue
        first, last = known[0], known[-1]
        if window.start is not None:
            want_first = bucket_start(window.start, step)
            want_last = bucket_start(window.start + window.length - 1, step)
            if (first, last) != (want_first, want_last):
                expected = (want_last - want_first) // step + 1
                problems.append(
                    f"$.{series}[{i}] has {len(known)} points {_iso(first)}..{_iso(last)}, "
                    f"expected {expected} ({_iso(want_first)}..{_iso(want_last)})"
                )
            continue
        # `now` with bucket_start(now - length) == first and bucket_start(now - 1) == last, inside [lo, hi]
        low = max(first + window.length, last + 1, lo)
        high = min(first + window.length + step - 1, last + step, hi)
        if low > high:
            problems.append(
                f"$.{series}[{i}] has {len(known)} points {_iso(first)}..{_iso(last)}, which no instant "
                f"{'of ' + _iso(lo) + '..' + _iso(hi) + ' ' if math.isfinite(lo) else ''}gives for {window.describe()}"
            )
    counts_text = "/".join(str(c) for c in sorted(counts)) or "no"
    checks.add("density", problems, f"{len(rows)} rows with {counts_text} points each, one per bucket of the window")


def _check_zero_filled(
    checks: _Checks, body: Mapping[str, Any], rows: list[tuple[str, int, Mapping[str, Any]]], drop: bool
) -> None:
    problems: list[str] = []
    present: dict[str, set[Any]] = {}
    for series, _, row in rows:
        present.setdefault(series, set()).add(row.get(ROW_KEYS[series]))
    expected = {
        "usages": latest_enum("Usage", "usageName"),
        "assetUsages": latest_enum("AssetUsage", "kind"),
        "qualityGateUsages": VERDICTS,
        "slopUsages": VERDICTS,
    }
    for series, names in expected.items():
        if series in present or isinstance(body.get(series), list):
            missing = sorted(names - present.get(series, set()))
            if missing:
                problems.append(f"$.{series} lacks the rows {', '.join(missing)}")
    for series in ("qualityGateUsages", "slopUsages"):
        by_verdict = {
            row.get("verdict"): {p.get("time"): p for p in _points(row)}
            for s, _, row in rows
            if s == series and isinstance(row.get("verdict"), str)
        }
        if by_verdict.keys() >= VERDICTS:
            for at, total in by_verdict["total"].items():
                for field in ("count", "countApiKey"):
                    parts = [_number(by_verdict[v].get(at, {}).get(field, 0)) or 0.0 for v in ("pass", "warn", "fail")]
                    whole = _number(total.get(field)) or 0.0
                    if not drop and abs(sum(parts) - whole) > 1e-9:
                        problems.append(f"$.{series} at {at}: total {field} {whole:g} != pass+warn+fail {sum(parts):g}")
    sizes = ", ".join(f"{len(v)} {k}" for k, v in present.items())
    checks.add("zero-filled-rows", problems, f"every row present ({sizes})")


def _check_consumption(checks: _Checks, rows: list[Mapping[str, Any]]) -> None:
    order: list[str] = []
    for j in range(1, len(rows)):
        a, b = rows[j - 1], rows[j]
        va, vb = _number(a.get("value")), _number(b.get("value"))
        if va is None or vb is None:
            continue
        if vb > va or (vb == va and str(b.get("userId")) < str(a.get("userId"))):
            order.append(
                f"$.consumption[{j}] ({b.get('userId')}, value {vb:g}) after "
                f"$.consumption[{j - 1}] ({a.get('userId')}, value {va:g})"
            )
    checks.add("consumption-order", order, f"{len(rows)} rows by value descending, then userId")
    totals: list[str] = []
    for j, row in enumerate(rows):
        value, discount, total = (_number(row.get(k)) for k in ("value", "discount", "total"))
        if value is None or total is None:
            continue
        if abs(value + (discount or 0.0) - total) > 1e-6 * max(1.0, abs(total)):
            totals.append(f"$.consumption[{j}] total {total:g} != value {value:g} + discount {discount or 0:g}")
    checks.add("consumption-total", totals, f"{len(rows)} rows with total = value + discount")


SHARES = (("apiKey", "value"), ("apiKeyCost", "cost"), ("apiKeyDiscount", "discount"), ("countApiKey", "count"))
AMOUNTS = frozenset(
    {"value", "apiKey", "cost", "discount", "apiKeyCost", "apiKeyDiscount", "jobs", "count", "countApiKey"}
)


def _check_amounts(checks: _Checks, body: Mapping[str, Any], rows: list[tuple[str, int, Mapping[str, Any]]]) -> None:
    negative: list[str] = []
    share: list[str] = []
    seen = 0
    for series, i, row in rows:
        for j, point in enumerate(_points(row)):
            for key in AMOUNTS & point.keys():
                seen += 1
                number = _number(point[key])
                if number is not None and number < 0:
                    negative.append(f"$.{series}[{i}].points[{j}].{key} is {point[key]!r}")
            for part, whole in SHARES:
                p, w = _number(point.get(part)), _number(point.get(whole))
                if p is not None and w is not None and p > w + 1e-9:
                    share.append(f"$.{series}[{i}].points[{j}] {part} {p:g} > {whole} {w:g}")
    consumption = body.get("consumption")
    for j, row in enumerate(consumption if isinstance(consumption, list) else ()):
        if isinstance(row, dict):
            for key in ("value", "discount", "total"):
                number = _number(row.get(key))
                seen += 1
                if number is not None and number < 0:
                    negative.append(f"$.consumption[{j}].{key} is {row[key]!r}")
    activity = body.get("activity")
    for j, event in enumerate(activity if isinstance(activity, list) else ()):
        number = _number(event.get("creativeUnitsCost")) if isinstance(event, dict) else None
        if number is not None and number < 0:
            negative.append(f"$.activity[{j}].creativeUnitsCost is {number:g}")
    if seen:
        checks.add("non-negative", negative, f"{seen} amounts, none negative")
    if rows:
        checks.add("api-key-share", share, "every API-key share within its total")
    usages, consumption_rows = body.get("usages"), body.get("consumption")
    if isinstance(usages, list) and isinstance(consumption_rows, list):
        sums = {
            row.get("usageName"): sum(_number(p.get("value")) or 0.0 for p in _points(row))
            for row in usages
            if isinstance(row, dict)
        }
        if {"creative-unit-cost", "creative-unit-discount"} & sums.keys():
            problems: list[str] = []
            texts: list[str] = []
            for name, field in (("creative-unit-cost", "value"), ("creative-unit-discount", "discount")):
                if name not in sums:
                    continue
                expected = sum(_number(r.get(field)) or 0.0 for r in consumption_rows if isinstance(r, dict))
                texts.append(f"{name} {sums[name]:g} = sum({field}) {expected:g}")
                if abs(sums[name] - expected) > 1e-6 * max(1.0, abs(expected)):
                    problems.append(f"the {name} row totals {sums[name]:g}, sum(consumption.{field}) is {expected:g}")
            checks.add("creative-unit-totals", problems, "; ".join(texts))


ENTITY_REFERENCES: tuple[tuple[str, str, Callable[[Mapping[str, Any]], Iterable[tuple[str, Any]]]], ...] = (
    (
        "users",
        "userId",
        lambda body: (
            (f"$.{key}[{j}].userId", item.get("userId"))
            for key in ("activity", "consumption")
            for j, item in enumerate(body.get(key) or ())
            if isinstance(item, dict)
        ),
    ),
    (
        "models",
        "modelId",
        lambda body: (
            *(
                (f"$.modelUsages[{j}].modelId", row.get("modelId"))
                for j, row in enumerate(body.get("modelUsages") or ())
                if isinstance(row, dict)
            ),
            *_data_refs(body, "modelId"),
        ),
    ),
    ("jobs", "jobId", lambda body: _data_refs(body, "jobId")),
    ("assets", "assetId", lambda body: _data_refs(body, "assetId")),
    ("collections", "collectionId", lambda body: _data_refs(body, "collectionId")),
)


def _data_refs(body: Mapping[str, Any], key: str) -> Iterator[tuple[str, Any]]:
    for j, event in enumerate(body.get("activity") or ()):
        data = event.get("data") if isinstance(event, dict) else None
        if isinstance(data, dict) and data.get(key) is not None:
            yield f"$.activity[{j}].data.{key}", data[key]


def _check_entities(checks: _Checks, body: Mapping[str, Any]) -> None:
    entities = body.get("entities")
    if not isinstance(entities, dict):
        checks.add("entities-coverage", ["the body has no `entities` object"], "")
        return
    missing: list[str] = []
    unsorted: list[str] = []
    referenced = 0
    for kind, _, references in ENTITY_REFERENCES:
        listed = entities.get(kind)
        if not isinstance(listed, list):
            missing.append(f"$.entities.{kind} is absent")
            continue
        ids = [e.get("id") for e in listed if isinstance(e, dict)]
        known = set(ids)
        for at, ref in references(body):
            referenced += 1
            if ref not in known:
                missing.append(f"$.entities.{kind} lacks {ref!r} ({at})")
        text_ids = [str(i) for i in ids]
        for j in range(1, len(text_ids)):
            if text_ids[j] < text_ids[j - 1]:
                unsorted.append(f"$.entities.{kind}[{j}] {text_ids[j]!r} after {text_ids[j - 1]!r}")
                break
    checks.add("entities-coverage", missing, f"all {referenced} references found in entities")
    checks.add("entities-sorted", unsorted, "every entities list sorted by id")


def _check_timestamps(checks: _Checks, body: Mapping[str, Any], rows: list[tuple[str, int, Mapping[str, Any]]]) -> None:
    bad: list[str] = []
    seen = 0
    for series, i, row in rows:
        for j, point in enumerate(_points(row)):
            seen += 1
            if not (isinstance(point.get("time"), str) and TIMESTAMP.match(point["time"])):
                bad.append(f"$.{series}[{i}].points[{j}].time is {point.get('time')!r}")
    for j, event in enumerate(body.get("activity") or ()):
        if isinstance(event, dict):
            seen += 1
            if not (isinstance(event.get("time"), str) and TIMESTAMP.match(event["time"])):
                bad.append(f"$.activity[{j}].time is {event.get('time')!r}")
    if seen:
        checks.add("timestamps", bad, f"{seen} times, all YYYY-MM-DDTHH:MM:SS.sssZ")


# -- the read endpoints -------------------------------------------------------------------------------------------
ENVELOPES: Mapping[str, tuple[str, ...]] = {
    "teams.list": ("teams",),
    "teams.retrieve": ("team",),
    "teams.retrieve_limits": ("limits", "period", "values", "plan", "oneShotCreativeUnits"),
    "projects.list": ("projects",),
    "projects.retrieve": ("project",),
    "jobs.list": ("jobs",),
    "jobs.retrieve": ("job",),
    "assets.list": ("assets",),
    "assets.retrieve": ("asset",),
    "models.list": ("models",),
    "models.retrieve": ("model",),
    "collections.list": ("collections",),
    "collections.retrieve": ("collection",),
}
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
JOB_FILTERS_BY_UPDATE = ("status", "type", "types", "workflowId")


def _check_read(checks: _Checks, endpoint: str, body: Mapping[str, Any], params: Mapping[str, str]) -> None:
    keys = ENVELOPES[endpoint]
    missing = [f"the body has no {key!r}" for key in keys if key not in body]
    checks.add("envelope", missing, f"the body holds {', '.join(map(repr, keys))}")
    if not endpoint.endswith(".list") or not isinstance(body.get(keys[0]), list):
        return
    items = [item for item in body[keys[0]] if isinstance(item, dict)]
    token = body.get("nextPaginationToken")
    if endpoint != "teams.list":
        try:
            size = int(params.get("pageSize") or DEFAULT_PAGE_SIZE)
        except ValueError:
            size = DEFAULT_PAGE_SIZE  # a lenient upstream's default
        size = size if 1 <= size <= MAX_PAGE_SIZE else DEFAULT_PAGE_SIZE
        problems = [f"{len(items)} items, more than the page size {size}"] if len(items) > size else []
        checks.add("page-size", problems, f"{len(items)} items on a page of {size}")
        full = len(items) == size
        if token is not None:
            checks.add(
                "pagination-token",
                [] if full else [f"a nextPaginationToken on a page of {len(items)} items, short of {size}"],
                "a token on a full page",
            )
        else:
            checks.add("pagination-token", [], f"no token: the last page ({len(items)} items)")
    by = "createdAt"
    if endpoint == "jobs.list" and any(params.get(k) for k in JOB_FILTERS_BY_UPDATE):
        by = "updatedAt"
    times = [_ms(item.get(by)) for item in items]
    order = [
        f"$.{keys[0]}[{j}].{by} {_iso(b)} is newer than $.{keys[0]}[{j - 1}].{by} {_iso(a)}"
        for j, (a, b) in enumerate(itertools.pairwise(times), start=1)
        if a is not None and b is not None and b > a
    ]
    checks.add("list-order", order, f"{len(items)} items newest first by {by}")


# -- errors ---------------------------------------------------------------------------------------------------------
def _check_error(checks: _Checks) -> None:
    capture = checks.capture
    body = capture.body
    if capture.text is not None or not isinstance(body, dict):
        excerpt = (capture.text or "")[:80]
        checks.add("error-body", [f"status {capture.status} with a body that is not a JSON object: {excerpt!r}"], "")
        return
    problems = [
        f"`{key}` is {body.get(key)!r}, not a string"
        for key in ("reason", "message", "code", "traceId")
        if not isinstance(body.get(key), str)
    ]
    if (
        isinstance(body.get("reason"), str)
        and isinstance(body.get("message"), str)
        and body["reason"] != body["message"]
    ):
        problems.append("`message` is not the text of `reason`")
    if capture.status == 429:
        if _number(body.get("remainingSeconds")) is None or isinstance(body.get("remainingSeconds"), str):
            problems.append(f"429 without a numeric `remainingSeconds` (found {body.get('remainingSeconds')!r})")
        if "retry-after" not in capture.response_headers:
            problems.append("429 without a Retry-After header")
    checks.add("error-body", problems, f"status {capture.status}: code {body.get('code')!r}, reason, message, traceId")


def check_decisions(capture: Capture) -> list[Finding]:
    """Check one exchange against every decision of the mock that applies to it."""
    checks = _Checks(capture)
    endpoint = capture.endpoint
    if not 200 <= capture.status < 300:
        if endpoint is not None:
            _check_error(checks)
        return checks.findings
    if capture.status != 200 or not isinstance(capture.body, dict) or endpoint is None:
        return checks.findings
    params = dict(capture.params)
    if endpoint == "usages.list":
        _check_usages(checks, capture.body, params)
    elif endpoint in ENVELOPES:
        _check_read(checks, endpoint, capture.body, params)
    return checks.findings
