"""`scenarios()`: every drawn document validates as a file and serves, read by the strict SDK; its edges occur."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from scenario_sdk import AsyncScenario

from mockserver.api import build_app
from mockserver.cli import main
from mockserver.scenario.schema import scenario_json_schema
from mockserver.settings import Settings
from mockserver.strategies import scenarios
from mockserver.strategies.worlds import reading_credentials
from tests.conftest import NOW

QUICK = settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
EDGES = settings(
    max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def _text(document: dict[str, Any]) -> str:
    text: str = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    return text


def _validate(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    return code, out.getvalue() + err.getvalue()


async def _read_everything(directory: Path, credentials: tuple[str, str]) -> None:
    """Serve the directory's one world in process and read it through the strict SDK: usages and every list."""
    app = build_app(Settings(scenarios_dir=directory, now=NOW, log_requests=False))
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://mock") as http,
        AsyncScenario(
            base_url="http://mock/v1",
            api_key=credentials[0],
            api_secret=credentials[1],
            max_retries=0,
            http_client=http,
            _strict_response_validation=True,
        ) as sdk,
    ):
        await sdk.usages.list()
        await sdk.usages.list(time_range="last-thirty-one-days", type=["activity", "consumption"])
        await sdk.usages.list(time_range="last-day", drop_zero_points=True)
        teams = await sdk.teams.list()
        for team in teams.teams:
            await sdk.teams.retrieve(team.id)
            await sdk.teams.retrieve_limits(team.id)
        await sdk.projects.list()
        async for job in sdk.jobs.list(page_size=50):
            await sdk.jobs.retrieve(job.job_id)
            break
        await sdk.assets.list()
        await sdk.models.list()
        await sdk.collections.list()


def _check_validates_and_serves(document: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "world.yaml"
        path.write_text(_text(document), encoding="utf-8")
        code, output = _validate(path)
        assert code == 0, output
        credentials = reading_credentials(document) or ("test-key", "test-secret")
        asyncio.run(_read_everything(Path(directory), credentials))


@QUICK
@given(scenarios())
def test_every_drawn_scenario_validates_and_serves(document: dict[str, Any]) -> None:
    _check_validates_and_serves(document)


@pytest.mark.slow
@SLOW
@given(scenarios(max_people=8, max_api_keys=5, max_jobs=8, max_assets=5, max_events=8, max_generators=3))
def test_larger_drawn_scenarios_validate_and_serve(document: dict[str, Any]) -> None:
    _check_validates_and_serves(document)


@QUICK
@given(scenarios())
def test_every_drawn_scenario_is_valid_against_the_editor_schema(document: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(_editor_schema()).validate(document)


@functools.cache
def _editor_schema() -> dict[str, Any]:
    return scenario_json_schema()


def _keys(d: dict[str, Any]) -> list[dict[str, Any]]:
    return list(d.get("apiKeys", []))


def _people(d: dict[str, Any]) -> list[dict[str, Any]]:
    return list(d["people"])


def _jobs(d: dict[str, Any]) -> list[dict[str, Any]]:
    return list(d.get("jobs", []))


def _events(d: dict[str, Any]) -> list[dict[str, Any]]:
    return list(d.get("activity", {}).get("events", []))


# The edges of a world, each something an integration must survive; every one occurs in a small run.
WORLD_EDGES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "a deleted key": lambda d: any(k["status"] == "deleted" for k in _keys(d)),
    "an inactive key": lambda d: any(k["status"] == "inactive" for k in _keys(d)),
    "every key deleted": lambda d: bool(_keys(d)) and all(k["status"] == "deleted" for k in _keys(d)),
    "no API key": lambda d: not _keys(d),
    "a project-scoped key": lambda d: any(k.get("scope") == "project" for k in _keys(d)),
    "a person who left": lambda d: any(p.get("left") for p in _people(d)),
    "a person who left long ago (left: true)": lambda d: any(p.get("left") is True for p in _people(d)),
    "a person without a name (generated)": lambda d: any("name" not in p for p in _people(d)),
    "a person without an avatar": lambda d: any(p.get("avatar") is False for p in _people(d)),
    "nobody but keys": lambda d: not _people(d),
    "one project": lambda d: (d["projects"] if isinstance(d["projects"], int) else len(d["projects"])) == 1,
    "projects as a count": lambda d: isinstance(d["projects"], int),
    "no models": lambda d: d["models"] in (0, []),
    "no collections": lambda d: d["collections"] in (0, []),
    "no NSFW labels": lambda d: d.get("nsfwLabels") == [],
    "no jobs": lambda d: not _jobs(d),
    "a workflow job with a flow": lambda d: any("flow" in j for j in _jobs(d)),
    "a failed job with its error": lambda d: any(j["status"] == "failure" and "error" in j for j in _jobs(d)),
    "a job that progresses": lambda d: any("progress" in j for j in _jobs(d)),
    "a queued job": lambda d: any(j["status"] == "queued" for j in _jobs(d)),
    "a single event": lambda d: len(_events(d)) == 1,
    "no activity at all": lambda d: "activity" not in d,
    "generated activity only": lambda d: "generators" in d.get("activity", {}) and not _events(d),
    "an event by a key": lambda d: any(e["user"].startswith("api") for e in _events(d)),
    "minimal assets": lambda d: any(a.get("minimal") for a in d.get("assets", [])),
    "a one-shot purchase": lambda d: bool(d.get("billing", {}).get("oneShot")),
    "an invitation": lambda d: bool(d.get("team", {}).get("invitations")),
    "a frozen clock": lambda d: "clock" in d,
    "a granularity table": lambda d: "granularity" in d.get("settings", {}),
    "only declared keys accepted": lambda d: bool(d.get("settings", {}).get("acceptOnlyDeclaredKeys")),
}


def test_the_edges_of_worlds_occur() -> None:
    seen: Counter[str] = Counter()
    drawn: list[int] = []

    @EDGES
    @given(scenarios())
    def draw(document: dict[str, Any]) -> None:
        drawn.append(1)
        seen.update(name for name, holds in WORLD_EDGES.items() if holds(document))

    draw()
    missing = [name for name in WORLD_EDGES if not seen[name]]
    assert not missing, f"not drawn in {len(drawn)} worlds: {missing}; drawn: {dict(seen)}"
