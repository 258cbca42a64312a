"""The query of `GET /v1/usages`: a typed `UsageQuery` parsed from raw parameters, with the API's 400 rules."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mockserver.contract.enums import TIME_RANGES, USAGE_TYPES
from mockserver.errors import QueryError

MAX_RANGE_MS = 120 * 24 * 3_600_000
# Dates outside 1970-01-01 .. 9999-12-31 are refused: the real API has no data there either.
EARLIEST_MS = 0
LATEST_MS = 253_402_300_800_000
ACTIVITY_PAGE_SIZE = 100
_FALSY = frozenset({"false", "0", "no", "off"})
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:\d{2}| \d{2}:\d{2})?",
    re.ASCII,
)
# The written forms of `startDate`/`endDate`, as one regular expression that means the same in Python and in
# ECMA-262 (it is the OpenAPI document's `pattern`): `[0-9]`, not `\d` (Unicode in Python); real calendar days of the
# years 1970..9999 only, leap years included; the time, fraction and offset forms of `_INSTANT` (a space stands for
# an unencoded `+`). `parse_date` refuses what it does not match; an offset can still move the instant off 1970..9999.
_YEAR = "(?:19[7-9][0-9]|[2-9][0-9]{3})"
_LEAP_YEAR = "(?:19(?:7[26]|8[048]|9[26])|[2-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[3579][26])00)"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_HOUR_MINUTE = "(?:[01][0-9]|2[0-3]):[0-5][0-9]"
DATE_PATTERN = (
    f"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
    f"(?:T{_HOUR_MINUTE}(?::[0-5][0-9](?:\\.[0-9]{{1,9}})?)?(?:[Zz]|[+ -]{_HOUR_MINUTE})?)?$"
)
_DATE_TEXT = re.compile(DATE_PATTERN, re.ASCII)
# A plain decimal number (ASCII digits only; no digit separators, no "inf"/"nan").
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_TIME_RANGE_MS = {
    "last-hour": 3_600_000,
    "last-day": 86_400_000,
    "last-three-days": 3 * 86_400_000,
    "last-seven-days": 7 * 86_400_000,
    "last-thirty-one-days": 31 * 86_400_000,
}
KNOWN_PARAMETERS = frozenset(
    {
        "timeRange",
        "startDate",
        "endDate",
        "type",
        "activityOffset",
        "dropZeroPoints",
        "userId",
        "userIds",
        "projectIds",
        "teamId",
    }
)


@dataclass(frozen=True, slots=True)
class UsageQuery:
    """A normalised request: equal queries (whatever their parameter order or spelling) compare equal."""

    time_range: str | None = None
    start: int | None = None  # epoch ms, inclusive
    end: int | None = None  # epoch ms, exclusive
    types: frozenset[str] = frozenset(USAGE_TYPES)
    activity_offset: int = 0
    drop_zero_points: bool = False
    user_ids: frozenset[str] | None = None
    project_ids: frozenset[str] | None = None
    team_id: str | None = None

    def window(self, now: int, default_time_range: str) -> tuple[int, int]:
        """The half-open window `[start, end)` this query asks for, at time `now`."""
        if self.start is not None and self.end is not None:
            return self.start, self.end
        return now - _TIME_RANGE_MS[self.time_range or default_time_range], now


def _days_from_civil(year: int, month: int, day: int) -> int:
    # Howard Hinnant's algorithm: days since 1970-01-01, valid for every proleptic Gregorian date.
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _valid_date(year: int, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and day >= 1):
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return day <= days


def parse_date(text: str, *, is_end: bool) -> int:
    """Parse `startDate`/`endDate` to epoch ms; a date-only end means the start of the next day. ValueError if bad."""
    if not _DATE_TEXT.fullmatch(text):
        raise ValueError(text)
    match = _DATE.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        if not _valid_date(year, month, day):
            raise ValueError(text)
        return (_days_from_civil(year, month, day) + (1 if is_end else 0)) * 86_400_000
    match = _INSTANT.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match.group(6) or 0)
    fraction = (match.group(7) or "0").ljust(3, "0")[:3]
    offset = match.group(8)
    if not _valid_date(year, month, day) or hour > 23 or minute > 59 or second > 59:
        raise ValueError(text)
    ms = (((_days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second) * 1000 + int(fraction)
    if offset and offset not in ("Z", "z"):
        # A "+" sent unencoded in a query string arrives as a space.
        sign = -1 if offset[0] == "-" else 1
        off_h, off_m = int(offset[1:3]), int(offset[4:6])
        if off_h > 23 or off_m > 59:
            raise ValueError(text)
        ms -= sign * (off_h * 60 + off_m) * 60_000
    return ms


def _last(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def parse_usage_query(items: Iterable[tuple[str, str]], *, lenient: bool = False) -> UsageQuery:
    """Parse raw query items into a `UsageQuery`; raise `QueryError` (400) unless `lenient`."""
    params: dict[str, list[str]] = {}
    for name, value in items:
        if name in KNOWN_PARAMETERS:
            params.setdefault(name, []).append(value)

    def fail(message: str) -> None:
        if not lenient:
            raise QueryError(message)

    start_text = _last(params, "startDate") or None
    end_text = _last(params, "endDate") or None
    start = end = None
    if start_text is not None or end_text is not None:
        if start_text is None or end_text is None:
            fail("startDate and endDate must be given together")
        else:
            try:
                start = parse_date(start_text, is_end=False)
            except ValueError:
                fail(f"startDate is not an ISO 8601 date from 1970 to 9999: {start_text!r}")
            try:
                end = parse_date(end_text, is_end=True)
            except ValueError:
                fail(f"endDate is not an ISO 8601 date from 1970 to 9999: {end_text!r}")
            if start is not None and end is not None:
                if start < EARLIEST_MS or end > LATEST_MS:
                    fail("startDate and endDate must lie between 1970-01-01 and 9999-12-31")
                    start = end = None
                elif start >= end:
                    fail("startDate must be before endDate")
                    start = end = None
                elif end - start > MAX_RANGE_MS:
                    fail("the range between startDate and endDate must not exceed 120 days")
                    start = end = None
            if start is None or end is None:
                start = end = None

    time_range = _last(params, "timeRange") or None
    if start is not None:
        time_range = None  # ignored when both dates are given, even if unknown
    elif time_range is not None and time_range not in TIME_RANGES:
        fail(f"timeRange must be one of {', '.join(TIME_RANGES)}; got {time_range!r}")
        time_range = None

    requested = {t.strip() for value in params.get("type", ()) for t in value.split(",")}
    types = frozenset(requested & set(USAGE_TYPES)) or frozenset(USAGE_TYPES)

    offset = 0
    offset_text = _last(params, "activityOffset")
    if offset_text:
        number = float(offset_text) if _NUMBER.fullmatch(offset_text.strip()) else math.nan
        if math.isfinite(number) and number >= 0:
            offset = int(number)

    drop_text = _last(params, "dropZeroPoints")
    drop = drop_text is not None and drop_text.strip().lower() not in _FALSY

    user_ids: set[str] | None = None
    for name in ("userId", "userIds"):
        ids_text = _last(params, name)
        if ids_text:
            ids = {u.strip() for u in ids_text.split(",") if u.strip()}
            user_ids = ids if user_ids is None else user_ids & ids
    project_text = _last(params, "projectIds")
    project_ids = {p.strip() for p in project_text.split(",") if p.strip()} if project_text else None

    return UsageQuery(
        time_range=time_range,
        start=start,
        end=end,
        types=types,
        activity_offset=offset,
        drop_zero_points=drop,
        user_ids=frozenset(user_ids) if user_ids is not None else None,
        project_ids=frozenset(project_ids) if project_ids is not None else None,
        team_id=_last(params, "teamId") or None,
    )
