"""Every shipped scenario loads, validates, parses strictly with the SDK for every time range, and keeps its promise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scenario_sdk import Scenario

from mockserver.contract.enums import JOB_STATUSES, NODE_STATUSES, NODE_TYPES, TIME_RANGES
from mockserver.settings import shipped_scenarios_dir
from mockserver.worlds import build_world_from_file, scenario_files
from tests.conftest import BASIC, LiveServer, basic_header

SHIPPED = ["default", "edge-cases", "empty-team", "heavy-usage", "revoked-keys", "workflow-jobs"]


def test_the_shipped_directory_holds_exactly_the_documented_scenarios() -> None:
    names = sorted(build_world_from_file(path).name for path in scenario_files(shipped_scenarios_dir()))
    assert names == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("time_range", TIME_RANGES)
def test_sdk_parses_every_scenario_strictly(live_server: LiveServer, name: str, time_range: str) -> None:
    with Scenario(
        base_url=live_server.base_url,
        api_key="k",
        api_secret="s",
        _strict_response_validation=True,
        max_retries=0,
        default_headers={"X-Mock-Scenario": name},
    ) as sdk:
        response = sdk.usages.list(time_range=time_range)
    assert response.usages is not None and len(response.usages) == 22
    assert response.entities is not None


def get(client: httpx.Client, name: str, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/usages", params=params, headers={"X-Mock-Scenario": name})
    assert response.status_code == 200, response.text
    return response.json()


def all_activity(client: httpx.Client, name: str, **params: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every (event, entities of its page) of a query, walking the pages."""
    offset = 0
    while True:
        body = get(client, name, type="activity", activityOffset=offset, **params)
        for event in body["activity"]:
            yield event, body["entities"]
        if len(body["activity"]) < 100:
            return
        offset += 100


def test_default_is_a_realistic_mid_size_team(client: httpx.Client) -> None:
    body = get(client, "default", timeRange="last-thirty-one-days")
    people = [u for u in body["entities"]["users"] if not u["isApiKey"]]
    keys = {u["apiKeyId"]: u["apiKeyStatus"] for u in body["entities"]["users"] if u["isApiKey"]}
    assert 10 <= len(people) <= 14
    assert sorted(keys.values()) == ["active", "active", "deleted", "inactive"]
    assert len({e["projectId"] for e, _ in all_activity(client, "default", timeRange="last-seven-days")}) == 3
    actions = {e["action"] for e, _ in all_activity(client, "default", timeRange="last-thirty-one-days")}
    assert len(actions) >= 25
    kinds = {row["kind"] for row in body["assetUsages"] if any(p["count"] for p in row["points"])}
    assert len(kinds) >= 2
    assert sum(p["count"] for row in body["nsfwUsages"] for p in row["points"]) > 0
    verdicts = {row["verdict"]: sum(p["count"] for p in row["points"]) for row in body["qualityGateUsages"]}
    assert verdicts["pass"] > 0 and verdicts["warn"] > 0 and verdicts["fail"] > 0
    assert len(body["modelUsages"]) == 10


def test_workflow_jobs_cover_every_status_node_status_and_node_type(client: httpx.Client) -> None:
    jobs: dict[str, dict[str, Any]] = {}
    for _, entities in all_activity(client, "workflow-jobs", timeRange="last-day"):
        jobs.update({job["id"]: job for job in entities["jobs"]})
    assert {job["status"] for job in jobs.values()} == set(JOB_STATUSES)
    nodes = [node for job in jobs.values() for node in job["metadata"].get("flow") or []]
    assert {node["status"] for node in nodes} == set(NODE_STATUSES)
    assert {node["type"] for node in nodes} == set(NODE_TYPES)
    assert any(node["type"] == "for-each" and node.get("loopBodyNodeIds") for node in nodes)
    assert any(node.get("iterationIndex") == 2 for node in nodes)
    assert any(node.get("logicType") == "if-else" and node.get("logic") for node in nodes)
    waiting = jobs["job_workflowWaiting00000001"]
    assert waiting["status"] == "pending"
    approval = [n for n in waiting["metadata"]["flow"] if n["type"] == "user-approval"]
    assert approval and approval[0]["status"] == "processing"
    failed = jobs["job_workflowFailed000000001"]
    assert failed["metadata"]["error"].startswith("Node cutout failed")
    assert any(n["status"] == "failure" for n in failed["metadata"]["flow"])
    for node in nodes:  # a node that has not started has no job
        assert ("jobId" in node) == (
            node["status"] in {"success", "failure", "processing", "rejected"}
            and node["type"] not in {"list", "logic", "for-each"}
        )


def test_revoked_keys_show_their_status_and_cannot_authenticate(live_server: LiveServer, client: httpx.Client) -> None:
    body = get(client, "revoked-keys", timeRange="last-seven-days", type="consumption")
    statuses = {u["apiKeyId"]: u["apiKeyStatus"] for u in body["entities"]["users"] if u["isApiKey"]}
    assert statuses == {
        "api_revokedActive00000001": "active",
        "api_revokedInactive000001": "inactive",
        "api_revokedDeleted0000001": "deleted",
    }
    for key, secret, status in [
        ("api_revokedInactive000001", "inactive-secret", "inactive"),
        ("api_revokedDeleted0000001", "deleted-secret", "deleted"),
    ]:
        response = httpx.get(live_server.url + "/v1/usages", headers=basic_header(key, secret))
        assert response.status_code == 401
        assert status in response.json()["reason"]
    ok = httpx.get(
        live_server.url + "/v1/usages",
        headers=basic_header("api_revokedActive00000001", "active-secret"),
        params={"type": "consumption"},
    )
    assert ok.status_code == 200 and ok.json() == body


def test_empty_team_has_every_list_zero_filled(client: httpx.Client) -> None:
    body = get(client, "empty-team")
    assert body["activity"] == [] and body["consumption"] == []
    for key in ("usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages"):
        assert body[key], key
        for row in body[key]:
            assert len(row["points"]) == 169
            for point in row["points"]:
                assert all(v in (0, "0") for k, v in point.items() if k != "time"), point
    assert body["entities"]["users"] == [] and body["entities"]["jobs"] == []


def test_heavy_usage_is_over_5_mb_dense_and_far_smaller_without_zero_points(client: httpx.Client) -> None:
    dense = client.get(
        "/v1/usages", params={"timeRange": "last-seven-days"}, headers={"X-Mock-Scenario": "heavy-usage"}
    )
    sparse = client.get(
        "/v1/usages",
        params={"timeRange": "last-seven-days", "dropZeroPoints": ""},
        headers={"X-Mock-Scenario": "heavy-usage"},
    )
    assert len(dense.content) >= 5_000_000
    assert len(sparse.content) * 3 < len(dense.content)


def test_edge_cases_keep_their_corners(client: httpx.Client) -> None:
    users: dict[str, dict[str, Any]] = {}
    events = []
    assets: dict[str, dict[str, Any]] = {}
    for event, entities in all_activity(client, "edge-cases", timeRange="last-thirty-one-days"):
        events.append(event)
        users.update({u["id"]: u for u in entities["users"]})
        assets.update({a["id"]: a for a in entities["assets"]})
    assert users["edgeZoe0000000000000001"]["fullName"] == "Zoë Ångström-Øvergård"
    assert len(users["edgeLong0000000000000001"]["fullName"]) > 80
    assert "avatar" not in users["edgeNoAvatar00000000001"]
    assert users["edgeLeft0000000000000001"] == {"id": "edgeLeft0000000000000001", "isApiKey": False}
    assert any("byokProvider" in e["data"] for e in events)
    assert any(a["kind"] == "json" and a["properties"].keys() == {"size"} for a in assets.values())
    costs = [e.get("creativeUnitsCost") or 0 for e in events]
    assert any(c != int(c) for c in costs), "fractional costs"
    assert max(costs) > 1_000_000, "very large counts"


def test_basic_header_helper_matches_the_fixture() -> None:
    assert basic_header("test-key", "test-secret") == BASIC
