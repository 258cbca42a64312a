"""Picking a world per request (header, declared key) and live reload of edited scenario files."""

from __future__ import annotations

import base64
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.api import build_app
from mockserver.errors import NotFoundError
from mockserver.settings import Settings
from mockserver.worlds import Worlds
from tests.conftest import BASIC, NOW, start_server

ALPHA = """\
name: alpha
description: first
seed: 1
people: 2
apiKeys:
  - {id: api_alphaKey, secret: alpha-secret}
activity:
  generators:
    - {actions: {txt2img: 1}, perWorkingDay: 50, days: 10}
"""
BETA = """\
name: beta
description: second
seed: 2
team: {id: team_beta}
people: 3
apiKeys:
  - {id: api_betaKey, secret: beta-secret}
  - {id: api_betaGone, secret: gone-secret, status: deleted, revokedAt: -2d}
"""


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    (tmp_path / "alpha.yaml").write_text(ALPHA)
    (tmp_path / "beta.yaml").write_text(BETA)
    return tmp_path


@pytest.fixture
def server(scenario_dir: Path) -> Iterator[str]:
    settings = Settings(scenarios_dir=scenario_dir, scenario="alpha", now=NOW, log_requests=False, reload=True)
    uv, thread, url = start_server(settings)
    yield url
    uv.should_exit = True
    thread.join(10)


def basic(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def test_header_picks_the_world(server: str) -> None:
    alpha = httpx.get(server + "/v1/usages", params={"type": "activity"}, headers=BASIC).json()
    beta = httpx.get(
        server + "/v1/usages", params={"type": "activity"}, headers={**BASIC, "X-Mock-Scenario": "beta"}
    ).json()
    assert alpha["activity"], "alpha has activity"
    assert beta["activity"] == [], "beta has no generators"


def test_declared_key_picks_its_world_and_revoked_keys_are_refused(server: str) -> None:
    beta = httpx.get(server + "/v1/usages", params={"type": "activity"}, headers=basic("api_betaKey", "beta-secret"))
    assert beta.status_code == 200 and beta.json()["activity"] == []
    gone = httpx.get(server + "/v1/usages", headers=basic("api_betaGone", "gone-secret"))
    assert gone.status_code == 401 and "deleted" in gone.json()["reason"]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("gamma", id="unknown"),
        pytest.param("../alpha", id="dot-dot"),
        pytest.param("/etc/passwd", id="absolute-path"),
        pytest.param("alpha.yaml", id="file-name"),
        pytest.param("a" * 500, id="very-long"),
    ],
)
def test_unknown_scenario_is_a_json_404_listing_the_names(server: str, name: str) -> None:
    response = httpx.get(server + "/v1/usages", headers={**BASIC, "X-Mock-Scenario": name})
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "UNKNOWN_SCENARIO"
    assert "alpha, beta" in body["reason"]
    assert "passwd" not in httpx.get(server + "/__admin/scenarios").text


def wait_for(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_live_reload_serves_an_edit_and_keeps_the_last_good_world_on_a_broken_edit(
    server: str, scenario_dir: Path
) -> None:
    headers = {**BASIC, "X-Mock-Scenario": "beta"}

    def people_count() -> int:
        body = httpx.get(server + "/v1/usages", params={"type": "consumption"}, headers=headers).json()
        return len(body["consumption"])

    assert people_count() == 0
    edited = BETA + "activity:\n  generators:\n    - {actions: {upscale: 1}, perWorkingDay: 400, days: 5}\n"
    (scenario_dir / "beta.yaml").write_text(edited)
    wait_for(lambda: people_count() > 0)
    served = people_count()

    (scenario_dir / "beta.yaml").write_text(edited + "peple: 3\n")
    wait_for(lambda: bool(httpx.get(server + "/__admin/scenarios").json()["errors"]))
    errors = httpx.get(server + "/__admin/scenarios").json()["errors"]
    assert errors[0]["file"].endswith("beta.yaml")
    assert any("peple" in problem for problem in errors[0]["problems"])
    assert people_count() == served, "the last good world keeps serving"

    shutil.copy(scenario_dir / "alpha.yaml", scenario_dir / "alpha-copy.yaml")  # same name twice: an error
    wait_for(lambda: len(httpx.get(server + "/__admin/scenarios").json()["errors"]) == 2)


# -- renamed and deleted files (live reload and `POST /__admin/scenarios/reload`) ------------------------------------
ACTIVITY = {"type": "activity"}


def listing(url: str) -> dict[str, Any]:
    return dict(httpx.get(url + "/__admin/scenarios").json())


def names(url: str) -> list[str]:
    return [s["name"] for s in listing(url)["scenarios"]]


def default_body(url: str) -> bytes:
    response = httpx.get(url + "/v1/usages", params=ACTIVITY, headers=BASIC)
    assert response.status_code == 200, response.text
    return response.content


def picked(url: str, name: str) -> httpx.Response:
    return httpx.get(url + "/v1/usages", params=ACTIVITY, headers={**BASIC, "X-Mock-Scenario": name})


def warnings_of(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.name == "mockserver" and r.levelno == logging.WARNING]


@pytest.fixture
def static_server(scenario_dir: Path) -> Iterator[str]:
    """A server without the watcher: only `POST /__admin/scenarios/reload` reloads."""
    settings = Settings(scenarios_dir=scenario_dir, scenario="alpha", now=NOW, log_requests=False)
    uv, thread, url = start_server(settings)
    yield url
    uv.should_exit = True
    thread.join(10)


def test_live_reload_renaming_the_default_keeps_the_last_good_default_serving(
    server: str, scenario_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = default_body(server)
    (scenario_dir / "alpha.yaml").write_text(ALPHA.replace("name: alpha", "name: gamma"))
    wait_for(lambda: "gamma" in names(server))

    assert default_body(server) == before, "the last good default keeps serving, byte for byte"
    assert picked(server, "gamma").status_code == 200, "the renamed world is served under its new name"
    body = listing(server)
    assert body["default"] == "alpha"
    [warning] = body["warnings"]
    assert warning["scenario"] == "alpha" and warning["file"].endswith("alpha.yaml")
    assert "'gamma'" in warning["message"] and "keeps serving" in warning["message"]
    [logged] = [m for m in warnings_of(caplog.records) if "gamma" in m]
    assert "alpha.yaml" in logged and "'alpha'" in logged and "\n" not in logged

    (scenario_dir / "alpha.yaml").write_text(ALPHA)  # the file defines the default again
    wait_for(lambda: "gamma" not in names(server))
    assert listing(server)["warnings"] == []
    assert default_body(server) == before
    assert picked(server, "gamma").status_code == 404


def test_live_reload_removes_a_deleted_files_world_but_keeps_the_default(
    server: str, scenario_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = default_body(server)
    (scenario_dir / "beta.yaml").unlink()
    wait_for(lambda: "beta" not in names(server))
    gone = picked(server, "beta")
    assert gone.status_code == 404 and gone.json()["code"] == "UNKNOWN_SCENARIO"
    assert "known scenarios: alpha" in gone.json()["reason"]
    assert listing(server)["warnings"] == [], "a non-default world just goes"

    (scenario_dir / "alpha.yaml").unlink()
    wait_for(lambda: bool(listing(server)["warnings"]))
    assert default_body(server) == before, "the deleted default keeps serving"
    assert names(server) == ["alpha"]
    [warning] = listing(server)["warnings"]
    assert warning["scenario"] == "alpha" and "removed" in warning["message"]
    assert any("alpha.yaml" in m and "removed" in m for m in warnings_of(caplog.records))

    (scenario_dir / "alpha.yaml").write_text(ALPHA)
    (scenario_dir / "beta.yaml").write_text(BETA)
    wait_for(lambda: names(server) == ["alpha", "beta"] and not listing(server)["warnings"])
    assert picked(server, "beta").status_code == 200
    assert default_body(server) == before


def test_admin_reload_handles_renamed_and_deleted_files_as_the_watcher_does(
    static_server: str, scenario_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def reload() -> dict[str, Any]:
        response = httpx.post(static_server + "/__admin/scenarios/reload")
        assert response.status_code == 200, response.text
        return dict(response.json())

    before = default_body(static_server)
    (scenario_dir / "alpha.yaml").write_text(ALPHA.replace("name: alpha", "name: gamma"))
    body = reload()
    assert [s["name"] for s in body["scenarios"]] == ["alpha", "beta", "gamma"]
    assert [w["scenario"] for w in body["warnings"]] == ["alpha"]
    assert default_body(static_server) == before
    assert picked(static_server, "gamma").status_code == 200
    assert any("gamma" in m for m in warnings_of(caplog.records))

    (scenario_dir / "beta.yaml").unlink()
    (scenario_dir / "alpha.yaml").unlink()
    body = reload()
    assert [s["name"] for s in body["scenarios"]] == ["alpha"], "beta and gamma went with their files"
    assert "removed" in body["warnings"][0]["message"]
    assert picked(static_server, "beta").status_code == 404
    assert default_body(static_server) == before

    (scenario_dir / "alpha.yaml").write_text(ALPHA)
    (scenario_dir / "beta.yaml").write_text(BETA)
    body = reload()
    assert body["reloaded"] is True and body["warnings"] == []
    assert [s["name"] for s in body["scenarios"]] == ["alpha", "beta"]


def test_admin_reload_refuses_a_rename_into_a_name_another_file_defines(
    static_server: str, scenario_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = default_body(static_server)
    beta_before = picked(static_server, "beta").content
    (scenario_dir / "alpha.yaml").write_text(ALPHA.replace("name: alpha", "name: beta"))
    body = httpx.post(static_server + "/__admin/scenarios/reload").json()
    assert body["failed"] == [str(scenario_dir / "alpha.yaml")]
    [error] = body["errors"]
    assert "'beta' is already defined in" in error["problems"][0]
    assert default_body(static_server) == before, "the file's last good world keeps serving"
    assert picked(static_server, "beta").content == beta_before
    assert any("last good version keeps serving" in r.getMessage() for r in caplog.records)


def test_a_file_broken_at_start_is_reported_as_not_loaded(scenario_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    (scenario_dir / "broken.yaml").write_text("name: broken\npeple: 3\n")
    build_app(Settings(scenarios_dir=scenario_dir, scenario="alpha", now=NOW, log_requests=False))
    [message] = [r.getMessage() for r in caplog.records if "broken.yaml" in r.getMessage()]
    assert "not loaded" in message and "last good" not in message


def test_a_missing_default_world_is_a_json_error_not_a_key_error(scenario_dir: Path) -> None:
    worlds = Worlds(Settings(scenarios_dir=scenario_dir, scenario="missing", now=NOW), require_default=False)
    with pytest.raises(NotFoundError, match="known scenarios: alpha, beta"):
        worlds.select(None, None)


def test_live_reload_follows_a_file_moved_to_a_name_sorted_before_it(server: str, scenario_dir: Path) -> None:
    (scenario_dir / "beta.yaml").rename(scenario_dir / "a-beta.yaml")  # removal and creation in one batch

    def moved() -> bool:
        body = listing(server)
        files = {s["name"]: s["file"] for s in body["scenarios"]}
        return (files.get("beta") or "").endswith("a-beta.yaml") and not body["errors"]

    wait_for(moved)
    assert picked(server, "beta").status_code == 200


def test_admin_reload_follows_a_moved_file(static_server: str, scenario_dir: Path) -> None:
    (scenario_dir / "beta.yaml").rename(scenario_dir / "a-beta.yaml")
    body = httpx.post(static_server + "/__admin/scenarios/reload").json()
    assert body["reloaded"] is True and body["errors"] == [] and body["warnings"] == []
    assert {s["name"]: s["file"] for s in body["scenarios"]}["beta"] == str(scenario_dir / "a-beta.yaml")
