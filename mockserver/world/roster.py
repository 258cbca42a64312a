"""The team as an organisation: its founding, settings and invitations, its projects, and when each member joined.

Times a scenario leaves open fall in the team's first month, so that nothing in the activity predates them.
"""

from __future__ import annotations

from mockserver.generate.ids import make_id, stable_seed
from mockserver.generate.schema import ValueGenerator
from mockserver.scenario.model import Scenario
from mockserver.world.clock import DAY, HOUR, floor_to, resolve_time
from mockserver.world.entities import Invitation, Project, Team

FIRST_MONTH = 30 * DAY  # defaults of projects and join dates fall in the team's first month


def founded_at(scenario: Scenario, anchor: int) -> int:
    """When the team was created: as written, else 30 days before the earliest of its times and of a year ago."""
    if scenario.team.created_at is not None:
        return resolve_time(scenario.team.created_at, anchor)
    times = [anchor - 365 * DAY]
    times += [anchor - round(g.days * DAY) for g in scenario.activity.generators]
    written = [k.created_at for k in scenario.api_keys]
    written += [j.time for j in scenario.jobs] + [a.created_at for a in scenario.assets]
    written += [e.time for e in scenario.activity.events]
    if not isinstance(scenario.people, int):
        written += [p.joined_at for p in scenario.people if p.joined_at is not None]
        written += [p.left for p in scenario.people if isinstance(p.left, str)]
    if not isinstance(scenario.projects, int):
        written += [p.created_at for p in scenario.projects if p.created_at is not None]
    times += [resolve_time(t, anchor) for t in written]
    return floor_to(min(times), DAY) - FIRST_MONTH


def build_team(scenario: Scenario, anchor: int, created: int, values: ValueGenerator) -> Team:
    """The team with its settings and invitations."""
    spec, seed = scenario.team, scenario.seed
    team_id = spec.id or make_id("team_", seed, "team")
    avatar_asset: str | None = None
    avatar_url: str | None = None
    if spec.avatar is True:
        avatar_asset = make_id("asset_", seed, "team-avatar")
        avatar_url = values.asset_url(avatar_asset, width=256)
    elif isinstance(spec.avatar, str):
        avatar_url = spec.avatar
    name = spec.name or values.team_name(("team", seed))
    invitations = tuple(
        Invitation(
            i.email or values.person(("invitation", n), team_name=name)["email"],
            i.role,
            i.status,
            resolve_time(i.created_at, anchor),
            tuple(i.projects or ()),
        )
        for n, i in enumerate(spec.invitations)
    )
    return Team(
        id=team_id,
        name=name,
        created_at=created,
        type=spec.type,
        avatar_asset_id=avatar_asset,
        avatar_url=avatar_url,
        ip_detection_enforcement=spec.ip_detection_enforcement,
        quality_gate_auto_detect=spec.quality_gate_auto_detect,
        payment_status=spec.payment_status,
        subscription_status=spec.subscription_status,
        invitations=invitations,
    )


def build_projects(scenario: Scenario, anchor: int, founded: int, values: ValueGenerator) -> list[Project]:
    """The projects, created in the order listed during the team's first month unless a time is written."""
    seed = scenario.seed
    specs = [None] * scenario.projects if isinstance(scenario.projects, int) else list(scenario.projects)
    projects = []
    for i, spec in enumerate(specs):
        default = founded + (i * FIRST_MONTH) // max(len(specs), 1) + stable_seed(seed, "project-created", i) % HOUR
        created = resolve_time(spec.created_at, anchor) if spec and spec.created_at else default
        projects.append(
            Project(
                id=(spec.id if spec else None) or make_id("proj_", seed, "project", i),
                name=(spec.name if spec else None) or values.project_name(("project", i)),
                created_at=created,
                description=(spec.description if spec else None) or values.short_description(("project", i)),
                privacy_mode=spec.privacy_mode if spec else False,
                max_consumption=spec.max_consumption if spec else None,
            )
        )
    return projects


def joined_at(scenario: Scenario, anchor: int, founded: int, index: int, person: str, written: str | None) -> int:
    """When a person joined: as written; else the first one founded the team, the others joined in its first month."""
    if written is not None:
        return resolve_time(written, anchor)
    if index == 0:
        return founded
    return founded + HOUR + stable_seed(scenario.seed, "joined", person) % (FIRST_MONTH - HOUR)


def updated_at(seed: int, what: object, created: int, anchor: int, now: int) -> int:
    """A last-update time of an entity created `created`: fixed between its creation and `anchor`, never after `now`."""
    updated = created + stable_seed(seed, "updated", what) % (anchor - created) if anchor > created else created
    return max(created, min(updated, now))
