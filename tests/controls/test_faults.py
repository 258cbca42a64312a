"""Faults and latency: the rule model, the registry's decisions, and every fault kind over real HTTP (httpx)."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from pydantic import ValidationError

from mockserver.api import build_app
from mockserver.controls.faults import FaultRequest, Faults, parse_fault_header, sample_latency
from mockserver.errors import QueryError
from mockserver.scenario.faults import MAX_LATENCY_MS, FaultRule, LatencyNormal, LatencyRange, parse_latency
from mockserver.settings import Settings, shipped_scenarios_dir
from mockserver.world.clock import HOUR, Clock
from tests.conftest import BASIC, NOW, basic_header, free_port, start_server

USAGES = "/v1/usages"
SMALL = {"type": "consumption", "timeRange": "last-hour"}  # a small, fast response


def two_scenarios(directory: Path) -> Path:
    for name in ("default.yaml", "empty-team.yaml"):
        shutil.copy(shipped_scenarios_dir() / name, directory / name)
    return directory


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(now=NOW, log_requests=False, scenarios_dir=two_scenarios(tmp_path_factory.mktemp("sc")))
    server, thread, base = start_server(settings)
    yield base
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def http(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers=BASIC, timeout=10) as client:
        client.delete("/__admin/faults").raise_for_status()
        client.post("/__admin/reset").raise_for_status()
        yield client


def add_rule(http: httpx.Client, rule: dict[str, object]) -> int:
    response = http.post("/__admin/faults", json=rule)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def decide_kinds(faults: Faults, n: int, request: FaultRequest | None = None) -> list[str]:
    request = request or FaultRequest(USAGES, [])
    actions = [faults.decide(request) for _ in range(n)]
    return ["-" if a is None else (str(a.status) if a.kind == "error" else a.kind) for a in actions]


# -- the rule model --------------------------------------------------------------------------------------------------
def test_status_alone_means_an_error_and_nothing_means_pass() -> None:
    assert FaultRule.model_validate({"status": 503}).kind == "error"
    assert FaultRule.model_validate({}).kind == "pass"
    assert FaultRule.model_validate({"kind": "html"}).status is None


def test_sequence_shorthands() -> None:
    rule = FaultRule.model_validate({"sequence": [503, "reset", {"status": 429, "retryAfter": 2}], "then": "cycle"})
    assert [(r.kind, r.status) for r in rule.responses()] == [("error", 503), ("reset", None), ("error", 429)]


def test_latency_forms() -> None:
    assert FaultRule.model_validate({"latency": "250ms"}).latency == 250
    assert FaultRule.model_validate({"latency": "1.5s"}).latency == 1500
    assert FaultRule.model_validate({"latency": "100-300ms"}).latency == LatencyRange(min=100, max=300)
    assert FaultRule.model_validate({"latency": {"mean": 50, "stddev": 10}}).latency == LatencyNormal(
        mean=50, stddev=10
    )


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        pytest.param({"latency": 61_000}, "less than or equal to 60000", id="latency-over-60s"),
        pytest.param({"latency": "2-1s"}, "min <= max", id="latency-range-reversed"),
        pytest.param({"kind": "dribble", "chunks": 302, "intervalMs": 100}, "at most 30 s", id="dribble-over-30s"),
        pytest.param({"kind": "error", "status": 200}, "from 400 to 599", id="error-with-200"),
        pytest.param({"status": 503, "sequence": [500]}, "either a response or a sequence", id="both"),
        pytest.param({"then": "cycle"}, "`then` applies to a sequence", id="then-alone"),
        pytest.param({"after": "soon"}, "neither an ISO 8601 instant nor a duration", id="bad-time"),
        pytest.param({"probability": 2}, "less than or equal to 1", id="probability"),
        pytest.param({"stauts": 503}, "Extra inputs are not permitted", id="typo"),
        pytest.param({"headers": {"bad name": "x"}}, "not a valid header name", id="header-name"),
        pytest.param({"sequence": ["explode"]}, "Input should be", id="unknown-kind"),
        pytest.param({"sequence": [200]}, "greater than or equal to 400", id="shorthand-not-an-error"),
    ],
)
def test_invalid_rules_are_refused_with_a_reason(rule: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment.replace("(", r"\(")):
        FaultRule.model_validate(rule)


def test_sampled_latency_stays_in_bounds() -> None:
    import random

    rng = random.Random(1)
    spread = [sample_latency(LatencyRange(min=10, max=20), rng) for _ in range(500)]
    assert all(10 <= v <= 20 for v in spread)
    wide = [sample_latency(LatencyNormal(mean=59_000, stddev=10_000), rng) for _ in range(500)]
    assert all(0 <= v <= MAX_LATENCY_MS for v in wide)


# -- the registry's decisions ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("then", "expected"),
    [
        pytest.param(None, ["503", "429", "-", "-"], id="default-pass"),
        pytest.param("pass", ["503", "429", "-", "-"], id="pass"),
        pytest.param("repeat-last", ["503", "429", "429", "429"], id="repeat-last"),
        pytest.param("cycle", ["503", "429", "503", "429"], id="cycle"),
    ],
)
def test_sequence_then(then: str | None, expected: list[str]) -> None:
    faults = Faults()
    faults.add(FaultRule.model_validate({"sequence": [503, 429], **({"then": then} if then else {})}))
    assert decide_kinds(faults, 4) == expected


def test_calls_pick_matching_calls() -> None:
    faults = Faults()
    faults.add(FaultRule.model_validate({"status": 500, "calls": {"from": 2, "to": 3}}))
    assert decide_kinds(faults, 5) == ["-", "500", "500", "-", "-"]
    faults.clear()
    faults.add(FaultRule.model_validate({"status": 502, "calls": [1, 4]}))
    assert decide_kinds(faults, 5) == ["502", "-", "-", "502", "-"]


def test_first_rule_that_fires_decides_and_later_rules_see_the_rest() -> None:
    faults = Faults()
    faults.add(FaultRule.model_validate({"status": 500, "calls": {"to": 1}}))
    faults.add(FaultRule.model_validate({"sequence": [503, "pass"]}))
    assert decide_kinds(faults, 4) == ["500", "503", "pass", "-"]


def test_probability_is_seeded_and_reset_starts_over() -> None:
    faults = Faults()
    faults.add(FaultRule.model_validate({"status": 503, "probability": 0.5, "seed": 7}))
    first = decide_kinds(faults, 40)
    assert 5 < first.count("503") < 35
    faults.reset()
    assert decide_kinds(faults, 40) == first
    other = Faults()
    other.add(FaultRule.model_validate({"status": 503, "probability": 0.5, "seed": 8}))
    assert decide_kinds(other, 40) != first


def test_rules_match_query_subsets_and_endpoints() -> None:
    faults = Faults()
    faults.add(FaultRule.model_validate({"status": 503, "query": {"type": "activity", "activityOffset": 100}}))
    assert faults.decide(FaultRequest("/usages/", [("type", "usages,activity"), ("activityOffset", "100.0")]))
    assert faults.decide(FaultRequest(USAGES, [("type", "usages"), ("activityOffset", "100")])) is None
    assert faults.decide(FaultRequest("/v1/other", [("type", "activity"), ("activityOffset", "100")])) is None


def stub_world(name: str, rules: list[dict[str, object]]) -> Any:
    """What the registry reads of a world: its name, clock, anchor and its scenario's `faults`."""
    scenario = SimpleNamespace(faults=[FaultRule.model_validate(r) for r in rules])
    return SimpleNamespace(name=name, scenario=scenario, clock=Clock(NOW), anchor=NOW)


def test_scenario_rules_come_after_run_time_rules_and_restart_on_reload_and_reset() -> None:
    faults = Faults()
    world = stub_world("flaky", [{"sequence": [502, 504]}])
    request = FaultRequest(USAGES, [], world=world)
    assert faults.could_apply(world)
    assert not faults.could_apply(stub_world("calm", []))
    assert decide_kinds(faults, 3, request) == ["502", "504", "-"]
    faults.reset()
    assert decide_kinds(faults, 1, request) == ["502"]
    reloaded = FaultRequest(USAGES, [], world=stub_world("flaky", [{"sequence": [502, 504]}]))
    assert decide_kinds(faults, 1, reloaded) == ["502"]  # a new scenario object: its rules start over
    faults.add(FaultRule.model_validate({"status": 500, "calls": {"to": 1}}))
    assert decide_kinds(faults, 2, reloaded) == ["500", "504"]


def test_time_rules_need_a_world_and_follow_its_clock() -> None:
    faults = Faults()
    faults.add(FaultRule.model_validate({"status": 503, "after": "+1h"}))
    world = stub_world("w", [])
    assert decide_kinds(faults, 1, FaultRequest(USAGES, [], world=world)) == ["-"]
    world.clock.advance(HOUR)
    assert decide_kinds(faults, 1, FaultRequest(USAGES, [], world=world)) == ["503"]
    assert decide_kinds(faults, 1, FaultRequest(USAGES, [])) == ["-"]


def test_header_forms() -> None:
    assert parse_fault_header("503").status == 503
    limited = parse_fault_header("429; retry-after-ms=1500; remaining-seconds=9")
    assert (limited.retry_after_ms, limited.remaining_seconds) == (1500, 9)
    assert parse_fault_header("500; should-retry=false").should_retry is False
    assert parse_fault_header("DRIBBLE; chunks=3; interval-ms=5").chunks == 3
    assert parse_fault_header("html; status=503").status == 503
    assert parse_latency("100-300ms") == LatencyRange(min=100, max=300)
    assert parse_latency("0.5s-1s") == LatencyRange(min=500, max=1000)


@pytest.mark.parametrize(
    "value",
    [
        "teapot",
        "503; retry-after",
        "503; colour=red",
        "200",
        "999",
        "429; retry-after=-1",
        "x" * 300,
        "dribble; chunks=1000; interval-ms=1000",
    ],
)
def test_bad_fault_headers_name_the_accepted_forms(value: str) -> None:
    with pytest.raises(QueryError, match="X-Mock-Fault") as caught:
        parse_fault_header(value)
    assert "retry-after" in caught.value.message


# -- every fault over HTTP -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 418, 422, 500, 502, 503, 504, 599])
def test_any_status_with_the_api_error_body(http: httpx.Client, status: int) -> None:
    response = http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": str(status)})
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"reason", "message", "code", "traceId"}
    assert body["reason"] == body["message"]


def test_429_with_retry_after_and_remaining_seconds(http: httpx.Client) -> None:
    seconds = http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "429; retry-after=2"})
    assert seconds.status_code == 429
    assert seconds.headers["retry-after"] == "2"
    assert seconds.json()["remainingSeconds"] == 2
    assert seconds.json()["reason"] == "cooldown"
    millis = http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "429; retry-after-ms=1500"})
    assert millis.headers["retry-after-ms"] == "1500"
    assert "retry-after" not in millis.headers
    assert millis.json()["remainingSeconds"] == 2


def test_rule_with_message_code_body_and_headers(http: httpx.Client) -> None:
    add_rule(http, {"status": 429, "retryAfter": 900, "message": "slow down", "code": "COOLDOWN"})
    limited = http.get(USAGES, params=SMALL)
    assert limited.headers["retry-after"] == "900"
    assert limited.json()["remainingSeconds"] == 900
    assert (limited.json()["reason"], limited.json()["code"]) == ("slow down", "COOLDOWN")
    http.delete("/__admin/faults")
    add_rule(http, {"status": 502, "body": {"message": "Bad gateway"}, "headers": {"Via": "1.1 gateway"}})
    gateway = http.get(USAGES, params=SMALL)
    assert gateway.json() == {"message": "Bad gateway"}
    assert gateway.headers["via"] == "1.1 gateway"


def test_should_retry_header(http: httpx.Client) -> None:
    assert http.get(USAGES, headers={"X-Mock-Fault": "503; should-retry=false"}).headers["x-should-retry"] == "false"
    add_rule(http, {"status": 400, "shouldRetry": True})
    assert http.get(USAGES, params=SMALL).headers["x-should-retry"] == "true"


def test_empty_body(http: httpx.Client) -> None:
    response = http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "empty"})
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["content-type"] == "application/json"


def test_malformed_json_in_a_well_formed_http_response(http: httpx.Client) -> None:
    normal = http.get(USAGES, params=SMALL).content
    response = http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "malformed"})
    assert response.status_code == 200
    assert response.content == normal[: len(normal) // 2]
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


def test_html_gateway_page(http: httpx.Client) -> None:
    response = http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "html"})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_a_body_rule_answers_exactly_its_body(http: httpx.Client) -> None:
    body = {"consumption": [], "note": "drawn by a test", "unicode": "été"}
    rule = add_rule(http, {"endpoint": "usages.list", "kind": "body", "body": body, "calls": [1]})
    served = http.get(USAGES, params=SMALL)
    assert (served.status_code, served.headers["content-type"]) == (200, "application/json")
    assert served.content == orjson.dumps(body)
    assert http.get(USAGES, params=SMALL).json() != body  # the second call: the world's answer
    entries = http.get("/__admin/journal").json()["entries"]
    assert [e["fault"] for e in entries] == [f"body (rule {rule}, call 1)", None]


def test_a_body_rule_needs_its_body_and_no_header_carries_one(http: httpx.Client) -> None:
    refused = http.post("/__admin/faults", json={"kind": "body"})
    assert refused.status_code == 400 and "needs the `body`" in refused.text
    assert http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "body"}).status_code == 400
    assert FaultRule.model_validate({"kind": "body", "body": {}, "status": 201}).status == 201


def test_truncated_body(http: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError, match="without sending complete message body"):
        http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "truncated"})


def test_connection_reset_and_close(http: httpx.Client) -> None:
    with pytest.raises(httpx.ReadError, match="reset"):
        http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "reset"})
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "close"})
    assert http.get(USAGES, params=SMALL).status_code == 200  # the server keeps serving


def test_dribbled_body_is_slow_but_complete(http: httpx.Client) -> None:
    normal = http.get(USAGES, params=SMALL).content
    started = time.monotonic()
    response = http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "dribble; chunks=4; interval-ms=100"})
    assert time.monotonic() - started >= 0.3
    assert response.content == normal


def test_latency_fixed_and_distributed(http: httpx.Client) -> None:
    started = time.monotonic()
    assert http.get(USAGES, params=SMALL, headers={"X-Mock-Latency": "200ms"}).status_code == 200
    assert time.monotonic() - started >= 0.2
    add_rule(http, {"latency": {"min": 100, "max": 150}})
    started = time.monotonic()
    assert http.get(USAGES, params=SMALL).status_code == 200
    assert time.monotonic() - started >= 0.1
    journal = http.get("/__admin/journal").json()["entries"]
    assert journal[-1]["fault"].startswith("pass +1")
    assert journal[-1]["durationMs"] >= 100


def test_latency_header_adds_to_a_forced_fault(http: httpx.Client) -> None:
    started = time.monotonic()
    response = http.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "503", "X-Mock-Latency": "150"})
    assert response.status_code == 503
    assert time.monotonic() - started >= 0.15


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Mock-Fault", "teapot"),
        ("X-Mock-Fault", "503; retry-after=soon"),
        ("X-Mock-Latency", "fast"),
        ("X-Mock-Latency", "90s"),
        ("X-Mock-Latency", "9" * 500),
    ],
)
def test_bad_control_headers_get_a_json_400(http: httpx.Client, header: str, value: str) -> None:
    response = http.get(USAGES, params=SMALL, headers={header: value})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_PARAMETER"
    assert header in response.json()["message"]
    assert "250ms" in response.json()["message"] or "retry-after" in response.json()["message"]


def test_faults_apply_to_api_paths_only(http: httpx.Client) -> None:
    assert http.get("/openapi.json", headers={"X-Mock-Fault": "503"}).status_code == 200
    assert http.get("/__admin/health", headers={"X-Mock-Fault": "503"}).status_code == 200
    assert http.get("/usages/", params=SMALL, headers={"X-Mock-Fault": "503"}).status_code == 503


def test_rule_matches_query(http: httpx.Client) -> None:
    add_rule(http, {"status": 503, "query": {"type": "activity"}})
    assert http.get(USAGES, params={"type": "usages,activity", "timeRange": "last-hour"}).status_code == 503
    assert http.get(USAGES, params=SMALL).status_code == 200


def test_rule_matches_api_key(http: httpx.Client) -> None:
    add_rule(http, {"status": 401, "apiKey": "flaky-key"})
    assert http.get(USAGES, params=SMALL, headers=basic_header("flaky-key", "s")).status_code == 401
    assert http.get(USAGES, params=SMALL, headers={"Authorization": "Bearer flaky-key"}).status_code == 401
    assert http.get(USAGES, params=SMALL).status_code == 200


def test_rule_matches_scenario(http: httpx.Client) -> None:
    add_rule(http, {"status": 500, "scenario": "empty-team"})
    assert http.get(USAGES, params=SMALL, headers={"X-Mock-Scenario": "empty-team"}).status_code == 500
    assert http.get(USAGES, params=SMALL).status_code == 200
    # An unknown scenario is the handler's 404, never the rule's.
    assert http.get(USAGES, params=SMALL, headers={"X-Mock-Scenario": "nope"}).status_code == 404


def test_rule_follows_the_world_clock(http: httpx.Client) -> None:
    add_rule(http, {"status": 503, "after": "+1h", "before": "+3h"})
    assert http.get(USAGES, params=SMALL).status_code == 200
    http.post("/__admin/clock", json={"advance": "2h"}).raise_for_status()
    assert http.get(USAGES, params=SMALL).status_code == 503
    http.post("/__admin/clock", json={"advance": "2h"}).raise_for_status()
    assert http.get(USAGES, params=SMALL).status_code == 200
    http.post("/__admin/clock", json={"now": "2026-11-30T16:00:00Z"}).raise_for_status()
    assert http.get(USAGES, params=SMALL).status_code == 503


def test_sequence_over_http_and_reset_restarts_it(http: httpx.Client) -> None:
    add_rule(http, {"sequence": [503, {"status": 429, "retryAfterMs": 10}, "pass"], "then": "cycle"})
    statuses = [http.get(USAGES, params=SMALL).status_code for _ in range(4)]
    assert statuses == [503, 429, 200, 503]
    http.post("/__admin/reset").raise_for_status()
    assert [http.get(USAGES, params=SMALL).status_code for _ in range(2)] == [503, 429]


def test_seeded_probability_gives_the_same_pattern_after_reset(http: httpx.Client) -> None:
    add_rule(http, {"status": 503, "probability": 0.5, "seed": 42})
    first = [http.get(USAGES, params=SMALL).status_code for _ in range(12)]
    assert {200, 503} == set(first)
    http.post("/__admin/reset").raise_for_status()
    assert [http.get(USAGES, params=SMALL).status_code for _ in range(12)] == first


def test_rule_counters_are_visible(http: httpx.Client) -> None:
    rule_id = add_rule(http, {"status": 503, "calls": {"to": 1}, "name": "first call fails"})
    http.get(USAGES, params=SMALL)
    http.get(USAGES, params=SMALL)
    [listed] = http.get("/__admin/faults").json()["rules"]
    assert listed == {
        "id": rule_id,
        "rule": {"status": 503, "calls": {"to": 1}, "name": "first call fails", "kind": "error"},
        "matched": 2,
        "fired": 1,
    }


# -- dropping connections under each uvicorn implementation ---------------------------------------------------------
@pytest.mark.parametrize(
    ("http_impl", "loop"),
    [("h11", "asyncio"), ("httptools", "asyncio"), ("h11", "uvloop"), ("httptools", "uvloop")],
)
def test_connection_faults_under_each_server_implementation(tmp_path: Path, http_impl: str, loop: str) -> None:
    pytest.importorskip(http_impl)
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    app = build_app(Settings(now=NOW, log_requests=False, scenarios_dir=two_scenarios(tmp_path)))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", http=http_impl, loop=loop)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=BASIC, timeout=5) as client:
            with pytest.raises(httpx.ReadError):
                client.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "reset"})
            with pytest.raises(httpx.RemoteProtocolError):
                client.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "close"})
            with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
                client.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "truncated"})
            assert client.get(USAGES, params=SMALL).status_code == 200
        assert [e.status for e in app.state.journal.entries()] == [0, 0, 200, 200]
    finally:
        server.should_exit = True
        thread.join(10)


def test_the_request_log_names_the_fault(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = build_app(Settings(now=NOW, scenarios_dir=two_scenarios(tmp_path)))

    async def call() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=BASIC) as client:
            await client.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "429; retry-after=1"})
            await client.get(USAGES, params=SMALL)

    with caplog.at_level("INFO", logger="mockserver.requests"):
        asyncio.run(call())
    faulted, normal = (r.getMessage() for r in caplog.records if r.name == "mockserver.requests")
    assert faulted.startswith("GET /v1/usages?type=consumption&timeRange=last-hour 429 ")
    assert faulted.endswith(" fault=429 (X-Mock-Fault)")
    assert "fault=" not in normal


def test_without_a_transport_a_drop_raises_in_process(tmp_path: Path) -> None:
    app = build_app(Settings(now=NOW, log_requests=False, scenarios_dir=two_scenarios(tmp_path)))

    async def call() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=BASIC) as client:
            await client.get(USAGES, params=SMALL, headers={"X-Mock-Fault": "reset"})

    with pytest.raises(ConnectionResetError, match="connection dropped"):
        asyncio.run(call())
