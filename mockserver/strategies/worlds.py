"""Scenario documents that validate and serve: whole worlds drawn from the scenario JSON Schema, kept consistent.

The document is composed structurally (counts, then ids, then only references to drawn ids, then times inside
each actor's active span); `from_schema` draws the leaves from the `$defs` of `scenario_json_schema()`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from mockserver.scenario.schema import scenario_json_schema

MINUTE = 1
HOUR = 60 * MINUTE
DAY = 24 * HOUR
LEFT_TRUE_AGO = 30 * DAY  # `left: true` means left 30 days before the clock (mockserver.world.builder)
DEFAULT_REVOKED_AGO = DAY  # an inactive or deleted key without revokedAt stopped working a day ago
OLDEST_ACTIVITY_AGO = 45 * DAY  # explicit activity lies within the last 45 days

# Printable text as YAML carries it: no surrogates, no control characters.
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
_ID_TAIL = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=4, max_size=16)


@functools.cache
def _defs() -> dict[str, Any]:
    # Generated from the pydantic models, not read from the repository root: the package ships without that file.
    defs: dict[str, Any] = scenario_json_schema()["$defs"]
    return defs


def _leaf(definition: str, field: str) -> st.SearchStrategy[Any]:
    """Values of one field of a `$defs` model, drawn by `from_schema` (its `null` alternative left out)."""
    schema = dict(_defs()[definition]["properties"][field])
    options = [o for o in schema.pop("anyOf", [schema]) if o.get("type") != "null"]
    bare = [{k: v for k, v in o.items() if k not in ("title", "description", "default")} for o in options]
    return st.one_of([from_schema(o, allow_x00=False) for o in bare])


def _enum(definition: str, field: str) -> list[str]:
    """The allowed values of an enum field (the keys of a mapping for `actions`)."""
    schema = _defs()[definition]["properties"][field]
    if "propertyNames" in schema:
        return list(schema["propertyNames"]["enum"])
    options = schema.get("anyOf", [schema])
    return [value for option in options for value in option.get("enum", [])]


def _ago(minutes: int) -> str:
    """A relative time `minutes` before the clock, as a scenario writes it."""
    return f"-{minutes // DAY}d" if minutes % DAY == 0 else f"-{minutes}m"


def _ids(draw: st.DrawFn, prefix: str, count: int) -> list[str]:
    tails = draw(st.lists(_ID_TAIL, min_size=count, max_size=count, unique_by=str.lower))
    return [f"{prefix}{tail}" for tail in tails]


def _coin(draw: st.DrawFn) -> bool:
    return draw(st.booleans())


def _subset(draw: st.DrawFn, ids: list[str], *, min_size: int = 1) -> list[str]:
    return draw(st.lists(st.sampled_from(ids), min_size=min_size, max_size=len(ids), unique=True)) if ids else []


@dataclass(frozen=True)
class _Actor:
    """Who can act, where, and when: the span of minutes-ago in which its activity is valid (lo < ago <= hi)."""

    ref: str  # a person id, an API key id or its `apiu_` user id
    projects: list[str]  # empty: every project
    lo: int
    hi: int


def _time(draw: st.DrawFn, actor: _Actor) -> str:
    return _ago(draw(st.integers(actor.lo + 1, actor.hi)))


def _project(draw: st.DrawFn, actor: _Actor, project_ids: list[str]) -> str | None:
    # Only explicit project ids can be named; an actor limited to projects lists them.
    if not project_ids:
        return None
    return draw(st.none() | st.sampled_from(actor.projects or project_ids))


def _team(draw: st.DrawFn, project_ids: list[str]) -> dict[str, Any]:
    team: dict[str, Any] = {}
    if draw(st.booleans()):
        team["id"] = "team_" + draw(_ID_TAIL)
    if draw(st.booleans()):
        team["name"] = draw(_TEXT)
    for field in ("type", "ipDetectionEnforcement", "paymentStatus", "subscriptionStatus", "qualityGateAutoDetect"):
        if draw(st.booleans()):
            team[field] = draw(_leaf("TeamSpec", field))
    avatar = draw(st.sampled_from([None, True, False, "https://cdn.example.com/team.png"]))
    if avatar is not None:
        team["avatar"] = avatar
    invitations = []
    for _ in range(draw(st.integers(0, 2))):
        invitation: dict[str, Any] = {
            "role": draw(st.sampled_from(["admin", "member"])),
            "status": draw(_leaf("InvitationSpec", "status")),
            "createdAt": _ago(draw(st.integers(1, 30)) * DAY),
        }
        if draw(st.booleans()):
            invitation["email"] = draw(_ID_TAIL).lower() + "@example.com"
        if project_ids and _coin(draw):
            invitation["projects"] = _subset(draw, project_ids)
        invitations.append(invitation)
    if invitations:
        team["invitations"] = invitations
    return team


def _billing(draw: st.DrawFn) -> dict[str, Any]:
    billing: dict[str, Any] = {}
    if draw(st.booleans()):
        billing["plan"] = draw(_leaf("BillingSpec", "plan"))
    if draw(st.booleans()):
        billing["startDay"] = draw(st.integers(1, 28))
    if draw(st.booleans()):
        billing["creativeUnits"] = draw(st.sampled_from([0, 1000, 12500.5]))
    if draw(st.booleans()):
        billing["defaultMaxConsumption"] = draw(st.sampled_from([0, 0.5, 100]))
    purchases = []
    for _ in range(draw(st.integers(0, 2))):
        amount = draw(st.sampled_from([0.001, 250.5, 1000, 50_000]))
        at_days = draw(st.integers(0, 60))
        purchase: dict[str, Any] = {"amount": amount, "at": _ago(at_days * DAY) if at_days else "-1m"}
        ending = draw(st.sampled_from(["default", "expiresIn", "expiration"]))
        if ending == "expiresIn":
            purchase["expiresIn"] = f"{draw(st.integers(1, 400))}d"
        elif ending == "expiration":
            # After the purchase: past (it has expired) or future.
            hours = draw(st.integers(-at_days * 24 + 1, 24 * 400))
            purchase["expiration"] = f"+{hours}h" if hours >= 0 else f"{hours}h"
        if draw(st.booleans()):
            purchase["remaining"] = draw(st.sampled_from([0, amount / 2, amount]))
        purchases.append(purchase)
    if purchases:
        billing["oneShot"] = purchases
    return billing


# Windows a granularity step may cover, in minutes; a step's buckets stay few enough for any response to fit.
STEP_WINDOWS = {"1h": HOUR, "6h": 6 * HOUR, "1d": DAY, "2d": 2 * DAY, "7d": 7 * DAY, "31d": 31 * DAY}
GRANULARITY_MINUTES = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1h": HOUR, "1d": DAY, "7d": 7 * DAY}
MAX_STEP_BUCKETS = 200


def _granularity(draw: st.DrawFn) -> list[dict[str, str]]:
    """A granularity table: windows that grow, each with a granularity that gives it at most a few hundred buckets;
    the last step (which also covers every longer window, up to 120 days) daily or coarser."""
    windows = sorted(_subset(draw, list(STEP_WINDOWS)), key=STEP_WINDOWS.__getitem__)
    steps = []
    for i, window in enumerate(windows):
        last = i == len(windows) - 1
        fits = [
            name
            for name, minutes in GRANULARITY_MINUTES.items()
            if STEP_WINDOWS[window] // minutes <= MAX_STEP_BUCKETS and (not last or minutes >= DAY)
        ]
        steps.append({"upTo": window, "granularity": draw(st.sampled_from(fits))})
    return steps


def _settings(draw: st.DrawFn, keys: list[dict[str, Any]]) -> dict[str, Any]:
    world_settings: dict[str, Any] = {}
    if _coin(draw):
        world_settings["defaultTimeRange"] = draw(_leaf("SettingsSpec", "defaultTimeRange"))
    if draw(st.integers(0, 3)) == 0:
        world_settings["granularity"] = _granularity(draw)
    # Only declared keys authenticate: only when one can read everything (see `reading_credentials`).
    if reading_credentials({"apiKeys": keys, "settings": {"acceptOnlyDeclaredKeys": True}}) and _coin(draw):
        world_settings["acceptOnlyDeclaredKeys"] = True
    return world_settings


def reading_credentials(document: dict[str, Any]) -> tuple[str, str] | None:
    """Basic-auth credentials that read all of a drawn world: None when any will do (undeclared keys are accepted),
    else the first active team key with a secret."""
    if not document.get("settings", {}).get("acceptOnlyDeclaredKeys"):
        return None
    for key in document.get("apiKeys", []):
        if key["status"] == "active" and key.get("scope", "team") == "team" and "secret" in key:
            return key["id"], key["secret"]
    return None


def _people(draw: st.DrawFn, count: int, project_ids: list[str]) -> tuple[list[dict[str, Any]], list[_Actor]]:
    people, actors = [], []
    for i, person_id in enumerate(_ids(draw, "user_", count)):
        person: dict[str, Any] = {"id": person_id}
        if draw(st.booleans()):  # else a generated name (and email)
            person["name"] = draw(_TEXT)
        if draw(st.booleans()):
            person["email"] = f"{person_id.lower()}@example.com"
        avatar = draw(st.sampled_from([None, False, "https://cdn.example.com/avatar.png"]))
        if avatar is not None:
            person["avatar"] = avatar
        left = draw(st.sampled_from([None, None, True, "days"]))
        left_ago = 0
        if left is True:
            person["left"], left_ago = True, LEFT_TRUE_AGO
        elif left == "days":
            left_ago = draw(st.integers(1, 40)) * DAY
            person["left"] = _ago(left_ago)
        projects = _subset(draw, project_ids) if project_ids and _coin(draw) else []
        if projects:
            person["projects"] = projects
        role = draw(st.sampled_from([None, "admin", "member"]))
        if role is not None:
            person["role"] = role
        if draw(st.integers(0, 3)) == 0:
            person["maxConsumption"] = draw(st.sampled_from([0, 0.5, 250]))
        if draw(st.integers(0, 3)) == 0:
            person["joinedAt"] = _ago(draw(st.integers(60, 400)) * DAY)
        if i == 0 and _coin(draw):  # only a few pinned fields: the rest left to the world
            person = {"id": person_id}
        people.append(person)
        # Explicit activity lies in the last 45 days; a leaver's only before it left (up to a day earlier still).
        actors.append(_Actor(person_id, projects, left_ago, max(left_ago, OLDEST_ACTIVITY_AGO) + DAY))
    return people, actors


def _api_keys(draw: st.DrawFn, count: int, project_ids: list[str]) -> tuple[list[dict[str, Any]], list[_Actor]]:
    keys, actors = [], []
    ids = _ids(draw, "api_", count)
    user_ids = _ids(draw, "apiu_", count)
    # Edge: a team whose every key was deleted.
    all_deleted = count > 0 and draw(st.integers(0, 4)) == 0
    for key_id, user_id in zip(ids, user_ids, strict=True):
        status = "deleted" if all_deleted else draw(_leaf("ApiKeySpec", "status"))
        created_ago = draw(st.integers(2, 200)) * DAY
        key: dict[str, Any] = {"id": key_id, "status": status, "createdAt": _ago(created_ago)}
        revoked_ago = 0
        if status != "active":
            if draw(st.booleans()):
                revoked_ago = draw(st.integers(1, created_ago // HOUR - 1)) * HOUR
                key["revokedAt"] = _ago(revoked_ago)
            else:
                revoked_ago = DEFAULT_REVOKED_AGO
        if draw(st.booleans()):
            key["userId"] = user_id
        if draw(st.booleans()):
            key["name"] = draw(_TEXT)
        if draw(st.booleans()):
            key["secret"] = "secret-" + draw(_ID_TAIL)
        projects = _subset(draw, project_ids) if project_ids and _coin(draw) else []
        if projects:
            key["projects"] = projects
            if draw(st.booleans()):
                key["scope"] = "project"
        if draw(st.integers(0, 3)) == 0:
            key["maxConsumption"] = draw(st.sampled_from([0, 10, 5000]))
        keys.append(key)
        refs = [key_id, key.get("userId", key_id)]
        for ref in dict.fromkeys(refs):
            actors.append(_Actor(ref, projects, revoked_ago, created_ago))
    return keys, actors


def _entities(draw: st.DrawFn, definition: str, prefix: str, max_count: int) -> tuple[list[Any] | int, list[str]]:
    """Models or collections: a count (generated ids, never referenced) or a list, usually with explicit ids."""
    count = draw(st.integers(0, max_count))
    if draw(st.integers(0, 3)) == 0:
        return count, []
    specs: list[dict[str, Any]] = []
    for entity_id in _ids(draw, prefix, count):
        spec: dict[str, Any] = {"id": entity_id} if draw(st.integers(0, 5)) else {}
        if draw(st.booleans()):
            spec["name"] = draw(_TEXT)
        if definition == "ModelSpec" and draw(st.booleans()):
            spec["shortDescription"] = draw(st.sampled_from([False, "", "A model of tests."]))
        specs.append(spec)
    return specs, [s["id"] for s in specs if "id" in s]


def _flow(draw: st.DrawFn, job_status: str, model_ids: list[str]) -> list[dict[str, Any]]:
    """A workflow's nodes: acyclic (each depends only on earlier ones), each status possible after its inputs."""
    node_types = _enum("FlowNodeSpec", "type")
    count = draw(st.integers(1, 5))
    node_ids = [f"n{i}" for i in range(count)]
    nodes: list[dict[str, Any]] = []
    status_of: dict[str, str] = {}
    for i, node_id in enumerate(node_ids):
        node: dict[str, Any] = {"id": node_id, "type": draw(st.sampled_from(node_types))}
        depends_on = _subset(draw, node_ids[:i], min_size=0)
        if depends_on:
            node["dependsOn"] = depends_on
        fed = all(status_of[d] in ("success", "processing") for d in depends_on)
        if job_status == "success":
            allowed = ["success", "skipped"] if fed else ["skipped"]
        else:
            allowed = _enum("FlowNodeSpec", "status") if fed else ["pending", "skipped"]
        node["status"] = status_of[node_id] = draw(st.sampled_from(allowed))
        if node["type"] == "for-each":
            if draw(st.booleans()):
                node["iterations"] = draw(st.integers(0, 3))
            if i + 1 < count and _coin(draw):
                node["loopBody"] = _subset(draw, node_ids[i + 1 :])
        if node["type"] == "logic" and draw(st.booleans()):
            node["logic"] = "if-else"
        if node["type"] in ("model", "custom-model") and model_ids and _coin(draw):
            node["model"] = draw(st.sampled_from(model_ids))
        nodes.append(node)
    return nodes


def _jobs(
    draw: st.DrawFn, count: int, actors: list[_Actor], project_ids: list[str], model_ids: list[str]
) -> list[dict[str, Any]]:
    jobs = []
    statuses = _enum("JobSpec", "status")
    for i in range(count if actors else 0):
        actor = draw(st.sampled_from(actors))
        job_type = draw(st.sampled_from(["workflow", "inference", "upscale"]) | _leaf("JobSpec", "jobType"))
        status = draw(st.sampled_from(statuses))
        job: dict[str, Any] = {"jobType": job_type, "status": status, "owner": actor.ref, "time": _time(draw, actor)}
        if draw(st.booleans()):
            job["id"] = f"job_{i}{draw(_ID_TAIL)}"
        project = _project(draw, actor, project_ids)
        if project is not None:
            job["project"] = project
        if model_ids and _coin(draw):
            job["model"] = draw(st.sampled_from(model_ids))
        if draw(st.booleans()):
            job["cost"] = draw(st.sampled_from([0, 0.5, 6, 24]))
        if status == "failure" and draw(st.booleans()):
            job["error"] = draw(_TEXT)
        if job_type == "workflow" and draw(st.booleans()):
            job["flow"] = _flow(draw, status, model_ids)
        elif status in ("queued", "warming-up", "pending") and draw(st.integers(0, 3)) == 0:
            job["progress"] = [
                {"after": "30s", "status": "in-progress"},
                {"after": "5m", "status": draw(st.sampled_from(["success", "failure", "canceled"]))},
            ]
        jobs.append(job)
    return jobs


def _assets(draw: st.DrawFn, count: int, actors: list[_Actor], project_ids: list[str]) -> list[dict[str, Any]]:
    assets = []
    for i in range(count if actors else 0):
        actor = draw(st.sampled_from(actors))
        asset: dict[str, Any] = {"owner": actor.ref, "createdAt": _time(draw, actor)}
        if draw(st.booleans()):
            asset["kind"] = draw(_leaf("AssetSpec", "kind"))
        if draw(st.booleans()):
            asset["id"] = f"asset_{i}{draw(_ID_TAIL)}"
        elif draw(st.booleans()):
            asset["count"] = draw(st.integers(1, 3))
        project = _project(draw, actor, project_ids)
        if project is not None:
            asset["project"] = project
        if draw(st.booleans()):
            asset["minimal"] = True
        assets.append(asset)
    return assets


def _events(
    draw: st.DrawFn,
    count: int,
    actors: list[_Actor],
    project_ids: list[str],
    model_ids: list[str],
    collection_ids: list[str],
) -> list[dict[str, Any]]:
    actions = _enum("EventSpec", "action")
    events = []
    for _ in range(count if actors else 0):
        actor = draw(st.sampled_from(actors))
        cost = draw(st.sampled_from([0, 0.001, 1, 4, 12345.678]))
        event: dict[str, Any] = {
            "action": draw(st.sampled_from(["txt2img", "upscale", *actions])),
            "user": actor.ref,
            "time": _time(draw, actor),
            "cost": cost,
        }
        if cost and _coin(draw):
            event["discount"] = cost / 2
        project = _project(draw, actor, project_ids)
        if project is not None:
            event["project"] = project
        if model_ids and _coin(draw):
            event["model"] = draw(st.sampled_from(model_ids))
        if collection_ids and _coin(draw):
            event["collection"] = draw(st.sampled_from(collection_ids))
        if draw(st.integers(0, 4)) == 0:
            event["byok"] = True
        events.append(event)
    return events


def _generators(
    draw: st.DrawFn, count: int, people: list[str], keys: list[str], model_ids: list[str]
) -> list[dict[str, Any]]:
    actions = _enum("GeneratorSpec", "actions")
    generators = []
    for _ in range(count):
        chosen = draw(st.lists(st.sampled_from(actions), min_size=1, max_size=3, unique=True))
        weights = {a: draw(st.sampled_from([0, 1, 2.5])) for a in chosen}
        weights[chosen[0]] = draw(st.sampled_from([1, 4]))  # at least one positive weight
        days = draw(st.integers(1, 10))
        generator: dict[str, Any] = {
            "actions": weights,
            "perWorkingDay": draw(st.sampled_from([0, 1, 5, 20])),
            "days": days,
        }
        if people and _coin(draw):
            generator["people"] = _subset(draw, people)
        if keys and _coin(draw):
            generator["apiKeys"] = _subset(draw, keys)
            generator["apiKeyShare"] = draw(st.sampled_from([0.25, 0.8, 1]))
        if model_ids and _coin(draw):
            generator["models"] = _subset(draw, model_ids)
        if draw(st.booleans()):
            generator["weekendFactor"] = draw(st.sampled_from([0, 0.15, 1]))
        if draw(st.integers(0, 3)) == 0:
            generator["spikes"] = [{"day": _ago(draw(st.integers(0, days - 1)) * DAY), "factor": 3}]
        if draw(st.integers(0, 3)) == 0:
            generator["jobType"] = draw(_leaf("GeneratorSpec", "jobType"))
        for share in ("discountShare", "qualityGateShare", "nsfwShare", "byokShare"):
            if draw(st.integers(0, 3)) == 0:
                generator[share] = draw(st.sampled_from([0, 0.5, 1]))
        if draw(st.integers(0, 3)) == 0:
            generator["fractionalCosts"] = True
        if draw(st.integers(0, 3)) == 0:
            generator["costScale"] = draw(st.sampled_from([0.001, 1000]))
        generators.append(generator)
    return generators


@st.composite
def _scenario(
    draw: st.DrawFn,
    max_projects: int,
    max_people: int,
    max_api_keys: int,
    max_models: int,
    max_collections: int,
    max_jobs: int,
    max_assets: int,
    max_events: int,
    max_generators: int,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": "world-" + draw(_ID_TAIL).lower(),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }
    if draw(st.booleans()):
        document["description"] = draw(_TEXT)
    if draw(st.integers(0, 3)) == 0:
        # A frozen clock (a server's --now overrides it); every other time is relative to it, so any instant works.
        instant = draw(st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 12, 31)))
        document["clock"] = {"now": instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"}
    # Projects: a count (generated ids: nothing can name them) or explicit ids. A world needs at least one.
    project_count = draw(st.integers(1, max_projects))
    project_ids: list[str] = []
    if draw(st.integers(0, 3)) == 0:
        document["projects"] = project_count
    else:
        project_ids = _ids(draw, "proj_", project_count)
        projects = []
        for project_id in project_ids:
            project: dict[str, Any] = {"id": project_id}
            if draw(st.booleans()):
                project["name"] = draw(_TEXT)
            if draw(st.integers(0, 3)) == 0:
                project["privacyMode"] = True
            if draw(st.integers(0, 3)) == 0:
                project["maxConsumption"] = draw(st.sampled_from([0, 100]))
            if draw(st.integers(0, 3)) == 0:
                project["description"] = draw(_TEXT)
            projects.append(project)
        document["projects"] = projects

    key_count = draw(st.integers(0, max_api_keys))
    # Nobody at all only when keys can act in their place.
    person_count = draw(st.integers(0 if key_count else 1, max_people))
    people, person_actors = _people(draw, person_count, project_ids)
    keys, key_actors = _api_keys(draw, key_count, project_ids)
    document["people"] = people
    if keys:
        document["apiKeys"] = keys
    models, model_ids = _entities(draw, "ModelSpec", "model_", max_models)
    collections, collection_ids = _entities(draw, "CollectionSpec", "collection_", max_collections)
    document["models"] = models
    document["collections"] = collections
    if draw(st.integers(0, 4)) == 0:
        # Edge: no labels at all (an empty nsfwUsages), or a few of the team's own.
        document["nsfwLabels"] = draw(st.lists(_ID_TAIL, max_size=3, unique=True))

    team = _team(draw, project_ids)
    if team:
        document["team"] = team
    billing = _billing(draw)
    if billing:
        document["billing"] = billing
    world_settings = _settings(draw, keys)
    if world_settings:
        document["settings"] = world_settings

    actors = person_actors + key_actors
    jobs = _jobs(draw, draw(st.integers(0, max_jobs)), actors, project_ids, model_ids)
    if jobs:
        document["jobs"] = jobs
    # Every asset names its owner: the default (the first person) may have left before its time.
    assets = _assets(draw, draw(st.integers(0, max_assets)), actors, project_ids)
    if assets:
        document["assets"] = assets
    activity: dict[str, Any] = {}
    events = _events(draw, draw(st.integers(0, max_events)), actors, project_ids, model_ids, collection_ids)
    if events:
        activity["events"] = events
    person_ids = [p["id"] for p in people]
    key_ids = [k["id"] for k in keys]
    generators = _generators(draw, draw(st.integers(0, max_generators)), person_ids, key_ids, model_ids)
    if generators:
        activity["generators"] = generators
    if activity:
        document["activity"] = activity
    return document


def scenarios(
    *,
    max_projects: int = 3,
    max_people: int = 4,
    max_api_keys: int = 3,
    max_models: int = 3,
    max_collections: int = 2,
    max_jobs: int = 4,
    max_assets: int = 3,
    max_events: int = 4,
    max_generators: int = 2,
) -> st.SearchStrategy[dict[str, Any]]:
    """Draw scenario documents (what a YAML scenario file parses to) that validate and whose world builds and serves.

    Each is a whole team: projects, people (active, left), API keys (active, inactive, deleted), models, collections,
    assets, jobs in every status (workflow flows included), explicit events and generated activity. Every id a part
    refers to is drawn first; every time lies where its actor could act. Keep the bounds small: worlds stay cheap.
    """
    return _scenario(
        max_projects,
        max_people,
        max_api_keys,
        max_models,
        max_collections,
        max_jobs,
        max_assets,
        max_events,
        max_generators,
    )
