"""The events a scenario writes out (`jobs`, `assets`, `activity.events`), placed at their times and checked
against its members, models and collections."""

from __future__ import annotations

from mockserver.generate import make_id, stable_seed
from mockserver.scenario.model import FlowNodeSpec, JobSpec, Scenario
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import parse_duration, resolve_time
from mockserver.world.entities import ApiKey, Collection, Model, Person
from mockserver.world.flows import STARTED
from mockserver.world.refs import WorldError, check_active, check_refs, resolve_actor, resolve_project, user_id_of
from mockserver.world.timeline import Event

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


def build_explicit_events(
    scenario: Scenario,
    anchor: int,
    people: list[Person],
    keys: list[ApiKey],
    models: list[Model],
    collections: list[Collection],
    byok_providers: list[tuple[str, str]],
) -> tuple[list[Event], dict[str, JobSpec]]:
    """Place the scenario's jobs, assets and `activity.events`; with the spec of each explicit job, by job id."""
    seed = scenario.seed
    model_ids = [m.id for m in models]
    collection_ids = [c.id for c in collections]
    events: list[Event] = []
    job_specs: dict[str, JobSpec] = {}
    for i, job in enumerate(scenario.jobs):
        field = f"jobs[{i}]"
        actor = resolve_actor(f"{field}.owner", job.owner, people, keys)
        t = resolve_time(job.time, anchor)
        check_active(f"{field}.time", actor, t)
        if job.model is not None:
            check_refs(f"{field}.model", [job.model], model_ids)
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
            user=user_id_of(actor),
            api=actor.is_api_key,
            project=resolve_project(f"{field}.project", job.project, actor),
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
        actor = resolve_actor(f"{field}.owner", asset.owner, people, keys) if asset.owner else (people or keys)[0]
        t0 = resolve_time(asset.created_at, anchor)
        check_active(f"{field}.createdAt", actor, t0)
        project = resolve_project(f"{field}.project", asset.project, actor)
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
                    user=user_id_of(actor),
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
        actor = resolve_actor(f"{field}.user", spec.user, people, keys)
        t = resolve_time(spec.time, anchor)
        check_active(f"{field}.time", actor, t)
        info = CATALOG[spec.action]
        if spec.model is not None:
            check_refs(f"{field}.model", [spec.model], model_ids)
        if spec.collection is not None:
            check_refs(f"{field}.collection", [spec.collection], collection_ids)
        key = stable_seed(seed, "event", i)
        event = Event(
            t=t,
            seq=0,
            action=spec.action,
            usage_row=info.usage_row,
            user=user_id_of(actor),
            api=actor.is_api_key,
            project=resolve_project(f"{field}.project", spec.project, actor),
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


def minimal_asset_keys(scenario: Scenario) -> frozenset[int]:
    """The event keys of the assets a scenario marks `minimal` (served with their size as their only property)."""
    return frozenset(
        stable_seed(scenario.seed, "asset", i, n)
        for i, asset in enumerate(scenario.assets)
        if asset.minimal
        for n in range(asset.count)
    )
