"""Picking a world per request (header, declared key) and live reload of edited scenario files."""

from __future__ import annotations

import base64
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.settings import Settings
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
    settings = Settings(
        scenarios_dir=scenario_dir, scenario="alpha", now=NOW, log_requests=False, reload=True
    )
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
    beta = httpx.get(
        server + "/v1/usages", params={"type": "activity"}, headers=basic("api_betaKey", "beta-secret")
    )
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
