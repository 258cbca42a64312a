"""`mockserver import`: captures of a world the importer never sees become a scenario that gives them back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.api import build_app
from mockserver.cli import main
from mockserver.errors import CaptureError
from mockserver.proxy.capture import Capture, CaptureWriter
from mockserver.proxy.importer import first_difference, import_captures
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, NOW_TEXT

# The round trip's queries: the list (a custom window overlapping the relative one, two activity pages).
ROUND_TRIP = (
    "timeRange=last-seven-days",
    "startDate=2026-11-01&endDate=2026-11-27",
    "type=activity",
    "type=activity&activityOffset=100",
    "timeRange=last-day&type=usages,consumption,model-usages",
)


def upstream_answers(scenario: str, queries: tuple[str, ...]) -> list[tuple[str, Any]]:
    """What a mockserver upstream (frozen at NOW) answers to each query: (query, body)."""
    app = build_app(Settings(now=NOW, log_requests=False))
    transport = httpx.ASGITransport(app=app)

    async def fetch() -> list[tuple[str, Any]]:
        async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as http:
            answers = []
            for query in queries:
                response = await http.get(f"/v1/usages?{query}", headers={**BASIC, "x-mock-scenario": scenario})
                assert response.status_code == 200, response.text
                answers.append((query, response.json()))
            return answers

    import asyncio

    return asyncio.run(fetch())


def record(directory: Path, answers: list[tuple[str, Any]]) -> Path:
    writer = CaptureWriter(directory)
    for i, (query, body) in enumerate(answers):
        # The proxy's clock is not the upstream's: captures carry the real time of the exchange, days later.
        writer.write(Capture(path="/v1/usages", query=query, body=body, time=NOW + 3 * 86_400_000 + i))
    return directory


def served(scenario_file: Path, queries: tuple[str, ...]) -> list[Any]:
    """Serve a scenario file (its own frozen clock) and ask it each query."""
    app = build_app(Settings(scenarios_dir=scenario_file, log_requests=False))
    transport = httpx.ASGITransport(app=app)

    async def fetch() -> list[Any]:
        async with httpx.AsyncClient(transport=transport, base_url="http://imported") as http:
            bodies = []
            for query in queries:
                response = await http.get(f"/v1/usages?{query}", headers=BASIC)
                assert response.status_code == 200, response.text
                bodies.append(response.json())
            return bodies

    import asyncio

    return asyncio.run(fetch())


@pytest.mark.parametrize("scenario", ["default", "workflow-jobs"])
def test_captured_queries_come_back_json_equal(tmp_path: Path, scenario: str) -> None:
    answers = upstream_answers(scenario, ROUND_TRIP)
    captures = record(tmp_path / "captures", answers)
    imported = import_captures([captures], "round-trip")
    target = tmp_path / "round-trip.yaml"
    target.write_text(imported.text, encoding="utf-8")
    assert imported.document["clock"]["now"] <= NOW_TEXT
    bodies = served(target, ROUND_TRIP)
    for (query, captured), body in zip(answers, bodies, strict=True):
        assert first_difference(captured, body) is None, (query, first_difference(captured, body))
    assert imported.equal == imported.compared == len(ROUND_TRIP), imported.notes


def test_workflow_job_entities_are_served_verbatim(tmp_path: Path) -> None:
    answers = upstream_answers("workflow-jobs", ("timeRange=last-day&type=activity",))
    jobs = [j for j in answers[0][1]["entities"]["jobs"] if j["jobType"] == "workflow"]
    assert jobs and any(j["metadata"].get("flow") for j in jobs)
    imported = import_captures([record(tmp_path / "c", answers)])
    recorded = imported.document["recorded"]["jobs"]
    for job in jobs:
        assert recorded[job["id"]] == job


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_capture() -> str:
    """The hand-written capture of the README: the first JSON block after "A capture written by hand"."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index("**A capture written by hand**") :]
    return after[after.index("```json\n") + len("```json\n") : after.index("```\n", after.index("```json\n") + 8)]


def test_the_readmes_hand_written_capture_imports_and_serves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "bug-report.json"
    capture.write_text(readme_capture(), encoding="utf-8")
    document = json.loads(capture.read_text())
    out = tmp_path / "bug.yaml"
    assert main(["import", str(capture), "--name", "bug-1234", "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 of 1 captured answer served back JSON-equal" in err, err
    assert main(["validate", str(out)]) == 0
    (body,) = served(out, (document["query"],))
    assert first_difference(document["body"], body) is None
    # The world answers other queries like any scenario: the deleted key's user is in the team's activity.
    (day,) = served(out, ("startDate=2026-11-20&endDate=2026-11-20&type=usages",))
    cost = next(r for r in day["usages"] if r["usageName"] == "creative-unit-cost")
    assert sum(float(p["value"]) for p in cost["points"]) == 15.5


@pytest.mark.parametrize(
    ("content", "path", "message"),
    [
        pytest.param("{not json", "", "not JSON", id="not-json"),
        pytest.param('{"query": "", "body": {"teams": []}}', "$.body", "not a usages body", id="not-usages"),
        pytest.param(
            '{"query": "", "body": {"usages": [{"usageName": "no-such-usage", "granularity": "1h", "points": []}]}}',
            "$.usages[0].usageName",
            "contract",
            id="contract",
        ),
        pytest.param('{"request": {"path": 3}, "response": {}}', "$.request.path", "expected a string", id="shape"),
    ],
)
def test_bad_captures_name_the_file_and_the_path_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, path: str, message: str
) -> None:
    capture = tmp_path / "broken.json"
    capture.write_text(content, encoding="utf-8")
    with pytest.raises(CaptureError) as raised:
        import_captures([capture])
    assert raised.value.file == str(capture) and raised.value.path == path and message in raised.value.message
    out = tmp_path / "out.yaml"
    assert main(["import", str(capture), "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert str(capture) in err and message in err
    assert not out.exists() and not list(tmp_path.glob(".out.yaml*"))


def test_an_undated_named_range_asks_for_the_captures_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A hand-written `last-day` consumption body has no point or event that dates it: the error says to add `time`."""
    ((query, body),) = upstream_answers("default", ("timeRange=last-day&type=consumption",))
    capture = tmp_path / "undated.json"
    capture.write_text(json.dumps({"query": query, "body": body}), encoding="utf-8")
    with pytest.raises(CaptureError) as raised:
        import_captures([capture])
    assert (raised.value.file, raised.value.path) == (str(capture), "$.time")
    assert "cannot tell when this answer was given" in raised.value.message and '"time"' in raised.value.message
    out = tmp_path / "out.yaml"
    assert main(["import", str(capture), "--output", str(out)]) == 1
    assert "$.time" in capsys.readouterr().err and not out.exists()
    # With its time, the same capture imports.
    capture.write_text(json.dumps({"query": query, "body": body, "time": "2026-11-30T14:37:12.345Z"}), encoding="utf-8")
    assert import_captures([capture]).compared == 1


def test_import_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = upstream_answers("default", ("type=consumption",))
    captures = record(tmp_path / "c", answers)
    out = tmp_path / "mine.yaml"
    out.write_text("keep me", encoding="utf-8")
    assert main(["import", str(captures), "--output", str(out)]) == 2
    assert out.read_text() == "keep me"
    assert main(["import", str(captures), "--output", str(out), "--force"]) == 0
    assert out.read_text().startswith("# yaml-language-server")


@pytest.mark.parametrize(
    ("output", "force", "reason"),
    [
        pytest.param("bug.json/x.yaml", False, "bug.json is not a directory", id="parent-is-a-file"),
        pytest.param("adir", True, "it is a directory", id="output-is-a-directory"),
        pytest.param("/proc/x.yaml", False, "no such file or directory", id="cannot-create"),
    ],
)
def test_an_output_that_cannot_be_written_is_one_line_and_exit_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    output: str,
    force: bool,
    reason: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bug.json").write_text(readme_capture(), encoding="utf-8")
    Path("adir").mkdir()
    assert main(["import", "bug.json", "--output", output, *(["--force"] if force else [])]) == 1
    err = capsys.readouterr().err
    assert err == f"mockserver: cannot write {output}: {reason}\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["adir", "bug.json"]  # nothing left aside


def test_the_written_file_follows_the_umask(tmp_path: Path) -> None:
    capture = tmp_path / "bug.json"
    capture.write_text(readme_capture(), encoding="utf-8")
    previous = os.umask(0o027)
    try:
        assert main(["import", str(capture), "--output", str(tmp_path / "bug.yaml")]) == 0
    finally:
        os.umask(previous)
    assert (tmp_path / "bug.yaml").stat().st_mode & 0o777 == 0o640


def test_the_schema_modeline_names_the_schema_mockserver_writes(tmp_path: Path) -> None:
    """The first line points at scenario.schema.json next to the file: what `mockserver scenario-schema` prints."""
    capture = tmp_path / "bug.json"
    capture.write_text(readme_capture(), encoding="utf-8")
    out = tmp_path / "bug.yaml"
    assert main(["import", str(capture), "--output", str(out)]) == 0
    first, *rest = out.read_text(encoding="utf-8").splitlines()
    assert first == "# yaml-language-server: $schema=scenario.schema.json"
    assert any("mockserver scenario-schema > scenario.schema.json" in line for line in rest[:3])
    shipped = (Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml").read_text(encoding="utf-8")
    assert shipped.startswith("# yaml-language-server: $schema=../scenario.schema.json")  # the same file, one up


def upstream_team() -> str:
    """The id of the upstream's own team (what `/v1/teams` lists first)."""
    app = build_app(Settings(now=NOW, log_requests=False))

    async def fetch() -> str:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://upstream") as http:
            return str((await http.get("/v1/teams", headers=BASIC)).json()["teams"][0]["id"])

    import asyncio

    return asyncio.run(fetch())


def test_a_team_id_naming_the_worlds_own_team_is_no_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`teamId=<the team>` selects everything: it shapes the world; another team's query answers empty series."""
    team = upstream_team()
    queries = (f"timeRange=last-day&teamId={team}", "timeRange=last-day&teamId=team_someoneElse")
    answers = upstream_answers("default", queries)
    out = tmp_path / "team.yaml"
    assert main(["import", str(record(tmp_path / "c", answers)), "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "2 of 2 captured answers served back JSON-equal" in err, err
    assert "a query of another team 'team_someoneElse'" in err, err
    for (query, captured), body in zip(answers, served(out, queries), strict=True):
        assert first_difference(captured, body) is None, (query, first_difference(captured, body))


@pytest.mark.parametrize("offset", [pytest.param(100, id="page-1"), pytest.param(200, id="page-2")])
def test_an_activity_page_past_the_first_comes_back_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], offset: int
) -> None:
    """Without the pages before it, the world holds as many free events newer than the page as its offset."""
    queries = (f"type=activity&activityOffset={offset}",)
    answers = upstream_answers("default", queries)
    assert len(answers[0][1]["activity"]) == 100
    out = tmp_path / "page.yaml"
    assert main(["import", str(record(tmp_path / "c", answers)), "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 of 1 captured answer served back JSON-equal" in err, err
    ((_, captured),) = answers
    (body,) = served(out, queries)
    assert first_difference(captured, body) is None
    # The events before it cost nothing: page 0 of the imported world shows them, the consumption does not.
    (first_page,) = served(out, ("type=activity,consumption",))
    assert {item["action"] for item in first_page["activity"]} == {"assistant-message"}
    assert not any("creativeUnitsCost" in item for item in first_page["activity"])
    assert {row["userId"] for row in first_page["consumption"]} <= {item["userId"] for item in captured["activity"]}


# Several windows by the minute, hour and day, and the third activity page without the first two.
WIDER = (
    "timeRange=last-hour",
    "timeRange=last-day&dropZeroPoints",
    "timeRange=last-three-days&type=usages,consumption,model-usages",
    "timeRange=last-seven-days",
    "timeRange=last-thirty-one-days",
    "type=activity&activityOffset=200",
    "startDate=2026-11-20T03:00:00Z&endDate=2026-11-20T09:00:00Z",
)


@pytest.mark.parametrize("scenario", ["default", "revoked-keys"])
def test_an_offset_page_among_series_comes_back(tmp_path: Path, scenario: str) -> None:
    """The series' filler events after the page count in its offset: no more of them than the upstream had."""
    answers = upstream_answers(scenario, WIDER)
    imported = import_captures([record(tmp_path / "c", answers)])
    assert imported.equal == imported.compared == len(WIDER), imported.notes
    target = tmp_path / "wider.yaml"
    target.write_text(imported.text, encoding="utf-8")
    for (query, captured), body in zip(answers, served(target, WIDER), strict=True):
        assert first_difference(captured, body) is None, (query, first_difference(captured, body))


def test_a_page_inside_a_coarse_bucket_keeps_its_offset(tmp_path: Path) -> None:
    """31 days by the day: the day that straddles the page does not say how many of its events were newer than it;
    the fillers the solver spread after the page's first item go back before the page, in the same day."""
    queries = ("timeRange=last-thirty-one-days&activityOffset=100",)
    answers = upstream_answers("revoked-keys", queries)
    imported = import_captures([record(tmp_path / "c", answers)])
    assert imported.equal == imported.compared == 1, imported.notes
    target = tmp_path / "month.yaml"
    target.write_text(imported.text, encoding="utf-8")
    ((_, captured),) = answers
    (body,) = served(target, queries)
    assert first_difference(captured, body) is None


def test_a_page_that_cannot_keep_its_offset_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page at offset 100 whose first event is at its window's last instant: no time for the newer events."""
    item = {
        "action": "upscale",
        "data": {},
        "projectId": "proj_web",
        "time": "2026-11-20T23:59:59.999Z",
        "userId": "u_ann",
        "creativeUnitsCost": 3.5,
    }
    entities = {
        "assets": [],
        "collections": [],
        "jobs": [],
        "models": [],
        "users": [{"id": "u_ann", "isApiKey": False}],
    }
    capture = tmp_path / "late.json"
    capture.write_text(
        json.dumps(
            {
                "query": "startDate=2026-11-20&endDate=2026-11-20&type=activity&activityOffset=100",
                "body": {"activity": [item], "entities": entities},
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "late.yaml"
    assert main(["import", str(capture), "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "0 of 1 captured answer served back JSON-equal" in err, err
    assert (
        "served again, $.activity.length differs: captured 1, served 0, because its page at activityOffset 100 "
        "needs 100 newer events in its window; there are 0, and no time after its first item at "
        "2026-11-20T23:59:59.999Z is open for more"
    ) in err, err
    assert main(["validate", str(out)]) == 0


def test_an_activity_only_capture_gives_no_discount_nothing_shows(tmp_path: Path) -> None:
    """An activity page bounds no discount: the imported world's consumption is the listed events' CU."""
    answers = upstream_answers("default", ("type=activity",))
    target = tmp_path / "activity.yaml"
    target.write_text(import_captures([record(tmp_path / "c", answers)]).text, encoding="utf-8")
    (body,) = served(target, ("type=consumption",))
    assert all(row["discount"] == 0 for row in body["consumption"]), body["consumption"]
