"""The scenario keys of the team's own data: defaults of a short file, and what each written key makes of the world."""

from __future__ import annotations

import pytest

from mockserver.errors import ScenarioError
from mockserver.scenario.loader import load_scenario_text
from mockserver.world.billing import PLANS, Billing
from mockserver.world.builder import build_world
from mockserver.world.clock import DAY, format_ms, parse_instant
from tests.conftest import NOW

SHORT = """\
name: short
people: 3
apiKeys:
  - {id: api_ci, secret: s}
activity: {generators: [{actions: {txt2img: 1}, perWorkingDay: 10}]}
"""


def world_of(text: str):  # type: ignore[no-untyped-def]
    return build_world(load_scenario_text(text, "s.yaml"), now=NOW)


def test_a_five_line_file_gets_the_defaults() -> None:
    world = world_of(SHORT)
    assert [p.role for p in world.people] == ["admin", "member", "member"]
    assert all(p.max_consumption is None for p in world.people)
    assert world.billing == Billing()
    assert world.billing.period_at(NOW) == (parse_instant("2026-11-01"), parse_instant("2026-12-01"))
    (key,) = world.keys
    assert (key.scope, key.max_consumption, key.role) == ("team", None, None)
    team = world.team
    assert (team.type, team.ip_detection_enforcement, team.quality_gate_auto_detect) == ("shared", "disabled", False)
    assert team.invitations == () and team.avatar_url is not None


def test_default_times_come_before_all_activity() -> None:
    world = world_of(SHORT)
    team = world.team
    assert team.created_at <= world.start - 30 * DAY and team.created_at <= NOW - 365 * DAY
    assert world.people[0].created_at == team.created_at  # the first person founded the team
    for entity in [*world.people, *world.projects]:
        assert entity.created_at is not None and team.created_at <= entity.created_at < team.created_at + 30 * DAY


def test_written_keys_reach_the_world() -> None:
    world = world_of("""\
name: written
team:
  createdAt: "2024-01-01"
  type: personal
  avatar: false
  ipDetectionEnforcement: active-fail-closed
  qualityGateAutoDetect: true
  invitations:
    - {email: new@example.com, role: admin, status: expired, projects: [proj_a]}
    - {}
projects:
  - {id: proj_a, createdAt: "2024-02-01", privacyMode: true, maxConsumption: 100, description: Art}
  - {id: proj_b}
people:
  - {id: ada, role: member, maxConsumption: 50, joinedAt: "2024-03-01"}
  - {id: ben, role: admin}
apiKeys:
  - {id: api_p, scope: project, projects: [proj_b], role: reader, maxConsumption: 12.5}
  - {id: api_t, projects: [proj_a], role: "usages.read;teams.read"}
billing:
  startDay: 10
  plan: enterprise
  creativeUnits: 1234.5
  defaultMaxConsumption: 20
  oneShot:
    - {amount: 300, at: -3d, expiration: +4d, remaining: 10}
    - {at: -1d}
""")
    team = world.team
    assert (format_ms(team.created_at), team.type, team.avatar_url) == ("2024-01-01T00:00:00.000Z", "personal", None)
    assert (team.ip_detection_enforcement, team.quality_gate_auto_detect) == ("active-fail-closed", True)
    invited, generated = team.invitations
    assert (invited.email, invited.role, invited.status, invited.projects) == (
        "new@example.com",
        "admin",
        "expired",
        ("proj_a",),
    )
    assert "@" in generated.email and (generated.role, generated.status) == ("member", "pending")
    a, b = world.projects
    assert (format_ms(a.created_at), a.privacy_mode, a.max_consumption, a.description) == (
        "2024-02-01T00:00:00.000Z",
        True,
        100,
        "Art",
    )
    assert b.privacy_mode is False and b.max_consumption is None and b.description
    ada, ben = world.people
    assert (ada.role, ada.max_consumption, format_ms(ada.created_at or 0)) == ("member", 50, "2024-03-01T00:00:00.000Z")
    assert (ben.role, ben.max_consumption) == ("admin", None)
    project_key, team_key = world.keys
    assert (project_key.scope, project_key.projects, project_key.role, project_key.max_consumption) == (
        "project",
        ("proj_b",),
        "reader",
        12.5,
    )
    assert (team_key.scope, team_key.projects) == ("team", ("proj_a",))
    billing = world.billing
    assert (billing.plan, billing.creative_units, billing.start_day, billing.default_max_consumption) == (
        "enterprise",
        1234.5,
        10,
        20,
    )
    bought, default = billing.one_shot
    assert (bought.amount, bought.expiration - bought.created_at, bought.remaining) == (300, 7 * DAY, 10)
    assert (default.amount, default.expiration - default.created_at, default.remaining) == (1000, 365 * DAY, None)


def test_every_plan_has_limits() -> None:
    for plan in PLANS:
        limits = Billing(plan=plan).limits({"seats": 3})
        assert limits["seats"] >= 3 and limits["creativeUnits"] > 0 and len(limits) == 24


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "apiKeys: [{id: api_p, scope: project}]", "apiKeys[0].scope: a project-scoped key needs", id="scope"
        ),
        pytest.param("billing: {startDay: 0}", "billing.startDay: expected a number >= 1, found 0", id="start-day"),
        pytest.param("people: [{role: key}]", "people[0].role: 'key' is the role of API keys", id="role"),
        pytest.param(
            "billing: {oneShot: [{amount: 5, remaining: 6}]}",
            "billing.oneShot[0].remaining: expected at most",
            id="left",
        ),
    ],
)
def test_problems_are_located(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text + "\n", "s.yaml")
    assert "s.yaml:1:" in str(info.value) and message in str(info.value)
