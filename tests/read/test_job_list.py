"""`jobs.list`: pages walk every job once, newest first, equal to the set `/usages` names; every filter on the world's
data; the 30-day rule; the 400s; the SDK's auto-paging (sync, async, aiohttp)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_sdk import AsyncScenario, DefaultAioHttpClient, Scenario

from mockserver.contract.enums import JOB_TYPES
from mockserver.contract.jobs import JobListResponse
from mockserver.contract.lists import QueryReader
from mockserver.scenario.loader import load_scenario
from mockserver.settings import shipped_scenarios_dir
from mockserver.world.access import Access, ReadContext
from mockserver.world.builder import build_world
from mockserver.world.clock import DAY, format_ms, parse_instant
from mockserver.world.jobs import list_jobs
from mockserver.world.world import World
from mockserver.worlds import SCENARIO_HEADER
from tests.conftest import BASIC, NOW, LiveServer

Job = dict[str, Any]
# Job id -> (its `entities.jobs[]` entry, its activity event), from `/usages` at the tests' instant.
Named = dict[str, tuple[dict[str, Any], dict[str, Any]]]
SMALL = ("workflow-jobs", "revoked-keys", "edge-cases")
BY_UPDATE = ("status", "type", "types", "workflowId")
# The job types of the body that the contract's `type` filter does not list: accepted too.
BODY_ONLY_TYPES = ("caption-llava", "model-download", "model-import", "patch-image")


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, headers=BASIC, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def named(http: httpx.Client) -> Callable[[str], Named]:
    """Every job `/usages` names in a scenario's activity (walked whole, in a window holding all of it)."""
    found: dict[str, Named] = {}

    def of(scenario: str) -> Named:
        if scenario not in found:
            jobs: Named = {}
            window = {"startDate": format_ms(NOW - 45 * DAY), "endDate": format_ms(NOW + DAY)}
            offset = 0
            while True:
                params = {"type": "activity", "activityOffset": str(offset), **window}
                body = http.get("/usages", params=params, headers={SCENARIO_HEADER: scenario}).json()
                entities = {job["id"]: job for job in body["entities"]["jobs"]}
                for event in body["activity"]:
                    job_id = event["data"].get("jobId")
                    if job_id is not None:
                        jobs.setdefault(job_id, (entities[job_id], event))
                if len(body["activity"]) < 100:
                    break
                offset += 100
            found[scenario] = jobs
        return found[scenario]

    return of


@pytest.fixture(scope="module")
def listed(http: httpx.Client) -> Callable[[str], dict[str, Job]]:
    """Every job of a scenario's unfiltered list, by id (walked once per module)."""
    found: dict[str, dict[str, Job]] = {}

    def of(scenario: str) -> dict[str, Job]:
        if scenario not in found:
            found[scenario] = {job["jobId"]: job for job in whole(http, scenario)}
        return found[scenario]

    return of


def walk(http: httpx.Client, scenario: str, params: dict[str, Any], sizes: Callable[[int], int]) -> list[Job]:
    """Every job of a list query, page by page (`sizes(i)`: the size of page i); each page validated."""
    jobs: list[Job] = []
    token = None
    for page in range(100_000):
        query = {**params, "pageSize": str(sizes(page))} | ({"paginationToken": token} if token else {})
        response = http.get("/jobs", params=query, headers={SCENARIO_HEADER: scenario})
        assert response.status_code == 200, response.text
        body = response.json()
        JobListResponse.model_validate(body)
        assert len(body["jobs"]) <= sizes(page)
        jobs.extend(body["jobs"])
        token = body.get("nextPaginationToken")
        if token is None:
            return jobs
        assert len(body["jobs"]) == sizes(page)
    raise AssertionError("the walk does not end")


def whole(http: httpx.Client, scenario: str, params: dict[str, Any] | None = None) -> list[Job]:
    return walk(http, scenario, params or {}, lambda _: 100)


def sort_key(job: Job, by_update: bool) -> tuple[int, str]:
    return (parse_instant(job["updatedAt" if by_update else "createdAt"]), job["jobId"])


def check_order(jobs: list[Job], by_update: bool) -> None:
    keys = [sort_key(job, by_update) for job in jobs]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == len(keys), "a job listed twice"


def expected_ids(named: Named, everything: dict[str, Job], params: dict[str, Any]) -> set[str]:
    """The ids a query selects, from what `/usages` says of each job (and dates from the unfiltered list)."""
    by_update = any(name in params for name in BY_UPDATE)
    types = params.get("types")
    if isinstance(types, str):
        types = types.split(",")
    types = types or ([params["type"]] if "type" in params else None)
    since = None
    if "createdAfter" in params or "updatedAfter" in params:
        since = parse_instant(params.get("createdAfter") or params["updatedAfter"]) + 1
    elif "authorId" in params or params.get("hideResults") == "false":
        since = NOW - 30 * DAY
    selected = set()
    for job_id, (entity, event) in named.items():
        if "status" in params and entity["status"] != params["status"]:
            continue
        if types is not None and entity["jobType"] not in types:
            continue
        if "workflowId" in params and entity["metadata"].get("workflowId") != params["workflowId"]:
            continue
        if "authorId" in params and event["userId"] != params["authorId"]:
            continue
        if "projectId" in params and event["projectId"] != params["projectId"]:
            continue
        if since is not None and sort_key(everything[job_id], by_update)[0] < since:
            continue
        selected.add(job_id)
    return selected


@pytest.mark.parametrize("scenario", SMALL)
def test_the_list_is_every_job_usages_names_newest_first(
    http: httpx.Client, named: Callable[[str], Named], scenario: str
) -> None:
    jobs = whole(http, scenario)
    assert {job["jobId"] for job in jobs} == set(named(scenario))
    check_order(jobs, by_update=False)
    for job in jobs:
        entity, event = named(scenario)[job["jobId"]]
        assert (job["jobType"], job["status"], job["metadata"]) == (
            entity["jobType"],
            entity["status"],
            entity["metadata"],
        )
        assert (job["authorId"], job["ownerId"]) == (event["userId"], event["projectId"])
    retrieved = http.get(f"/jobs/{jobs[0]['jobId']}", headers={SCENARIO_HEADER: scenario}).json()["job"]
    assert retrieved == jobs[0]


def filters(scenario: str, named: Named) -> st.SearchStrategy[dict[str, Any]]:
    """A random query of the list: filters drawn from the values the scenario's jobs have."""
    entities = [entity for entity, _ in named.values()]
    events = [event for _, event in named.values()]
    workflows = sorted({e["metadata"]["workflowId"] for e in entities if "workflowId" in e["metadata"]})
    ordering = st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(sorted({e["status"] for e in entities})),
            "types": st.lists(st.sampled_from(sorted({e["jobType"] for e in entities})), min_size=1, max_size=3).map(
                ",".join
            ),
            **({"workflowId": st.sampled_from(workflows)} if workflows else {}),
        },
    )
    others = st.fixed_dictionaries(
        {},
        optional={
            "authorId": st.sampled_from(sorted({e["userId"] for e in events})),
            "projectId": st.sampled_from(sorted({e["projectId"] for e in events})),
            "hideResults": st.sampled_from(["true", "false"]),
        },
    )
    return st.tuples(ordering, others).map(lambda pair: pair[0] | pair[1])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_page_sizes_walk_every_job_once(
    http: httpx.Client, named: Callable[[str], Named], listed: Callable[[str], dict[str, Job]], data: Any
) -> None:
    scenario = data.draw(st.sampled_from(SMALL), label="scenario")
    jobs = named(scenario)
    params = data.draw(filters(scenario, jobs), label="params")
    by_update = any(name in params for name in BY_UPDATE)
    everything = listed(scenario)
    expected = expected_ids(jobs, everything, params)
    smallest = max(1, len(expected) // 25)  # at most ~25 requests a walk
    sizes = data.draw(st.lists(st.integers(smallest, 100), min_size=1, max_size=10), label="sizes")
    walked = walk(http, scenario, params, lambda page: sizes[page % len(sizes)])
    assert [job["jobId"] for job in walked if job["jobId"] not in expected] == []
    assert {job["jobId"] for job in walked} == expected
    check_order(walked, by_update)
    for job in walked:
        assert job == everything[job["jobId"]]  # the same instant, the same body


FILTER_CASES = [
    pytest.param("workflow-jobs", {"status": "in-progress"}, id="status"),
    pytest.param("workflow-jobs", {"type": "upscale"}, id="type"),
    pytest.param("workflow-jobs", {"types": "texture,model-training"}, id="types-comma"),
    pytest.param("workflow-jobs", {"types": ["texture", "remove-background"]}, id="types-repeated"),
    pytest.param("workflow-jobs", {"types": "texture", "type": "workflow"}, id="types-over-type"),
    pytest.param("edge-cases", {"authorId": "edgeZoe0000000000000001"}, id="author-30-days"),
    pytest.param("edge-cases", {"projectId": "proj_edgeUnicode000000001"}, id="project"),
    pytest.param("edge-cases", {"hideResults": "false"}, id="hide-results-false-30-days"),
    pytest.param("edge-cases", {"hideResults": "true"}, id="hide-results-true"),
    pytest.param("edge-cases", {"authorId": "edgeZoe0000000000000001", "createdAfter": "2026-10-01"}, id="author-c"),
    pytest.param("edge-cases", {"createdAfter": format_ms(NOW - 2 * DAY)}, id="created-after"),
    pytest.param("edge-cases", {"status": "success", "updatedAfter": format_ms(NOW - DAY)}, id="updated-after"),
    pytest.param("edge-cases", {"type": "upscale", "authorId": "edgeZoe0000000000000001"}, id="type-author"),
]


@pytest.mark.parametrize(("scenario", "params"), FILTER_CASES)
def test_each_filter_on_the_worlds_data(
    http: httpx.Client,
    named: Callable[[str], Named],
    listed: Callable[[str], dict[str, Job]],
    scenario: str,
    params: dict[str, Any],
) -> None:
    jobs = whole(http, scenario, params)
    expected = expected_ids(named(scenario), listed(scenario), params)
    assert expected, "the case selects nothing"
    assert {job["jobId"] for job in jobs} == expected
    check_order(jobs, by_update=any(name in params for name in BY_UPDATE))


def test_the_30_day_rule_cuts_older_jobs(http: httpx.Client) -> None:
    everything = whole(http, "edge-cases")
    author = "edgeZoe0000000000000001"
    theirs = [job for job in everything if job["authorId"] == author]
    recent = [job for job in theirs if parse_instant(job["createdAt"]) >= NOW - 30 * DAY]
    assert len(recent) < len(theirs)  # the rule cuts something here
    assert whole(http, "edge-cases", {"authorId": author}) == recent
    assert whole(http, "edge-cases", {"authorId": author, "createdAfter": "2026-01-01"}) == theirs


def test_workflow_filter_orders_by_update(http: httpx.Client, named: Callable[[str], Named]) -> None:
    workflow = next(
        e["metadata"]["workflowId"] for e, _ in named("workflow-jobs").values() if e["jobType"] == "workflow"
    )
    listed = whole(http, "workflow-jobs", {"workflowId": workflow})
    assert listed and {job["metadata"]["workflowId"] for job in listed} == {workflow}
    check_order(listed, by_update=True)


def test_the_job_that_progresses_is_placed_by_both_orders(http: httpx.Client) -> None:
    """The polled job of workflow-jobs: created at its event's time, updated later; each order places it right."""
    everything = whole(http, "workflow-jobs")
    polled = next(job for job in everything if job["jobId"] == "job_pollingRender000000001")
    assert polled["createdAt"] < polled["updatedAt"]
    by_update = whole(http, "workflow-jobs", {"types": ",".join(sorted({j["jobType"] for j in everything}))})
    assert sorted(j["jobId"] for j in by_update) == sorted(j["jobId"] for j in everything)
    check_order(by_update, by_update=True)


@pytest.mark.parametrize("job_type", BODY_ONLY_TYPES)
def test_body_only_job_types_are_accepted(http: httpx.Client, job_type: str) -> None:
    assert http.get("/jobs", params={"type": job_type}).status_code == 200


BAD_QUERIES = [
    pytest.param({"createdAfter": "2026-11-01", "status": "success"}, id="created-after-with-status"),
    pytest.param({"createdAfter": "2026-11-01", "type": "upscale"}, id="created-after-with-type"),
    pytest.param({"createdAfter": "2026-11-01", "types": "upscale"}, id="created-after-with-types"),
    pytest.param({"createdAfter": "2026-11-01", "workflowId": "wflow_x"}, id="created-after-with-workflow"),
    pytest.param({"updatedAfter": "2026-11-01"}, id="updated-after-alone"),
    pytest.param({"updatedAfter": "2026-11-01", "authorId": "someone"}, id="updated-after-with-author"),
    pytest.param({"status": "done"}, id="status"),
    pytest.param({"type": "painting"}, id="type"),
    pytest.param({"types": "upscale,painting"}, id="types"),
    pytest.param({"createdAfter": "yesterday"}, id="created-after-date"),
    pytest.param({"status": "success", "updatedAfter": "2026-13-01"}, id="updated-after-date"),
    pytest.param({"hideResults": "maybe"}, id="hide-results"),
    pytest.param({"pageSize": "0"}, id="page-size-0"),
    pytest.param({"pageSize": "101"}, id="page-size-101"),
    pytest.param({"pageSize": "ten"}, id="page-size-text"),
    pytest.param({"paginationToken": "not-a-token"}, id="token"),
]


@pytest.mark.parametrize("params", BAD_QUERIES)
def test_bad_queries_are_json_400s(http: httpx.Client, params: dict[str, str]) -> None:
    response = http.get("/jobs", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert {"reason", "message", "code", "traceId"} <= set(body)


def test_a_token_pins_its_query(http: httpx.Client) -> None:
    token = http.get("/jobs", params={"pageSize": "2"}).json()["nextPaginationToken"]
    other = http.get("/jobs", params={"pageSize": "2", "paginationToken": token, "projectId": "proj_x"})
    assert other.status_code == 400
    assert http.get("/jobs", params={"pageSize": "5", "paginationToken": token}).status_code == 200


# -- the SDK's auto-paging -------------------------------------------------------------------------------------------
def test_sdk_auto_paging_walks_every_job(live_server: LiveServer, http: httpx.Client) -> None:
    expected = [job["jobId"] for job in whole(http, "default")]
    with Scenario(
        base_url=live_server.base_url,
        api_key="test-key",
        api_secret="test-secret",
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        assert [job.job_id for job in sdk.jobs.list(page_size=73)] == expected
        in_progress = [job.job_id for job in sdk.jobs.list(status="in-progress", types=["inference", "upscale"])]
    assert in_progress == [
        job["jobId"] for job in whole(http, "default", {"status": "in-progress", "types": "inference,upscale"})
    ]


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
def test_async_auto_paging(live_server: LiveServer, http: httpx.Client, kind: str) -> None:
    async def run() -> list[str]:
        async with AsyncScenario(
            base_url=live_server.base_url,
            api_key="test-key",
            api_secret="test-secret",
            default_headers={SCENARIO_HEADER: "workflow-jobs"},
            http_client=DefaultAioHttpClient() if kind == "aiohttp" else None,
            max_retries=0,
            _strict_response_validation=True,
        ) as client:
            return [job.job_id async for job in client.jobs.list(page_size=17)]

    assert asyncio.run(run()) == [job["jobId"] for job in whole(http, "workflow-jobs")]


@pytest.mark.slow
def test_heavy_usage_walk_with_the_sdk(live_server: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    """A full walk of heavy-usage's jobs through the SDK's auto-paging (the time is printed: bench/, not asserted)."""
    with Scenario(
        base_url=live_server.base_url,
        api_key="test-key",
        api_secret="test-secret",
        default_headers={SCENARIO_HEADER: "heavy-usage"},
        max_retries=0,
        timeout=120,
        _strict_response_validation=True,
    ) as sdk:
        started = time.perf_counter()
        ids = [job.job_id for job in sdk.jobs.list(page_size=100)]
        elapsed = time.perf_counter() - started
    assert len(ids) == len(set(ids)) > 30_000
    with capsys.disabled():
        print(f"\nheavy-usage: {len(ids)} jobs walked in {elapsed:.1f}s")


# -- the merge of jobs that progress with the clock, at any instant (in process) -------------------------------------
@pytest.fixture(scope="module")
def workflow_world() -> World:
    return build_world(load_scenario(shipped_scenarios_dir() / "workflow-jobs.yaml"), now=NOW)


def view_walk(world: World, now: int, params: dict[str, str], sizes: list[int]) -> list[Job]:
    jobs: list[Job] = []
    token = None
    for page in range(10_000):
        items = [*params.items(), ("pageSize", str(sizes[page % len(sizes)]))]
        if token:
            items.append(("paginationToken", token))
        body = list_jobs(world, ReadContext(now, Access(), QueryReader(items)))
        jobs.extend(body["jobs"])
        token = body.get("nextPaginationToken")
        if token is None:
            return jobs
    raise AssertionError("the walk does not end")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offset=st.integers(-3 * 60_000, 7 * 60_000),
    by_update=st.booleans(),
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=5),
)
def test_progressing_jobs_are_merged_at_any_instant(
    workflow_world: World, offset: int, by_update: bool, sizes: list[int]
) -> None:
    world, now = workflow_world, NOW + offset
    expected = {e.job for e in world.events(world.start, now + 1) if e.job is not None}
    params = {"types": ",".join(JOB_TYPES)} if by_update else {}
    walked = view_walk(world, now, params, sizes)
    assert {job["jobId"] for job in walked} == expected
    check_order(walked, by_update)
    polled = [job for job in walked if job["jobId"] == "job_pollingRender000000001"]
    assert len(polled) == (now >= NOW - 60_000)
