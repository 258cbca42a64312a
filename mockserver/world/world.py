"""The seeded world a scenario builds: its members, its activity by hour, and the entities events refer to."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from mockserver.generate import ValueGenerator, make_id, person_id
from mockserver.scenario.model import GeneratorSpec, Scenario
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import DAY, HOUR, Clock, floor_to, parse_duration, parse_instant
from mockserver.world.entities import ApiKey, Collection, Model, Person, Project, Team
from mockserver.world.flows import build_flow
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
GRANULARITY_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": HOUR, "1d": DAY, "7d": 7 * DAY}
HOUR_CACHE_SIZE = 24 * 400  # hours of generated activity kept in memory (about 13 months)
ENTITY_CACHE_SIZE = 50_000


class WorldError(ValueError):
    """A scenario is valid YAML but describes an impossible world (the loader reports it with its location)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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
        self.nsfw_labels = list(scenario.nsfw_labels)
        self.users: dict[str, Person | ApiKey] = {p.id: p for p in people} | {k.user_id: k for k in keys}
        self.keys_by_id = {k.id: k for k in keys}
        self.models_by_id = {m.id: m for m in models}
        self.collections_by_id = {c.id: c for c in collections}
        self.settings = _settings(scenario)
        self._collection_ids = [c.id for c in collections]
        self._hours: OrderedDict[int, list[Event]] = OrderedDict()
        self._jobs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._assets: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.start = min((s.start for s in streams), default=anchor)

    # -- activity -------------------------------------------------------------------------------------------
    def hour(self, hour: int) -> list[Event]:
        """The events of the hour starting at `hour` (memoised; a pure function of the seed)."""
        events = self._hours.get(hour)
        if events is None:
            if hour + HOUR <= self.start:
                events = []
            else:
                events = generate_hour(
                    self.seed, hour, self.streams, self._collection_ids, self.nsfw_labels, self.byok_providers
                )
            self._hours[hour] = events
            if len(self._hours) > HOUR_CACHE_SIZE:
                self._hours.popitem(last=False)
        return events

    def events(self, start: int, end: int) -> Iterator[Event]:
        """Events with `start <= t < end`, oldest first."""
        hour = max(floor_to(start, HOUR), floor_to(self.start, HOUR))
        while hour < end:
            for event in self.hour(hour):
                if start <= event.t < end:
                    yield event
            hour += HOUR

    def warm(self, now: int) -> None:
        """Generate the recent activity ahead of the first request (load time, not request time)."""
        hour = floor_to(max(self.start, now - 32 * DAY), HOUR)
        while hour <= now:
            self.hour(hour)
            hour += HOUR

    def reset(self) -> None:
        """Drop caches and return the clock to its initial state."""
        self.clock.reset()
        self._jobs.clear()
        self._assets.clear()

    # -- entities -------------------------------------------------------------------------------------------
    def job_entity(self, event: Event) -> dict[str, Any]:
        """The `entities.jobs[]` entry of an event's job."""
        assert event.job is not None
        job = self._jobs.get(event.job)
        if job is None:
            job = self._build_job(event)
            self._jobs[event.job] = job
            if len(self._jobs) > ENTITY_CACHE_SIZE:
                self._jobs.popitem(last=False)
        return job

    def _build_job(self, event: Event) -> dict[str, Any]:
        status = event.job_status or "success"
        job_type = event.job_type or "inference"
        values = self.values
        job_input, job_output = values.job_io(job_type, event.key)
        metadata: dict[str, Any] = {"input": job_input}
        if event.model is not None:
            metadata["input"] = {**job_input, "modelId": event.model}
        if status == "success":
            metadata["output"] = job_output
            if event.asset is not None and event.created:
                metadata["assetIds"] = [event.asset]
            if event.action in ("start-train", "train-succeeded") and event.model:
                metadata["outputModelId"] = event.model
        elif status == "failure":
            metadata["error"] = values.error_message(event.key)
        elif status in ("queued", "warming-up", "pending"):
            metadata["hint"] = {"queued": "Waiting for an available worker", "warming-up": "Loading the model",
                                "pending": "Waiting for user input"}[status]
        if job_type == "workflow":
            workflow_id = make_id("wflow_", self.seed, "workflow", event.key % 5)
            metadata["workflowId"] = workflow_id
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

    def _flow_asset(self, key: int, node: str) -> dict[str, str]:
        asset_id = make_id("asset_", self.seed, key, node)
        return {"assetId": asset_id, "url": f"https://cdn.cloud.scenario.com/assets/{asset_id}.webp"}

    def asset_entity(self, event: Event) -> dict[str, Any]:
        """The `entities.assets[]` entry of the asset an event created or acted on (a function of its id)."""
        assert event.asset is not None
        asset = self._assets.get(event.asset)
        if asset is None:
            kind = event.asset_kind or "image"
            asset = {
                "id": event.asset,
                "kind": kind,
                "metadata": {"type": event.asset_type or "unknown"},
                "properties": self.values.asset_properties(kind, event.asset),
                "source": event.asset_source or "unknown",
            }
            self._assets[event.asset] = asset
            if len(self._assets) > ENTITY_CACHE_SIZE:
                self._assets.popitem(last=False)
        return asset


def _settings(scenario: Scenario) -> WorldSettings:
    spec = scenario.settings
    if spec.granularity:
        steps = tuple(
            (parse_duration(step.up_to), step.granularity, GRANULARITY_MS[step.granularity])
            for step in spec.granularity
        )
        coarsest = (steps[-1][1], steps[-1][2])
    else:
        steps, coarsest = DEFAULT_GRANULARITY, COARSEST
    return WorldSettings(spec.default_time_range, steps, coarsest, spec.accept_only_declared_keys)


def resolve_time(text: str, anchor: int) -> int:
    """An absolute ISO instant, or a duration relative to the world's anchor."""
    try:
        return anchor + parse_duration(text)
    except ValueError:
        return parse_instant(text)


def build_world(scenario: Scenario, now: int | None = None) -> World:
    """Build the world a scenario describes. `now` overrides the scenario's clock (frozen there)."""
    if now is not None:
        clock = Clock(now)
    elif scenario.clock.now is not None:
        clock = Clock(parse_instant(scenario.clock.now))
    else:
        clock = Clock()
    # Relative times in the scenario count from the frozen instant, or from the start of the current UTC day,
    # so that a restarted server serves the same past within a day.
    anchor = clock.now() if clock.frozen else floor_to(clock.now(), DAY)
    seed = scenario.seed
    values = ValueGenerator(seed)

    team = Team(
        scenario.team.id or make_id("team_", seed, "team"),
        scenario.team.name or values.team_name(("team", seed)),
    )
    if isinstance(scenario.projects, int):
        projects = [
            Project(make_id("proj_", seed, "project", i), values.project_name(("project", i)))
            for i in range(scenario.projects)
        ]
    else:
        projects = [
            Project(p.id or make_id("proj_", seed, "project", i), p.name or values.project_name(("project", i)))
            for i, p in enumerate(scenario.projects)
        ]
    if not projects:
        raise WorldError("projects", "a world needs at least one project")
    project_ids = tuple(p.id for p in projects)
    _check_refs("projects", project_ids, [])

    people: list[Person] = []
    person_specs = (
        [None] * scenario.people if isinstance(scenario.people, int) else list(scenario.people)
    )
    for i, spec in enumerate(person_specs):
        generated = values.person(("person", i))
        pid = (spec.id if spec else None) or person_id(seed, "person", i)
        avatar_url: str | None = generated["avatarUrl"]
        avatar_asset: str | None = make_id("asset_", seed, "avatar", i)
        left_at: int | None = None
        projects_of = project_ids
        if spec is not None:
            if spec.avatar is False:
                avatar_url = avatar_asset = None
            elif isinstance(spec.avatar, str):
                avatar_url = spec.avatar
            if spec.left is True:
                left_at = anchor - 30 * DAY
            elif isinstance(spec.left, str):
                left_at = resolve_time(spec.left, anchor)
            if spec.projects:
                _check_refs(f"people[{i}].projects", spec.projects, project_ids)
                projects_of = tuple(spec.projects)
        people.append(
            Person(
                id=pid,
                full_name=(spec.name if spec and spec.name else generated["fullName"]),
                email=(spec.email if spec and spec.email else generated["email"]),
                avatar_asset_id=avatar_asset,
                avatar_url=avatar_url,
                left_at=left_at,
                projects=projects_of,
            )
        )

    keys: list[ApiKey] = []
    for i, spec_key in enumerate(scenario.api_keys):
        created = resolve_time(spec_key.created_at, anchor)
        revoked = None
        if spec_key.status != "active":
            revoked = resolve_time(spec_key.revoked_at or "-1d", anchor)
        elif spec_key.revoked_at is not None:
            raise WorldError(f"apiKeys[{i}].revokedAt", "only an inactive or deleted key can be revoked")
        if revoked is not None and revoked < created:
            raise WorldError(f"apiKeys[{i}].revokedAt", "a key cannot be revoked before it was created")
        if spec_key.projects:
            _check_refs(f"apiKeys[{i}].projects", spec_key.projects, project_ids)
        keys.append(
            ApiKey(
                id=spec_key.id,
                user_id=spec_key.user_id or make_id("apiu_", seed, "apikey-user", spec_key.id),
                name=spec_key.name or f"API key {i + 1}",
                status=spec_key.status,
                secret=spec_key.secret,
                projects=tuple(spec_key.projects or project_ids),
                created_at=created,
                revoked_at=revoked,
            )
        )

    if isinstance(scenario.models, int):
        models = [
            Model(make_id("model_", seed, "model", i), values.model_name(("model", i)),
                  values.short_description(("model", i)))
            for i in range(scenario.models)
        ]
    else:
        models = [
            Model(m.id or make_id("model_", seed, "model", i), m.name or values.model_name(("model", i)),
                  m.short_description if m.short_description is not None else values.short_description(("model", i)))
            for i, m in enumerate(scenario.models)
        ]
    if isinstance(scenario.collections, int):
        collections = [
            Collection(make_id("collection_", seed, "collection", i), values.collection_name(("collection", i)))
            for i in range(scenario.collections)
        ]
    else:
        collections = [
            Collection(c.id or make_id("collection_", seed, "collection", i),
                       c.name or values.collection_name(("collection", i)))
            for i, c in enumerate(scenario.collections)
        ]
    byok = [tuple(values.byok_provider(("byok", i)).values()) for i in range(3)]
    byok_providers = [(str(p[0]), str(p[1])) for p in byok]

    streams = [
        _compile_stream(i, spec_gen, anchor, people, keys, models)
        for i, spec_gen in enumerate(scenario.activity.generators)
    ]
    return World(scenario, clock, anchor, team, projects, people, keys, models, collections, streams,
                 byok_providers, values)


def _check_refs(field: str, refs: Any, known: Any) -> None:
    if not known:
        return
    missing = [r for r in refs if r not in known]
    if missing:
        raise WorldError(field, f"unknown id {missing[0]!r}; known: {', '.join(sorted(known))}")


def _compile_stream(
    index: int, spec: GeneratorSpec, anchor: int, people: list[Person], keys: list[ApiKey], models: list[Model]
) -> Stream:
    field = f"activity.generators[{index}]"
    people_by_id = {p.id: p for p in people}
    keys_by_id = {k.id: k for k in keys} | {k.user_id: k for k in keys}
    if spec.people == "all":
        chosen_people = tuple(people)
    else:
        _check_refs(f"{field}.people", spec.people, list(people_by_id))
        chosen_people = tuple(people_by_id[p] for p in spec.people)
    _check_refs(f"{field}.apiKeys", spec.api_keys, list(keys_by_id))
    chosen_keys = tuple(dict.fromkeys(keys_by_id[k] for k in spec.api_keys))
    if spec.models == "all":
        chosen_models = tuple(models)
    else:
        models_by_id = {m.id: m for m in models}
        _check_refs(f"{field}.models", spec.models, list(models_by_id))
        chosen_models = tuple(models_by_id[m] for m in spec.models)
    actions = tuple(CATALOG[a] for a in spec.actions)
    weights = tuple(accumulate(spec.actions.values()))
    if not weights or weights[-1] <= 0:
        raise WorldError(f"{field}.actions", "needs at least one action with a positive weight")
    spikes = {floor_to(resolve_time(s.day, anchor), DAY): s.factor for s in spec.spikes}
    return Stream(
        index=index,
        start=floor_to(anchor - round(spec.days * DAY), HOUR),
        per_day=spec.per_working_day,
        weekend_factor=spec.weekend_factor,
        actions=actions,
        action_cum=weights,
        people=chosen_people,
        keys=chosen_keys,
        api_key_share=spec.api_key_share if chosen_keys else 0.0,
        models=chosen_models,
        spikes=spikes,
        job_type=spec.job_type,
        discount_share=spec.discount_share,
        quality_gate_share=spec.quality_gate_share,
        nsfw_share=spec.nsfw_share,
        byok_share=spec.byok_share,
        fractional=spec.fractional_costs,
        cost_scale=spec.cost_scale,
    )
