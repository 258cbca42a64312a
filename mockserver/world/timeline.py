"""The activity of a world: events generated hour by hour as a pure function of (seed, hour).

Any past window therefore holds the same events in every process, whenever it is asked for.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from random import Random
from typing import Any

from mockserver.generate.ids import make_id, stable_seed
from mockserver.world.catalog import ActionInfo
from mockserver.world.clock import DAY, HOUR, floor_to
from mockserver.world.entities import ApiKey, Model, Person

# Share of a working day's events in each UTC hour: office hours across Europe and the Americas.
_HOURLY = (1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 9, 10, 11, 11, 10, 8, 6, 5, 4, 3, 2, 1)
HOURLY_PROFILE = tuple(w / sum(_HOURLY) for w in _HOURLY)

# How often a job ends in each status: mostly success, every status present in a busy world.
JOB_STATUS_WEIGHTS = (
    ("success", 86.0),
    ("failure", 5.0),
    ("canceled", 2.0),
    ("in-progress", 2.0),
    ("queued", 1.5),
    ("pending", 1.5),
    ("warming-up", 1.0),
    ("finalizing", 1.0),
)
_STATUS_NAMES = tuple(name for name, _ in JOB_STATUS_WEIGHTS)
_STATUS_CUM = tuple(accumulate(w for _, w in JOB_STATUS_WEIGHTS))
# Statuses whose job produced its outputs, and statuses that are not charged.
PRODUCED = frozenset({"success"})
NOT_CHARGED = frozenset({"failure", "canceled"})
# How the quality gate judges the generations it checks.
VERDICT_WEIGHTS = (("pass", 80.0), ("warn", 14.0), ("fail", 6.0))
_VERDICT_NAMES = tuple(name for name, _ in VERDICT_WEIGHTS)
_VERDICT_CUM = tuple(accumulate(w for _, w in VERDICT_WEIGHTS))


@dataclass(slots=True)
class Event:
    """One activity event; amounts are integer milli-CU so that sums are exact. `job_type` is set exactly when `job` is
    (counting reads it: reading a generated event's `job` derives its id)."""

    t: int
    seq: int
    action: str
    usage_row: str | None
    user: str
    api: bool
    project: str
    cost: int = 0
    discount: int = 0
    qg_cost: int = 0
    model: str | None = None
    job: str | None = None
    job_type: str | None = None
    job_status: str | None = None
    asset: str | None = None
    asset_kind: str | None = None
    asset_source: str | None = None
    asset_type: str | None = None
    created: bool = False  # the event created its asset (counted in assetUsages), rather than acting on one
    collection: str | None = None
    byok: tuple[str, str] | None = None
    nsfw: str | None = None
    verdict: str | None = None
    key: int = 0  # seed of everything generated about this event's job and asset


_JOB_SLOT: Any = Event.job  # type: ignore[misc]  # the slots, under the properties of GeneratedEvent
_ASSET_SLOT: Any = Event.asset  # type: ignore[misc]
_PRODUCED: Any = object()  # an id still to derive: the job or asset the event produced
_REFERENCED: Any = object()  # an id still to derive: one of the world's pool of existing assets
ASSET_POOL = 997


class GeneratedEvent(Event):
    """An event drawn by a generator: its job and asset ids, a function of (seed, key), are derived when first read.

    Most generated events are only counted, never listed, and deriving both ids was half the cost of drawing one.
    """

    __slots__ = ("job_duration", "seed")

    def __init__(self, *args: Any, seed: int, **fields: Any) -> None:
        super().__init__(*args, **fields)
        self.seed = seed
        self.job_duration = -1  # how long its job ran (ms), once a walk has drawn it (`job_history.duration`)

    @property
    def job(self) -> str | None:
        value: str | None = _JOB_SLOT.__get__(self)
        if value is _PRODUCED:
            value = make_id("job_", self.seed, self.key)
            _JOB_SLOT.__set__(self, value)
        return value

    @job.setter
    def job(self, value: str | None) -> None:
        _JOB_SLOT.__set__(self, value)

    @property
    def asset(self) -> str | None:
        value: str | None = _ASSET_SLOT.__get__(self)
        if value is _PRODUCED:
            value = make_id("asset_", self.seed, self.key)
            _ASSET_SLOT.__set__(self, value)
        elif value is _REFERENCED:
            value = make_id("asset_", self.seed, "ref", self.key % ASSET_POOL)
            _ASSET_SLOT.__set__(self, value)
        return value

    @asset.setter
    def asset(self, value: str | None) -> None:
        _ASSET_SLOT.__set__(self, value)


@dataclass(frozen=True, slots=True)
class Stream:
    """A compiled activity generator: the distributions one scenario `GeneratorSpec` describes."""

    index: int
    start: int
    per_day: float
    weekend_factor: float
    actions: tuple[ActionInfo, ...]
    action_cum: tuple[float, ...]
    people: tuple[Person, ...]
    keys: tuple[ApiKey, ...]
    api_key_share: float
    models: tuple[Model, ...]
    spikes: dict[int, float]
    job_type: str | None
    discount_share: float
    quality_gate_share: float
    nsfw_share: float
    byok_share: float
    fractional: bool
    cost_scale: float

    def rate(self, hour: int) -> float:
        """Expected number of events in the hour starting at `hour`."""
        day = floor_to(hour, DAY)
        weekday = ((day // DAY) + 3) % 7  # 0 = Monday
        factor = self.weekend_factor if weekday >= 5 else 1.0
        return self.per_day * HOURLY_PROFILE[(hour - day) // HOUR] * factor * self.spikes.get(day, 1.0)


def _poisson(rng: Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:  # normal approximation: exact enough for load, O(1)
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _weighted(rng: Random, items: Sequence[str], cum: Sequence[float]) -> str:
    return items[bisect_right(cum, rng.random() * cum[-1])]


def generate_hour(
    seed: int,
    hour: int,
    streams: Sequence[Stream],
    collections: Sequence[str],
    nsfw_labels: Sequence[str],
    byok_providers: Sequence[tuple[str, str]],
) -> list[Event]:
    """Return the events of the hour starting at `hour`, sorted by time: a pure function of its arguments."""
    events: list[Event] = []
    for stream in streams:
        if hour + HOUR <= stream.start:
            continue
        rng = Random(stable_seed(seed, "stream", stream.index, hour))
        count = _poisson(rng, stream.rate(hour))
        # Who can act is the same all hour unless someone joins or leaves during it: filter once, not per event
        # (a world of thousands of people would otherwise scan them all for every event).
        people = _active_all_hour(stream.people, hour) if count else None
        keys = _active_all_hour(stream.keys, hour) if count else None
        for _ in range(count):
            t = hour + rng.randrange(HOUR)
            event = _make_event(rng, seed, stream, t, collections, nsfw_labels, byok_providers, people, keys)
            if event is not None and t >= stream.start:
                events.append(event)
    events.sort(key=lambda e: (e.t, e.key))
    for seq, event in enumerate(events):
        event.seq = seq
    return events


def _active_all_hour(members: Sequence[Person] | Sequence[ApiKey], hour: int) -> list[Any] | None:
    """The members active at every instant of the hour, in order; None if one joins or leaves during it."""
    end = hour + HOUR
    for member in members:
        for change in (member.left_at,) if isinstance(member, Person) else (member.created_at, member.revoked_at):
            if change is not None and hour < change < end:
                return None
    return [member for member in members if member.active_at(hour)]


def _make_event(
    rng: Random,
    seed: int,
    stream: Stream,
    t: int,
    collections: Sequence[str],
    nsfw_labels: Sequence[str],
    byok_providers: Sequence[tuple[str, str]],
    people: Sequence[Person] | None = None,
    keys: Sequence[ApiKey] | None = None,
) -> Event | None:
    info = stream.actions[bisect_right(stream.action_cum, rng.random() * stream.action_cum[-1])]
    key = rng.getrandbits(63)
    use_key = stream.keys and rng.random() < stream.api_key_share
    candidates: Sequence[Person | ApiKey] = []
    if use_key:
        candidates = keys if keys is not None else [k for k in stream.keys if k.active_at(t)]
    if not candidates:  # no key works at that moment: a person does it instead
        candidates = people if people is not None else [p for p in stream.people if p.active_at(t)]
    if not candidates:
        return None
    actor = candidates[rng.randrange(len(candidates))]
    project = actor.projects[rng.randrange(len(actor.projects))]
    api = actor.is_api_key
    event = GeneratedEvent(
        seed=seed,
        t=t,
        seq=0,
        action=info.name,
        usage_row=info.usage_row,
        user=actor.user_id if isinstance(actor, ApiKey) else actor.id,
        api=api,
        project=project,
        key=key,
    )
    if (info.uses_model or stream.job_type == "workflow") and stream.models:
        event.model = stream.models[rng.randrange(len(stream.models))].id
    job_type = stream.job_type or info.job_type
    status = "success"
    if job_type is not None:
        _JOB_SLOT.__set__(event, _PRODUCED)
        event.job_type = job_type
        status = _weighted(rng, _STATUS_NAMES, _STATUS_CUM)
        event.job_status = status
    low, high = info.cost
    if high and status not in NOT_CHARGED:
        milli = rng.randint(low, high) * stream.cost_scale
        event.cost = round(milli) if stream.fractional else round(milli / 1000) * 1000
    if info.name == "refunds":
        event.discount = rng.randint(1, 20) * 1000
    elif event.cost and rng.random() < stream.discount_share:
        event.discount = round(event.cost * rng.choice((0.1, 0.25, 0.5)) / 1000) * 1000 or 1000
    if info.asset_kind is not None and status in PRODUCED:
        _ASSET_SLOT.__set__(event, _PRODUCED)
        event.asset_kind = info.asset_kind
        event.asset_source = info.asset_source
        event.asset_type = info.asset_type
        event.created = True
        if info.quality_gate and rng.random() < stream.quality_gate_share:
            event.verdict = _weighted(rng, _VERDICT_NAMES, _VERDICT_CUM)
            gate = min(event.cost, 200 if stream.fractional else 1000)
            event.qg_cost = gate
        if nsfw_labels and rng.random() < stream.nsfw_share:
            event.nsfw = nsfw_labels[rng.randrange(len(nsfw_labels))]
    elif info.references == "asset":
        # An existing asset, one of a stable pool of ASSET_POOL per world.
        _ASSET_SLOT.__set__(event, _REFERENCED)
        event.asset_kind, event.asset_source, event.asset_type = "image", "uploaded", "uploaded"
    if info.references == "collection" and collections:
        event.collection = collections[rng.randrange(len(collections))]
    if byok_providers and (info.byok or (event.job_type is not None and rng.random() < stream.byok_share)):
        event.byok = byok_providers[rng.randrange(len(byok_providers))]
    return event
