"""The team's own data: teams.list, teams.retrieve, teams.retrieve_limits, projects.list, projects.retrieve.

Every `consumption` is the `/usages` consumption over the billing period up to now (`report.consumption_of`), so an
integration reconciling these bodies with `/usages` finds the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mockserver.contract.projects import parse_project_list_query
from mockserver.contract.query import MAX_RANGE_MS, UsageQuery
from mockserver.errors import NotFoundError
from mockserver.generate.ids import stable_seed
from mockserver.world.access import ReadContext
from mockserver.world.aggregate import Bucket
from mockserver.world.billing import number
from mockserver.world.clock import DAY, HOUR, floor_to, format_ms
from mockserver.world.entities import ApiKey, Invitation, Person, Project
from mockserver.world.pages import Cursor, after, paginate
from mockserver.world.report import consumption_of, consumption_rows
from mockserver.world.roster import updated_at
from mockserver.world.world import World

SEARCH_HOST = "search.cloud.scenario.com"
# The role a person has on the projects they work in, from their team role (ours: the contract has no mapping).
PROJECT_ROLE = {"admin": "admin", "member": "editor"}
DEFAULT_KEY_PROJECT_ROLE = "editor"
# Estimated sizes of a day's per-project user totals (a slim bucket per project: a user id and three integers each).
DAY_TOTALS_BYTES = 300
USER_TOTAL_BYTES = 150


@dataclass(frozen=True, slots=True)
class Spend:
    """CU charged over `[start, now)` of the billing period `[start, end)`: per user, and their sum."""

    start: int
    end: int
    by_user: dict[str, float]
    total: float


def spend(rows: list[dict[str, Any]], start: int, end: int) -> Spend:
    """The spend of `/usages` consumption rows: each user's `value`, and the values summed in the rows' order.

    Summed as a client sums the parsed rows (floats, in the order `/usages` lists them), so the totals are equal
    to the last bit.
    """
    return Spend(start, end, {row["userId"]: row["value"] for row in rows}, sum(row["value"] for row in rows))


def team_spend(world: World, now: int) -> Spend:
    """The whole team's spend in the billing period holding `now`, as `/usages?startDate=<start>&endDate=<now>`."""
    start, end = world.billing.period_at(now)
    query = UsageQuery(start=start, end=now, types=frozenset({"consumption"}))
    return spend(consumption_of(world, query, now), start, end)


def project_spend(world: World, now: int) -> dict[str, Spend]:
    """Each project's spend in the billing period, as `/usages` filtered by `projectIds=<project>` gives it."""
    start, end = world.billing.period_at(now)
    by_project: dict[str, list[Bucket]] = {}
    for day in _days(start, now):
        for project, bucket in _day_totals(world, day, min(day + DAY, now))[0].items():
            by_project.setdefault(project, []).append(bucket)
    empty = Spend(start, end, {}, 0)
    return {
        p.id: spend(consumption_rows(by_project[p.id]), start, end) if p.id in by_project else empty
        for p in world.projects
    }


def canvas_assets(world: World, now: int) -> int:
    """Canvas assets (source `canvas`) created in the billing period before `now`: the period's counted value."""
    start, _ = world.billing.period_at(now)
    return sum(_day_totals(world, day, min(day + DAY, now))[1] for day in _days(start, now))


def _days(start: int, now: int) -> range:
    return range(start, now, DAY)  # periods start at midnight UTC: whole days, the last one cut at now


def _day_totals(world: World, low: int, high: int) -> tuple[dict[str, Bucket], int]:
    """Per project, the per-user totals of `[low, high)`; and the canvas assets created. Kept for whole past days.

    The totals are integer milli-CU, so per-project buckets summed over days are exactly what `/usages` sums over
    its buckets for one project.
    """
    whole = high - low == DAY
    key = ("team-day", low)
    if whole:
        cached: tuple[dict[str, Bucket], int] | None = world.bucket_cache.get(key)
        if cached is not None:
            return cached
    buckets: dict[str, Bucket] = {}
    canvases = 0
    # A whole past day's hours are not kept (its totals are), as /usages does for its whole-day buckets.
    for event in world.events(low, high, keep=not whole):
        bucket = buckets.get(event.project)
        if bucket is None:
            bucket = buckets[event.project] = Bucket(format_ms(low))
        bucket.add(event)
        canvases += event.created and event.asset_source == "canvas"
    # Only the per-user totals are read: keep those, not every row of the day.
    slim = {}
    for project, bucket in buckets.items():
        slim[project] = Bucket(bucket.time)
        slim[project].users = bucket.users
    if whole:
        size = DAY_TOTALS_BYTES + sum(USER_TOTAL_BYTES * len(b.users) for b in slim.values())
        world.bucket_cache.put(key, (slim, canvases), size)
    return slim, canvases


# --- members -----------------------------------------------------------------------------------------------


def members(world: World, now: int) -> list[Person]:
    """The people in the team at `now`: they have joined and not left."""
    return [p for p in world.people if (p.created_at is None or p.created_at <= now) and p.active_at(now)]


def team_keys(world: World, now: int) -> list[ApiKey]:
    """The team's API keys at `now`: created, and `active` or `inactive` (a deleted key is gone from the team)."""
    return [k for k in world.keys if k.status in ("active", "inactive") and k.created_at <= now]


def last_used(world: World, keys: list[ApiKey], now: int) -> dict[str, int]:
    """The time of each key's last event at or before `now`, within the longest window `/usages` serves (120 days).

    Keys not used in that window are absent: the bound keeps one request within the world budget (a request
    generates at most the events of one longest window).
    """
    wanted = {k.user_id: k for k in keys}
    found: dict[str, int] = {}
    earliest = min((k.created_at for k in keys), default=now)
    hour = floor_to(now, HOUR)
    stop = floor_to(max(world.start, earliest, now - MAX_RANGE_MS), HOUR)
    while wanted and hour >= stop:
        for event in reversed(world.hour(hour)):
            if event.t <= now and event.user in wanted:
                found[event.user] = event.t
                del wanted[event.user]
        hour -= HOUR
    return found


def _avatar(asset_id: str | None, url: str | None) -> dict[str, Any] | None:
    if url is None:
        return None
    return {"assetId": asset_id, "url": url} if asset_id is not None else {"url": url}


def _member_cap(world: World, person: Person) -> float | None:
    return person.max_consumption if person.max_consumption is not None else world.billing.default_max_consumption


def _person(world: World, person: Person, now: int, consumption: float, role: str) -> dict[str, Any]:
    joined = person.created_at if person.created_at is not None else world.team.created_at
    user: dict[str, Any] = {
        "id": person.id,
        "createdAt": format_ms(joined),
        "email": person.email,
        "role": role,
        "updatedAt": format_ms(updated_at(world.seed, person.id, joined, world.anchor, now)),
        "consumption": consumption,
    }
    avatar = _avatar(person.avatar_asset_id, person.avatar_url)
    if avatar is not None:
        user["avatar"] = avatar
    cap = _member_cap(world, person)
    if cap is not None:
        user["maxConsumption"] = number(cap)
    return user


def _author(world: World) -> str | None:
    return next((p.id for p in world.people if p.role == "admin"), None)


def _key(world: World, key: ApiKey, now: int, consumption: float, last: int | None) -> dict[str, Any]:
    updated = key.revoked_at if key.revoked_at is not None and key.revoked_at <= now else key.created_at
    body: dict[str, Any] = {
        "id": key.user_id,
        "apiKeyId": key.id,
        "apiKeyStatus": key.status,
        "createdAt": format_ms(key.created_at),
        "name": key.name,
        "scope": key.scope,
        "updatedAt": format_ms(updated),
        "consumption": consumption,
    }
    author = _author(world)
    if author is not None:
        body["authorId"] = author
    if last is not None:
        body["lastUsedAt"] = format_ms(last)
    if key.max_consumption is not None:
        body["maxConsumption"] = number(key.max_consumption)
    if key.scope == "project":
        body["ownerId"] = key.projects[0]
        role = key.role or DEFAULT_KEY_PROJECT_ROLE
        body["projects"] = [{"projectId": p, "role": role} for p in key.projects]
    return body


# --- teams -------------------------------------------------------------------------------------------------


def _team_base(world: World, now: int, team_id: str) -> dict[str, Any]:
    team = world.team
    body: dict[str, Any] = {
        "id": team_id,
        "createdAt": format_ms(team.created_at),
        "name": team.name,
        "plan": world.billing.plan,
        "projects": [_team_project(world, p, now) for p in _newest_first(world.projects)],
        "type": team.type,
        "updatedAt": format_ms(updated_at(world.seed, "team", team.created_at, world.anchor, now)),
        "ipDetectionEnforcement": team.ip_detection_enforcement,
        "qualityGateAutoDetect": team.quality_gate_auto_detect,
    }
    avatar = _avatar(team.avatar_asset_id, team.avatar_url)
    if avatar is not None:
        body["avatar"] = avatar
    if world.billing.default_max_consumption is not None:
        body["defaultUserMaxConsumption"] = number(world.billing.default_max_consumption)
    return body


def _team_project(world: World, project: Project, now: int) -> dict[str, Any]:
    return {
        "id": project.id,
        "createdAt": format_ms(project.created_at),
        "name": project.name,
        "updatedAt": format_ms(updated_at(world.seed, project.id, project.created_at, world.anchor, now)),
        "qualityGateAutoDetect": world.team.quality_gate_auto_detect,
    }


def _team_id(world: World, ctx: ReadContext) -> str:
    """The team asked for: the world's; another id is a 404, or (lenient) the world's team under that id."""
    asked = ctx.id or world.team.id
    if asked != world.team.id and not ctx.lenient:
        raise NotFoundError(f"team {asked!r} not found")
    return asked


def list_teams(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /teams`: the world's team, with the caller's role and the counts."""
    now = ctx.now
    summary = _team_base(world, now, world.team.id)
    summary["context"] = {
        "invitationsCount": len(world.team.invitations),
        "keysCount": len(team_keys(world, now)),
        # Every caller authenticates with an API key (declared or not): its member role is `key`. (Also what lets
        # the body be cached without the caller's identity: read.py keys the cache by scope, not by key.)
        "userRole": "key",
        "usersCount": len(members(world, now)),
    }
    return {"teams": [summary]}


def retrieve_team(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /teams/{id}`: the team with its members and keys, each with its consumption over the billing period."""
    now = ctx.now
    team_id = _team_id(world, ctx)
    period = team_spend(world, now)
    keys = team_keys(world, now)
    used = last_used(world, keys, now)
    team = world.team
    body = _team_base(world, now, team_id)
    body |= {
        "invitations": [_invitation(world, i, n) for n, i in enumerate(team.invitations)],
        "keys": [
            _key(world, k, now, period.by_user.get(k.user_id, 0), used.get(k.user_id)) | _team_key_role(k) for k in keys
        ],
        "paymentStatus": team.payment_status,
        "searchHost": SEARCH_HOST,
        "searchIndexes": {
            kind: {"private": f"{kind}-private-{team.id}", "public": f"{kind}-public"}
            for kind in ("assets", "models", "workflows")
        },
        "users": [_person(world, p, now, period.by_user.get(p.id, 0), p.role) for p in members(world, now)],
        "subscriptionStatus": team.subscription_status,
    }
    return {"team": body}


def _team_key_role(key: ApiKey) -> dict[str, Any]:
    return {"role": key.role} if key.scope == "team" and key.role is not None else {}


def _invitation(world: World, invitation: Invitation, index: int) -> dict[str, Any]:
    token = f"{stable_seed(world.seed, 'invitation', index):016x}"
    body: dict[str, Any] = {
        "createdAt": format_ms(invitation.created_at),
        "email": invitation.email,
        "role": invitation.role,
        "status": invitation.status,
        "url": f"https://app.scenario.com/invitations/{token}",
    }
    if invitation.projects:
        body["projectIds"] = list(invitation.projects)
    return body


def retrieve_limits(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /teams/{id}/limits`: the plan, the billing period, and what the team counts and consumed in it."""
    now = ctx.now
    _team_id(world, ctx)
    period = team_spend(world, now)
    values = {
        "apiKeys": len(team_keys(world, now)),
        "canvasAssets": canvas_assets(world, now),
        "collections": len(world.collections),
        "creativeUnits": period.total,
        "projects": len(world.projects),
        "seats": len(members(world, now)),
    }
    billing = world.billing
    return {
        "limits": billing.limits(values),
        "oneShotCreativeUnits": billing.one_shot_at(now, period.total),
        "period": {"start": format_ms(period.start), "end": format_ms(period.end)},
        "plan": billing.plan,
        "values": values,
    }


# --- projects ----------------------------------------------------------------------------------------------


def _newest_first(projects: list[Project]) -> list[Project]:
    return sorted(projects, key=lambda p: (p.created_at, p.id), reverse=True)


def _project(world: World, project: Project, now: int, period: Spend, *, full: bool) -> dict[str, Any]:
    users = [
        _person(world, p, now, period.by_user.get(p.id, 0), PROJECT_ROLE.get(p.role, "editor"))
        for p in members(world, now)
        if project.id in p.projects
    ]
    keys = [
        _key(world, k, now, period.by_user.get(k.user_id, 0), None) | {"role": k.role or DEFAULT_KEY_PROJECT_ROLE}
        for k in team_keys(world, now)
        if k.scope == "project" and project.id in k.projects
    ]
    if keys:
        used = last_used(world, [k for k in world.keys if k.user_id in {key["id"] for key in keys}], now)
        for key in keys:
            if key["id"] in used:
                key["lastUsedAt"] = format_ms(used[key["id"]])
    body: dict[str, Any] = {
        "id": project.id,
        "createdAt": format_ms(project.created_at),
        "keys": keys,
        "name": project.name,
        "privacyMode": project.privacy_mode,
        "teamId": world.team.id,
        "updatedAt": format_ms(updated_at(world.seed, project.id, project.created_at, world.anchor, now)),
        "users": users,
        "consumption": period.total,
        "qualityGateAutoDetect": world.team.quality_gate_auto_detect,
    }
    if project.max_consumption is not None:
        body["maxConsumption"] = number(project.max_consumption)
    if full and project.description is not None:
        body["description"] = project.description
        body["descriptionDate"] = format_ms(project.created_at)
    return body


def list_projects(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /projects`: the projects the caller sees, newest first, one page."""
    query = parse_project_list_query(ctx.query)
    page = ctx.query.page()
    access = ctx.access
    visible = [] if query.team_id not in (None, world.team.id) else _newest_first(world.projects)
    visible = [p for p in visible if access.sees(p.id)]
    rows: list[tuple[Cursor, Project]] = [((p.created_at, p.id), p) for p in visible]

    def scan(now: int, cursor: Cursor | None) -> Iterator[tuple[Cursor, Project]]:
        return after(rows, cursor)

    scope = None if access.projects is None else tuple(sorted(access.projects))
    now, items, token = paginate(world, "projects.list", (query, scope), page, ctx.now, scan, lenient=ctx.lenient)
    spent = project_spend(world, now) if items else {}
    body: dict[str, Any] = {"projects": [_project(world, p, now, spent[p.id], full=False) for p in items]}
    if token is not None:
        body["nextPaginationToken"] = token
    return body


def retrieve_project(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /projects/{id}`: one project with its members and keys; outside the caller's projects it is a 404."""
    now = ctx.now
    asked = ctx.id or ""
    project = next((p for p in world.projects if p.id == asked), None)
    if project is not None and not ctx.access.sees(project.id):
        raise NotFoundError(f"project {asked!r} not found")
    if project is None:
        if not ctx.lenient:
            raise NotFoundError(f"project {asked!r} not found")
        start, end = world.billing.period_at(now)
        return {"project": _project(world, _placeholder(world, asked), now, Spend(start, end, {}, 0), full=True)}
    return {"project": _project(world, project, now, project_spend(world, now)[project.id], full=True)}


def _placeholder(world: World, project_id: str) -> Project:
    """A project the world does not have, for `--lenient`: seeded by the world and the id; nobody works in it."""
    created = world.team.created_at + stable_seed(world.seed, "placeholder", project_id) % (30 * DAY)
    return Project(
        id=project_id,
        name=world.values.project_name(("placeholder", project_id)),
        created_at=created,
        description=world.values.short_description(("placeholder", project_id)),
    )
