"""The activity page of a `/usages` body and the entities it refers to: the window's events, newest first.

On the hot path each listed event is serialised once, with its entities (`Listing`), kept by hour: a page is then
copied from those pieces, whatever window it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import orjson

from mockserver.cache import compact
from mockserver.contract.query import ACTIVITY_PAGE_SIZE, UsageQuery
from mockserver.world.aggregate import cu
from mockserver.world.clock import HOUR, floor_to, format_ms
from mockserver.world.timeline import Event
from mockserver.world.world import World

# Estimated sizes of a kept listing beyond the JSON it holds: the tuple, its strings, the bytes and fragments.
LISTING_BYTES = 300
HOUR_LISTINGS_BYTES = 64  # an hour's list, beyond 8 bytes a slot
LISTING_ESTIMATE = 1500  # what an hour's list is first accounted at per event; it grows as entries are filled in
PAGE_BYTES = 400  # a kept `Page` beyond its listings and 24 bytes a slot of its lists and sets


def query_filter(query: UsageQuery) -> Callable[[Event], bool] | None:
    """The filter of a query's user and project ids (None: no filter)."""
    users, projects = query.user_ids, query.project_ids
    if users is None and projects is None:
        return None
    return lambda e: (users is None or e.user in users) and (projects is None or e.project in projects)


class Placed(NamedTuple):
    """An event as the `i`th of the events of the hour starting at `hour`."""

    hour: int
    events: list[Event]
    i: int


def _newest_first(world: World, start: int, limit: int) -> Iterator[Placed]:
    hour = floor_to(limit - 1, HOUR)
    earliest = max(floor_to(start, HOUR), floor_to(world.start, HOUR))
    while hour >= earliest:
        events = world.hour(hour)
        for i in range(len(events) - 1, -1, -1):
            if start <= events[i].t < limit:
                yield Placed(hour, events, i)
        hour -= HOUR


def activity_page(world: World, query: UsageQuery, start: int, limit: int) -> list[Placed]:
    """One page of the window's events, newest first (walking back only as far as the page needs)."""
    if query.team_id is not None and query.team_id != world.team.id:
        return []
    passes = query_filter(query)
    wanted = query.activity_offset + ACTIVITY_PAGE_SIZE
    found: list[Placed] = []
    for placed in _newest_first(world, start, limit):
        if passes is None or passes(placed.events[placed.i]):
            found.append(placed)
            if len(found) >= wanted:
                break
    return found[query.activity_offset :]


class Run(NamedTuple):
    """The events `[lo, hi)` of the hour starting at `hour`: part of a page, listed newest first."""

    hour: int
    events: list[Event]
    lo: int
    hi: int


def page_runs(world: World, start: int, limit: int, wanted: int) -> list[Run]:
    """The newest `wanted` events of `[start, limit)`, unfiltered, as runs of each hour's events, newest first
    (the events `activity_page` places, found by bisection: `World.position`)."""
    hour = floor_to(limit - 1, HOUR)
    earliest = max(floor_to(start, HOUR), floor_to(world.start, HOUR))
    runs = []
    while hour >= earliest and wanted > 0:
        events = world.hour(hour)
        hi = len(events) if limit >= hour + HOUR else world.position(limit)[1]
        lo = 0 if start <= hour else world.position(start)[1]
        lo = max(lo, hi - wanted)
        if hi > lo:
            runs.append(Run(hour, events, lo, hi))
            wanted -= hi - lo
        hour -= HOUR
    return runs


class Page(NamedTuple):
    """An unfiltered activity page, listed: its entries, and the entities they refer to (sorted by id, as
    `entities` lists them; users and models are merged with the rest of the body's references at each render)."""

    activity: list[orjson.Fragment]
    users: frozenset[str]
    models: frozenset[str]
    assets: list[orjson.Fragment]
    jobs: list[Listing]
    collections: list[str]
    job_entities: list[orjson.Fragment] | None  # the jobs' entries, when none of them moves with the clock


def listed_page(world: World, query: UsageQuery, start: int, limit: int, now: int) -> Page:
    """The activity page of a query, listed (`listings`). An unfiltered one is kept for the next query with the
    same page: the same newest event and as many events (a pure function of them, but for the jobs moving with the
    clock, which `listed_entities` looks up at each render)."""
    if query_filter(query) is not None or query.team_id not in (None, world.team.id):
        return _page(listings(world, activity_page(world, query, start, limit), now))
    offset = query.activity_offset
    runs = page_runs(world, start, limit, offset + ACTIVITY_PAGE_SIZE)
    count = sum(run.hi - run.lo for run in runs)
    if count <= offset:
        return EMPTY_PAGE
    cache = world.activity_cache
    key = ("page", runs[0].hour, runs[0].hi, count, offset)
    page: Page | None = cache.get(key)
    if page is None:
        placed = [Placed(run.hour, run.events, i) for run in runs for i in range(run.hi - 1, run.lo - 1, -1)]
        listed = listings(world, placed[offset:], now)
        page = _page(listed)
        # Its listings are counted again (they are their hours' too): kept longer than its hours, it holds them.
        cache.put(key, page, PAGE_BYTES + sum(entry.size + 24 for entry in listed))
    return page


def _page(listed: list[Listing]) -> Page:
    users: set[str] = set()
    models: set[str] = set()
    assets: dict[str, orjson.Fragment | None] = {}  # (never None: an event with an asset has its entry)
    jobs: dict[str, Listing] = {}
    collections: set[str] = set()
    for entry in listed:
        users.add(entry.user)
        if entry.model is not None:
            models.add(entry.model)
        if entry.asset is not None and entry.asset not in assets:
            assets[entry.asset] = entry.asset_entity
        if entry.job is not None and entry.job not in jobs:
            jobs[entry.job] = entry
        if entry.collection is not None:
            collections.add(entry.collection)
    listed_jobs = [entry for _, entry in sorted(jobs.items())]
    static = [entry.job_entity for entry in listed_jobs if entry.job_entity is not None]
    return Page(
        [entry.activity for entry in listed],
        frozenset(users),
        frozenset(models),
        [fragment for _, fragment in sorted(assets.items()) if fragment is not None],
        listed_jobs,
        sorted(collections),
        static if len(static) == len(listed_jobs) else None,
    )


def activity_entry(e: Event) -> dict[str, Any]:
    """The `activity[]` entry of an event."""
    data: dict[str, Any] = {}
    if e.asset is not None:
        data["assetId"] = e.asset
    if e.collection is not None:
        data["collectionId"] = e.collection
    if e.job is not None:
        data["jobId"] = e.job
    if e.model is not None:
        data["modelId"] = e.model
    if e.api:
        data["isApiKey"] = True
    if e.byok is not None:
        data["byokProvider"] = {"id": e.byok[0], "displayName": e.byok[1]}
    event: dict[str, Any] = {
        "action": e.action,
        "data": data,
        "projectId": e.project,
        "time": format_ms(e.t),
        "userId": e.user,
    }
    if e.cost or e.job is not None:
        event["creativeUnitsCost"] = cu(e.cost)
    return event


def entities(
    world: World, page: list[Event], user_refs: set[str], model_refs: set[str], now: int
) -> dict[str, list[dict[str, Any]]]:
    """The `entities` of a body whose activity page is `page` and whose other lists refer to `user_refs` and
    `model_refs`, at `now`."""
    users = set(user_refs)
    models = set(model_refs)
    assets: dict[str, Event] = {}
    jobs: dict[str, Event] = {}
    collections: set[str] = set()
    for e in page:
        users.add(e.user)
        if e.model is not None:
            models.add(e.model)
        if e.asset is not None:
            assets.setdefault(e.asset, e)
        if e.job is not None:
            jobs.setdefault(e.job, e)
        if e.collection is not None:
            collections.add(e.collection)
    return {
        "assets": [world.asset_entity(assets[a]) for a in sorted(assets)],
        "collections": [world.collections_by_id[c].entity() for c in sorted(collections)],
        "jobs": [world.job_entity(jobs[j], now) for j in sorted(jobs)],
        "models": [world.models_by_id[m].entity() for m in sorted(models) if m in world.models_by_id],
        "users": [world.users[u].entity(now) for u in sorted(users) if u in world.users],
    }


class Listing(NamedTuple):
    """An event as a page lists it, serialised: its `activity` entry, and its entities' ids and entries (`job_entity`
    is None when the job's status moves with the clock: that one is looked up at each render)."""

    activity: orjson.Fragment
    event: Event  # (its hour's list holds it too)
    user: str
    model: str | None
    collection: str | None
    asset: str | None
    asset_entity: orjson.Fragment | None
    job: str | None
    job_entity: orjson.Fragment | None
    size: int


class HourListings:
    """The listings of one hour's events, filled in as pages list them; `accounted` is what the cache counts."""

    __slots__ = ("accounted", "entries", "size")

    def __init__(self, count: int) -> None:
        self.entries: list[Listing | None] = [None] * count
        self.size = HOUR_LISTINGS_BYTES + 8 * count
        self.accounted = self.size + LISTING_ESTIMATE * count


def _listing(world: World, e: Event, now: int) -> Listing:
    activity = compact(orjson.dumps(activity_entry(e)))
    asset = job = None
    size = LISTING_BYTES + len(activity)
    if e.asset is not None:
        asset, length = world.asset_fragment(e)
        size += length
    if e.job is not None and world.progress_steps(e.job) is None:  # the job's entity does not depend on now
        job, length = world.job_fragment(e, now)
        size += length
    return Listing(orjson.Fragment(activity), e, e.user, e.model, e.collection, e.asset, asset, e.job, job, size)


def listings(world: World, page: list[Placed], now: int) -> list[Listing]:
    """The listings of a page's events: each made once (a pure function of the event) and kept in its hour's list.

    An hour's list is accounted at an estimate when made, and again at twice its size whenever filling it in
    outgrows what is accounted; a list too large for the cache to keep is not filled in any more.
    """
    cache = world.activity_cache
    found = []
    hour, kept = None, None
    for placed in page:
        if placed.hour != hour:
            hour = placed.hour
            kept = cache.get(hour)
            if kept is None or len(kept.entries) != len(placed.events):
                kept = HourListings(len(placed.events))
                cache.put(hour, kept, kept.accounted)
        entry = kept.entries[placed.i] if kept is not None else None
        if entry is None:
            entry = _listing(world, placed.events[placed.i], now)
            if kept is not None and kept.size + entry.size > kept.accounted:
                grown = 2 * (kept.size + entry.size)
                if cache.fits(grown):
                    kept.accounted = grown
                    cache.put(hour, kept, grown)
                else:
                    kept = None  # not filled in any more: the rest of this hour is listed without being kept
            if kept is not None:
                kept.entries[placed.i] = entry
                kept.size += entry.size
        found.append(entry)
    return found


def listed_entities(
    world: World, page: Page, user_refs: set[str], model_refs: set[str], now: int
) -> dict[str, list[Any]]:
    """`entities` for a listed page and the other references of its body, their entries serialised (the same bytes
    as `entities`)."""
    users = page.users.union(user_refs)
    models = page.models.union(model_refs)
    return {
        "assets": page.assets,
        "collections": [world.collections_by_id[c].entity() for c in page.collections],
        "jobs": page.job_entities
        if page.job_entities is not None
        else [_job(world, entry, now) for entry in page.jobs],
        "models": [world.models_by_id[m].entity() for m in sorted(models) if m in world.models_by_id],
        "users": [world.users[u].entity(now) for u in sorted(users) if u in world.users],
    }


def _job(world: World, entry: Listing, now: int) -> orjson.Fragment:
    return entry.job_entity if entry.job_entity is not None else world.job_fragment(entry.event, now)[0]


EMPTY_PAGE = Page([], frozenset(), frozenset(), [], [], [], [])
