"""The seeded world a scenario builds: its members, its activity by hour, and the entities events refer to.

Built by `mockserver.world.builder.build_world`; this module owns what a built world answers.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import orjson

from mockserver.cache import CacheBudget, CacheView, compact
from mockserver.contract.entities import AssetProperties
from mockserver.generate import ValueGenerator, make_id, stable_seed
from mockserver.scenario.model import FlowNodeSpec, JobSpec, Scenario
from mockserver.world.billing import Billing
from mockserver.world.clock import DAY, HOUR, Clock, floor_to, parse_duration
from mockserver.world.entities import ApiKey, Collection, Model, Person, Project, Team
from mockserver.world.explicit import minimal_asset_keys
from mockserver.world.flows import STARTED, build_flow
from mockserver.world.index import EntityIndex
from mockserver.world.timeline import Event, Stream, generate_hour

# Granularity from the window length (API-FACTS "Decisions for the mock"): (longest window, name, bucket ms).
DEFAULT_GRANULARITY: tuple[tuple[int, str, int], ...] = (
    (HOUR, "1m", 60_000),
    (6 * HOUR, "5m", 5 * 60_000),
    (DAY, "15m", 15 * 60_000),
    (2 * DAY, "30m", 30 * 60_000),
    (7 * DAY, "1h", HOUR),
    (62 * DAY, "1d", DAY),
)
COARSEST = ("7d", 7 * DAY)
GRANULARITY_MS = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": HOUR,
    "1d": DAY,
    "7d": 7 * DAY,
}
# The JSON Schema that generated asset properties follow: the contract's own model, exported once.
ASSET_PROPERTIES_SCHEMA = AssetProperties.model_json_schema(by_alias=True)
# Estimated sizes of cached values (tracemalloc on the shipped scenarios): an event with its ids is ~490 bytes;
# a job or asset entity, nested dicts and strings, ~3.5 to 4.5 times its JSON length.
EVENT_BYTES = 500
ENTITY_JSON_FACTOR = 4
FRAGMENT_BYTES = 150  # a serialised entity beyond its JSON: the key, the bytes object and its `orjson.Fragment`
INSTANT_ENTRIES = 512  # values `World.memo_at` keeps for one instant, then starts afresh
_TIME = attrgetter("t")


@dataclass(frozen=True)
class WorldSettings:
    default_time_range: str
    granularity: tuple[tuple[int, str, int], ...]
    coarsest: tuple[str, int]
    accept_only_declared_keys: bool


class World:
    """Everything one scenario serves. Built once; per-request queries only read it (plus bounded caches)."""

    def __init__(
        self,
        scenario: Scenario,
        clock: Clock,
        anchor: int,
        team: Team,
        projects: list[Project],
        people: list[Person],
        keys: list[ApiKey],
        models: list[Model],
        collections: list[Collection],
        streams: list[Stream],
        byok_providers: list[tuple[str, str]],
        values: ValueGenerator,
        fixed: list[Event] | None = None,
        job_specs: dict[str, JobSpec] | None = None,
        budget: CacheBudget | None = None,
        billing: Billing | None = None,
    ) -> None:
        self.scenario = scenario
        self.name = scenario.name
        self.seed = scenario.seed
        self.clock = clock
        self.anchor = anchor
        self.team = team
        self.projects = projects
        self.people = people
        self.keys = keys
        self.models = models
        self.collections = collections
        self.streams = streams
        self.byok_providers = byok_providers
        self.values = values
        self.billing = billing if billing is not None else Billing()
        self.nsfw_labels = list(scenario.nsfw_labels)
        self.users: dict[str, Person | ApiKey] = {p.id: p for p in people} | {k.user_id: k for k in keys}
        self.keys_by_id = {k.id: k for k in keys}
        self.models_by_id = {m.id: m for m in models}
        self.collections_by_id = {c.id: c for c in collections}
        self.settings = _settings(scenario)
        self._collection_ids = [c.id for c in collections]
        # Held by whoever renders (a worker thread of the server, or `mockserver render`) for the whole render:
        # renders of one world run one at a time. The caches themselves are thread-safe (`mockserver.cache`).
        self.lock = threading.Lock()
        # Every cache is keyed by what clients ask for, so all draw on one byte budget (the app's, from `Worlds`).
        budget = budget if budget is not None else CacheBudget()
        self._hours: CacheView[list[Event]] = budget.cache("hours")  # generated events by hour
        self._jobs: CacheView[dict[str, Any]] = budget.cache("entities")  # job entities by (id, status)
        self._assets: CacheView[dict[str, Any]] = budget.cache("entities")  # asset entities by id
        # Read bodies of entities that no longer change with the clock (see asset_body.py, ai_models.py).
        self.bodies: CacheView[dict[str, Any]] = budget.cache("entities")
        # Job and asset entities serialised, by ("job", id, status) and ("asset", id): `/usages` copies them.
        self._fragments: CacheView[tuple[orjson.Fragment, int]] = budget.cache("entities")
        # Items of the read views serialised, by a key naming all that they depend on (a project's members, models).
        self.fragments: CacheView[orjson.Fragment] = budget.cache("entities")
        # Each hour's events as activity pages list them, serialised, filled in as pages list them (see activity.py).
        self.activity_cache: CacheView[Any] = budget.cache("entities")
        # Serialised bodies by (query, now, contract variant) (see report.py).
        self.render_cache = budget.cache("renders")
        # Totals of whole past buckets by (bucket size, start): a pure function of the events (see aggregate.py).
        self.bucket_cache = budget.cache("buckets")
        # Values that are pure functions of the world and one instant (`memo_at`), for the last instant asked about.
        self._instant: tuple[int, dict[Hashable, Any]] = (-1, {})
        # Explicit events (jobs, assets, events of the scenario), by hour, merged into the generated ones.
        self._fixed: dict[int, list[Event]] = {}
        for event in fixed or ():
            self._fixed.setdefault(floor_to(event.t, HOUR), []).append(event)
        self._job_specs = job_specs or {}
        # Jobs that move through statuses as the clock advances: job id -> [(instant, status)].
        self._progress: dict[str, list[tuple[int, str]]] = {}
        for event in fixed or ():
            spec = self._job_specs.get(event.job or "")
            if spec is not None and spec.progress:
                self._progress[event.job or ""] = [
                    (event.t + parse_duration(step.after), step.status) for step in spec.progress
                ]
        self.minimal_assets = frozenset(
            e.asset for e in fixed or () if e.asset is not None and e.key in minimal_asset_keys(scenario)
        )
        starts = [s.start for s in streams] + [floor_to(e.t, HOUR) for e in fixed or ()]
        self.start = min(starts, default=anchor)
        # Jobs and assets by id, for the read endpoints (built on first use; see index.py).
        self.index = EntityIndex(self)

    # -- activity -------------------------------------------------------------------------------------------
    def hour(self, hour: int, keep: bool = True) -> list[Event]:
        """The events of the hour starting at `hour` (memoised unless not `keep`; a pure function of the seed)."""
        events = self._hours.get(hour)
        if events is None:
            if hour + HOUR <= self.start:
                events = []
            else:
                events = generate_hour(
                    self.seed, hour, self.streams, self._collection_ids, self.nsfw_labels, self.byok_providers
                )
                fixed = self._fixed.get(hour)
                if fixed:
                    events = sorted(events + fixed, key=lambda e: (e.t, e.key))
            if keep:
                self._hours.put(hour, events, 64 + EVENT_BYTES * len(events))
        return events

    def position(self, t: int) -> tuple[int, int]:
        """Where the events at or after `t` begin: the hour of `t` and the index of its first such event (the events
        of `[a, b)` are those from `position(a)` up to `position(b)`)."""
        hour = floor_to(t, HOUR)
        return hour, bisect_left(self.hour(hour), t, key=_TIME)

    def events(self, start: int, end: int, keep: bool = True) -> Iterator[Event]:
        """Events with `start <= t < end`, oldest first (hours not yet generated are memoised only with `keep`)."""
        hour = max(floor_to(start, HOUR), floor_to(self.start, HOUR))
        while hour < end:
            for event in self.hour(hour, keep):
                if start <= event.t < end:
                    yield event
            hour += HOUR

    def warm(self, now: int) -> None:
        """Generate the recent activity ahead of the first request (load time, not request time)."""
        hour = floor_to(max(self.start, now - 8 * DAY), HOUR)
        while hour <= now:
            self.hour(hour)
            hour += HOUR

    def reset(self) -> None:
        """Drop caches and return the clock to its initial state (never waits for a render in flight)."""
        self.clock.reset()
        # The caches are thread-safe, and each entry is a pure function of its key: a render in flight may put
        # entries back, and they are correct.
        self.render_cache.clear()
        self._jobs.clear()
        self._assets.clear()
        self._fragments.clear()
        self.fragments.clear()
        self.activity_cache.clear()
        self.bodies.clear()
        self._instant = (-1, {})

    def memo_at(self, now: int) -> dict[Hashable, Any]:
        """A memo for values that are pure functions of this world and the instant `now`, kept until another instant
        is asked about: a frozen clock keeps it across requests, a running one still shares it within a request (a
        list of projects repeats its members in each). Started afresh past `INSTANT_ENTRIES` (a client varying its
        filters at one instant): most values are also in the budgeted caches; this holds references and lists."""
        instant = self._instant
        if instant[0] != now or len(instant[1]) >= INSTANT_ENTRIES:
            instant = self._instant = (now, {})  # a race with another instant only loses entries, never mixes them
        return instant[1]

    # -- entities -------------------------------------------------------------------------------------------
    def job_status(self, event: Event, now: int) -> str:
        """The status of an event's job at `now`: fixed, unless the scenario makes it progress with the clock."""
        steps = self._progress.get(event.job or "")
        if steps is None:
            return event.job_status or "success"
        status = event.job_status or "queued"
        for at, step_status in steps:
            if at <= now:
                status = step_status
        return status

    def progress_steps(self, job_id: str | None) -> list[tuple[int, str]] | None:
        """The `(instant, status)` steps of a job that moves on with the clock; None for any other job."""
        return self._progress.get(job_id or "")

    def progressing_jobs(self) -> list[str]:
        """The ids of the jobs that move on with the clock (a few explicit jobs of the scenario)."""
        return list(self._progress)

    def job_entity(self, event: Event, now: int, keep: bool = True) -> dict[str, Any]:
        """The `entities.jobs[]` entry of an event's job, as it stands at `now` (memoised unless not `keep`)."""
        assert event.job is not None
        status = self.job_status(event, now)
        cache_key = (event.job, status)
        recorded = self.scenario.recorded.jobs.get(event.job)
        if recorded is not None:
            return recorded
        job = self._jobs.get(cache_key)
        if job is None:
            job = self._build_job(event, status)
            if keep:
                self._jobs.put(cache_key, job, ENTITY_JSON_FACTOR * len(orjson.dumps(job)))
        return job

    def job_fragment(self, event: Event, now: int) -> tuple[orjson.Fragment, int]:
        """`job_entity` serialised, and the length of its JSON (memoised: `/usages` copies it into its bodies)."""
        key = ("job", event.job, self.job_status(event, now))
        found = self._fragments.get(key)
        if found is None:
            data = compact(orjson.dumps(self.job_entity(event, now)))
            found = self._fragments.put(key, (orjson.Fragment(data), len(data)), FRAGMENT_BYTES + len(data))
        return found

    def asset_fragment(self, event: Event) -> tuple[orjson.Fragment, int]:
        """`asset_entity` serialised, and the length of its JSON (memoised: `/usages` copies it into its bodies)."""
        key = ("asset", event.asset)
        found = self._fragments.get(key)
        if found is None:
            data = compact(orjson.dumps(self.asset_entity(event)))
            found = self._fragments.put(key, (orjson.Fragment(data), len(data)), FRAGMENT_BYTES + len(data))
        return found

    def _build_job(self, event: Event, status: str) -> dict[str, Any]:
        job_type = event.job_type or "inference"
        values = self.values
        job_input, job_output = values.job_io(job_type, event.key, input_model=event.model)
        metadata: dict[str, Any] = {"input": job_input}
        if event.model is not None:  # already set by job_io, but in a training job's input or one without a modelId
            metadata["input"] = {**job_input, "modelId": event.model}
        if status == "success":
            metadata["output"] = job_output
            if event.asset is not None and event.created:
                metadata["assetIds"] = [event.asset]
            if event.action in ("start-train", "train-succeeded") and event.model:
                metadata["outputModelId"] = event.model
        elif status == "failure":
            spec = self._job_specs.get(event.job or "")
            metadata["error"] = (spec.error if spec and spec.error else None) or values.error_message(event.key)
        elif status in ("queued", "warming-up", "pending"):
            metadata["hint"] = {
                "queued": "Waiting for an available worker",
                "warming-up": "Loading the model",
                "pending": "Waiting for user input",
            }[status]
        if job_type == "workflow":
            workflow_id = make_id("wflow_", self.seed, "workflow", event.key % 5)
            metadata["workflowId"] = workflow_id
            spec = self._job_specs.get(event.job or "")
            if spec is not None and spec.flow:
                metadata["flow"] = self._explicit_flow(event, spec.flow, workflow_id)
                return {"id": event.job, "jobType": job_type, "status": status, "metadata": metadata}
            metadata["flow"] = build_flow(
                event.job or "",
                status,
                workflow_id,
                event.model,
                lambda node: make_id("job_", self.seed, event.key, node),
                lambda node: self._flow_asset(event.key, node),
                lambda node: values.prompt((event.key, node)),
            )
        return {"id": event.job, "jobType": job_type, "status": status, "metadata": metadata}

    def _explicit_flow(self, event: Event, nodes: list[FlowNodeSpec], workflow_id: str) -> list[dict[str, Any]]:
        flow = []
        for node in nodes:
            entry: dict[str, Any] = {
                "id": node.id,
                "type": node.type,
                "status": node.status,
                "workflowId": workflow_id,
            }
            if node.depends_on:
                entry["dependsOn"] = list(node.depends_on)
            if node.status in STARTED and node.type not in ("list", "logic", "for-each"):
                entry["jobId"] = make_id("job_", self.seed, event.key, node.id)
            model = node.model or (event.model if node.type in ("model", "custom-model") else None)
            if model is not None:
                entry["modelId"] = model
            if node.type == "for-each":
                if node.iterations is not None:
                    entry["count"] = node.iterations
                if node.loop_body:
                    entry["loopBodyNodeIds"] = list(node.loop_body)
            if node.type == "logic":
                entry["logicType"] = node.logic or "if-else"
                entry["logic"] = {"cases": [{"condition": "true", "value": "next"}], "default": "skip"}
            if node.status == "success" and node.type in (
                "model",
                "custom-model",
                "remove-background",
                "transform",
            ):
                entry["assets"] = [self._flow_asset(event.key, node.id)]
            flow.append(entry)
        return flow

    def _flow_asset(self, key: int, node: str) -> dict[str, str]:
        asset_id = make_id("asset_", self.seed, key, node)
        return {"assetId": asset_id, "url": f"https://cdn.cloud.scenario.com/assets/{asset_id}.webp"}

    def asset_entity(self, event: Event) -> dict[str, Any]:
        """The `entities.assets[]` entry of the asset an event created or acted on (a function of its id)."""
        assert event.asset is not None
        recorded = self.scenario.recorded.assets.get(event.asset)
        if recorded is not None:
            return recorded
        asset = self._assets.get(event.asset)
        if asset is None:
            kind = event.asset_kind or "image"
            asset = {
                "id": event.asset,
                "kind": kind,
                "metadata": {"type": event.asset_type or "unknown"},
                "properties": (
                    {"size": 512 + stable_seed(event.asset) % 4096}
                    if event.asset in self.minimal_assets
                    else self.values.asset_properties(
                        kind, event.asset, ASSET_PROPERTIES_SCHEMA, defs=ASSET_PROPERTIES_SCHEMA.get("$defs")
                    )
                ),
                "source": event.asset_source or "unknown",
            }
            self._assets.put(event.asset, asset, ENTITY_JSON_FACTOR * len(orjson.dumps(asset)))
        return asset


def _settings(scenario: Scenario) -> WorldSettings:
    spec = scenario.settings
    steps: tuple[tuple[int, str, int], ...]
    coarsest: tuple[str, int]
    if spec.granularity:
        steps = tuple(
            (parse_duration(step.up_to), step.granularity, GRANULARITY_MS[step.granularity])
            for step in spec.granularity
        )
        coarsest = (steps[-1][1], steps[-1][2])
    else:
        steps, coarsest = DEFAULT_GRANULARITY, COARSEST
    return WorldSettings(spec.default_time_range, steps, coarsest, spec.accept_only_declared_keys)
