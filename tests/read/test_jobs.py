"""`jobs.retrieve`: every job `/usages` names is retrievable and agrees with it; status history, progress, billing;
a job that moves on with the clock, polled; 404s, `--lenient` placeholders, key scope."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scenario_sdk import AsyncScenario, DefaultAioHttpClient, Scenario

from mockserver.contract.enums import JOB_STATUSES
from mockserver.contract.jobs import JobRetrieveResponse
from mockserver.contract.lists import QueryReader
from mockserver.errors import NotFoundError
from mockserver.scenario.loader import load_scenario
from mockserver.settings import Settings, shipped_scenarios_dir
from mockserver.world.access import ReadContext, access_of
from mockserver.world.builder import build_world
from mockserver.world.clock import format_ms, parse_instant
from mockserver.world.entities import ApiKey
from mockserver.world.job_history import MAX_JOB_DURATION
from mockserver.world.jobs import list_jobs, retrieve_job
from mockserver.world.world import World
from mockserver.worlds import SCENARIO_HEADER
from tests.conftest import BASIC, NOW, LiveServer, serving

SCENARIOS = sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))
POLLED = "job_pollingRender000000001"
NOT_CHARGED = ("failure", "canceled")
TERMINAL = ("success", "failure", "canceled")


def sdk_for(base_url: str, scenario: str) -> Scenario:
    return Scenario(
        base_url=base_url,
        api_key="test-key",
        api_secret="test-secret",
        default_headers={SCENARIO_HEADER: scenario},
        max_retries=0,
        _strict_response_validation=True,
    )


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, headers=BASIC, timeout=60) as client:
        yield client


def usages_jobs(http: httpx.Client, scenario: str, pages: int) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Job id -> (its `entities.jobs[]` entry, its activity event) over the first `pages` activity pages of 31 days."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for page in range(pages):
        params = {"type": "activity", "timeRange": "last-thirty-one-days", "activityOffset": str(page * 100)}
        body = http.get("/usages", params=params, headers={SCENARIO_HEADER: scenario}).json()
        entities = {job["id"]: job for job in body["entities"]["jobs"]}
        for event in body["activity"]:
            job_id = event["data"].get("jobId")
            if job_id is not None:
                found.setdefault(job_id, (entities[job_id], event))
        if len(body["activity"]) < 100:
            break
    return found


def flow_of(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    return [(node["id"], node["status"]) for node in metadata.get("flow") or ()]


def check_agrees(job: dict[str, Any], entity: dict[str, Any], event: dict[str, Any]) -> None:
    """A `jobs.retrieve` body against what `/usages` says of the same job at the same instant."""
    assert job["jobId"] == entity["id"]
    assert (job["jobType"], job["status"]) == (entity["jobType"], entity["status"])
    assert flow_of(job["metadata"]) == flow_of(entity["metadata"])
    assert job["metadata"] == entity["metadata"]
    assert job["authorId"] == event["userId"]
    assert job["ownerId"] == event["projectId"]
    expected_cost = 0 if job["status"] in NOT_CHARGED else event["creativeUnitsCost"]
    assert job["billing"]["cuCost"] == expected_cost


def check_history(job: dict[str, Any], now: int) -> None:
    """The status history and progress rules of one job body at `now`."""
    history = job["statusHistory"]
    dates = [parse_instant(entry["date"]) for entry in history]
    assert history and history[-1]["status"] == job["status"]
    assert dates == sorted(dates) and len(set(dates)) == len(dates), history
    assert history[0]["date"] == job["createdAt"] and history[-1]["date"] == job["updatedAt"]
    assert dates[-1] <= now
    statuses = [entry["status"] for entry in history]
    assert statuses[0] in ("queued", "pending")
    assert not set(statuses[:-1]) & set(TERMINAL)  # nothing after a terminal status
    assert 0 <= job["progress"] <= 1
    if job["status"] == "success":
        assert job["progress"] == 1
    if job["jobId"] != POLLED:
        assert dates[-1] - dates[0] <= MAX_JOB_DURATION


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_job_usages_names_is_retrievable_and_agrees(
    live_server: LiveServer, http: httpx.Client, scenario: str
) -> None:
    named = usages_jobs(http, scenario, pages=50 if scenario == "workflow-jobs" else 2)
    if scenario != "empty-team":
        assert named
    with sdk_for(live_server.base_url, scenario) as sdk:
        for i, (job_id, (entity, event)) in enumerate(sorted(named.items())):
            response = http.get(f"/jobs/{job_id}", headers={SCENARIO_HEADER: scenario})
            assert response.status_code == 200, response.text
            JobRetrieveResponse.model_validate(response.json())
            job = response.json()["job"]
            check_agrees(job, entity, event)
            check_history(job, NOW)
            if i % 10 == 0:  # strict SDK parsing of a sample (every body already validates with the contract)
                parsed = sdk.jobs.retrieve(job_id)
                assert parsed.job.job_id == job_id and parsed.job.status == job["status"]


def test_workflow_jobs_cover_every_status(http: httpx.Client) -> None:
    named = usages_jobs(http, "workflow-jobs", pages=50)
    statuses = {entity["status"] for entity, _ in named.values()}
    assert statuses == set(JOB_STATUSES)
    paths = set()
    for job_id in named:
        job = http.get(f"/jobs/{job_id}", headers={SCENARIO_HEADER: "workflow-jobs"}).json()["job"]
        paths.add(tuple(entry["status"] for entry in job["statusHistory"]))
    assert ("queued", "warming-up", "in-progress", "success") in paths  # a model warms up
    assert ("queued", "in-progress", "failure") in paths or ("queued", "warming-up", "in-progress", "failure") in paths
    assert ("queued",) in paths and ("pending",) in paths


def test_billing_shows_the_quality_gate_and_discount(http: httpx.Client) -> None:
    """`cuCost` is the activity's `creativeUnitsCost` (gate included); the gate's part is in `cuCostDetails`."""
    named = usages_jobs(http, "default", pages=10)
    details = discounts = 0
    for job_id in named:
        job = http.get(f"/jobs/{job_id}").json()["job"]
        billing = job["billing"]
        if "cuCostDetails" in billing:
            details += 1
            assert 0 < billing["cuCostDetails"]["quality-gate"] <= billing["cuCost"]
        discounts += billing["cuDiscount"] > 0
    assert details and discounts


def test_same_request_same_bytes_with_and_without_v1(live_server: LiveServer, http: httpx.Client) -> None:
    job_id = next(iter(usages_jobs(http, "default", pages=1)))
    body = http.get(f"/jobs/{job_id}").content
    unprefixed = httpx.get(f"{live_server.url}/jobs/{job_id}", headers=BASIC).content
    assert body == http.get(f"/jobs/{job_id}").content == unprefixed


def test_unknown_id_and_other_project_are_json_404s(http: httpx.Client) -> None:
    for path, params in (
        ("/jobs/job_doesNotExist000000000", {}),
        (f"/jobs/{next(iter(usages_jobs(http, 'default', pages=1)))}", {"projectId": "proj_someOtherProject001"}),
    ):
        response = http.get(path, params=params)
        assert response.status_code == 404, response.text
        body = response.json()
        assert {"reason", "message", "code", "traceId"} <= set(body)
    job_id, (_, event) = next(iter(usages_jobs(http, "default", pages=1).items()))
    assert http.get(f"/jobs/{job_id}", params={"projectId": event["projectId"]}).status_code == 200


# -- a job that moves on with the clock ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workflow_server() -> Iterator[str]:
    settings = Settings(now=NOW, log_requests=False, scenarios_dir=shipped_scenarios_dir() / "workflow-jobs.yaml")
    with serving(settings) as url:
        yield url


def test_polling_a_job_through_its_statuses(workflow_server: str) -> None:
    """Freeze the clock, advance it through the admin API, and watch `GET /jobs/{id}` move with `/usages`."""
    seen: list[tuple[str, int, float]] = []
    with (
        httpx.Client(base_url=workflow_server + "/__admin", timeout=30) as admin,
        httpx.Client(base_url=workflow_server + "/v1", headers=BASIC, timeout=30) as api,
        sdk_for(workflow_server + "/v1", "workflow-jobs") as sdk,
    ):
        admin.post("/reset").raise_for_status()
        try:
            admin.post("/clock", json={"now": format_ms(NOW - 90_000)}).raise_for_status()
            assert api.get(f"/jobs/{POLLED}").status_code == 404  # not submitted yet
            admin.post("/clock", json={"now": format_ms(NOW - 60_000)}).raise_for_status()
            history_length = 0
            for step in range(0, 330, 15):
                now = NOW - 60_000 + step * 1000
                if step:
                    admin.post("/clock", json={"advance": "15s"}).raise_for_status()
                job = api.get(f"/jobs/{POLLED}").json()["job"]
                sdk_job = sdk.jobs.retrieve(POLLED).job
                assert sdk_job.status == job["status"] and sdk_job.progress == job["progress"]
                # A window reaching past now: it holds the job from the instant it is submitted.
                window = {"startDate": format_ms(now - 3_600_000), "endDate": format_ms(now + 3_600_000)}
                usages = api.get("/usages", params={"type": "activity", **window}).json()
                entity = next(j for j in usages["entities"]["jobs"] if j["id"] == POLLED)
                assert (entity["status"], entity["jobType"]) == (job["status"], job["jobType"])
                assert job["metadata"] == entity["metadata"]
                check_history(job, now)
                assert job["createdAt"] == format_ms(NOW - 60_000)
                assert len(job["statusHistory"]) >= history_length
                history_length = len(job["statusHistory"])
                assert not seen or job["progress"] >= seen[-1][2]
                seen.append((job["status"], history_length, job["progress"]))
        finally:
            admin.post("/reset").raise_for_status()
    statuses = list(dict.fromkeys(status for status, _, _ in seen))
    assert statuses == ["queued", "warming-up", "in-progress", "success"]
    assert next(length for status, length, _ in seen if status == "success") == 4
    running = [progress for status, _, progress in seen if status == "in-progress"]
    assert running == sorted(running) and running[0] < running[-1]  # in-progress moves toward the next step
    assert seen[-1][2] == 1


# -- --lenient, async and aiohttp ------------------------------------------------------------------------------------
def test_lenient_placeholder_job() -> None:
    with (
        serving(Settings(now=NOW, log_requests=False, lenient=True)) as url,
        httpx.Client(base_url=url, headers=BASIC, timeout=30) as http,
        sdk_for(url, "default") as sdk,
    ):
        first = http.get("/jobs/jobId")
        assert first.status_code == 200 and first.content == http.get("/v1/jobs/jobId").content
        job = first.json()["job"]
        assert job["jobId"] == "jobId"
        check_history(job, NOW)
        JobRetrieveResponse.model_validate(first.json())
        assert sdk.jobs.retrieve("jobId", project_id="projectId").job.owner_id == "projectId"
        assert http.get("/jobs/other").json()["job"] != job | {"jobId": "other"}
        # Malformed list parameters count as absent.
        sloppy = http.get("/jobs", params={"status": "done", "pageSize": "0", "paginationToken": "junk"})
        assert sloppy.status_code == 200 and sloppy.content == http.get("/jobs").content
        refused = http.get("/jobs", params={"createdAfter": "2026-11-01", "status": "success"})
        assert refused.json() == http.get("/jobs", params={"status": "success"}).json()


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
def test_async_retrieve(live_server: LiveServer, http: httpx.Client, kind: str) -> None:
    job_id = next(iter(usages_jobs(http, "workflow-jobs", pages=1)))

    async def run() -> Any:
        async with AsyncScenario(
            base_url=live_server.base_url,
            api_key="test-key",
            api_secret="test-secret",
            default_headers={SCENARIO_HEADER: "workflow-jobs"},
            http_client=DefaultAioHttpClient() if kind == "aiohttp" else None,
            max_retries=0,
            _strict_response_validation=True,
        ) as client:
            return await client.jobs.retrieve(job_id)

    retrieved = asyncio.run(run())
    expected = http.get(f"/jobs/{job_id}", headers={SCENARIO_HEADER: "workflow-jobs"}).json()["job"]
    assert retrieved.job.job_id == job_id and retrieved.job.updated_at == expected["updatedAt"]


# -- key scope, through the view (the scenario format for project keys is not on this branch) ---------------------
@pytest.fixture(scope="module")
def default_world() -> World:
    return build_world(load_scenario(shipped_scenarios_dir() / "default.yaml"), now=NOW)


def context(world: World, key: ApiKey | None, job_id: str | None = None, **params: str) -> ReadContext:
    return ReadContext(NOW, access_of(key), QueryReader(params.items()), job_id)


def test_a_project_key_sees_only_its_projects_jobs(default_world: World) -> None:
    world = default_world
    mine, other = world.projects[0].id, world.projects[1].id
    key = ApiKey("api_scoped", "apiu_scoped", "Scoped", "active", None, (mine,), world.start, None, scope="project")
    jobs = list_jobs(world, context(world, None, pageSize="100"))["jobs"]
    theirs = next(j for j in jobs if j["ownerId"] == other)
    ours = next(j for j in jobs if j["ownerId"] == mine)
    with pytest.raises(NotFoundError):
        retrieve_job(world, context(world, key, theirs["jobId"]))
    assert retrieve_job(world, context(world, key, ours["jobId"]))["job"] == ours
    scoped = list_jobs(world, context(world, key, pageSize="100"))["jobs"]
    assert scoped and {j["ownerId"] for j in scoped} == {mine}
    assert scoped == [j for j in list_jobs(world, context(world, None, pageSize="100", projectId=mine))["jobs"]]
    assert list_jobs(world, context(world, key, projectId=other))["jobs"] == []
