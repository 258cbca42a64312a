"""The `recorded` section of a scenario (captured from the real API): its events exactly as written, and the
checks its job and asset bodies must pass before the read endpoints serve them as they are."""

from __future__ import annotations

from mockserver.scenario.model import Scenario
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import parse_instant
from mockserver.world.entities import ApiKey, Collection, Model, Person
from mockserver.world.refs import WorldError, check_refs
from mockserver.world.timeline import Event

# The fields of a recorded entity that the read endpoints build on, and their JSON types.
_RECORDED_JOB: dict[str, type] = {"id": str, "jobType": str, "status": str, "metadata": dict}
_RECORDED_ASSET: dict[str, type] = {"id": str, "kind": str, "metadata": dict, "properties": dict, "source": str}


def build_recorded_events(
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
        check_refs(f"{field}.project", [spec.project], project_ids)
        if spec.model is not None:
            check_refs(f"{field}.model", [spec.model], model_ids)
        if spec.collection is not None:
            check_refs(f"{field}.collection", [spec.collection], collection_ids)
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
