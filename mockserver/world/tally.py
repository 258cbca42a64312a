"""What the activity up to an instant says of models and collections: the latest training event of each model, the
assets created into each collection (by project) and when each collection was last touched.

Tallied hour by hour (a pure function of the hour's events, memoised in `World.bucket_cache`), with the running total
of every whole hour before an instant memoised too: a request costs one partial hour plus, when the clock has entered
a new hour since the last request, one hour's tally; a cold start walks the history once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from mockserver.generate import make_id, stable_seed
from mockserver.world.clock import DAY, HOUR, floor_to
from mockserver.world.membership import asset_collections
from mockserver.world.timeline import ASSET_POOL, Event

if TYPE_CHECKING:
    from mockserver.world.world import World

TRAINING_ACTIONS = frozenset({"start-train", "train-succeeded"})
_TALLY_BYTES = 150  # estimated bytes of one entry of a tally (dict slot, tuple key, boxed int or event reference)


@dataclass(frozen=True, slots=True)
class Tally:
    """Totals of a stretch of activity (one hour, or every whole hour before an instant)."""

    # (collection, project) -> assets created into the collection by events of the project
    assets: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # collection -> the latest instant an event named it or created an asset into it
    touched: Mapping[str, int] = field(default_factory=dict)
    # model -> its latest training event (`start-train`, `train-succeeded` or a `model-training` job)
    trainings: Mapping[str, Event] = field(default_factory=dict)

    def size(self) -> int:
        return 200 + _TALLY_BYTES * (len(self.assets) + len(self.touched) + len(self.trainings))

    def then(self, later: Tally) -> Tally:
        """This stretch followed by `later`."""
        if not (later.assets or later.touched or later.trainings):
            return self
        assets = dict(self.assets)
        for key, count in later.assets.items():
            assets[key] = assets.get(key, 0) + count
        touched = dict(self.touched)
        for collection, t in later.touched.items():
            touched[collection] = max(t, touched.get(collection, t))
        return Tally(assets, touched, {**self.trainings, **later.trainings})


EMPTY = Tally(MappingProxyType({}), MappingProxyType({}), MappingProxyType({}))


def is_training(event: Event) -> bool:
    """Whether the event trains its model."""
    return event.model is not None and (event.action in TRAINING_ACTIONS or event.job_type == "model-training")


def tally_events(world: World, events: Iterable[Event]) -> Tally:
    """The tally of events given oldest first."""
    assets: dict[tuple[str, str], int] = {}
    touched: dict[str, int] = {}
    trainings: dict[str, Event] = {}
    for event in events:
        if event.collection is not None:
            touched[event.collection] = event.t
        if event.created and event.asset is not None:
            for collection in asset_collections(world, event.asset):
                key = (collection, event.project)
                assets[key] = assets.get(key, 0) + 1
                touched[collection] = event.t
        if event.model is not None and is_training(event):
            trainings[event.model] = event
    if not (assets or touched or trainings):
        return EMPTY
    return Tally(assets, touched, trainings)


def hour_tally(world: World, hour: int) -> Tally:
    """The tally of the whole hour starting at `hour` (memoised)."""
    key = ("library-hour", hour)
    found: Tally | None = world.bucket_cache.get(key)
    if found is None:
        found = tally_events(world, world.hour(hour, keep=False))
        world.bucket_cache.put(key, found, found.size())
    return found


def _before(world: World, hour: int) -> Tally:
    """The tally of every whole hour before `hour` (memoised; built on the latest earlier total still cached)."""
    first = floor_to(world.start, HOUR)
    if hour <= first:
        return EMPTY
    cached: Tally | None = world.bucket_cache.get(("library-before", hour))
    if cached is not None:
        return cached
    start, total = first, EMPTY
    previous: Tally | None = world.bucket_cache.get(("library-before", hour - HOUR))
    if previous is not None:
        start, total = hour - HOUR, previous
    for h in range(start, hour, HOUR):
        total = total.then(hour_tally(world, h))
    world.bucket_cache.put(("library-before", hour), total, total.size())
    return total


def tally_at(world: World, now: int) -> Tally:
    """The tally of every event with `t <= now`."""
    hour = floor_to(now, HOUR)
    partial = tally_events(world, (e for e in world.hour(hour) if e.t <= now))
    return _before(world, hour).then(partial)


# -- the assets no event created: the pool of existing assets, and the people's avatars ----------------------------
# These rules mirror `mockserver.world.assets.static_assets` (written in parallel): once both are merged, build
# `static_members` from `static_assets(world).rows` instead.
POOL_SPAN = 180 * DAY  # pool assets were uploaded over this span before the world starts
AVATAR_SPAN = 365 * DAY  # avatars of people there from the start, likewise


@dataclass(frozen=True, slots=True)
class StaticAsset:
    """An asset no activity event created: its id, owner (a project, or the team for avatars) and creation."""

    id: str
    project: str
    created: int


def pool_asset_id(world: World, i: int) -> str:
    """The id of the `i`-th asset of the world's pool (as `timeline` derives it)."""
    return make_id("asset_", world.seed, "ref", i)


def has_pool(world: World) -> bool:
    """Whether the world has the pool of existing assets: its generators draw actions that act on one."""
    return any(info.references == "asset" for stream in world.streams for info in stream.actions)


def static_assets(world: World) -> list[StaticAsset]:
    """The pool's assets (in worlds that act on existing assets) and the avatars (owned by the team)."""
    seed, first = world.seed, floor_to(world.start, HOUR) - DAY
    found = []
    if has_pool(world):
        for i in range(ASSET_POOL):
            project = world.projects[stable_seed(seed, "ref-owner", i) % len(world.projects)].id
            created = first - stable_seed(seed, "ref-created", i) % POOL_SPAN
            found.append(StaticAsset(pool_asset_id(world, i), project, created))
    for person in world.people:
        if person.avatar_asset_id:
            joined = person.created_at
            if joined is None:
                joined = first - stable_seed(seed, "avatar-created", person.id) % AVATAR_SPAN
            found.append(StaticAsset(person.avatar_asset_id, world.team.id, joined))
    return found


def static_members(world: World) -> Mapping[str, tuple[StaticAsset, ...]]:
    """collection -> the static assets in it, oldest first (memoised)."""
    key = ("library-static",)
    found: dict[str, tuple[StaticAsset, ...]] | None = world.bucket_cache.get(key)
    if found is None:
        members: dict[str, list[StaticAsset]] = {}
        for asset in static_assets(world):
            for collection in asset_collections(world, asset.id):
                members.setdefault(collection, []).append(asset)
        found = {c: tuple(sorted(rows, key=lambda a: (a.created, a.id))) for c, rows in members.items()}
        world.bucket_cache.put(key, found, 200 + 150 * sum(len(rows) for rows in found.values()))
    return found
