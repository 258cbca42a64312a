"""Query strings for `GET /v1/usages` as an integration sends them: valid ones (200) and malformed ones (400).

Parameter names and enums come from the published contract's `query`; which values are refused follows the API's
rules (`mockserver.contract.query`), built here by construction rather than by asking the parser.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from hypothesis import strategies as st

from mockserver.contract.versions import LATEST_VERSION, load_contract

Items = list[tuple[str, str]]

DAY_MS = 86_400_000
MAX_RANGE_MS = 120 * DAY_MS  # the longest custom window the API serves
EARLIEST_MS = 0  # 1970-01-01
LATEST_MS = 253_402_300_800_000  # 10000-01-01: the end of 9999-12-31
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
AROUND = dt.datetime(2026, 11, 30, 14, 37, tzinfo=dt.UTC)  # where most windows lie: near the tests' clock
FORMS = ("date", "minute", "second", "fraction")
# Written forms that are no date the API reads (bad calendar days, bad clock times, other layouts, out of 1970..9999).
MALFORMED_DATES = (
    "2026-13-01",
    "2026-02-30",
    "2025-02-29",
    "2026-11-31",
    "2026-00-10",
    "2026-11-30T24:00",
    "2026-11-30T10:60",
    "2026-11-30T10:00:61",
    "2026-11-30T10:00:00.",
    "2026-11-30T10:00:00.1234567890",
    "2026-11-30T10:00+24:00",
    "2026-11-30T10:00+0100",
    "2026-11-30 10:00",
    "2026/11/30",
    "30-11-2026",
    "26-11-30",
    "2026-11-30T",
    "1969-12-31",
    "0999-01-01",
    "12026-01-01",
    "\uff12\uff10\uff12\uff16-11-30",  # full-width digits
    "yesterday",
    "now",
    "1764513432345",
    " ",
    "null",
)
UNKNOWN_TIME_RANGES = ("last-week", "LAST-DAY", "last-hours", "last_day", "7d", "all", "null", " ")
UNKNOWN_PARAMETERS = ("pageSize", "paginationToken", "page", "limit", "sort", "cursor", "fields")
_VALUE = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)


@functools.cache
def _query_contract() -> dict[str, Any]:
    contract: dict[str, Any] = load_contract(LATEST_VERSION)["query"]
    return contract


def _time_ranges() -> list[str]:
    return list(_query_contract()["timeRange"]["enum"])


def _types() -> list[str]:
    return list(_query_contract()["type"]["array_of"]["enum"])


def _ms(instant: dt.datetime) -> int:
    return (instant - EPOCH) // dt.timedelta(milliseconds=1)


@st.composite
def _date_text(draw: st.DrawFn, instant: dt.datetime, *, is_end: bool) -> tuple[str, int]:
    """An instant written in one of the forms the API reads; (text, the epoch ms it means)."""
    form = draw(st.sampled_from(FORMS))
    if form == "date":
        day = instant.date()
        start = _ms(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
        # A date-only end means the end of that day.
        return day.isoformat(), start + (DAY_MS if is_end else 0)
    offset_minutes = draw(st.sampled_from([None, 0, 60, -300, 330, 23 * 60 + 59, -(23 * 60 + 59)]))
    zone = "" if offset_minutes is None else draw(st.sampled_from(["Z", "z"])) if offset_minutes == 0 else ""
    offset = dt.timedelta(minutes=offset_minutes or 0)
    local = instant + offset
    if not 1970 <= local.year <= 9999:
        local, offset, zone = instant, dt.timedelta(0), "Z"
    if offset:
        sign = "+" if offset > dt.timedelta(0) else "-"
        hours, minutes = divmod(abs(offset_minutes or 0), 60)
        zone = f"{sign}{hours:02d}:{minutes:02d}"
    text = local.strftime("%Y-%m-%dT%H:%M")
    kept = local.replace(second=0, microsecond=0)
    if form in ("second", "fraction"):
        text += local.strftime(":%S")
        kept = local.replace(microsecond=0)
    if form == "fraction":
        # Digits past the milliseconds are read and dropped.
        digits = f"{local.microsecond:06d}"[: draw(st.integers(1, 9))].ljust(draw(st.integers(1, 9)), "7")
        text += "." + digits
        kept += dt.timedelta(milliseconds=int(digits[:3].ljust(3, "0")))
    return text + zone, _ms(kept - offset)


def _instants(around: dt.datetime = AROUND) -> st.SearchStrategy[dt.datetime]:
    """Instants mostly near `around`, sometimes anywhere from 1971 to 9998."""
    near = st.integers(-400 * DAY_MS, 30 * DAY_MS).map(lambda ms: around + dt.timedelta(milliseconds=ms))
    anywhere = st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(9998, 12, 31)).map(lambda d: d.replace(tzinfo=dt.UTC))
    return st.one_of(near, near, anywhere)


@st.composite
def _valid_window(draw: st.DrawFn) -> Items:
    """startDate and endDate of a window the API serves: start before end, at most 120 days, within 1970..9999."""
    edge = draw(st.integers(0, 9))
    if edge == 0:
        return [("startDate", "1970-01-01"), ("endDate", draw(st.sampled_from(["1970-01-01", "1970-04-30"])))]
    if edge == 1:
        return [("startDate", draw(st.sampled_from(["9999-09-03", "9999-12-31"]))), ("endDate", "9999-12-31")]
    for _ in range(20):
        start = draw(_instants())
        length = draw(
            st.sampled_from([1, 60_000, 3_600_000, DAY_MS, 7 * DAY_MS, MAX_RANGE_MS]) | st.integers(1, MAX_RANGE_MS)
        )
        start_text, start_ms = draw(_date_text(start, is_end=False))
        end_text, end_ms = draw(_date_text(start + dt.timedelta(milliseconds=length), is_end=True))
        if EARLIEST_MS <= start_ms < end_ms <= LATEST_MS and end_ms - start_ms <= MAX_RANGE_MS:
            return [("startDate", start_text), ("endDate", end_text)]
    return [("startDate", "2026-11-01"), ("endDate", "2026-11-30")]


@st.composite
def _invalid_window(draw: st.DrawFn) -> Items:
    """A custom window the API refuses: one date alone, a malformed one, reversed, too long, or outside 1970..9999."""
    good = draw(_valid_window())
    kind = draw(st.sampled_from(["alone", "malformed", "reversed", "too-long", "out-of-bounds"]))
    if kind == "alone":
        return [draw(st.sampled_from(good))]
    if kind == "malformed":
        bad, which = draw(st.sampled_from(MALFORMED_DATES)), draw(st.sampled_from(["startDate", "endDate"]))
        return [(name, bad if name == which else value) for name, value in good]
    if kind == "reversed":
        start = draw(_instants())
        back = draw(st.integers(0, 30 * DAY_MS))
        end = start - dt.timedelta(milliseconds=back)
        # The same instant in both (start == end) is refused too; a date-only end covers its day, so write times.
        fmt = "%Y-%m-%dT%H:%M:%S.%f"
        return [("startDate", start.strftime(fmt)[:-3] + "Z"), ("endDate", end.strftime(fmt)[:-3] + "Z")]
    if kind == "too-long":
        start = draw(_instants()).replace(microsecond=0)
        extra = draw(st.sampled_from([1000, DAY_MS]) | st.integers(1000, 300 * DAY_MS))
        end = start + dt.timedelta(milliseconds=MAX_RANGE_MS + extra)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        if end.year > 9999:
            start, end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        return [("startDate", start.strftime(fmt)), ("endDate", end.strftime(fmt))]
    # An offset moves a written 1970 or 9999 instant out of the years the API serves.
    return draw(
        st.sampled_from(
            [
                [("startDate", "1970-01-01T00:30+01:00"), ("endDate", "1970-01-02")],
                [("startDate", "9999-12-31T00:00Z"), ("endDate", "9999-12-31T23:30-01:00")],
            ]
        )
    )


@st.composite
def _types_items(draw: st.DrawFn) -> Items:
    """`type` as the SDK writes it (comma-separated), or repeated; an unknown name among them is ignored."""
    names = draw(st.lists(st.sampled_from([*_types(), "not-a-type", " activity"]), min_size=1, max_size=4))
    if draw(st.booleans()):
        return [("type", ",".join(names))]
    return [("type", name) for name in names]


@st.composite
def _other_items(draw: st.DrawFn) -> Items:
    """The parameters no value of which is refused: filters, pagination of activity, unknown names."""
    items: Items = []
    if draw(st.booleans()):
        items += draw(_types_items())
    if draw(st.booleans()):
        offsets = st.integers(0, 10_000).map(str) | st.sampled_from(["-1", "1.5", "1e3", "1e400", "abc", ""])
        items.append(("activityOffset", draw(offsets)))
    if draw(st.booleans()):
        items.append(("dropZeroPoints", draw(st.sampled_from(["true", "false", "1", "0", "yes", "off", "", "TRUE"]))))
    for name in ("userId", "userIds", "projectIds", "teamId"):
        if draw(st.integers(0, 3)) == 0:
            items.append((name, draw(st.sampled_from(["", "a,b", "user_x", "proj_x, proj_y"]) | _VALUE)))
    if draw(st.integers(0, 3)) == 0:
        items.append((draw(st.sampled_from(UNKNOWN_PARAMETERS)), draw(_VALUE)))
    return items


@st.composite
def _valid_items(draw: st.DrawFn) -> Items:
    items = draw(_other_items())
    shadowed: Items = []  # sent before the item of the same name that is read (the last one counts)
    window = draw(st.sampled_from(["none", "range", "custom", "custom-and-range"]))
    if window == "range":
        items.append(("timeRange", draw(st.sampled_from(_time_ranges()))))
        if draw(st.integers(0, 3)) == 0:
            shadowed.append(("timeRange", draw(st.sampled_from(UNKNOWN_TIME_RANGES))))
    elif window in ("custom", "custom-and-range"):
        items += draw(_valid_window())
        if window == "custom-and-range":  # with both dates, timeRange is ignored, even an unknown one
            items.append(("timeRange", draw(st.sampled_from([*_time_ranges(), *UNKNOWN_TIME_RANGES]))))
    if window in ("none", "range") and draw(st.integers(0, 5)) == 0:
        items += [("startDate", ""), ("endDate", "")]  # empty: as if absent
    items = draw(st.permutations(items))
    for name, value in shadowed:
        last = max(i for i, (n, _) in enumerate(items) if n == name)
        items.insert(draw(st.integers(0, last)), (name, value))
    return items


@st.composite
def _invalid_items(draw: st.DrawFn) -> Items:
    items = draw(_other_items())
    if draw(st.integers(0, 2)) == 0:
        bad = [("timeRange", draw(st.sampled_from(UNKNOWN_TIME_RANGES).filter(str.strip)))]
    else:
        bad = draw(_invalid_window())
        if draw(st.booleans()):
            bad.append(("timeRange", draw(st.sampled_from(_time_ranges()))))
    return draw(st.permutations(items + bad))


def _encode(items: Items, plus: bool) -> str:
    # Both spellings clients use: `+` for a space with every comma encoded (forms), or `%20` with commas kept.
    if plus:
        return urlencode(items, quote_via=quote_plus)
    return "&".join(f"{quote(name, safe='')}={quote(value, safe=',')}" for name, value in items)


def usage_queries(valid: bool | None = None) -> st.SearchStrategy[str]:
    """Draw URL-encoded query strings (without `?`) for `GET /v1/usages`: valid ones (200), invalid (400), or both.

    Valid: time ranges, custom windows in every written form (dates, minutes, seconds, fractions, `Z`, offsets) up to
    120 days, type lists, activity offsets, dropZeroPoints, filters, unknown parameters, repeated ones (the last one
    counts). Invalid: an unknown timeRange, a date alone, a malformed or reversed window, one over 120 days, one
    outside 1970..9999.
    """
    items = {None: _valid_items() | _invalid_items(), True: _valid_items(), False: _invalid_items()}[valid]
    return st.builds(_encode, items, st.booleans())
