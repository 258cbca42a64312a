"""The report over many exchanges: a plain upstream agrees with every decision and parses in the latest SDK; a
drifting upstream has every drifted value named by path with the SDK versions it breaks; doctored answers differ with
evidence; Markdown, capture directories, threads and the admin routes."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mockserver.contract.versions import LATEST_VERSION
from mockserver.errors import CaptureError
from mockserver.proxy.capture import Capture, CaptureWriter
from mockserver.proxy.decisions import DECISIONS
from mockserver.proxy.report import Report, admin_routes, report_from_captures
from tests.contract.test_versions import violations as independent_violations
from tests.proxy.conftest import READ_PATHS, USAGES_QUERIES, Mock, doctored
from tests.proxy.test_contracts import PUBLISHED, diff_values

ERRORS = ("/v1/jobs/job_unknown", "/v1/usages?timeRange=forever")


@pytest.fixture(scope="module")
def plain(mock: Mock) -> list[Capture]:
    targets = [f"/v1/usages?{q}" for q in USAGES_QUERIES] + list(READ_PATHS) + mock.retrieve_targets() + list(ERRORS)
    return [mock.capture(target) for target in targets]


def report_of(captures: list[Capture]) -> Report:
    report = Report()
    for capture in captures:
        report.add(capture)
    return report


def named_paths(data: dict[str, Any], source: str) -> dict[str, dict[str, Any]]:
    """Every violation of one capture in the report, by path."""
    return {item["path"]: item for group in data["violations"] for item in group["paths"] if item["capture"] == source}


def test_a_plain_upstream_agrees_with_every_decision_and_parses_in_the_latest_sdk(plain: list[Capture]) -> None:
    data = report_of(plain).to_json()
    assert data["exchanges"] == len(plain)
    verdicts = {d["decision"]: d["verdict"] for d in data["decisions"]}
    assert verdicts == dict.fromkeys(DECISIONS, "agrees")
    assert all(d["differs"] == 0 and d["agrees"] > 0 and d["evidence"] for d in data["decisions"])
    assert data["sdkVersions"][LATEST_VERSION] == {
        "parsed": 6 + len(plain) - 8,
        "failed": 0,
        "verdict": "parses everything",
    }
    assert data["endpoints"]["usages.list"]["versions"][LATEST_VERSION] == {"parsed": 6, "failed": 0}
    assert data["endpoints"]["jobs.retrieve"]["versions"] == {"2.4.0": {"parsed": 1, "failed": 0}}
    # what the latest upstream sends that older SDKs do not know is named too, never against 2.4.0 or 2.3.0
    assert {v for group in data["violations"] for v in group["versions"]} <= set(PUBLISHED[:-2])


@pytest.mark.parametrize("query", ["", "timeRange=last-hour", "timeRange=last-day&dropZeroPoints"])
def test_a_drifting_upstream_has_every_drifted_value_named_with_the_versions_it_breaks(mock: Mock, query: str) -> None:
    target = f"/v1/usages?{query}"
    before = mock.capture(target).body
    drift = mock.capture(target, drift=True, source="drift.json")
    changed = diff_values(before, drift.body)
    assert changed
    data = report_of([drift]).to_json()
    named = named_paths(data, "drift.json")
    for path in changed:
        value = _at(drift.body, path)
        # an independent reading of each contract: which versions do not know this value here
        breaks = [v for v in PUBLISHED if f"{path}={value!r}" in independent_violations(v, drift.body)[1]]
        assert LATEST_VERSION in breaks, path
        assert path in named, f"{path} = {value!r} not in the report"
        assert named[path]["value"] == value
        assert named[path]["versions"] == breaks
        assert str(LATEST_VERSION) in named[path]["reason"] or "SDK" in named[path]["reason"]
    assert data["sdkVersions"][LATEST_VERSION]["verdict"] == "fails"


def _at(body: Any, path: str) -> Any:
    node = body
    for step in path.removeprefix("$").replace("[", ".[").split(".")[1:]:
        node = node[int(step[1:-1])] if step.startswith("[") else node[step]
    return node


def test_doctored_answers_differ_in_the_report_with_evidence_naming_the_capture(
    mock: Mock, plain: list[Capture]
) -> None:
    broken = doctored(mock.capture("/v1/usages?timeRange=last-day"), "broken.json")
    broken.body["usages"][0]["granularity"] = "1h"
    broken.body["consumption"].reverse()
    broken.body["entities"]["models"] = []
    bad_error = Capture(path="/v1/jobs/x", status=404, body={"message": "gone"}, source="gateway.json")
    data = report_of([*plain, broken, bad_error]).to_json()
    decisions = {d["decision"]: d for d in data["decisions"]}
    for name in ("granularity", "consumption-order", "entities-coverage", "error-body"):
        assert decisions[name]["verdict"] == "differs"
        assert decisions[name]["differs"] == 1
        first = decisions[name]["evidence"][0]
        assert first["verdict"] == "differs" and first["capture"] in ("broken.json", "gateway.json")
    assert decisions["density"]["verdict"] == "agrees"
    assert "'1h'" in decisions["granularity"]["evidence"][0]["evidence"]


def test_answers_that_are_not_json_are_listed_and_a_200_of_them_fails_every_version() -> None:
    report = Report()
    report.add(Capture(path="/v1/usages", status=200, text="<html>ok?</html>", source="html.json"))
    report.add(Capture(path="/v1/usages", status=502, text="<html>Bad gateway</html>", source="gw.json"))
    data = report.to_json()
    assert [item["capture"] for item in data["nonJson"]] == ["html.json", "gw.json"]
    assert all(counts["failed"] == 1 for counts in data["sdkVersions"].values())
    assert {d["decision"]: d["verdict"] for d in data["decisions"]}["error-body"] == "differs"


def test_markdown_has_the_versions_violations_and_decisions_tables(mock: Mock, plain: list[Capture]) -> None:
    drift = mock.capture("/v1/usages?timeRange=last-hour", drift=True, source="drift.json")
    text = report_of([*plain, drift]).to_markdown()
    assert "| SDK version | parsed | failed | verdict |" in text
    assert "| 2.4.0 | " in text and "| fails |" in text
    assert "## Violations" in text and "| capture | path | value | breaks SDK | reason |" in text
    assert "| decision | verdict | agrees | differs | evidence |" in text
    assert "| granularity | **agrees** |" in text
    for path in diff_values(mock.capture("/v1/usages?timeRange=last-hour").body, drift.body):
        assert f"`{path}`" in text


def test_a_report_from_a_directory_of_captures(tmp_path: Path, plain: list[Capture]) -> None:
    writer = CaptureWriter(tmp_path / "captures")
    for capture in plain:
        writer.write(capture)
    (tmp_path / "hand.json").write_text(json.dumps({"query": plain[2].query, "body": plain[2].body}))
    report = report_from_captures([tmp_path / "captures", tmp_path / "hand.json"])
    data = report.to_json()
    assert data["exchanges"] == len(plain) + 1
    assert {d["decision"]: d["verdict"] for d in data["decisions"]} == dict.fromkeys(DECISIONS, "agrees")
    (tmp_path / "captures" / "zz-broken.json").write_text("{not json")
    with pytest.raises(CaptureError, match=r"zz-broken\.json"):
        report_from_captures([tmp_path / "captures"])


def test_add_is_safe_from_many_threads(plain: list[Capture]) -> None:
    report = Report()
    small = [c for c in plain if c.endpoint != "usages.list"]
    threads = [threading.Thread(target=lambda: [report.add(c) for c in small]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    data = report.to_json()
    assert data["exchanges"] == 8 * len(small)
    answered = sum(1 for c in small if c.status == 200)
    assert sum(d["agrees"] for d in data["decisions"] if d["decision"] == "envelope") == 8 * answered


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_admin_routes_serve_the_report_as_json_markdown_and_a_page(plain: list[Capture]) -> None:
    report = report_of(plain[:3])
    app = Starlette(routes=admin_routes(report, admin_token="sesame"))
    auth = {"Authorization": "Bearer sesame"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://proxy") as client:
        assert (await client.get("/__admin/proxy/report")).status_code == 401
        answer = await client.get("/__admin/proxy/report", headers=auth)
        assert answer.status_code == 200 and answer.json()["exchanges"] == 3
        markdown = await client.get("/__admin/proxy/report?format=markdown", headers=auth)
        assert markdown.headers["content-type"].startswith("text/markdown")
        assert markdown.text.startswith("# Proxy report")
        page = await client.get("/__admin/proxy/")
        assert page.status_code == 200 and "proxy.js" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        script = await client.get("/__admin/proxy/static/proxy.js")
        assert script.status_code == 200 and "/__admin/proxy/report" in script.text
