"""What the activity up to an instant says of models and collections: the latest training event of each model, the
assets created into each collection (by project) and when each collection was last touched.

Tallied hour by hour (a pure function of the hour's events, memoised in `World.bucket_cache`), with the running total
of every whole hour before an instant memoised too: a request costs one partial hour plus, when the clock has entered
a new hour since the last request, one hour's tally; a cold start walks the history once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from mockserver.world import assets
from mockserver.world.clock import HOUR, floor_to
from mockserver.world.membership import asset_collections
from mockserver.world.timeline import Event

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
    """The tally of every event with `t <= now` (memoised by the hour and how many of its events that is: the same
    object for every instant between two events, which `tally_key` names)."""
    key = tally_key(world, now)
    found: Tally | None = world.bucket_cache.get(key)
    if found is None:
        hour, count = key[1], key[2]
        found = _before(world, hour).then(tally_events(world, world.hour(hour)[:count]))
        world.bucket_cache.put(key, found, found.size())
    return found


def tally_key(world: World, now: int) -> tuple[str, int, int]:
    """What `tally_at(world, now)` depends on: the hour of `now` and how many of its events (oldest first) are due."""
    hour = floor_to(now, HOUR)
    return ("library-at", hour, bisect_right(world.hour(hour), now, key=_time))


def _time(event: Event) -> int:
    return event.t


# -- the assets no event created: the pool of existing assets, and the people's avatars ----------------------------
@dataclass(frozen=True, slots=True)
class StaticAsset:
    """An asset no activity event created: its id, owner (a project, or the team for avatars) and creation."""

    id: str
    project: str
    created: int


def static_assets(world: World) -> list[StaticAsset]:
    """The pool's assets and the avatars, exactly as `assets.list` has them (`mockserver.world.assets`)."""
    return [StaticAsset(asset_id, event.project, t) for t, asset_id, event in assets.static_assets(world).rows]


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
