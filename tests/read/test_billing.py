"""The billing period and every consumption of the team endpoints agree with `/v1/usages`, through the SDK (strict).

A client reconciling `teams.retrieve_limits` and `teams.retrieve` with `usages.list(start_date=period.start,
end_date=now)` finds the same numbers, to the last bit, on every shipped scenario and at random instants.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_sdk import AsyncScenario, DefaultAioHttpClient, Scenario

from mockserver.contract.teams import TeamLimitsResponse
from mockserver.scenario.model import BillingSpec, OneShotSpec
from mockserver.settings import Settings
from mockserver.world.billing import Billing, build_billing
from mockserver.world.clock import DAY, format_ms, parse_instant
from tests.conftest import BASIC, NOW, NOW_TEXT, LiveServer, serving

SHIPPED = ["default", "edge-cases", "empty-team", "heavy-usage", "revoked-keys", "workflow-jobs"]


def sdk_for(base_url: str, scenario: str) -> Scenario:
    return Scenario(
        base_url=base_url,
        api_key="test-key",
        api_secret="test-secret",
        _strict_response_validation=True,
        max_retries=0,
        default_headers={"X-Mock-Scenario": scenario},
    )


@pytest.fixture
def sdk_of(live_server: LiveServer) -> Iterator[Any]:
    clients: list[Scenario] = []

    def make(scenario: str) -> Scenario:
        clients.append(sdk_for(live_server.base_url, scenario))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def usage_values(client: Scenario, start: str, end: str, **filters: Any) -> dict[str, float]:
    """Each user's consumption `value` over `[start, end)`, as a client reads it from `/usages` (list order kept)."""
    body = client.usages.list(start_date=start, end_date=end, type=["consumption"], **filters)
    return {row.user_id: row.value for row in body.consumption or []}


def check_reconciles(client: Scenario, now: str) -> None:
    """Limits, team keys and members, and projects all agree with `/usages` over the period up to `now`."""
    team_id = client.teams.list().teams[0].id
    limits = client.teams.retrieve_limits(team_id)
    start = limits.period.start
    assert parse_instant(start) <= parse_instant(now) < parse_instant(limits.period.end)
    values = usage_values(client, start, now)
    assert sum(values.values()) == limits.values.creative_units  # exactly: summed as a client sums them
    team = client.teams.retrieve(team_id).team
    for key in team.keys:
        assert key.consumption == values.get(key.id, 0), key.api_key_id
    for user in team.users:
        assert user.consumption == values.get(user.id, 0), user.id
    assert limits.values.api_keys == len(team.keys)
    assert limits.values.seats == len(team.users)
    assert limits.values.projects == len(team.projects)
    for project in client.projects.list():
        in_project = usage_values(client, start, now, project_ids=project.id)
        assert project.consumption == sum(in_project.values()), project.id
        for user in project.users:
            assert user.consumption == in_project.get(user.id, 0)


@pytest.mark.parametrize("scenario", SHIPPED)
def test_consumption_agrees_with_usages_on_every_shipped_scenario(sdk_of: Any, scenario: str) -> None:
    check_reconciles(sdk_of(scenario), NOW_TEXT)


@pytest.mark.parametrize("scenario", SHIPPED)
def test_limits_body_validates_with_the_contract(client: httpx.Client, scenario: str) -> None:
    headers = {"X-Mock-Scenario": scenario}
    team_id = client.get("/v1/teams", headers=headers).json()["teams"][0]["id"]
    response = client.get(f"/v1/teams/{team_id}/limits", headers=headers)
    assert response.status_code == 200, response.text
    body = TeamLimitsResponse.model_validate(response.json())
    assert body.limits.creative_units > 0
    assert body.limits.seats >= body.values.seats and body.limits.api_keys >= body.values.api_keys


def test_default_world_bills_from_the_15th_and_draws_on_its_one_shot_purchase(sdk_of: Any) -> None:
    client = sdk_of("default")
    team_id = client.teams.list().teams[0].id
    limits = client.teams.retrieve_limits(team_id)
    assert (limits.period.start, limits.period.end) == ("2026-11-15T00:00:00.000Z", "2026-12-15T00:00:00.000Z")
    assert limits.plan == "cu-team" and limits.limits.creative_units == 12000
    over = limits.values.creative_units - 12000
    assert over > 0  # the scenario's promise: the plan runs out within the period
    (purchase,) = limits.one_shot_creative_units
    assert purchase.amount == 5000
    assert purchase.remaining == round(5000 - over, 3)
    team = client.teams.retrieve(team_id).team
    assert team.default_user_max_consumption == 2500
    assert all(user.max_consumption == 2500 for user in team.users)
    caps = {key.api_key_id: key.max_consumption for key in team.keys}
    assert caps["api_ciRenderBot00000000001"] == 4000
    assert caps["api_dashboardSync00000001"] is None


def test_edge_cases_world_has_a_calendar_month_and_expiring_purchases(sdk_of: Any) -> None:
    client = sdk_of("edge-cases")
    limits = client.teams.retrieve_limits(client.teams.list().teams[0].id)
    assert (limits.period.start, limits.period.end) == ("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z")
    assert limits.plan == "free"
    assert [p.remaining for p in limits.one_shot_creative_units] == [0, 0]  # the first used up, the second as set


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
def test_async_clients_read_the_same_limits(live_server: LiveServer, sdk_of: Any, kind: str) -> None:
    sync = sdk_of("revoked-keys")
    team_id = sync.teams.list().teams[0].id
    expected = sync.teams.retrieve_limits(team_id)

    async def read() -> Any:
        async with AsyncScenario(
            base_url=live_server.base_url,
            api_key="test-key",
            api_secret="test-secret",
            _strict_response_validation=True,
            max_retries=0,
            default_headers={"X-Mock-Scenario": "revoked-keys"},
            http_client=DefaultAioHttpClient() if kind == "aiohttp" else None,
        ) as client:
            return await client.teams.retrieve_limits(team_id)

    assert asyncio.run(read()) == expected


# --- at random instants ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clock_server() -> Iterator[str]:
    """A server of its own: the tests move its clock."""
    with serving(Settings(now=NOW, log_requests=False)) as url:
        yield url


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scenario=st.sampled_from(["default", "edge-cases", "revoked-keys", "workflow-jobs"]),
    offset=st.integers(min_value=-45 * DAY, max_value=10 * DAY),
)
def test_consumption_over_the_period_equals_creative_units_at_any_instant(
    clock_server: str, scenario: str, offset: int
) -> None:
    now = NOW + offset
    with httpx.Client(base_url=clock_server, headers=BASIC, timeout=60) as http:
        moved = http.post("/__admin/clock", json={"now": format_ms(now), "scenario": scenario})
        assert moved.status_code == 200, moved.text
        try:
            with sdk_for(clock_server + "/v1", scenario) as client:
                limits = client.teams.retrieve_limits(client.teams.list().teams[0].id)
                if parse_instant(limits.period.start) < now:  # a window must not be empty
                    check_reconciles(client, format_ms(now))
        finally:
            http.post("/__admin/clock", json={"now": NOW_TEXT, "scenario": scenario})


# --- the period itself -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_day", "now", "period"),
    [
        pytest.param(1, "2026-11-30T14:37:12Z", ("2026-11-01", "2026-12-01"), id="calendar-month"),
        pytest.param(1, "2026-12-31T23:59:59.999Z", ("2026-12-01", "2027-01-01"), id="calendar-december"),
        pytest.param(15, "2026-11-30T00:00:00Z", ("2026-11-15", "2026-12-15"), id="after-the-start-day"),
        pytest.param(15, "2026-11-14T23:59:59.999Z", ("2026-10-15", "2026-11-15"), id="before-the-start-day"),
        pytest.param(15, "2026-11-15T00:00:00Z", ("2026-11-15", "2026-12-15"), id="on-the-start-day"),
        pytest.param(28, "2027-01-03T08:00:00Z", ("2026-12-28", "2027-01-28"), id="across-the-year"),
        pytest.param(28, "2028-02-29T08:00:00Z", ("2028-02-28", "2028-03-28"), id="leap-day"),
    ],
)
def test_the_period_holding_an_instant(start_day: int, now: str, period: tuple[str, str]) -> None:
    start, end = Billing(start_day=start_day).period_at(parse_instant(now))
    assert (format_ms(start), format_ms(end)) == tuple(f"{day}T00:00:00.000Z" for day in period)


def test_purchases_pay_for_use_beyond_the_plan_soonest_expiring_first() -> None:
    spec = BillingSpec(
        creativeUnits=100,
        oneShot=[
            OneShotSpec(amount=50, at="-5d", expiresIn="30d"),
            OneShotSpec(amount=50, at="-5d", expiresIn="10d"),
            OneShotSpec(amount=10, at="-50d", expiresIn="10d"),  # expired: not listed
            OneShotSpec(amount=10, at="+1d"),  # not bought yet: not listed
        ],
    )
    billing = build_billing(spec, NOW)
    rows = billing.one_shot_at(NOW, charged=170)
    assert [(r["amount"], r["remaining"]) for r in rows] == [(50, 0), (50, 30)]
    assert [r["amount"] for r in billing.one_shot_at(NOW, charged=90)] == [50, 50]
    assert all(r["remaining"] == 50 for r in billing.one_shot_at(NOW, charged=90))
