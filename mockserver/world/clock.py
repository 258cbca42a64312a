"""Time for a world: the clock (real or frozen) and the UTC millisecond arithmetic every series uses."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
# 1970-01-01 was a Thursday; weekly buckets start on Mondays 00:00 UTC, 4 days later.
MONDAY_OFFSET = 4 * DAY
_YEAR_10000 = 253_402_300_800_000  # epoch ms of 10000-01-01: `format_ms` below it has four-digit years

_RELATIVE = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": MINUTE, "h": HOUR, "d": DAY, "w": WEEK}


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day number counted from 1970-01-01 (Howard Hinnant's algorithm)."""
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def format_ms(ms: int) -> str:
    """Format epoch milliseconds as the API does: `YYYY-MM-DDTHH:MM:SS.sssZ`."""
    if 0 <= ms < _YEAR_10000:
        # The C library's calendar: three times faster, and the hottest call of a list walk (a job has 5 dates).
        seconds, millis = divmod(ms, 1000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"
    days, rest = divmod(ms, DAY)
    year, month, day = civil_from_days(days)
    seconds, millis = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def to_ms(dt: datetime) -> int:
    """Convert an aware datetime (naive means UTC) to epoch milliseconds."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return delta // timedelta(milliseconds=1)


def parse_instant(text: str) -> int:
    """Parse an ISO 8601 instant (a date means its midnight UTC) into epoch milliseconds; ValueError if not."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    return to_ms(datetime.fromisoformat(value))


def parse_duration(text: str) -> int:
    """Parse a relative duration such as `-2h`, `3d`, `90m` into signed milliseconds; ValueError if not."""
    match = _RELATIVE.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    sign, amount, unit = match.groups()
    ms = round(float(amount) * _UNIT_MS[unit])
    return -ms if sign == "-" else ms


def resolve_time(text: str, anchor: int) -> int:
    """An ISO 8601 instant, or a duration (`+1h`, `-30m`) from `anchor`, in epoch ms; ValueError if neither."""
    try:
        return anchor + parse_duration(text)
    except ValueError:
        pass
    try:
        return parse_instant(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither an ISO 8601 instant nor a duration such as `+1h`") from None


def floor_to(ms: int, step: int) -> int:
    """Start of the UTC-aligned bucket of size `step` holding `ms` (weeks start on Monday)."""
    if step == WEEK:
        return ms - (ms - MONDAY_OFFSET) % WEEK
    return ms - ms % step


class Clock:
    """The current time of a world: the real clock, or frozen at an instant that tests can set or advance."""

    def __init__(self, frozen_at: int | None = None) -> None:
        self._initial = frozen_at
        self._frozen_at = frozen_at

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> int:
        """Return the current time in epoch milliseconds."""
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time_ns() // 1_000_000

    def served_now(self) -> int:
        """The instant a response is computed at: the frozen instant, or the real time in whole seconds.

        Whole seconds let equal requests within one second share one rendering (the render cache).
        """
        if self._frozen_at is not None:
            return self._frozen_at
        return floor_to(time.time_ns() // 1_000_000, 1000)

    def freeze(self, at: int | None = None) -> None:
        """Stop the clock at `at` (default: now)."""
        self._frozen_at = self.now() if at is None else at

    def advance(self, ms: int) -> None:
        """Move a frozen clock forward (or back) by `ms`; a running clock is frozen first."""
        self._frozen_at = self.now() + ms

    def unfreeze(self) -> None:
        self._frozen_at = None

    def reset(self) -> None:
        """Return to the clock the world was built with."""
        self._frozen_at = self._initial
