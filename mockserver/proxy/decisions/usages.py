"""The decisions checked on a `/usages` answer: granularity, buckets and density of the points, zero-filled rows,
consumption, amounts, entities and timestamps."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from mockserver.proxy.decisions.body import (
    ROW_KEYS,
    TIMESTAMP,
    VERDICTS,
    as_number,
    epoch_ms,
    iso,
    latest_enum,
    row_points,
    series_rows,
)
from mockserver.proxy.decisions.findings import SHOWN, Checks
from mockserver.proxy.decisions.window import (
    DISABLING,
    MINUTE,
    Window,
    bucket_start,
    granularity_for,
    instant_bounds,
    request_window,
)


def check_usages(checks: Checks, body: Mapping[str, Any], params: Mapping[str, str]) -> None:
    window = request_window(params)
    name, step = granularity_for(window.length)
    lo, hi = instant_bounds(checks.capture)
    drop = "dropZeroPoints" in params and params["dropZeroPoints"].strip().lower() not in DISABLING
    rows = list(series_rows(body))

    if rows:
        problems = [
            f"$.{series}[{i}].granularity is {row.get('granularity')!r}"
            for series, i, row in rows
            if "granularity" in row and row.get("granularity") != name
        ]
        if not drop:  # the spacing of dense points is the granularity too
            for series, i, row in rows:
                times = [epoch_ms(p.get("time")) for p in row_points(row)]
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
                for j, p in enumerate(row_points(row))
                if all(as_number(v) == 0 for k, v in p.items() if k != "time" and as_number(v) is not None)
            ]
            missing = [f"$.{series}[{i}] has no points list" for series, i, row in rows if "points" not in row]
            checks.add(
                "drop-zero-points",
                zero + missing,
                f"{sum(len(row_points(r)) for _, _, r in rows)} points in {len(rows)} rows, none all zero",
            )

    activity = body.get("activity")
    if isinstance(activity, list):
        problems = [f"$.activity has {len(activity)} events (a page is at most 100)"] if len(activity) > 100 else []
        times = [epoch_ms(e.get("time")) if isinstance(e, dict) else None for e in activity]
        for j in range(1, len(times)):
            a, b = times[j - 1], times[j]
            if a is not None and b is not None and b > a:
                problems.append(f"$.activity[{j}] ({iso(b)}) is newer than $.activity[{j - 1}] ({iso(a)})")
        checks.add("activity-paging", problems, f"{len(activity)} events, newest first")

    consumption = body.get("consumption")
    if isinstance(consumption, list):
        _check_consumption(checks, [c for c in consumption if isinstance(c, dict)])

    _check_amounts(checks, body, rows)
    _check_entities(checks, body)
    _check_timestamps(checks, body, rows)


def _check_alignment(
    checks: Checks, rows: list[tuple[str, int, Mapping[str, Any]]], window: Window, step: int, lo: float, hi: float
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
        for j, point in enumerate(row_points(row)):
            count += 1
            at = epoch_ms(point.get("time"))
            if at is None:
                problems.append(f"$.{series}[{i}].points[{j}].time {point.get('time')!r} is no instant")
            elif bucket_start(at, step) != at:
                problems.append(
                    f"$.{series}[{i}].points[{j}].time {iso(at)} does not start a {step // MINUTE} min bucket"
                )
            elif not first <= at <= last:
                problems.append(f"$.{series}[{i}].points[{j}].time {iso(at)} is outside the window {window.describe()}")
    bounds = f"{iso(first)}..{iso(last)}" if math.isfinite(first) and math.isfinite(last) else "any instant"
    checks.add("bucket-alignment", problems, f"{count} points on bucket starts within {bounds}")


def _check_density(
    checks: Checks, rows: list[tuple[str, int, Mapping[str, Any]]], window: Window, step: int, lo: float, hi: float
) -> None:
    problems: list[str] = []
    counts: set[int] = set()
    for series, i, row in rows:
        times = [epoch_ms(p.get("time")) for p in row_points(row)]
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
                    f"$.{series}[{i}] has {len(known)} points {iso(first)}..{iso(last)}, "
                    f"expected {expected} ({iso(want_first)}..{iso(want_last)})"
                )
            continue
        # `now` with bucket_start(now - length) == first and bucket_start(now - 1) == last, inside [lo, hi]
        low = max(first + window.length, last + 1, lo)
        high = min(first + window.length + step - 1, last + step, hi)
        if low > high:
            problems.append(
                f"$.{series}[{i}] has {len(known)} points {iso(first)}..{iso(last)}, which no instant "
                f"{'of ' + iso(lo) + '..' + iso(hi) + ' ' if math.isfinite(lo) else ''}gives for {window.describe()}"
            )
    counts_text = "/".join(str(c) for c in sorted(counts)) or "no"
    checks.add("density", problems, f"{len(rows)} rows with {counts_text} points each, one per bucket of the window")


def _check_zero_filled(
    checks: Checks, body: Mapping[str, Any], rows: list[tuple[str, int, Mapping[str, Any]]], drop: bool
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
            row.get("verdict"): {p.get("time"): p for p in row_points(row)}
            for s, _, row in rows
            if s == series and isinstance(row.get("verdict"), str)
        }
        if by_verdict.keys() >= VERDICTS:
            for at, total in by_verdict["total"].items():
                for field in ("count", "countApiKey"):
                    parts = [
                        as_number(by_verdict[v].get(at, {}).get(field, 0)) or 0.0 for v in ("pass", "warn", "fail")
                    ]
                    whole = as_number(total.get(field)) or 0.0
                    if not drop and abs(sum(parts) - whole) > 1e-9:
                        problems.append(f"$.{series} at {at}: total {field} {whole:g} != pass+warn+fail {sum(parts):g}")
    sizes = ", ".join(f"{len(v)} {k}" for k, v in present.items())
    checks.add("zero-filled-rows", problems, f"every row present ({sizes})")


def _check_consumption(checks: Checks, rows: list[Mapping[str, Any]]) -> None:
    order: list[str] = []
    for j in range(1, len(rows)):
        a, b = rows[j - 1], rows[j]
        va, vb = as_number(a.get("value")), as_number(b.get("value"))
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
        value, discount, total = (as_number(row.get(k)) for k in ("value", "discount", "total"))
        if value is None or total is None:
            continue
        if abs(value + (discount or 0.0) - total) > 1e-6 * max(1.0, abs(total)):
            totals.append(f"$.consumption[{j}] total {total:g} != value {value:g} + discount {discount or 0:g}")
    checks.add("consumption-total", totals, f"{len(rows)} rows with total = value + discount")


SHARES = (("apiKey", "value"), ("apiKeyCost", "cost"), ("apiKeyDiscount", "discount"), ("countApiKey", "count"))
AMOUNTS = frozenset(
    {"value", "apiKey", "cost", "discount", "apiKeyCost", "apiKeyDiscount", "jobs", "count", "countApiKey"}
)


def _check_amounts(checks: Checks, body: Mapping[str, Any], rows: list[tuple[str, int, Mapping[str, Any]]]) -> None:
    negative: list[str] = []
    share: list[str] = []
    seen = 0
    for series, i, row in rows:
        for j, point in enumerate(row_points(row)):
            for key in AMOUNTS & point.keys():
                seen += 1
                number = as_number(point[key])
                if number is not None and number < 0:
                    negative.append(f"$.{series}[{i}].points[{j}].{key} is {point[key]!r}")
            for part, whole in SHARES:
                p, w = as_number(point.get(part)), as_number(point.get(whole))
                if p is not None and w is not None and p > w + 1e-9:
                    share.append(f"$.{series}[{i}].points[{j}] {part} {p:g} > {whole} {w:g}")
    consumption = body.get("consumption")
    for j, row in enumerate(consumption if isinstance(consumption, list) else ()):
        if isinstance(row, dict):
            for key in ("value", "discount", "total"):
                number = as_number(row.get(key))
                seen += 1
                if number is not None and number < 0:
                    negative.append(f"$.consumption[{j}].{key} is {row[key]!r}")
    activity = body.get("activity")
    for j, event in enumerate(activity if isinstance(activity, list) else ()):
        number = as_number(event.get("creativeUnitsCost")) if isinstance(event, dict) else None
        if number is not None and number < 0:
            negative.append(f"$.activity[{j}].creativeUnitsCost is {number:g}")
    if seen:
        checks.add("non-negative", negative, f"{seen} amounts, none negative")
    if rows:
        checks.add("api-key-share", share, "every API-key share within its total")
    usages, consumption_rows = body.get("usages"), body.get("consumption")
    if isinstance(usages, list) and isinstance(consumption_rows, list):
        sums = {
            row.get("usageName"): sum(as_number(p.get("value")) or 0.0 for p in row_points(row))
            for row in usages
            if isinstance(row, dict)
        }
        if {"creative-unit-cost", "creative-unit-discount"} & sums.keys():
            problems: list[str] = []
            texts: list[str] = []
            for name, field in (("creative-unit-cost", "value"), ("creative-unit-discount", "discount")):
                if name not in sums:
                    continue
                expected = sum(as_number(r.get(field)) or 0.0 for r in consumption_rows if isinstance(r, dict))
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


def _check_entities(checks: Checks, body: Mapping[str, Any]) -> None:
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


def _check_timestamps(checks: Checks, body: Mapping[str, Any], rows: list[tuple[str, int, Mapping[str, Any]]]) -> None:
    bad: list[str] = []
    seen = 0
    for series, i, row in rows:
        for j, point in enumerate(row_points(row)):
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
