"""The team's own data: teams.list, teams.retrieve, teams.retrieve_limits, projects.list, projects.retrieve.

Every `consumption` is the `/usages` consumption over the billing period up to now (`mockserver.world.spend`), so an
integration reconciling these bodies with `/usages` finds the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from mockserver.cache import compact
from mockserver.contract.query import MAX_RANGE_MS
from mockserver.errors import NotFoundError
from mockserver.generate.ids import stable_seed
from mockserver.world.access import ReadContext
from mockserver.world.billing import number
from mockserver.world.clock import DAY, HOUR, floor_to, format_ms
from mockserver.world.entities import ApiKey, Invitation, Person, Project
from mockserver.world.pages import Cursor, after, paginate
from mockserver.world.roster import updated_at
from mockserver.world.spend import Spend, period_usage, project_spend, team_spend
from mockserver.world.world import FRAGMENT_BYTES, World

SEARCH_HOST = "search.cloud.scenario.com"
# The role a person has on the projects they work in, from their team role (ours: the contract has no mapping).
PROJECT_ROLE = {"admin": "admin", "member": "editor"}
DEFAULT_KEY_PROJECT_ROLE = "editor"
STAMP_BYTES = 300  # an id and its dates' texts
_NEVER = 2**62  # an instant after every update


# --- dates ---------------------------------------------------------------------------------------------------


class Stamps:
    """The team, its projects' and its people's dates as served, formatted once per world.

    `updatedAt` is a seeded instant between creation and the world's anchor, never after `now`: once `now` has
    passed it, its text is fixed. Ids the world does not have (a lenient placeholder project) are computed each time.
    """

    def __init__(self, seed: int, anchor: int, dated: Iterable[tuple[str, int]]) -> None:
        self._seed, self._anchor = seed, anchor
        self._texts: dict[str, tuple[str, int, str]] = {}  # id -> (createdAt, updated instant, its text)
        for what, created in dated:
            updated = updated_at(seed, what, created, anchor, _NEVER)
            self._texts[what] = (format_ms(created), updated, format_ms(updated))

    def size(self) -> int:
        return 200 + STAMP_BYTES * len(self._texts)

    def created(self, what: str, created: int) -> str:
        known = self._texts.get(what)
        return known[0] if known is not None else format_ms(created)

    def updated(self, what: str, created: int, now: int) -> str:
        known = self._texts.get(what)
        if known is not None and known[1] <= now:
            return known[2]
        return format_ms(updated_at(self._seed, what, created, self._anchor, now))


def stamps_of(world: World) -> Stamps:
    """The world's `Stamps` (memoised)."""
    found: Stamps | None = world.bucket_cache.get(("team-stamps",))
    if found is None:
        team = world.team
        dated = [("team", team.created_at)]
        dated += [(p.id, p.created_at) for p in world.projects]
        dated += [(p.id, p.created_at if p.created_at is not None else team.created_at) for p in world.people]
        found = Stamps(world.seed, world.anchor, dated)
        world.bucket_cache.put(("team-stamps",), found, found.size())
    return found


# --- members -----------------------------------------------------------------------------------------------


def members(world: World, now: int) -> tuple[Person, ...]:
    """The people in the team at `now`: they have joined and not left (kept for the instant)."""
    instant = world.memo_at(now)
    found: tuple[Person, ...] | None = instant.get("members-at")
    if found is None:
        found = instant["members-at"] = tuple(
            p for p in world.people if (p.created_at is None or p.created_at <= now) and p.active_at(now)
        )
    return found


def team_keys(world: World, now: int) -> list[ApiKey]:
    """The team's API keys at `now`: created, and `active` or `inactive` (a deleted key is gone from the team)."""
    return [k for k in world.keys if k.status in ("active", "inactive") and k.created_at <= now]


def last_used(world: World, keys: list[ApiKey], now: int) -> dict[str, int]:
    """The time of each key's last event at or before `now`, within the longest window `/usages` serves (120 days).

    Keys not used in that window are absent: the bound keeps one request within the world budget (a request
    generates at most the events of one longest window).
    """
    instant = world.memo_at(now)
    key = ("last-used", tuple(k.user_id for k in keys))
    kept: dict[str, int] | None = instant.get(key)
    if kept is not None:
        return kept
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
    instant[key] = found
    return found


def _avatar(asset_id: str | None, url: str | None) -> dict[str, Any] | None:
    if url is None:
        return None
    return {"assetId": asset_id, "url": url} if asset_id is not None else {"url": url}


def _member_cap(world: World, person: Person) -> float | None:
    return person.max_consumption if person.max_consumption is not None else world.billing.default_max_consumption


def _person(world: World, person: Person, now: int, consumption: float, role: str) -> dict[str, Any]:
    joined = person.created_at if person.created_at is not None else world.team.created_at
    stamps = stamps_of(world)
    user: dict[str, Any] = {
        "id": person.id,
        "createdAt": stamps.created(person.id, joined),
        "email": person.email,
        "role": role,
        "updatedAt": stamps.updated(person.id, joined, now),
        "consumption": consumption,
    }
    avatar = _avatar(person.avatar_asset_id, person.avatar_url)
    if avatar is not None:
        user["avatar"] = avatar
    cap = _member_cap(world, person)
    if cap is not None:
        user["maxConsumption"] = number(cap)
    return user


def _members_fragment(world: World, now: int, period: Spend, project: Project | None = None) -> orjson.Fragment:
    """The `users` of the team (or of one project) serialised, memoised by all of it that moves with the clock (who
    is in, what each spent, when each was last updated): a list of projects repeats each member in each of them.
    The fragment is also kept for the instant (`World.memo_at`): `period` is the team's or the project's spend at
    `now`, a function of the instant."""
    instant = world.memo_at(now)
    instant_key = ("members", None if project is None else project.id)
    kept: orjson.Fragment | None = instant.get(instant_key)
    if kept is not None:
        return kept
    stamps = stamps_of(world)
    people = members(world, now)
    if project is not None:
        people = tuple(p for p in people if project.id in p.projects)
    spent = tuple(period.by_user.get(p.id, 0) for p in people)
    updated = tuple(
        stamps.updated(p.id, p.created_at if p.created_at is not None else world.team.created_at, now) for p in people
    )
    key = ("members", None if project is None else project.id, tuple(p.id for p in people), spent, updated)
    found: orjson.Fragment | None = world.fragments.get(key)
    if found is None:
        users = [
            _person(world, p, now, consumption, p.role if project is None else PROJECT_ROLE.get(p.role, "editor"))
            for p, consumption in zip(people, spent, strict=True)
        ]
        data = compact(orjson.dumps(users))
        # The key holds three tuples of one pointer per member, and each member's float.
        found = world.fragments.put(key, orjson.Fragment(data), FRAGMENT_BYTES + len(data) + 200 + 48 * len(people))
    instant[instant_key] = found
    return found


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
    stamps = stamps_of(world)
    body: dict[str, Any] = {
        "id": team_id,
        "createdAt": stamps.created("team", team.created_at),
        "name": team.name,
        "plan": world.billing.plan,
        "projects": _team_projects(world, now),
        "type": team.type,
        "updatedAt": stamps.updated("team", team.created_at, now),
        "ipDetectionEnforcement": team.ip_detection_enforcement,
        "qualityGateAutoDetect": team.quality_gate_auto_detect,
    }
    avatar = _avatar(team.avatar_asset_id, team.avatar_url)
    if avatar is not None:
        body["avatar"] = avatar
    if world.billing.default_max_consumption is not None:
        body["defaultUserMaxConsumption"] = number(world.billing.default_max_consumption)
    return body


def _team_projects(world: World, now: int) -> orjson.Fragment:
    """The team's projects, newest first, serialised (kept for the instant: each team body lists them all)."""
    instant = world.memo_at(now)
    found: orjson.Fragment | None = instant.get("team-projects")
    if found is None:
        projects = [_team_project(world, p, now) for p in _newest_first(world.projects)]
        found = instant["team-projects"] = orjson.Fragment(orjson.dumps(projects))
    return found


def _team_project(world: World, project: Project, now: int) -> dict[str, Any]:
    stamps = stamps_of(world)
    return {
        "id": project.id,
        "createdAt": stamps.created(project.id, project.created_at),
        "name": project.name,
        "updatedAt": stamps.updated(project.id, project.created_at, now),
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
        "users": _members_fragment(world, now, period),
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
    period, canvases = period_usage(world, now)
    values = {
        "apiKeys": len(team_keys(world, now)),
        "canvasAssets": canvases,
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


def _project_item(world: World, project: Project, now: int, period: Spend) -> orjson.Fragment:
    """A listed project serialised, kept for the instant (`period` is its spend at `now`)."""
    instant = world.memo_at(now)
    key = ("project-item", project.id)
    found: orjson.Fragment | None = instant.get(key)
    if found is None:
        found = instant[key] = orjson.Fragment(orjson.dumps(_project(world, project, now, period, full=False)))
    return found


def _project(world: World, project: Project, now: int, period: Spend, *, full: bool) -> dict[str, Any]:
    stamps = stamps_of(world)
    users = _members_fragment(world, now, period, project)
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
        "createdAt": stamps.created(project.id, project.created_at),
        "keys": keys,
        "name": project.name,
        "privacyMode": project.privacy_mode,
        "teamId": world.team.id,
        "updatedAt": stamps.updated(project.id, project.created_at, now),
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
    # Imported with the first list, not at start-up: see contract/lists.py.
    from mockserver.contract.projects import parse_project_list_query

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
    body: dict[str, Any] = {"projects": [_project_item(world, p, now, spent[p.id]) for p in items]}
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
