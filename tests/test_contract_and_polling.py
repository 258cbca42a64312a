"""Contract pinning and drift through HTTP and the SDK; a job that finishes between two polls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from scenario_sdk import APIResponseValidationError, Scenario

from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, start_server


@pytest.fixture(scope="module")
def pinned_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("pinned")
    for name in ("default.yaml", "workflow-jobs.yaml"):
        (directory / name).write_text((Path("scenarios") / name).read_text())
    (directory / "old-sdk.yaml").write_text(
        "name: old-sdk\nseed: 4\ncontract: 1.0.0\nactivity:\n  generators:\n"
        "    - {actions: {txt2img: 1, refunds: 1}, perWorkingDay: 80}\n"
    )
    (directory / "drifting.yaml").write_text(
        "name: drifting\nseed: 5\ndrift: true\nactivity:\n  generators:\n"
        "    - {actions: {txt2img: 1}, perWorkingDay: 80}\n"
    )
    server, thread, url = start_server(Settings(scenarios_dir=directory, now=NOW, log_requests=False))
    yield url
    server.should_exit = True
    thread.join(10)


def sdk(url: str, scenario: str, *, strict: bool = True) -> Scenario:
    return Scenario(
        base_url=url + "/v1",
        api_key="k",
        api_secret="s",
        _strict_response_validation=strict,
        max_retries=0,
        default_headers={"X-Mock-Scenario": scenario},
    )


def test_a_scenario_pinned_to_an_old_contract_serves_only_what_it_knows(pinned_server: str) -> None:
    body = httpx.get(pinned_server + "/v1/usages", headers={**BASIC, "X-Mock-Scenario": "old-sdk"}).json()
    assert "qualityGateUsages" not in body and "slopUsages" not in body
    assert {row["usageName"] for row in body["usages"]}.isdisjoint({"refunds", "ip-detection"})
    assert all("cost" not in point for row in body["usages"] for point in row["points"])
    assert all(event["action"] != "refunds" for event in body["activity"])
    with sdk(pinned_server, "old-sdk") as client:
        assert client.usages.list().usages


def test_serve_contract_pins_every_scenario() -> None:
    server, thread, url = start_server(Settings(now=NOW, log_requests=False, contract="2.0.0"))
    try:
        body = httpx.get(url + "/v1/usages", headers=BASIC).json()
        assert "slopUsages" in body and "qualityGateUsages" not in body
        assert {row["verdict"] for row in body["slopUsages"]} == {"total", "pass", "warn", "fail"}
        empty = httpx.get(url + "/v1/usages", headers={**BASIC, "X-Mock-Scenario": "empty-team"}).json()
        assert "slopUsages" in empty
    finally:
        server.should_exit = True
        thread.join(10)


def test_drift_breaks_strict_parsing_and_loose_parsing_survives(pinned_server: str) -> None:
    with sdk(pinned_server, "drifting") as strict, pytest.raises(APIResponseValidationError):
        strict.usages.list()
    with sdk(pinned_server, "drifting", strict=False) as loose_client:
        assert loose_client.usages.list().usages
    first = httpx.get(pinned_server + "/v1/usages", headers={**BASIC, "X-Mock-Scenario": "drifting"}).content
    again = httpx.get(pinned_server + "/v1/usages", headers={**BASIC, "X-Mock-Scenario": "drifting"}).content
    assert first == again, "drift is deterministic"


def test_a_polled_job_finishes_between_two_polls(pinned_server: str) -> None:
    admin = httpx.Client(base_url=pinned_server + "/__admin")
    client = sdk(pinned_server, "workflow-jobs")

    def status() -> str:
        page = client.usages.list(time_range="last-hour", type=["activity"])
        jobs = {job.id: job.status for job in page.entities.jobs}
        return jobs["job_pollingRender000000001"]

    try:
        assert status() == "warming-up"  # started 1 min ago, warming up after 30 s
        assert admin.post("/clock", json={"advance": "1m", "scenario": "workflow-jobs"}).status_code == 200
        assert status() == "in-progress"
        assert admin.post("/clock", json={"advance": "4m", "scenario": "workflow-jobs"}).status_code == 200
        assert status() == "success"
    finally:
        admin.post("/reset")
        admin.close()
        client.close()


def test_drift_without_a_version_drifts_past_the_newest_contract() -> None:
    import asyncio

    import httpx

    from mockserver.api import build_app
    from mockserver.proxy.contracts import check_contracts
    from tests.conftest import BASIC, NOW

    app = build_app(Settings(now=NOW, log_requests=False))

    async def ask() -> tuple[object, object]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock") as http:
            plain = (await http.get("/v1/usages?timeRange=last-hour", headers=BASIC)).json()
            app.state.worlds.set_contract(None, drift=True)  # the plugin's `mockserver.contract(None, drift=True)`
            drifted = (await http.get("/v1/usages?timeRange=last-hour", headers=BASIC)).json()
            return plain, drifted

    plain, drifted = asyncio.run(ask())
    assert not check_contracts("usages.list", plain)["2.4.0"]
    assert check_contracts("usages.list", drifted)["2.4.0"], "drift=True without a version must drift"
