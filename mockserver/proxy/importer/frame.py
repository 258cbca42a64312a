"""The frame of the imported world: the instant its clock is frozen at and its granularity table, as every capture's
windows and buckets allow."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from mockserver.errors import CaptureError
from mockserver.proxy.importer.captures import Exchange
from mockserver.world.clock import DAY, format_ms, parse_instant
from mockserver.world.world import COARSEST, DEFAULT_GRANULARITY
from mockserver.worlds import NOW_HEADER

STEP = {name: step for _, name, step in DEFAULT_GRANULARITY} | {COARSEST[0]: COARSEST[1]}


class Frame:
    """What the world's clock and buckets must be; the base of `Builder`."""

    def __init__(self, exchanges: list[Exchange], name: str, notes: list[str]) -> None:
        self.exchanges = exchanges
        self.name = name
        self.notes = notes
        self.table: list[tuple[int | None, str]] = [(longest, name) for longest, name, _ in DEFAULT_GRANULARITY]
        self.table.append((None, COARSEST[0]))
        self._granularity()
        self.now = self._instant()
        self.team_id = self._team()

    # The team the world is built for: the one a query named (`teamId`). A query naming it selects everything, as
    # the mock answers it; a query naming another team is a filter (the mock answers it empty series).
    def _team(self) -> str | None:
        named = list(dict.fromkeys(ex.query.team_id for ex in self.exchanges if ex.query.team_id))
        if len(named) <= 1:
            return named[0] if named else None
        # Several: the team whose answers show something (another team's are empty), else the first named.
        team = next((t for t in named if any(_shows(ex.body) for ex in self.exchanges if ex.query.team_id == t)), None)
        team = team or named[0]
        others = ", ".join(repr(t) for t in named if t != team)
        self.notes.append(
            f"the captures name several teams: the world is team {team!r}; queries of {others} are filters"
        )
        return team

    def is_filtered(self, ex: Exchange) -> bool:
        """Whether the capture's query selects part of the world (users, projects, another team than its own)."""
        q = ex.query
        return q.user_ids is not None or q.project_ids is not None or q.team_id not in (None, self.team_id)

    # The instant: every capture's window must come out with the buckets it shows, and after its newest event.
    def _instant(self) -> int:
        low, high = -(2**62), 2**62
        for ex in self.exchanges:
            lo, hi = _instant_bounds(ex, self.step_of)
            low, high = max(low, lo), min(high, hi)
        if low > high:
            self.notes.append(
                "the captures were answered at different instants (their windows disagree): the clock is frozen at "
                f"{format_ms(low)}, and captures made earlier come out different"
            )
            return low
        # The instant each answer was given: a mockserver upstream says it (`X-Mock-Now`: its clock may be frozen),
        # else the capture's time (when the request arrived: its answer came a little later). The latest that fits.
        fitting = []
        for ex in self.exchanges:
            announced = ex.capture.response_headers.get(NOW_HEADER)
            at = ex.capture.time
            if announced:
                with contextlib.suppress(ValueError):
                    at = parse_instant(announced)
            if at is not None and low <= at <= high:
                fitting.append(at)
        if fitting:
            return max(fitting)
        if high == 2**62:
            unplaced = next((ex for ex in self.exchanges if ex.relative), None)
            if unplaced is not None and low == -(2**62):
                # A named range (`last-day`) whose body shows no bucket and no event, and no time: nothing says when.
                raise CaptureError(
                    unplaced.source,
                    "$.time",
                    "cannot tell when this answer was given (its window is a named range and its body shows no "
                    'series point or activity): add "time": "<ISO 8601 instant>" to the capture',
                )
            # Only custom windows: after all of them, so that each is wholly in the past.
            return max(low, *(ex.query.window(0, "last-seven-days")[1] for ex in self.exchanges))
        return low

    def _earliest(self) -> int:
        return min(ex.query.window(self.now, "last-seven-days")[0] for ex in self.exchanges)

    # Granularity: the mock's table, unless the captures show another one; then a table that gives what they show
    # (window lengths do not depend on the instant: a named range has its length, a custom window its dates).
    def _granularity(self) -> None:
        seen: dict[int, str] = {}
        for ex in self.exchanges:
            rows = [r for r in ex.body.get("usages") or () if isinstance(r, dict) and "granularity" in r]
            if rows:
                start, end = ex.query.window(0, "last-seven-days")
                seen[end - start] = rows[0]["granularity"]
        table: list[tuple[int | None, str]] = [(longest, name) for longest, name, _ in DEFAULT_GRANULARITY]
        table.append((None, COARSEST[0]))
        for length, name in sorted(seen.items()):
            if _lookup(table, length) != name:
                index = next(i for i, (longest, _) in enumerate(table) if longest is None or length <= longest)
                table.insert(index, (length, name))  # windows up to this length take what the capture shows
        self.settings_granularity: list[dict[str, str]] | None = None
        if table == [*((longest, name) for longest, name, _ in DEFAULT_GRANULARITY), (None, COARSEST[0])]:
            return
        if any(_lookup(table, length) != name for length, name in seen.items()):
            self.notes.append("the captures disagree on the granularity of a window length: the mock's table is kept")
            return
        self.table = table
        steps = [{"upTo": _duration(longest), "granularity": name} for longest, name in table if longest is not None]
        steps.append({"upTo": _duration((table[-2][0] or 0) + DAY), "granularity": table[-1][1]})
        self.settings_granularity = steps
        self.notes.append(
            "the captures show another granularity table than the mock's: the scenario sets settings.granularity"
        )

    def step_of(self, length: int) -> int:
        return STEP[_lookup(self.table, length)]


def _shows(body: dict[str, Any]) -> bool:
    """Whether a usages body shows anything: an activity item, a consumption row, a point with a non-zero value."""
    if body.get("activity") or body.get("consumption"):
        return True
    for key in ("usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages"):
        for row in body.get(key) or ():
            for point in row.get("points") or ():
                if any(_nonzero(v) for k, v in point.items() if k != "time"):
                    return True
    return False


def _nonzero(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    try:
        return float(value) != 0
    except ValueError:
        return False


def _lookup(table: Sequence[tuple[int | None, str]], length: int) -> str:
    for longest, name in table:
        if longest is None or length <= longest:
            return name
    return table[-1][1]


def _duration(ms: int) -> str:
    for unit, size in (("d", DAY), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def _instant_bounds(ex: Exchange, step_of: Callable[[int], int]) -> tuple[int, int]:
    """The instants at which the upstream could have given this body: [low, high] in epoch ms."""
    low, high = -(2**62), 2**62
    for item in ex.body.get("activity") or ():
        low = max(low, parse_instant(item["time"]) + 1)
    rows = [r for r in ex.body.get("usages") or () if r.get("points")]
    if not ex.relative or not rows:
        return low, high
    q = ex.query
    from mockserver.contract.query import _TIME_RANGE_MS  # the lengths of the named ranges

    length = _TIME_RANGE_MS[q.time_range or "last-seven-days"]
    step = step_of(length)
    step = STEP.get(rows[0].get("granularity"), step)
    points = rows[0]["points"]
    first, last = parse_instant(points[0]["time"]), parse_instant(points[-1]["time"])
    if q.drop_zero_points:  # the points shown are some of the buckets: only that now is after the last one
        return max(low, last + 1), high
    # first == floor(now - length, step), and the last bucket holds now - 1 ms: last < now <= last + step.
    low = max(low, first + length, last + 1)
    high = min(high, first + length + step - 1, last + step)
    return low, high
