"""The instant of an exchange (an interval: the upstream's `now` is known only so well) and the window its `/usages`
query asks for, with the granularity and buckets the mock gives that window."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from mockserver.proxy.capture import Capture
from mockserver.world.clock import parse_instant
from mockserver.worlds import NOW_HEADER

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
MONDAY = 4 * DAY  # 1970-01-05, the first Monday after the epoch (a Thursday)
SLACK_MS = 1_000  # clocks of proxy and upstream may differ by this much


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
