"""Building the world a scenario describes: its clock and anchor, members, API keys, models, collections and
activity generators, with the explicit and recorded events merged in."""

from __future__ import annotations

from itertools import accumulate

from mockserver.cache import CacheBudget
from mockserver.generate import ValueGenerator, make_id, person_id
from mockserver.scenario.model import GeneratorSpec, Scenario
from mockserver.world.billing import build_billing
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import DAY, HOUR, Clock, floor_to, parse_instant, resolve_time
from mockserver.world.entities import ApiKey, Collection, Model, Person
from mockserver.world.explicit import build_explicit_events
from mockserver.world.recorded import build_recorded_events
from mockserver.world.refs import WorldError, check_refs
from mockserver.world.roster import build_projects, build_team, founded_at, joined_at
from mockserver.world.timeline import Stream
from mockserver.world.world import World

# The public entry for building; WorldError is raised by the checks in refs.py.
__all__ = ["WorldError", "build_world"]


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
    values = ValueGenerator(scenario.seed)

    founded = founded_at(scenario, anchor)
    team = build_team(scenario, anchor, founded, values)
    projects = build_projects(scenario, anchor, founded, values)
    if not projects:
        raise WorldError("projects", "a world needs at least one project")
    project_ids = tuple(p.id for p in projects)

    people = _build_people(scenario, anchor, founded, values, project_ids)
    keys = _build_keys(scenario, anchor, project_ids)
    models = _build_models(scenario, values)
    collections = _build_collections(scenario, values)
    byok = [tuple(values.byok_provider(("byok", i)).values()) for i in range(3)]
    byok_providers = [(str(p[0]), str(p[1])) for p in byok]

    streams = [
        _compile_stream(i, spec_gen, anchor, people, keys, models)
        for i, spec_gen in enumerate(scenario.activity.generators)
    ]
    fixed, job_specs = build_explicit_events(scenario, anchor, people, keys, models, collections, byok_providers)
    fixed.extend(build_recorded_events(scenario, people, keys, [p.id for p in projects], models, collections))
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


def _build_people(
    scenario: Scenario, anchor: int, founded: int, values: ValueGenerator, project_ids: tuple[str, ...]
) -> list[Person]:
    """The team's members: `people` as a count or as specs, with what a spec leaves open generated."""
    seed = scenario.seed
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
                check_refs(f"people[{i}].projects", spec.projects, project_ids)
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
    return people


def _build_keys(scenario: Scenario, anchor: int, project_ids: tuple[str, ...]) -> list[ApiKey]:
    """The team's API keys, each with the user id its activity is reported under."""
    seed = scenario.seed
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
            check_refs(f"apiKeys[{i}].projects", spec_key.projects, project_ids)
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
    return keys


def _build_models(scenario: Scenario, values: ValueGenerator) -> list[Model]:
    """The team's models: `models` as a count or as specs."""
    seed = scenario.seed
    models: list[Model]
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
    return models


def _build_collections(scenario: Scenario, values: ValueGenerator) -> list[Collection]:
    """The team's collections: `collections` as a count or as specs."""
    seed = scenario.seed
    collections: list[Collection]
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
    return collections


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
        check_refs(f"{field}.people", spec.people, list(people_by_id))
        chosen_people = tuple(people_by_id[p] for p in spec.people)
    check_refs(f"{field}.apiKeys", spec.api_keys, list(keys_by_id))
    chosen_keys = tuple(dict.fromkeys(keys_by_id[k] for k in spec.api_keys))
    if spec.models == "all":
        chosen_models = tuple(models)
    else:
        models_by_id = {m.id: m for m in models}
        check_refs(f"{field}.models", spec.models, list(models_by_id))
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
