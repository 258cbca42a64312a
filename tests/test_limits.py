"""The world budget and the response cap (README "Limits"): refused at load by `validate`, `serve` and `render`,
and per request with the API's JSON 400 (hostile files themselves: tests/bad_scenarios/budget-*.yaml).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn

from mockserver.api import build_app
from mockserver.api.usages import answer
from mockserver.cli import main
from mockserver.contract.query import parse_usage_query
from mockserver.errors import QueryError, ScenarioError
from mockserver.scenario import budget
from mockserver.scenario.loader import load_scenario_text
from mockserver.scenario.model import Scenario
from mockserver.settings import Settings
from mockserver.world.builder import build_world
from tests.conftest import BASIC, NOW, NOW_TEXT, LiveServer, free_port

MILLION = "name: default\nactivity:\n  generators: [{actions: {txt2img: 1}, perWorkingDay: 1000000}]\n"
FINE = "name: default\nsettings: {granularity: [{upTo: 120d, granularity: 1m}]}\n"
SHIPPED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "s.yaml")
    return str(info.value).splitlines()


def test_the_documented_busy_generator_stays_valid() -> None:
    # Another test (the heavy render in flight) relies on this world: the budget must admit it.
    load_scenario_text("activity:\n  generators: [{actions: {txt2img: 1}, perWorkingDay: 25000}]\n")


@pytest.mark.parametrize("file", [pytest.param(f, id=f.stem) for f in SHIPPED])
def test_shipped_scenarios_fit_the_budget_with_room(file: Path) -> None:
    scenario = load_scenario_text(file.read_text(encoding="utf-8"), str(file))
    rows = budget.series_rows(len(build_world(scenario).models), len(scenario.nsfw_labels))
    assert rows * 169 * 5 < budget.MAX_RESPONSE_POINTS, "a 7-day body, five times over, fits one response"


def test_shipped_scenarios_answer_31_and_120_day_windows_and_the_dense_heavy_week() -> None:
    from mockserver.worlds import Worlds

    worlds = Worlds(Settings(now=NOW, log_requests=False))
    windows = [
        [("timeRange", "last-thirty-one-days")],
        [("startDate", "2026-08-02"), ("endDate", "2026-11-29")],  # the longest custom range: 120 days
    ]
    for world in worlds.worlds.values():
        for params in windows:
            assert orjson.loads(answer(worlds, world, parse_usage_query(params)).body)["usages"], world.name
    heavy_week = answer(worlds, worlds.get("heavy-usage"), parse_usage_query([("timeRange", "last-seven-days")]))
    assert len(heavy_week.body) > 6_000_000, "over the real gateway's 6 MB, far under the cap"


def test_the_hourly_limit_follows_from_the_daily_one() -> None:
    from mockserver.world.timeline import HOURLY_PROFILE

    assert max(HOURLY_PROFILE) == budget.HOURLY_PEAK_SHARE
    assert budget.MAX_EVENTS_PER_HOUR == 2098


def test_the_default_granularity_table_fits_every_world_the_budget_admits() -> None:
    rows = budget.series_rows(budget.MAX_MODELS, budget.MAX_NSFW_LABELS)
    assert rows * budget.most_buckets(7 * 86_400_000, 3_600_000) <= budget.MAX_RESPONSE_POINTS


def test_the_daily_limit_counts_weekends_and_spikes_and_every_generator() -> None:
    weekend = "activity:\n  generators: [{actions: {txt2img: 1}, perWorkingDay: 20000, weekendFactor: 1.5}]\n"
    assert problems(weekend) == [
        "s.yaml:2:55: activity.generators[0].perWorkingDay: 20000 events per working day (x 1.5 on weekends: "
        "up to 30000 in a day) is over the limit of 25000 events per day"
    ]
    spike = (
        "activity:\n  generators: [{actions: {txt2img: 1}, perWorkingDay: 10000, spikes: [{day: -2d, factor: 3}]}]\n"
    )
    assert "(x 3 on a spike day: up to 30000 in a day)" in problems(spike)[0]
    two = (
        "activity:\n  generators:\n    - {actions: {txt2img: 1}, perWorkingDay: 13000}\n"
        "    - {actions: {upscale: 1}, perWorkingDay: 13000}\n"
    )
    assert "the generators together make up to 26000 events in a day" in problems(two)[0]


def test_numbers_beyond_a_float_are_refused_in_words() -> None:
    huge = "activity:\n  generators: [{actions: {txt2img: 1}, perWorkingDay: 1e308, weekendFactor: 10}]\n"
    assert problems(huge) == [
        "s.yaml:2:55: activity.generators[0].perWorkingDay: 1e+308 events per working day (x 10 on weekends: up to "
        "over 1e308 in a day) is over the limit of 25000 events per day"
    ]


def test_api_keys_listed_are_counted() -> None:
    keys = "apiKeys:\n" + "".join(f"  - {{id: api_{i}}}\n" for i in range(budget.MAX_API_KEYS + 1))
    assert problems(keys) == [
        f"s.yaml:2:3: apiKeys: {budget.MAX_API_KEYS + 1} API keys listed is over the limit of "
        f"{budget.MAX_API_KEYS} API keys per world"
    ]


def test_validate_refuses_the_million_events_file_with_its_place_limit_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "million.yaml"
    path.write_text(MILLION, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr()
    assert (
        f"{path}:3:55: activity.generators[0].perWorkingDay: 1000000 events per working day is over the limit of "
        f"{budget.MAX_EVENTS_PER_DAY} events per day"
    ) in out.out + out.err


def test_serve_refuses_a_file_over_the_budget(tmp_path: Path) -> None:
    (tmp_path / "default.yaml").write_text(MILLION, encoding="utf-8")
    argv = [sys.executable, "-m", "mockserver", "serve", "--scenarios", str(tmp_path), "--port", str(free_port())]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "1000000 events per working day is over the limit" in done.stderr
    assert "Traceback" not in done.stderr


def test_render_of_a_world_over_the_cap_is_refused_in_one_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "default.yaml").write_text(FINE, encoding="utf-8")
    assert main(["render", "timeRange=last-thirty-one-days", "--scenarios", str(tmp_path), "--now", NOW_TEXT]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("mockserver: ")


# --- per request: a world built without the loader's checks (the Python API) is the one path left --------------


@pytest.fixture(scope="module")
def unchecked_world():  # type: ignore[no-untyped-def]
    """A world whose granularity table the loader would refuse: one-minute buckets for every window."""
    scenario = Scenario.model_validate(
        {"name": "fine", "settings": {"granularity": [{"upTo": "1h", "granularity": "1m"}]}}
    )
    return build_world(scenario, NOW)


def test_answer_refuses_before_rendering_and_names_the_limit(unchecked_world) -> None:  # type: ignore[no-untyped-def]
    from mockserver.worlds import Worlds

    worlds = Worlds(Settings(now=NOW, log_requests=False))
    query = parse_usage_query([("startDate", "2026-08-02"), ("endDate", "2026-11-29")])
    started = time.monotonic()
    with pytest.raises(QueryError) as info:
        answer(worlds, unchecked_world, query)
    assert time.monotonic() - started < 5, "counted, not rendered"
    assert info.value.code == "RESPONSE_TOO_LARGE"
    # 120 days of one-minute points, in each of the 45 rows of every type.
    assert info.value.message.startswith("the response would hold 7776000 points (172800 points of 1m in each of 45")
    assert f"over the limit of {budget.MAX_RESPONSE_POINTS} points per response" in info.value.message
    small = parse_usage_query([("timeRange", "last-hour")])
    assert orjson.loads(answer(worlds, unchecked_world, small).body)["usages"]


@pytest.fixture(scope="module")
def server_with_unchecked_world(unchecked_world) -> Iterator[str]:  # type: ignore[no-untyped-def]
    app = build_app(Settings(now=NOW, log_requests=False))
    app.state.worlds.worlds[unchecked_world.name] = unchecked_world
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(10)


def test_a_request_over_the_cap_gets_the_api_json_400(server_with_unchecked_world: str) -> None:
    headers = {**BASIC, "X-Mock-Scenario": "fine"}
    with httpx.Client(base_url=server_with_unchecked_world, headers=headers, timeout=30) as http:
        response = http.get("/v1/usages", params={"startDate": "2026-11-01", "endDate": "2026-11-29", "type": "usages"})
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert body["code"] == "RESPONSE_TOO_LARGE"
        assert body["message"] == body["reason"]
        assert "918720 points (41760 points of 1m in each of 22 series rows)" in body["message"]
        assert f"over the limit of {budget.MAX_RESPONSE_POINTS} points per response" in body["message"]
        # The same world answers what fits, and so does the server's health.
        assert http.get("/v1/usages", params={"timeRange": "last-hour"}).status_code == 200
        assert http.get("/__admin/health").status_code == 200


# --- clocks stay where query dates may lie ----------------------------------------------------------------------


def test_now_outside_the_date_bounds_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "timeRange=last-day", "--now", "0001-01-01T00:00:00Z"]) == 2
    assert "--now must lie between 1970-01-01 and 9999-12-31" in capsys.readouterr().err


def test_the_admin_clock_stays_within_the_date_bounds(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        for command in ({"now": "0001-01-01T00:00:00Z"}, {"advance": "-30000000d"}):
            response = http.post("/__admin/clock", json=command)
            assert response.status_code == 400, command
            assert response.json()["code"] == "INVALID_PARAMETER"
            assert "is not between 1970-01-01 and 9999-12-31" in response.json()["message"]
        clocks = http.get("/__admin/clock").json()["clocks"]
        assert {clock["now"] for clock in clocks} == {NOW_TEXT}, "no clock moved"
