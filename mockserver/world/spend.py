"""What the team consumed over a billing period: per user, by project and in all, as `/usages` counts it.

The totals of every whole hour of the period before an instant are memoised in `World.bucket_cache` (built on the
previous hour's, or from memoised whole days), so a request reads one memo and the events of the current hour.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from mockserver.world.aggregate import Bucket, cu
from mockserver.world.clock import DAY, HOUR, floor_to
from mockserver.world.timeline import Event
from mockserver.world.world import World

# Estimated sizes of a stretch's per-user totals (a slim bucket per project and one for the team: a user id and three
# integers each).
DAY_TOTALS_BYTES = 300
USER_TOTAL_BYTES = 150


@dataclass(frozen=True, slots=True)
class Spend:
    """CU charged over `[start, now)` of the billing period `[start, end)`: per user, and their sum."""

    start: int
    end: int
    by_user: dict[str, float]
    total: float


def spend(parts: Iterable[Bucket], start: int, end: int) -> Spend:
    """The spend in some stretches' per-user totals, as `/usages` lists its `consumption` rows: each user's `value`
    (largest first, then by id; no row for a user charged and waived nothing), and the values summed in that order.

    Summed as a client sums the parsed rows (floats, in the order `/usages` lists them), so the totals are equal
    to the last bit (`report.consumption_rows` makes those rows).
    """
    totals: dict[str, list[int]] = {}
    for part in parts:
        for user, (value, discount, _) in part.users.items():
            row = totals.get(user)
            if row is None:
                totals[user] = [value, discount]
            else:
                row[0] += value
                row[1] += discount
    ordered = sorted((-value, user) for user, (value, discount) in totals.items() if value or discount)
    by_user = {user: cu(-value) for value, user in ordered}
    return Spend(start, end, by_user, sum(by_user.values()))


def team_spend(world: World, now: int) -> Spend:
    """The whole team's spend in the billing period holding `now`, as `/usages?startDate=<start>&endDate=<now>`."""
    return period_usage(world, now)[0]


def project_spend(world: World, now: int) -> dict[str, Spend]:
    """Each project's spend in the billing period, as `/usages` filtered by `projectIds=<project>` gives it
    (memoised like `period_usage`)."""
    start, end = world.billing.period_at(now)
    key = ("project-spend", start, *_due(world, start, now))
    found: dict[str, Spend] | None = world.bucket_cache.get(key)
    if found is None:
        before, partial = _period_totals(world, start, now)
        empty = Spend(start, end, {}, 0)
        found = {}
        for p in world.projects:
            buckets = [t.by_project[p.id] for t in (before, partial) if p.id in t.by_project]
            found[p.id] = spend(buckets, start, end) if buckets else empty
        users = sum(len(spent.by_user) for spent in found.values())
        world.bucket_cache.put(key, found, DAY_TOTALS_BYTES + USER_TOTAL_BYTES * users)
    return found


def period_usage(world: World, now: int) -> tuple[Spend, int]:
    """The team's spend in the billing period before `now`, and the canvas assets (source `canvas`) created in it.

    Memoised by the period and the events before `now` (the hour and how many of its events): the same for every
    instant between two events.
    """
    start, end = world.billing.period_at(now)
    key = ("period-usage", start, *_due(world, start, now))
    found: tuple[Spend, int] | None = world.bucket_cache.get(key)
    if found is None:
        before, partial = _period_totals(world, start, now)
        found = spend((before.team, partial.team), start, end), before.canvases + partial.canvases
        world.bucket_cache.put(key, found, DAY_TOTALS_BYTES + USER_TOTAL_BYTES * len(found[0].by_user))
    return found


def _due(world: World, start: int, now: int) -> tuple[int, int]:
    """The hour of the period `_period_totals` cuts `now` in, and how many of its events come before `now`."""
    hour = max(start, floor_to(now, HOUR))
    return hour, bisect_left(world.hour(hour), now, key=_time)


@dataclass(frozen=True, slots=True)
class Totals:
    """What the team views read of a stretch of events: per-user CU totals, by project and in all; canvas assets.

    The totals are integer milli-CU (slim `Bucket`s: only `users`), so totals summed over stretches are exactly what
    `/usages` sums over its buckets, for the team or for one project.
    """

    by_project: dict[str, Bucket]
    team: Bucket
    canvases: int

    def size(self) -> int:
        users = len(self.team.users) + sum(len(b.users) for b in self.by_project.values())
        return DAY_TOTALS_BYTES + USER_TOTAL_BYTES * users

    def then(self, later: Totals) -> Totals:
        """This stretch followed by `later` (neither changed)."""
        by_project = {p: _merged(b, later.by_project.get(p)) for p, b in self.by_project.items()}
        for project, bucket in later.by_project.items():
            by_project.setdefault(project, bucket)
        return Totals(by_project, _merged(self.team, later.team), self.canvases + later.canvases)


def _merged(bucket: Bucket, later: Bucket | None) -> Bucket:
    if later is None or not later.users:
        return bucket
    merged = Bucket(bucket.time)
    users = merged.users = {user: list(row) for user, row in bucket.users.items()}
    for user, (value, discount, gate) in later.users.items():
        row = users.get(user)
        if row is None:
            users[user] = [value, discount, gate]
        else:
            row[0] += value
            row[1] += discount
            row[2] += gate
    return merged


def _period_totals(world: World, start: int, now: int) -> tuple[Totals, Totals]:
    """The totals of `[start, now)` in two parts: every whole hour (memoised), and the hour `now` is in, so far."""
    hour, due = _due(world, start, now)
    return _before(world, start, hour), _totals(world, world.hour(hour)[:due])


def _time(event: Event) -> int:
    return event.t


def _before(world: World, start: int, hour: int) -> Totals:
    """The totals of `[start, hour)` (`hour` on the hour): memoised, built on the previous hour's when it is cached.

    A cold start sums whole days (each memoised) and then the day's hours: a request costs one partial hour, plus,
    when the clock has entered a new hour since the last request, that hour's events.
    """
    key = ("team-before", start, hour)
    cache = world.bucket_cache
    found: Totals | None = cache.get(key)
    if found is not None:
        return found
    previous: Totals | None = cache.get(("team-before", start, hour - HOUR)) if hour > start else None
    if previous is not None:
        found = previous.then(_totals(world, world.events(hour - HOUR, hour)))
    else:
        found = _totals(world, ())
        day = floor_to(hour, DAY)
        for low in _days(start, max(start, day)):
            found = found.then(_day_totals(world, low))
        for low in range(max(start, day), hour, HOUR):
            found = found.then(_totals(world, world.events(low, low + HOUR)))
    cache.put(key, found, found.size())
    return found


def _days(start: int, now: int) -> range:
    return range(start, now, DAY)  # periods start at midnight UTC: whole days, the last one cut at now


def _day_totals(world: World, low: int) -> Totals:
    """The totals of the whole day starting at `low`: memoised (its hours are not kept, as /usages does)."""
    key = ("team-day", low)
    cached: Totals | None = world.bucket_cache.get(key)
    if cached is None:
        cached = _totals(world, world.events(low, low + DAY, keep=False))
        world.bucket_cache.put(key, cached, cached.size())
    return cached


def _totals(world: World, events: Iterable[Event]) -> Totals:
    """The totals of some events, as `Bucket.add` counts users (every event, its cost, discount and gate cost)."""
    by_project: dict[str, dict[str, list[int]]] = {}
    team: dict[str, list[int]] = {}
    canvases = 0
    for event in events:
        users = by_project.get(event.project)
        if users is None:
            users = by_project[event.project] = {}
        cost, discount, gate = event.cost, event.discount, event.qg_cost
        for table in (users, team):
            row = table.get(event.user)
            if row is None:
                table[event.user] = [cost, discount, gate]
            else:
                row[0] += cost
                row[1] += discount
                row[2] += gate
        canvases += event.created and event.asset_source == "canvas"
    return Totals({p: _slim(users) for p, users in by_project.items()}, _slim(team), canvases)


def _slim(users: dict[str, list[int]]) -> Bucket:
    bucket = Bucket("")
    bucket.users = users
    return bucket
