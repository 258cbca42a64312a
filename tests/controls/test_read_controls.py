"""Controls on the read endpoints: fault rules naming an endpoint by SDK call or path template (admin API, scenario
file, in code), latency and sequences there, the journal's endpoint names and filters, and `assert_polled` fed by
the internal job-status header (recorded, then stripped from the response)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.routing import Route

from mockserver.api import build_app, read
from mockserver.api.middleware import UNPREFIXED_ROOTS
from mockserver.contract.endpoints import ENDPOINT_NAMES, ENDPOINT_PATHS
from mockserver.controls.faults import FaultRequest, Faults
from mockserver.controls.journal import (
    ACTIVITY_COUNT_HEADER,
    JOB_STATUS_HEADER,
    Journal,
    JournalEntry,
    VerificationError,
)
from mockserver.controls.masking import is_secret_name
from mockserver.controls.routes import PathPattern, endpoint_name
from mockserver.scenario.faults import FaultRule
from mockserver.settings import Settings, shipped_scenarios_dir
from mockserver.world.access import ReadContext
from mockserver.world.clock import MINUTE
from mockserver.world.world import World
from tests.conftest import BASIC, NOW, serving

CONTRACTS = Path(__file__).resolve().parents[2] / "mockserver" / "contract" / "published" / "endpoints"


# -- the table of endpoints ------------------------------------------------------------------------------------
def test_the_controls_table_is_the_read_endpoints_and_usages() -> None:
    assert {"usages.list": "/usages", **{e.name: e.path for e in read.ENDPOINTS}} == ENDPOINT_PATHS
    assert set(ENDPOINT_NAMES) == set(ENDPOINT_PATHS)
    assert {"/" + root for root in UNPREFIXED_ROOTS} == {*read.READ_ROOTS, "/usages"}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        pytest.param("/v1/jobs/job_abc", "jobs.retrieve", id="v1-retrieve"),
        pytest.param("/jobs/job_abc/", "jobs.retrieve", id="unprefixed-slash"),
        pytest.param("/v1/jobs", "jobs.list", id="list"),
        pytest.param("/jobs/", "jobs.list", id="list-slash"),
        pytest.param("/v1/teams/team_1/limits", "teams.retrieve_limits", id="limits"),
        pytest.param("/teams/team_1", "teams.retrieve", id="team"),
        pytest.param("/v1/usages/", "usages.list", id="usages"),
        pytest.param("/v1/jobs/a/b", None, id="too-deep"),
        pytest.param("/__admin/journal", None, id="admin"),
        pytest.param("/v1/unknown", None, id="unknown"),
    ],
)
def test_endpoint_names(path: str, name: str | None) -> None:
    assert endpoint_name(path) == name


def test_path_patterns() -> None:
    template = PathPattern.of("/v1/jobs/{id}")
    assert template.is_template
    assert template.matches("/jobs/job_a") and template.matches("/v1/jobs/job_b/")
    assert not template.matches("/v1/jobs") and not template.matches("/v1/jobs/a/limits")
    exact = PathPattern.of("/v1/jobs/job_a")
    assert not exact.is_template
    assert exact.matches("/jobs/job_a") and not exact.matches("/jobs/job_b")


def test_no_documented_query_parameter_is_masked_in_the_journal() -> None:
    import json

    names = {name for path in CONTRACTS.glob("*.json") for name in json.loads(path.read_text())["query"]}
    assert names and not [name for name in sorted(names) if is_secret_name(name)]


# -- fault rules -------------------------------------------------------------------------------------------------
def test_an_unknown_endpoint_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValidationError) as caught:
        FaultRule.model_validate({"endpoint": "jobs.retreive", "status": 503})
    message = str(caught.value)
    assert "jobs.retreive" in message
    assert all(f"'{name}'" in message for name in ENDPOINT_NAMES)


def test_path_and_endpoint_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="either a path or an endpoint"):
        FaultRule.model_validate({"endpoint": "jobs.retrieve", "path": "/v1/jobs/{id}", "status": 503})


@pytest.mark.parametrize(
    ("rule", "hits"),
    [
        pytest.param({"endpoint": "jobs.retrieve"}, {"/v1/jobs/job_a", "/jobs/job_b", "/v1/jobs/job_c/"}, id="name"),
        pytest.param({"path": "/v1/jobs/{id}"}, {"/v1/jobs/job_a", "/jobs/job_b", "/v1/jobs/job_c/"}, id="template"),
        pytest.param({"path": "/v1/jobs/job_a"}, {"/v1/jobs/job_a"}, id="exact"),
        pytest.param({"endpoint": "jobs.list"}, {"/v1/jobs", "/jobs/"}, id="list"),
        pytest.param({"endpoint": "usages.list"}, {"/v1/usages"}, id="usages"),
        pytest.param({}, {"/v1/usages"}, id="default-usages"),
    ],
)
def test_rules_match_their_endpoint_whatever_the_id(rule: dict[str, Any], hits: set[str]) -> None:
    paths = ["/v1/jobs/job_a", "/jobs/job_b", "/v1/jobs/job_c/", "/v1/jobs", "/jobs/", "/v1/usages", "/v1/teams/x"]
    faults = Faults()
    faults.add(FaultRule.model_validate({**rule, "status": 503}))
    fired = {path for path in paths if faults.decide(FaultRequest(path, [])) is not None}
    assert fired == hits


def test_a_sequence_on_an_endpoint_counts_its_calls_only() -> None:
    faults = Faults()
    faults.add(FaultRule.model_validate({"endpoint": "jobs.retrieve", "sequence": [503, 503]}))
    seen = []
    for path in ["/v1/usages", "/v1/jobs/job_a", "/v1/jobs", "/jobs/job_b", "/v1/jobs/job_a"]:
        action = faults.decide(FaultRequest(path, []))
        seen.append(action.status if action is not None else None)
    assert seen == [None, 503, None, 503, None]


# -- through a server -------------------------------------------------------------------------------------------
def job_view(world: World, ctx: ReadContext) -> dict[str, Any]:
    """A stand-in for `jobs.retrieve`'s view: a job that succeeds two minutes after NOW on the world's clock."""
    return {"job": {"jobId": ctx.id, "status": "in-progress" if ctx.now < NOW + 2 * MINUTE else "success"}}


def with_job_view(app: Starlette) -> Starlette:
    # Routes match in order: this one answers `/v1/jobs/{id}` before the real one.
    handler = read._handler(read.Endpoint("jobs.retrieve", "/jobs/{id}", job_view))
    app.router.routes.insert(0, Route("/v1/jobs/{id:str}", handler, methods=["GET"]))
    return app


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("scenarios")
    (directory / "default.yaml").write_text((shipped_scenarios_dir() / "default.yaml").read_text())
    (directory / "flaky-jobs.yaml").write_text(
        (shipped_scenarios_dir() / "default.yaml").read_text().replace("name: default", "name: flaky-jobs", 1)
        + "\nfaults:\n  - endpoint: jobs.retrieve\n    sequence: [503, 503]\n"
    )
    settings = Settings(scenarios_dir=directory, scenario="default", now=NOW, log_requests=False)
    with serving(settings, with_job_view(build_app(settings))) as served:
        yield served


@pytest.fixture
def http(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers=BASIC, timeout=30) as client:
        client.post("/__admin/reset")
        client.delete("/__admin/faults")
        yield client


def journal_of(http: httpx.Client, **params: str) -> list[JournalEntry]:
    body = http.get("/__admin/journal", params=params).json()
    return [JournalEntry.from_json(e) for e in body["entries"]]


def test_the_admin_api_makes_jobs_retrieve_answer_503_twice_then_pass(http: httpx.Client) -> None:
    added = http.post("/__admin/faults", json={"endpoint": "jobs.retrieve", "sequence": [503, 503]})
    assert added.status_code == 201, added.text
    statuses = [http.get(path).status_code for path in ("/v1/jobs/job_a", "/jobs/job_a", "/v1/jobs/job_b")]
    assert statuses == [503, 503, 200]
    assert http.get("/v1/usages").status_code == 200  # another endpoint: untouched
    entries = journal_of(http, endpoint="jobs.retrieve")
    assert [(e.status, e.fault is not None) for e in entries] == [(503, True), (503, True), (200, False)]
    assert {e.endpoint for e in entries} == {"jobs.retrieve"}


def test_the_admin_api_refuses_an_unknown_endpoint(http: httpx.Client) -> None:
    refused = http.post("/__admin/faults", json={"endpoint": "job.retrieve", "status": 503})
    assert refused.status_code == 400
    assert "jobs.retrieve" in refused.json()["message"]  # the known names are listed
    assert http.get("/__admin/journal", params={"endpoint": "job.retrieve"}).status_code == 400


def test_a_scenario_file_declares_faults_by_endpoint(http: httpx.Client) -> None:
    headers = {"x-mock-scenario": "flaky-jobs"}
    statuses = [http.get("/v1/jobs/job_a", headers=headers).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert http.get("/v1/jobs/job_a").status_code == 200  # the default scenario has no such rule
    listed = http.get("/__admin/faults").json()["scenarioRules"]
    assert {"scenario": "flaky-jobs", "rules": [{"endpoint": "jobs.retrieve", "sequence": [503, 503]}]} in listed


def test_latency_applies_to_a_read_endpoint(http: httpx.Client) -> None:
    http.post("/__admin/faults", json={"path": "/v1/jobs/{id}", "latency": 150})
    http.get("/jobs/job_a")
    http.get("/v1/usages")
    slow, fast = journal_of(http)
    assert slow.endpoint == "jobs.retrieve" and slow.duration_ms >= 150 and slow.fault is not None
    assert fast.endpoint == "usages.list" and fast.fault is None


def test_the_journal_learns_the_job_status_and_the_client_never_sees_the_header(http: httpx.Client) -> None:
    response = http.get("/v1/jobs/job_a")
    assert response.json()["job"]["status"] == "in-progress"
    assert JOB_STATUS_HEADER not in response.headers
    usages = http.get("/v1/usages", params={"type": "activity"})
    assert ACTIVITY_COUNT_HEADER not in usages.headers
    job, page = journal_of(http)
    assert (job.endpoint, job.job_status) == ("jobs.retrieve", "in-progress")
    assert page.activity_count is not None and page.job_status is None
    shown = http.get("/__admin/journal").json()["entries"][0]
    assert (shown["endpoint"], shown["jobStatus"]) == ("jobs.retrieve", "in-progress")


def test_journal_filters_by_endpoint_and_template(http: httpx.Client) -> None:
    for path in ("/v1/jobs/job_a", "/jobs/job_b", "/v1/usages"):
        http.get(path)
    assert len(journal_of(http, endpoint="jobs.retrieve")) == 2
    assert len(journal_of(http, path="/v1/jobs/{id}")) == 2
    assert len(journal_of(http, path="/v1/jobs/job_b")) == 1
    journal = Journal.of(journal_of(http))
    journal.assert_called(2, endpoint="jobs.retrieve")
    journal.assert_called(1, endpoint="usages.list")
    with pytest.raises(VerificationError, match=r"endpoint=jobs\.list"):
        journal.assert_called(endpoint="jobs.list")
    with pytest.raises(ValueError, match=r"known: usages\.list"):
        journal.assert_called(endpoint="jobs.lst")


def test_a_polling_client_passes_assert_polled(http: httpx.Client) -> None:
    http.post("/__admin/faults", json={"endpoint": "jobs.retrieve", "sequence": [503]})
    statuses = []
    for _ in range(6):
        response = http.get("/v1/jobs/job_a")
        statuses.append(response.json()["job"]["status"] if response.status_code == 200 else response.status_code)
        if statuses[-1] == "success":
            break
        http.post("/__admin/clock", json={"advance": "1m"})
        time.sleep(0.05)
    assert statuses == [503, "in-progress", "success"]
    journal = Journal.of(journal_of(http))
    polls = journal.assert_polled("job_a", until="success", max_interval="2s", min_interval=0.01)
    assert [p.job_status for p in polls] == [None, "in-progress", "success"]
    with pytest.raises(VerificationError, match="less than min_interval 5 s"):
        journal.assert_polled("job_a", min_interval=5)


# -- assert_polled on recorded entries --------------------------------------------------------------------------
def poll(
    i: int, at_s: float, job_status: str | None, *, status: int = 200, path: str = "/v1/jobs/job_a"
) -> JournalEntry:
    return JournalEntry(
        id=i,
        time=NOW + round(at_s * 1000),
        method="GET",
        path=path,
        query=[],
        headers={},
        scenario="default",
        status=status,
        duration_ms=10.0,
        monotonic=at_s,
        job_status=job_status,
    )


POLLS = [poll(1, 0.0, "queued"), poll(2, 1.0, "in-progress"), poll(3, 2.5, "success")]


def test_assert_polled_passes_and_returns_the_polls() -> None:
    journal = Journal.of([*POLLS, poll(4, 3.0, "success", path="/v1/jobs/job_b")])
    assert journal.assert_polled("job_a", max_interval=2) == POLLS
    assert journal.assert_polled("job_a", until="success", max_interval="1500ms", min_interval="0.5s") == POLLS
    assert journal.assert_polled("job_b") == [journal.entries()[-1]]


def test_assert_polled_fails_on_a_long_wait_and_lists_the_polls() -> None:
    with pytest.raises(VerificationError) as caught:
        Journal.of(POLLS).assert_polled("job_a", max_interval=1.2)
    message = str(caught.value)
    assert "#3 came 1.490 s after #2, more than max_interval 1.2 s" in message
    assert "polls seen (3):" in message
    assert "#2 2026-11-30T14:37:13.345Z -> 200, job status in-progress, 0.990 s after the previous one" in message


def test_assert_polled_fails_when_the_job_never_reached_the_status() -> None:
    with pytest.raises(VerificationError, match="last poll #2 was answered 200 with job status in-progress"):
        Journal.of(POLLS[:2]).assert_polled("job_a")
    with pytest.raises(VerificationError, match="last poll #3 was answered 503 with job status none"):
        Journal.of([*POLLS[:2], poll(3, 2.0, None, status=503)]).assert_polled("job_a")


def test_assert_polled_fails_when_the_job_was_never_polled_and_shows_similar_requests() -> None:
    with pytest.raises(VerificationError) as caught:
        Journal.of(POLLS).assert_polled("job_z")
    message = str(caught.value)
    assert "GET /jobs/job_z to be polled until the job status was 'success'; it was never called" in message
    assert "#1 GET /v1/jobs/job_a -> 200 (scenario default) [differs in path]" in message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"until": "done"}, "until must be a job status", id="bad-status"),
        pytest.param({"max_interval": "soon"}, "max_interval must be seconds", id="bad-text"),
        pytest.param({"min_interval": -1}, "min_interval must not be negative", id="negative"),
        pytest.param({"max_interval": True}, "max_interval must be seconds", id="bool"),
    ],
)
def test_assert_polled_refuses_bad_arguments(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Journal.of(POLLS).assert_polled("job_a", **options)


def test_entries_keep_the_job_status_through_json() -> None:
    entry = POLLS[1]
    assert JournalEntry.from_json(entry.to_json()) == entry
    assert entry.to_json()["endpoint"] == "jobs.retrieve"
