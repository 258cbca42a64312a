"""The whole loop through real servers: upstream mockservers (a plain one and one with `drift: true`) behind
`mockserver proxy --record`, the official SDK through the proxy, the report, `proxy report`, and `import`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from scenario_sdk import APIResponseValidationError, Scenario

from mockserver.cli import main
from mockserver.contract.versions import available_versions
from mockserver.proxy.capture import read_capture
from mockserver.proxy.decisions import DECISIONS
from mockserver.proxy.forward import ProxySettings
from mockserver.proxy.importer import first_difference
from mockserver.settings import Settings
from mockserver.world.clock import parse_instant
from tests.conftest import BASIC, NOW, start_server
from tests.proxy.test_forward import QUERY_SECRET, hanging, proxying, raw_upstream, wait_for_files

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def plain_upstream() -> Iterator[str]:
    server, thread, url = start_server(Settings(now=NOW, log_requests=False))
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def drift_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A mockserver whose only scenario is the shipped default with `drift: true`."""
    directory = tmp_path_factory.mktemp("drift-scenarios")
    text = (SCENARIOS / "default.yaml").read_text(encoding="utf-8")
    (directory / "default.yaml").write_text(text + "\ndrift: true\n", encoding="utf-8")
    server, thread, url = start_server(Settings(scenarios_dir=directory, now=NOW, log_requests=False))
    yield url
    server.should_exit = True
    thread.join(10)


@contextmanager
def sdk(url: str) -> Iterator[Scenario]:
    """The official client on `url`, closed (with its pooled connections) when the block ends."""
    with Scenario(
        base_url=url + "/v1", api_key="test-key", api_secret="test-secret", _strict_response_validation=True
    ) as client:
        yield client


def report_of(proxy: str, exchanges: int) -> dict[str, Any]:
    """The proxy's report once it has validated `exchanges` exchanges (it validates after answering)."""
    deadline = time.monotonic() + 20
    while True:
        report = httpx.get(proxy + "/__admin/proxy/report", timeout=10).json()
        if report["exchanges"] >= exchanges or time.monotonic() > deadline:
            return report
        time.sleep(0.05)


# Every decision of the mock applies to one of these (usages windows and flags, activity paging, read lists with
# their pages, one retrieve, an error).
PLAIN_TARGETS = (
    "/v1/usages",
    "/v1/usages?timeRange=last-hour",
    "/v1/usages?timeRange=last-day&dropZeroPoints",
    "/v1/usages?startDate=2026-10-01&endDate=2026-11-27",
    "/v1/usages?type=activity&activityOffset=100",
    "/v1/jobs",
    "/v1/jobs?pageSize=100",
    "/v1/assets?pageSize=5",
    "/v1/models",
    "/v1/projects",
    "/v1/collections",
    "/v1/teams",
    "/v1/jobs/job_doesNotExist",
)


def test_the_plain_upstream_agrees_with_every_decision_of_the_mock(plain_upstream: str, tmp_path: Path) -> None:
    record = tmp_path / "captures"
    with proxying(ProxySettings(plain_upstream, record=record, log_requests=False)) as proxy:
        for target in PLAIN_TARGETS:
            direct = httpx.get(plain_upstream + target, headers=BASIC, timeout=30)
            through = httpx.get(proxy + target, headers=BASIC, timeout=30)
            assert through.status_code == direct.status_code
            if direct.status_code == 200:
                assert through.content == direct.content, target
        report = report_of(proxy, len(PLAIN_TARGETS))
        # The proxy's root shows its page: the report, with the Markdown form beside the JSON.
        root = httpx.get(proxy + "/", timeout=10, follow_redirects=True)
        assert (
            root.status_code == 200
            and root.url.path == "/__admin/proxy/"
            and "text/html" in root.headers["content-type"]
        )
        markdown = httpx.get(proxy + "/__admin/proxy/report?format=markdown", timeout=10).text
        assert "agrees" in markdown
    assert report["exchanges"] == len(PLAIN_TARGETS)
    verdicts = {d["decision"]: d["verdict"] for d in report["decisions"]}
    assert set(verdicts) == set(DECISIONS)
    assert all(v == "agrees" for v in verdicts.values()), {k: v for k, v in verdicts.items() if v != "agrees"}
    # The mock speaks the newest contract: its SDK parses everything; older SDKs meet values newer than them.
    assert report["sdkVersions"]["2.4.0"]["verdict"] == "parses everything"
    assert all("2.4.0" not in v["versions"] for v in report["violations"])
    # The recorded captures give the same report from the command line.
    files = sorted(record.glob("*.json"))
    assert len(files) == len(PLAIN_TARGETS)
    assert [read_capture(f).path + ("?" + read_capture(f).query if read_capture(f).query else "") for f in files] == [
        t for t in PLAIN_TARGETS
    ]


def changed_paths(plain: Any, drifted: Any, path: str = "$") -> list[tuple[str, Any]]:
    """Where a drifted body holds another value than the plain one (keys only the drift has are not values)."""
    if isinstance(plain, dict) and isinstance(drifted, dict):
        return [p for key in plain if key in drifted for p in changed_paths(plain[key], drifted[key], f"{path}.{key}")]
    if isinstance(plain, list) and isinstance(drifted, list) and len(plain) == len(drifted):
        return [
            p for i, (a, b) in enumerate(zip(plain, drifted, strict=True)) for p in changed_paths(a, b, f"{path}[{i}]")
        ]
    return [] if plain == drifted else [(path, drifted)]


@pytest.mark.parametrize(
    ("query", "sdk_query"),
    [
        ("timeRange=last-day", {"time_range": "last-day"}),
        ("type=activity", {"type": ["activity"]}),
        ("timeRange=last-hour&type=usages%2Cactivity", {"time_range": "last-hour", "type": ["usages", "activity"]}),
    ],
)
def test_the_report_names_every_drifted_value_and_the_sdk_versions_it_breaks(
    plain_upstream: str,
    drift_upstream: str,
    query: str,
    sdk_query: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain = httpx.get(f"{plain_upstream}/v1/usages?{query}", headers=BASIC, timeout=30).json()
    with proxying(ProxySettings(drift_upstream, record=tmp_path, log_requests=False)) as proxy:
        drifted = httpx.get(f"{proxy}/v1/usages?{query}", headers=BASIC, timeout=30)
        with sdk(proxy) as client, pytest.raises(APIResponseValidationError):  # strict parsing fails on the drift
            client.usages.list(**sdk_query)
        report = report_of(proxy, 2)
    expected = changed_paths(plain, drifted.json())
    assert expected, "the drift upstream changed no value"
    named = {(p["path"], json.dumps(p["value"])): p["versions"] for v in report["violations"] for p in v["paths"]}
    for path, value in expected:
        versions = named.get((path, json.dumps(value)))
        assert versions, f"drifted value {value!r} at {path} is not in the report"
        assert "2.4.0" in versions and set(versions) <= set(available_versions())
    assert report["sdkVersions"]["2.4.0"]["verdict"] == "fails"
    # `mockserver proxy report DIR` reads the same from the recorded captures.
    capsys.readouterr()
    assert main(["proxy", "report", str(tmp_path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["violationCount"] == report["violationCount"]
    assert main(["proxy", "report", str(tmp_path)]) == 0
    markdown = capsys.readouterr().out
    assert expected[0][0] in markdown and "2.4.0" in markdown


ROUND_TRIP = (
    "timeRange=last-seven-days",
    "startDate=2026-11-01&endDate=2026-11-27",
    "type=activity",
    "type=activity&activityOffset=100",
)


def test_captures_through_the_proxy_import_into_a_world_that_gives_them_back(
    plain_upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "captures"
    captured = []
    with proxying(ProxySettings(plain_upstream, record=record, log_requests=False)) as proxy, sdk(proxy) as client:
        for query in ROUND_TRIP:
            response = httpx.get(f"{proxy}/v1/usages?{query}", headers=BASIC, timeout=30)
            captured.append(response.json())
        workflow = httpx.get(
            f"{proxy}/v1/usages?type=activity&timeRange=last-day",
            headers={**BASIC, "x-mock-scenario": "workflow-jobs"},
            timeout=30,
        )
        assert client.usages.list(time_range="last-hour") is not None
    assert workflow.status_code == 200
    files = sorted(record.glob("*.json"))
    assert len(files) == len(ROUND_TRIP) + 2
    out = tmp_path / "imported.yaml"
    capsys.readouterr()
    # The workflow-jobs world is another team: import the default world's captures only.
    default_files = [str(f) for f in files if "x-mock-scenario" not in read_capture(f).request_headers]
    assert main(["import", *default_files, "--name", "prod-like", "--output", str(out)]) == 0
    assert "served back JSON-equal" in capsys.readouterr().err
    server, thread, url = start_server(Settings(scenarios_dir=out, log_requests=False))
    try:
        for query, body in zip(ROUND_TRIP, captured, strict=True):
            served = httpx.get(f"{url}/v1/usages?{query}", headers=BASIC, timeout=30).json()
            assert first_difference(body, served) is None, (query, first_difference(body, served))
        # Another query on the imported world answers like any scenario: the SDK parses it strictly.
        with sdk(url) as client:
            assert client.usages.list(time_range="last-day", type=["consumption"]) is not None
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def live_clock_upstream() -> Iterator[str]:
    """A mockserver on the real clock: each answer is given at its own instant (`X-Mock-Now`)."""
    server, thread, url = start_server(Settings(log_requests=False))
    yield url
    server.should_exit = True
    thread.join(10)


def test_captures_of_an_upstream_on_the_real_clock_import_too(live_clock_upstream: str, tmp_path: Path) -> None:
    from mockserver.proxy.importer import import_captures

    for attempt in range(3):  # bounded: a capture set that straddles an hour or an event is taken again
        record = tmp_path / f"captures-{attempt}"
        with proxying(ProxySettings(live_clock_upstream, record=record, log_requests=False)) as proxy:
            answers = [httpx.get(f"{proxy}/v1/usages?{q}", headers=BASIC, timeout=30) for q in ROUND_TRIP]
        instants = [parse_instant(a.headers["x-mock-now"]) for a in answers]
        newest = max(parse_instant(a.json()["activity"][0]["time"]) for a in answers if a.json().get("activity"))
        if instants[0] // 3_600_000 == instants[-1] // 3_600_000 and newest < instants[0]:
            break
    imported = import_captures([record], "live")
    assert imported.equal == imported.compared == len(ROUND_TRIP), imported.notes
    assert imported.now == instants[-1]  # the latest answer's instant


def named_captures(report: dict[str, Any]) -> set[str]:
    """Every capture the report names: in violations, decision evidence, answers not JSON and upstream failures."""
    names = {item["capture"] for group in report["violations"] for item in group["paths"]}
    names |= {e["capture"] for decision in report["decisions"] for e in decision["evidence"]}
    names |= {item["capture"] for item in report["nonJson"]}
    return names | {item["capture"] for item in report["upstreamFailures"]["exchanges"]}


NAMED_TARGETS = ("/v1/usages?timeRange=last-day", f"/v1/jobs?apiSecret={QUERY_SECRET}", "/v1/jobs/job_doesNotExist")


def test_the_live_report_names_each_capture_by_its_file(
    drift_upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "captures"
    with proxying(ProxySettings(drift_upstream, record=record, log_requests=False)) as proxy:
        for target in NAMED_TARGETS:
            httpx.get(proxy + target, headers=BASIC, timeout=60)
        report = report_of(proxy, len(NAMED_TARGETS))
        markdown = httpx.get(proxy + "/__admin/proxy/report?format=markdown", timeout=10).text
    files = {str(file) for file in wait_for_files(record, len(NAMED_TARGETS))}
    assert report["violationCount"] and named_captures(report) == files  # each one named, by the file it is in
    assert all(name in markdown for name in files) and "<capture>" not in markdown
    assert main(["proxy", "report", str(record), "--json"]) == 0
    assert named_captures(json.loads(capsys.readouterr().out)) == files  # as `proxy report` names the recorded files


def test_the_live_report_names_an_exchange_by_its_number_and_request_without_record(drift_upstream: str) -> None:
    with proxying(ProxySettings(drift_upstream, log_requests=False)) as proxy:
        for target in NAMED_TARGETS:
            httpx.get(proxy + target, headers=BASIC, timeout=60)
        report = report_of(proxy, len(NAMED_TARGETS))
        markdown = httpx.get(proxy + "/__admin/proxy/report?format=markdown", timeout=10).text
    expected = {
        "#1 GET /v1/usages?timeRange=last-day",
        "#2 GET /v1/jobs?apiSecret=***",
        "#3 GET /v1/jobs/job_doesNotExist",
    }
    assert named_captures(report) == expected
    assert all(name in markdown for name in expected) and "<capture>" not in markdown
    assert QUERY_SECRET not in json.dumps(report) and QUERY_SECRET not in markdown


def test_the_proxys_own_errors_are_not_evidence_about_the_upstream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "captures"
    with raw_upstream(hanging) as server, proxying(ProxySettings(server.url, timeout=0.5, record=record)) as proxy:
        timed_out = httpx.get(proxy + "/v1/usages", headers=BASIC, timeout=10)
        server.close()  # nothing listens any more: refused
        refused = httpx.get(proxy + "/v1/jobs/job_1", headers=BASIC, timeout=10)
        live = report_of(proxy, 2)
    assert (timed_out.status_code, refused.status_code) == (504, 502)
    files = [str(file) for file in wait_for_files(record, 2)]
    assert main(["proxy", "report", str(record), "--json"]) == 0
    recorded = json.loads(capsys.readouterr().out)
    for report in (live, recorded):
        verdicts = {d["decision"]: d["verdict"] for d in report["decisions"]}
        assert set(verdicts.values()) == {"not seen"}, verdicts
        assert report["exchanges"] == 2 and report["violationCount"] == 0 and report["nonJson"] == []
        failures = report["upstreamFailures"]
        assert failures["count"] == 2
        assert [(f["capture"], f["status"]) for f in failures["exchanges"]] == list(zip(files, (504, 502), strict=True))
        assert failures["exchanges"][1]["error"] == refused.json()["message"]
        assert report["endpoints"]["usages.list"] == {
            "exchanges": 1,
            "statuses": {},
            "upstreamFailures": 1,
            "versions": {},
        }
        # No 200 seen: every published SDK version is listed, with nothing counted.
        assert report["sdkVersions"] == {
            version: {"parsed": 0, "failed": 0, "verdict": "not seen"} for version in available_versions()
        }
    assert main(["proxy", "report", str(record)]) == 0
    assert "## Exchanges the upstream did not answer" in capsys.readouterr().out
