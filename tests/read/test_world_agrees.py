"""One world, many views (READ-API-FACTS): every entity `/usages` names is retrievable through the read endpoints,
parsed by the SDK with strict validation, and agrees with what `/usages` says of it at the same instant — on every
shipped scenario, and at random instants of the default and workflow worlds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_sdk import Scenario

from mockserver.settings import Settings
from mockserver.world.clock import format_ms
from tests.conftest import BASIC, NOW, serving

SCENARIOS = sorted(p.stem for p in (Path(__file__).parents[2] / "scenarios").glob("*.yaml"))
ALL_TYPES = "usages,activity,consumption,model-usages,asset-usages,nsfw-usages,quality-gate-usages"
PER_LIST = 25  # entities checked per list and scenario: every one for the small worlds, a spread for the large
DAY = 86_400_000


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(Settings(now=NOW, log_requests=False)) as url:
        yield url


def _http(url: str, scenario: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={**BASIC, "X-Mock-Scenario": scenario}, timeout=60)


def _sdk(url: str, scenario: str) -> Scenario:
    return Scenario(
        base_url=url + "/v1",
        api_key="test-key",
        api_secret="test-secret",
        default_headers={"X-Mock-Scenario": scenario},
        _strict_response_validation=True,
    )


def _spread(items: list[Any]) -> list[Any]:
    if len(items) <= PER_LIST:
        return items
    step = len(items) / PER_LIST
    return [items[int(i * step)] for i in range(PER_LIST)]


def _flow(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    return [(node["id"], node["status"]) for node in metadata.get("flow") or ()]


def check_world(url: str, scenario: str) -> int:
    """Check every kind of entity `/usages` names on this world at its current instant; how many were checked."""
    checked = 0
    with _http(url, scenario) as http, _sdk(url, scenario) as sdk:
        usage = http.get("/v1/usages", params={"timeRange": "last-thirty-one-days", "type": ALL_TYPES}).json()
        entities = usage["entities"]
        for job in _spread(entities["jobs"]):
            sdk.jobs.retrieve(job["id"])  # strict parse
            read = http.get(f"/v1/jobs/{job['id']}").json()["job"]
            assert (read["jobId"], read["jobType"], read["status"]) == (job["id"], job["jobType"], job["status"])
            assert _flow(read["metadata"]) == _flow(job["metadata"])
            assert read["statusHistory"][-1]["status"] == read["status"]
            checked += 1
        for asset in _spread(entities["assets"]):
            sdk.assets.retrieve(asset["id"])
            read = http.get(f"/v1/assets/{asset['id']}").json()["asset"]
            assert read["kind"] == asset["kind"]
            assert read.get("properties") == asset.get("properties")
            checked += 1
        for model in _spread(entities["models"]):
            sdk.models.retrieve(model["id"])
            read = http.get(f"/v1/models/{model['id']}").json()["model"]
            assert read.get("name") == model.get("name")
            checked += 1
        for collection in _spread(entities["collections"]):
            sdk.collections.retrieve(collection["id"])
            read = http.get(f"/v1/collections/{collection['id']}").json()["collection"]
            assert read["name"] == collection["name"]
            checked += 1
        teams = sdk.teams.list().teams
        assert len(teams) == 1
        team = http.get(f"/v1/teams/{teams[0].id}").json()["team"]
        sdk.teams.retrieve(teams[0].id)
        members = {u["id"] for u in team["users"]}
        keys = {k["apiKeyId"]: k for k in team["keys"]}
        for user in entities["users"]:
            if user.get("isApiKey"):
                # Deleted keys are gone from the team, while /usages still names their apiu_ user.
                assert (user["apiKeyId"] in keys) == (user["apiKeyStatus"] != "deleted"), user
                if user["apiKeyId"] in keys:
                    assert keys[user["apiKeyId"]]["id"] == user["id"]
                    assert keys[user["apiKeyId"]]["apiKeyStatus"] == user["apiKeyStatus"]
            else:
                # People who left keep only their id in /usages, and are no longer members.
                assert (user["id"] in members) == ("fullName" in user), user
            checked += 1
    return checked


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_entity_usages_names_is_retrievable_and_agrees(server: str, scenario: str) -> None:
    checked = check_world(server, scenario)
    assert checked > 0 or scenario == "empty-team"


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**31), scenario=st.sampled_from(["default", "workflow-jobs", "edge-cases"]))
def test_random_worlds(seed: int, scenario: str) -> None:
    """Other worlds of the same scenarios (`--seed` replaces each scenario's seed): the same rules hold."""
    with serving(Settings(now=NOW, seed=seed, log_requests=False)) as url:
        check_world(url, scenario)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=st.sampled_from(["default", "workflow-jobs", "edge-cases"]), days_back=st.floats(0, 20))
def test_at_random_instants(server: str, scenario: str, days_back: float) -> None:
    at = NOW - int(days_back * DAY)
    admin = httpx.post(f"{server}/__admin/clock", json={"scenario": scenario, "now": format_ms(at)}, timeout=30)
    assert admin.status_code == 200, admin.text
    try:
        check_world(server, scenario)
    finally:
        httpx.post(f"{server}/__admin/clock", json={"scenario": scenario, "reset": True}, timeout=30)
