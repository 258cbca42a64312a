"""The seeded world a scenario builds: its members, its activity by hour, and the entities events refer to."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import orjson

from mockserver.cache import CacheBudget, CacheView
from mockserver.contract.entities import AssetProperties
from mockserver.generate import ValueGenerator, make_id, person_id, stable_seed
from mockserver.scenario.model import FlowNodeSpec, GeneratorSpec, JobSpec, Scenario
from mockserver.world.billing import Billing, build_billing
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import DAY, HOUR, Clock, floor_to, parse_duration, parse_instant, resolve_time
from mockserver.world.entities import ApiKey, Collection, Model, Person, Project, Team
from mockserver.world.flows import STARTED, build_flow
from mockserver.world.index import EntityIndex
from mockserver.world.roster import build_projects, build_team, founded_at, joined_at
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
        # Serialised bodies by (query, now, contract variant) (see report.py).
        self.render_cache = budget.cache("renders")
        # Totals of whole past buckets by (bucket size, start): a pure function of the events (see aggregate.py).
        self.bucket_cache = budget.cache("buckets")
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
            e.asset for e in fixed or () if e.asset is not None and e.key in _minimal_keys(scenario)
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

    def job_entity(self, event: Event, now: int) -> dict[str, Any]:
        """The `entities.jobs[]` entry of an event's job, as it stands at `now`."""
        assert event.job is not None
        status = self.job_status(event, now)
        cache_key = (event.job, status)
        recorded = self.scenario.recorded.jobs.get(event.job)
        if recorded is not None:
            return recorded
        job = self._jobs.get(cache_key)
        if job is None:
            job = self._build_job(event, status)
            self._jobs.put(cache_key, job, ENTITY_JSON_FACTOR * len(orjson.dumps(job)))
        return job

    def _build_job(self, event: Event, status: str) -> dict[str, Any]:
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


def build_world(
    scenario: Scenario, now: int | None = None, seed: int | None = None, budget: CacheBudget | None = None
) -> World:
    """Build the world a scenario describes. `now` freezes the clock there; `seed` replaces the scenario's.

    Its caches draw on `budget` (None: a budget of its own, `DEFAULT_CACHE_BYTES`).
    """
    if seed is not None and seed != scenario.seed:
        scenario = scenario.model_copy(update={"seed": seed})
    if now is not None:
        clock = Clock(now)
    elif scenario.clock.now is not None:
        clock = Clock(parse_instant(scenario.clock.now))
    else:
        clock = Clock()
    # Relative times in the scenario count from the frozen instant, or from the start of the current UTC day,
    # so that a restarted server serves the same past within a day.
    anchor = clock.now() if clock.frozen else floor_to(clock.now(), DAY)
    if scenario.contract is not None:
        from mockserver.contract.adapt import ContractError, adapter_for

        try:
            adapter_for(scenario.contract)
        except ContractError as exc:
            raise WorldError("contract", str(exc)) from None
    seed = scenario.seed
    values = ValueGenerator(seed)

    founded = founded_at(scenario, anchor)
    team = build_team(scenario, anchor, founded, values)
    projects = build_projects(scenario, anchor, founded, values)
    if not projects:
        raise WorldError("projects", "a world needs at least one project")
    project_ids = tuple(p.id for p in projects)

    people: list[Person] = []
    person_specs = [None] * scenario.people if isinstance(scenario.people, int) else list(scenario.people)
    for i, spec in enumerate(person_specs):
        generated = values.person(("person", i))
        pid = (spec.id if spec else None) or person_id(seed, "person", i)
        avatar_url: str | None = generated["avatarUrl"]
        avatar_asset: str | None = (spec.avatar_asset_id if spec else None) or generated["avatarAssetId"]
        left_at: int | None = None
        projects_of = project_ids
        role = "admin" if i == 0 else "member"
        if spec is not None:
            role = spec.role or role
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
                role=role,
                max_consumption=spec.max_consumption if spec else None,
                created_at=joined_at(scenario, anchor, founded, i, pid, spec.joined_at if spec else None),
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
                scope=spec_key.scope,
                max_consumption=spec_key.max_consumption,
                role=spec_key.role,
            )
        )

    if isinstance(scenario.models, int):
        models = [
            Model(
                make_id("model_", seed, "model", i),
                values.model_name(("model", i)),
                values.short_description(("model", i)),
            )
            for i in range(scenario.models)
        ]
    else:
        models = [
            Model(
                m.id or make_id("model_", seed, "model", i),
                m.name or values.model_name(("model", i)),
                (
                    None
                    if m.short_description is False
                    else m.short_description
                    if m.short_description is not None
                    else values.short_description(("model", i))
                ),
            )
            for i, m in enumerate(scenario.models)
        ]
    if isinstance(scenario.collections, int):
        collections = [
            Collection(make_id("collection_", seed, "collection", i), values.collection_name(("collection", i)))
            for i in range(scenario.collections)
        ]
    else:
        collections = [
            Collection(
                c.id or make_id("collection_", seed, "collection", i),
                c.name or values.collection_name(("collection", i)),
            )
            for i, c in enumerate(scenario.collections)
        ]
    byok = [tuple(values.byok_provider(("byok", i)).values()) for i in range(3)]
    byok_providers = [(str(p[0]), str(p[1])) for p in byok]

    streams = [
        _compile_stream(i, spec_gen, anchor, people, keys, models)
        for i, spec_gen in enumerate(scenario.activity.generators)
    ]
    fixed, job_specs = _explicit_events(scenario, anchor, people, keys, models, collections, byok_providers)
    fixed.extend(_recorded_events(scenario, people, keys, [p.id for p in projects], models, collections))
    return World(
        scenario,
        clock,
        anchor,
        team,
        projects,
        people,
        keys,
        models,
        collections,
        streams,
        byok_providers,
        values,
        fixed,
        job_specs,
        budget,
        billing=build_billing(scenario.billing, anchor),
    )


def _actor(field: str, ref: str, people: list[Person], keys: list[ApiKey]) -> Person | ApiKey:
    for person in people:
        if person.id == ref:
            return person
    for key in keys:
        if ref in (key.id, key.user_id):
            return key
    known = [p.id for p in people] + [k.id for k in keys]
    raise WorldError(field, f"unknown person or API key {ref!r}; known: {', '.join(known) or 'none'}")


def _project_of(field: str, ref: str | None, actor: Person | ApiKey) -> str:
    if ref is None:
        return actor.projects[0]
    if ref not in actor.projects:
        raise WorldError(field, f"{ref!r} is not one of the projects of {actor.id!r}: {', '.join(actor.projects)}")
    return ref


def _check_active(field: str, actor: Person | ApiKey, t: int) -> None:
    if isinstance(actor, ApiKey):
        if t < actor.created_at:
            raise WorldError(field, f"API key {actor.id!r} did not exist yet at that time")
        if actor.revoked_at is not None and t >= actor.revoked_at:
            raise WorldError(field, f"API key {actor.id!r} was already {actor.status} at that time")
    elif actor.left_at is not None and t >= actor.left_at:
        raise WorldError(field, f"{actor.id!r} had already left the platform at that time")


_DEFAULT_ACTION = {info.job_type: info.name for info in reversed(list(CATALOG.values())) if info.job_type}


def _check_flow(field: str, job_status: str, nodes: list[FlowNodeSpec]) -> None:
    by_id = {n.id: n for n in nodes}
    for j, node in enumerate(nodes):
        for dep in node.depends_on:
            if dep not in by_id:
                raise WorldError(f"{field}[{j}].dependsOn", f"unknown node {dep!r}; nodes: {', '.join(by_id)}")
            dep_status = by_id[dep].status
            if node.status in STARTED and dep_status not in ("success", "processing"):
                raise WorldError(
                    f"{field}[{j}].status",
                    f"a {node.status!r} node cannot depend on {dep!r}, which is {dep_status!r}",
                )
        if job_status == "success" and node.status not in ("success", "skipped"):
            raise WorldError(f"{field}[{j}].status", f"a successful job has no {node.status!r} node")


def _explicit_events(
    scenario: Scenario,
    anchor: int,
    people: list[Person],
    keys: list[ApiKey],
    models: list[Model],
    collections: list[Collection],
    byok_providers: list[tuple[str, str]],
) -> tuple[list[Event], dict[str, JobSpec]]:
    seed = scenario.seed
    model_ids = [m.id for m in models]
    collection_ids = [c.id for c in collections]
    events: list[Event] = []
    job_specs: dict[str, JobSpec] = {}
    for i, job in enumerate(scenario.jobs):
        field = f"jobs[{i}]"
        actor = _actor(f"{field}.owner", job.owner, people, keys)
        t = resolve_time(job.time, anchor)
        _check_active(f"{field}.time", actor, t)
        if job.model is not None:
            _check_refs(f"{field}.model", [job.model], model_ids)
        if job.flow is not None:
            if job.job_type != "workflow":
                raise WorldError(f"{field}.flow", "only workflow jobs have a flow")
            _check_flow(f"{field}.flow", job.status, job.flow)
        if job.progress:
            for j, step in enumerate(job.progress):
                try:
                    if parse_duration(step.after) < 0:
                        raise ValueError
                except ValueError:
                    raise WorldError(
                        f"{field}.progress[{j}].after", f"expected a duration such as '30s', found {step.after!r}"
                    ) from None
        if (
            job.error is not None
            and job.status != "failure"
            and not any(step.status == "failure" for step in job.progress or ())
        ):
            raise WorldError(f"{field}.error", f"only a failed job has an error (status is {job.status!r})")
        action = job.action or ("custom" if job.job_type == "workflow" else _DEFAULT_ACTION.get(job.job_type, "custom"))
        info = CATALOG[action]
        key = stable_seed(seed, "job", i)
        job_id = job.id or make_id("job_", seed, "job", i)
        event = Event(
            t=t,
            seq=0,
            action=action,
            usage_row=info.usage_row,
            user=_user_id(actor),
            api=actor.is_api_key,
            project=_project_of(f"{field}.project", job.project, actor),
            cost=round(job.cost * 1000),
            model=job.model or (model_ids[0] if info.uses_model and model_ids else None),
            job=job_id,
            job_type=job.job_type,
            job_status=job.status,
            key=key,
        )
        if info.asset_kind is not None and job.status == "success" and not job.progress:
            event.asset = make_id("asset_", seed, "job", i)
            event.asset_kind, event.asset_source, event.asset_type = (
                info.asset_kind,
                info.asset_source,
                info.asset_type,
            )
            event.created = True
        events.append(event)
        job_specs[job_id] = job
    for i, asset in enumerate(scenario.assets):
        field = f"assets[{i}]"
        if asset.id is not None and asset.count != 1:
            raise WorldError(f"{field}.id", "an id names one asset: use count 1, or no id")
        actor = _actor(f"{field}.owner", asset.owner, people, keys) if asset.owner else (people or keys)[0]
        t0 = resolve_time(asset.created_at, anchor)
        _check_active(f"{field}.createdAt", actor, t0)
        project = _project_of(f"{field}.project", asset.project, actor)
        source = {
            "image": "uploaded",
            "3d": "uploaded-3d",
            "audio": "uploaded-audio",
            "video": "uploaded-video",
            "text": "uploaded-text",
        }.get(asset.kind, "uploaded")
        for n in range(asset.count):
            events.append(
                Event(
                    t=t0 + n * 1000,
                    seq=0,
                    action="asset",
                    usage_row=None,
                    user=_user_id(actor),
                    api=actor.is_api_key,
                    project=project,
                    asset=asset.id or make_id("asset_", seed, "asset", i, n),
                    asset_kind=asset.kind,
                    asset_source=source,
                    asset_type=source,
                    created=True,
                    key=stable_seed(seed, "asset", i, n),
                )
            )
    for i, spec in enumerate(scenario.activity.events):
        field = f"activity.events[{i}]"
        actor = _actor(f"{field}.user", spec.user, people, keys)
        t = resolve_time(spec.time, anchor)
        _check_active(f"{field}.time", actor, t)
        info = CATALOG[spec.action]
        if spec.model is not None:
            _check_refs(f"{field}.model", [spec.model], model_ids)
        if spec.collection is not None:
            _check_refs(f"{field}.collection", [spec.collection], collection_ids)
        key = stable_seed(seed, "event", i)
        event = Event(
            t=t,
            seq=0,
            action=spec.action,
            usage_row=info.usage_row,
            user=_user_id(actor),
            api=actor.is_api_key,
            project=_project_of(f"{field}.project", spec.project, actor),
            cost=round(spec.cost * 1000),
            discount=round(spec.discount * 1000),
            model=spec.model or (model_ids[0] if info.uses_model and model_ids else None),
            collection=spec.collection
            or (collection_ids[0] if info.references == "collection" and collection_ids else None),
            key=key,
        )
        if info.job_type is not None:
            event.job, event.job_type, event.job_status = (
                make_id("job_", seed, "event", i),
                info.job_type,
                "success",
            )
        if info.asset_kind is not None:
            event.asset = make_id("asset_", seed, "event", i)
            event.asset_kind, event.asset_source, event.asset_type = (
                info.asset_kind,
                info.asset_source,
                info.asset_type,
            )
            event.created = True
        if (spec.byok or info.byok) and byok_providers:
            event.byok = byok_providers[0]
        events.append(event)
    return events, job_specs


# The fields of a recorded entity that the read endpoints build on, and their JSON types.
_RECORDED_JOB: dict[str, type] = {"id": str, "jobType": str, "status": str, "metadata": dict}
_RECORDED_ASSET: dict[str, type] = {"id": str, "kind": str, "metadata": dict, "properties": dict, "source": str}


def _recorded_events(
    scenario: Scenario,
    people: list[Person],
    keys: list[ApiKey],
    project_ids: list[str],
    models: list[Model],
    collections: list[Collection],
) -> list[Event]:
    """The events of `recorded.events`, exactly as written; their order breaks ties between events of one instant."""
    users = {p.id: False for p in people} | {k.user_id: True for k in keys}
    model_ids = [m.id for m in models]
    collection_ids = [c.id for c in collections]
    labels = set(scenario.nsfw_labels)
    for section, required in (("jobs", _RECORDED_JOB), ("assets", _RECORDED_ASSET)):
        for entity_id, body in getattr(scenario.recorded, section).items():
            missing = [k for k, kind in required.items() if not isinstance(body.get(k), kind)]
            if body.get("id") != entity_id:
                missing.insert(0, "id")
            if missing:
                raise WorldError(
                    f"recorded.{section}.{entity_id}",
                    f"a recorded entity has {', '.join(required)} (its id is its key); wrong or missing: "
                    f"{missing[0]!r}",
                )
    events = []
    for i, spec in enumerate(scenario.recorded.events):
        field = f"recorded.events[{i}]"
        if spec.user not in users:
            known = ", ".join(list(users)[:10]) or "none"
            raise WorldError(f"{field}.user", f"unknown person or API-key user {spec.user!r}; known: {known}")
        _check_refs(f"{field}.project", [spec.project], project_ids)
        if spec.model is not None:
            _check_refs(f"{field}.model", [spec.model], model_ids)
        if spec.collection is not None:
            _check_refs(f"{field}.collection", [spec.collection], collection_ids)
        if spec.job is not None and spec.job_type is None:
            raise WorldError(f"{field}.jobType", "an event with a job names its jobType")
        if spec.nsfw is not None and spec.nsfw not in labels:
            raise WorldError(f"{field}.nsfw", f"{spec.nsfw!r} is not one of nsfwLabels: {', '.join(labels)}")
        if spec.created and spec.asset is None:
            raise WorldError(f"{field}.asset", "an event that creates an asset names it")
        try:
            t = parse_instant(spec.time)
        except ValueError:
            raise WorldError(f"{field}.time", f"expected an ISO 8601 instant, found {spec.time!r}") from None
        events.append(
            Event(
                t=t,
                seq=0,
                action=spec.action,
                usage_row=CATALOG[spec.action].usage_row,
                user=spec.user,
                api=users[spec.user],
                project=spec.project,
                cost=round(spec.cost * 1000),
                discount=round(spec.discount * 1000),
                qg_cost=round(spec.quality_gate_cost * 1000),
                model=spec.model,
                job=spec.job,
                job_type=spec.job_type if spec.job is not None else None,
                job_status=spec.job_status if spec.job is not None else None,
                asset=spec.asset,
                asset_kind=spec.asset_kind if spec.asset is not None else None,
                asset_source=spec.asset_source,
                asset_type=spec.asset_type,
                created=spec.created,
                collection=spec.collection,
                byok=(spec.byok.id, spec.byok.display_name) if spec.byok is not None else None,
                nsfw=spec.nsfw,
                verdict=spec.verdict,
                key=i - len(scenario.recorded.events),  # below every generated key: list order within an instant
            )
        )
    return events


def _minimal_keys(scenario: Scenario) -> frozenset[int]:
    return frozenset(
        stable_seed(scenario.seed, "asset", i, n)
        for i, asset in enumerate(scenario.assets)
        if asset.minimal
        for n in range(asset.count)
    )


def _user_id(actor: Person | ApiKey) -> str:
    return actor.user_id if isinstance(actor, ApiKey) else actor.id


def _check_refs(field: str, refs: Any, known: Any) -> None:
    missing = [r for r in refs if r not in known]
    if missing:
        raise WorldError(field, f"unknown id {missing[0]!r}; known: {', '.join(sorted(known)) or 'none'}")


def _compile_stream(
    index: int,
    spec: GeneratorSpec,
    anchor: int,
    people: list[Person],
    keys: list[ApiKey],
    models: list[Model],
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
