"""The admin API under `/__admin/`: health, scenarios, clock, faults, journal, reset, token, and turning it off."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from scenario_sdk import Scenario

from mockserver.settings import Settings, shipped_scenarios_dir
from mockserver.world.clock import HOUR, format_ms
from tests.conftest import BASIC, NOW, NOW_TEXT, start_server

USAGES = "/v1/usages"
TOKEN = "admin-token-for-tests"
EMPTY_TEAM = (shipped_scenarios_dir() / "empty-team.yaml").read_text()


@dataclass
class Running:
    url: str
    app: Any
    directory: Path


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Running]]:
    directory = tmp_path_factory.mktemp("scenarios")
    shutil.copy(shipped_scenarios_dir() / "default.yaml", directory)
    (directory / "empty-team.yaml").write_text(EMPTY_TEAM)
    (directory / "broken.yaml").write_text("name: broken\npeople: many\n")
    settings = {
        "open": Settings(now=NOW, log_requests=False, scenarios_dir=directory),
        "token": Settings(now=NOW, log_requests=False, scenarios_dir=directory, admin_token=TOKEN),
        "off": Settings(now=NOW, log_requests=False, scenarios_dir=directory, admin=False),
    }
    started = {name: start_server(s) for name, s in settings.items()}
    yield {name: Running(url, server.config.app, directory) for name, (server, _, url) in started.items()}
    for server, thread, _ in started.values():
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def running(servers: dict[str, Running]) -> Running:
    return servers["open"]


@pytest.fixture
def admin(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url + "/__admin", timeout=30) as client:
        client.delete("/faults").raise_for_status()
        client.post("/reset").raise_for_status()
        yield client
    (running.directory / "empty-team.yaml").write_text(EMPTY_TEAM)


@pytest.fixture
def api(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, headers=BASIC, timeout=30) as client:
        yield client


@pytest.fixture
def sdk(running: Running) -> Iterator[Scenario]:
    client = Scenario(base_url=running.url + "/v1", api_key="k", api_secret="s", _strict_response_validation=True)
    yield client
    client.close()


def assert_json_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert {"reason", "message", "code", "traceId"} <= set(body)
    return dict(body)


# -- health and scenarios ---------------------------------------------------------------------------------------------
def test_health_needs_no_api_credentials(admin: httpx.Client) -> None:
    assert admin.get("/health").json() == {"status": "ok", "version": "0.1.0", "scenarios": 2}


def test_scenarios_list_with_load_errors(admin: httpx.Client) -> None:
    body = admin.get("/scenarios").json()
    assert body["default"] == "default"
    assert [s["name"] for s in body["scenarios"]] == ["default", "empty-team"]
    [error] = body["errors"]
    assert error["file"].endswith("broken.yaml")
    assert any("people" in problem for problem in error["problems"])


def test_reload_picks_up_edits_and_reports_errors(admin: httpx.Client, running: Running) -> None:
    edited = running.directory / "empty-team.yaml"
    edited.write_text(EMPTY_TEAM.replace("A brand-new team with no activity yet.", "Edited."))
    body = admin.post("/scenarios/reload").json()
    assert body["failed"] == [str(running.directory / "broken.yaml")]
    assert body["reloaded"] is False
    assert {s["name"]: s["description"] for s in body["scenarios"]}["empty-team"] == "Edited."
    edited.write_text("name: empty-team\nseed: [oops]\n")
    body = admin.post("/scenarios/reload").json()
    assert len(body["failed"]) == 2
    # The last good world keeps serving.
    assert {s["name"]: s["description"] for s in body["scenarios"]}["empty-team"] == "Edited."
    edited.write_text(EMPTY_TEAM)
    admin.post("/scenarios/reload").raise_for_status()


def test_default_scenario_switch_and_reset(admin: httpx.Client, api: httpx.Client, sdk: Scenario) -> None:
    assert admin.put("/scenarios/default", json={"name": "empty-team"}).json() == {"default": "empty-team"}
    assert admin.get("/scenarios").json()["default"] == "empty-team"
    assert sdk.usages.list(type=["activity"]).activity == []
    assert api.get(USAGES, params={"type": "activity"}).json()["activity"] == []
    assert [e.scenario for e in admin_journal(admin)] == ["empty-team", "empty-team"]
    admin.post("/reset").raise_for_status()
    assert admin.get("/scenarios").json()["default"] == "default"
    assert sdk.usages.list(type=["activity"]).activity


def test_default_scenario_errors(admin: httpx.Client) -> None:
    unknown = assert_json_error(admin.put("/scenarios/default", json={"name": "nope"}), 404)
    assert "known scenarios: default, empty-team" in unknown["message"]
    assert_json_error(admin.put("/scenarios/default", json={}), 400)
    json_type = {"Content-Type": "application/json"}
    assert_json_error(admin.put("/scenarios/default", content=b"{not json", headers=json_type), 400)
    assert_json_error(admin.put("/scenarios/default", content=b"[" * 2_000_000, headers=json_type), 400)


# -- clock -----------------------------------------------------------------------------------------------------------
def clocks(admin: httpx.Client, **params: str) -> dict[str, tuple[str, bool]]:
    body = admin.get("/clock", params=params).json()
    return {c["scenario"]: (c["now"], c["frozen"]) for c in body["clocks"]}


def test_clock_listing(admin: httpx.Client) -> None:
    assert clocks(admin) == {"default": (NOW_TEXT, True), "empty-team": (NOW_TEXT, True)}
    assert clocks(admin, scenario="empty-team") == {"empty-team": (NOW_TEXT, True)}
    assert_json_error(admin.get("/clock", params={"scenario": "nope"}), 404)


def test_clock_set_advance_freeze_unfreeze_reset(admin: httpx.Client) -> None:
    later = format_ms(NOW + HOUR)
    assert admin.post("/clock", json={"advance": "1h"}).json()["clocks"][0]["now"] == later
    assert clocks(admin) == {"default": (later, True), "empty-team": (later, True)}
    admin.post("/clock", json={"advance": -30 * 60_000, "scenario": "empty-team"}).raise_for_status()
    assert clocks(admin)["empty-team"] == (format_ms(NOW + HOUR // 2), True)
    admin.post("/clock", json={"now": "2026-12-25T00:00:00Z"}).raise_for_status()
    assert clocks(admin)["default"] == ("2026-12-25T00:00:00.000Z", True)
    admin.post("/clock", json={"unfreeze": True}).raise_for_status()
    assert clocks(admin)["default"][1] is False
    admin.post("/clock", json={"freeze": True}).raise_for_status()
    assert clocks(admin)["default"][1] is True
    admin.post("/clock", json={"reset": True}).raise_for_status()
    assert clocks(admin)["default"] == (NOW_TEXT, True)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"advance": "1h", "freeze": True}, id="two"),
        pytest.param({"advance": "soon"}, id="bad-duration"),
        pytest.param({"now": "yesterday"}, id="bad-instant"),
        pytest.param({"rewind": "1h"}, id="unknown"),
    ],
)
def test_clock_refuses_bad_commands(admin: httpx.Client, command: dict[str, Any]) -> None:
    assert_json_error(admin.post("/clock", json=command), 400)
    assert clocks(admin)["default"] == (NOW_TEXT, True)


def test_windows_follow_the_clock(admin: httpx.Client, api: httpx.Client, sdk: Scenario) -> None:
    def first_point(client_says: str) -> str:
        if client_says == "sdk":
            usages = sdk.usages.list(type=["usages"], time_range="last-hour").usages
            assert usages is not None
            return usages[0].points[0].time
        body = api.get(USAGES, params={"type": "usages", "timeRange": "last-hour"}).json()
        return str(body["usages"][0]["points"][0]["time"])

    assert first_point("http") == first_point("sdk") == "2026-11-30T13:37:00.000Z"
    admin.post("/clock", json={"advance": "2h"}).raise_for_status()
    assert first_point("http") == first_point("sdk") == "2026-11-30T15:37:00.000Z"


# -- faults and reset ------------------------------------------------------------------------------------------------
def test_fault_rules_lifecycle(admin: httpx.Client, api: httpx.Client, sdk: Scenario) -> None:
    created = admin.post("/faults", json=[{"status": 418, "shouldRetry": False}, {"latency": 1}])
    assert created.status_code == 201
    first, second = created.json()["ids"]
    assert [r["id"] for r in admin.get("/faults").json()["rules"]] == [first, second]
    assert api.get(USAGES).status_code == 418
    with pytest.raises(Exception, match="Error code: 418"):
        sdk.usages.list()
    assert admin.delete(f"/faults/{first}").json() == {"removed": first}
    assert_json_error(admin.delete(f"/faults/{first}"), 404)
    assert api.get(USAGES, params={"type": "consumption"}).status_code == 200
    assert admin.delete("/faults").json() == {"rules": []}
    assert admin.get("/faults").json() == {"rules": [], "scenarioRules": []}


def test_invalid_fault_rules_list_their_problems(admin: httpx.Client) -> None:
    body = assert_json_error(admin.post("/faults", json={"status": 503, "latency": "forever", "colour": 1}), 400)
    assert {p["field"] for p in body["problems"]} >= {"latency", "colour"}
    assert "latency" in body["message"]
    assert admin.get("/faults").json()["rules"] == []


def test_reset_clears_journal_clock_and_sequences_but_keeps_rules(admin: httpx.Client, api: httpx.Client) -> None:
    admin.post("/faults", json={"sequence": [503]}).raise_for_status()
    assert api.get(USAGES, params={"type": "consumption"}).status_code == 503
    assert api.get(USAGES, params={"type": "consumption"}).status_code == 200
    admin.post("/clock", json={"advance": "1d"}).raise_for_status()
    assert admin.post("/reset").json() == {"reset": True}
    assert admin.get("/journal").json()["entries"] == []
    assert clocks(admin)["default"] == (NOW_TEXT, True)
    assert api.get(USAGES, params={"type": "consumption"}).status_code == 503  # the sequence starts over


def admin_journal(admin: httpx.Client) -> list[Any]:
    from mockserver.controls.journal import JournalEntry

    return [JournalEntry.from_json(e) for e in admin.get("/journal").json()["entries"]]


# -- reachability ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/__admin/health", "/usages/__admin/health", "/v1/__admin/journal"])
def test_never_reachable_under_the_api(api: httpx.Client, path: str) -> None:
    assert_json_error(api.get(path), 404)


def test_admin_token(servers: dict[str, Running]) -> None:
    url = servers["token"].url
    with httpx.Client(base_url=url, timeout=30) as client:
        # Health stays open (container health checks carry no credentials); everything else needs the token.
        assert client.get("/__admin/health").status_code == 200
        refused = client.get("/__admin/scenarios")
        assert_json_error(refused, 401)
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert_json_error(client.get("/__admin/journal", headers={"Authorization": "Bearer wrong"}), 401)
        assert_json_error(client.post("/__admin/reset", headers={"Authorization": f"Basic {TOKEN}"}), 401)
        assert client.get("/__admin/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        # The API itself is unaffected by the admin token.
        assert client.get(USAGES, params={"type": "consumption"}, headers=BASIC).status_code == 200
    with Scenario(base_url=url + "/v1", api_key="k", api_secret="s", _strict_response_validation=True) as sdk:
        assert sdk.usages.list(type=["consumption"]).consumption is not None


def test_no_admin(servers: dict[str, Running]) -> None:
    off = servers["off"]
    with httpx.Client(base_url=off.url, timeout=30) as client:
        for path in ("/__admin/health", "/__admin/scenarios", "/__admin/journal"):
            assert_json_error(client.get(path), 404)
        assert_json_error(client.post("/__admin/reset"), 404)
        assert client.get(USAGES, params={"type": "consumption"}, headers=BASIC).status_code == 200
    # The journal still records, for in-process use (the pytest plugin).
    off.app.state.journal.assert_called(1, path=USAGES)
