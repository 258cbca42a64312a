"""Clocks and the default scenario through Redis: changed through one process, seen by another on its next request;
a fleet under another namespace sees nothing; a lost store leaves API responses flowing and controls at 503."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import BASIC, NOW_TEXT, serve_process, stop_process
from tests.state.conftest import RedisServer

LATER = "2027-01-15T08:00:00.000Z"


@pytest.fixture
def pair(redis_url: str) -> Iterator[tuple[str, str]]:
    """Two `serve` processes on their own ports, sharing the test's Redis."""
    first, first_url = serve_process("--state", redis_url, "--quiet")
    try:
        second, second_url = serve_process("--state", redis_url, "--quiet")
    except BaseException:
        stop_process(first)
        raise
    yield first_url, second_url
    stop_process(first)
    stop_process(second)


def _clock(url: str, scenario: str = "default") -> dict[str, object]:
    answer = httpx.get(url + "/__admin/clock", params={"scenario": scenario})
    assert answer.status_code == 200, answer.text
    clock: dict[str, object] = answer.json()["clocks"][0]
    return clock


def test_a_clock_set_on_one_process_is_the_clock_of_the_other(pair: tuple[str, str]) -> None:
    one, other = pair
    assert _clock(other)["now"] == "2026-11-30T14:37:12.345Z"
    assert httpx.post(one + "/__admin/clock", json={"now": LATER}).status_code == 200
    assert _clock(other)["now"] == LATER and _clock(other, "heavy-usage")["now"] == LATER
    # The API answers from the shared clock too: the same bytes from both.
    bodies = {httpx.get(url + "/v1/usages?type=consumption", headers=BASIC).content for url in pair}
    assert len(bodies) == 1
    assert httpx.post(other + "/__admin/clock", json={"advance": "1h", "scenario": "default"}).status_code == 200
    assert _clock(one)["now"] == "2027-01-15T09:00:00.000Z" and _clock(one, "heavy-usage")["now"] == LATER
    assert httpx.post(one + "/__admin/clock", json={"reset": True}).status_code == 200
    assert _clock(other)["now"] == NOW_TEXT


def test_a_cached_answer_follows_the_clock_and_faults_set_through_another_process(pair: tuple[str, str]) -> None:
    one, other = pair
    for _ in range(2):  # the second answer is the render cache's (the fast lane), from the shared state as synced
        cached = httpx.get(other + "/v1/usages", headers=BASIC)
        assert cached.headers["x-mock-now"] == NOW_TEXT
    assert httpx.post(one + "/__admin/clock", json={"now": LATER}).status_code == 200
    assert httpx.get(other + "/v1/usages", headers=BASIC).headers["x-mock-now"] == LATER  # no admin call between
    assert httpx.post(one + "/__admin/clock", json={"reset": True}).status_code == 200
    assert httpx.get(other + "/v1/usages", headers=BASIC).content == cached.content
    assert httpx.post(one + "/__admin/faults", json={"path": "/v1/usages", "status": 503}).status_code == 201
    assert httpx.get(other + "/v1/usages", headers=BASIC).status_code == 503
    assert httpx.delete(one + "/__admin/faults").status_code == 200


def test_a_clock_frozen_on_one_process_is_frozen_on_the_other(redis_url: str) -> None:
    # Without --now the clocks run on real time; a freeze on one stops the other's at the same instant.
    first, one = serve_process("--state", redis_url, "--quiet")
    second, other = serve_process("--state", redis_url, "--quiet")
    try:
        httpx.post(one + "/__admin/clock", json={"unfreeze": True})
        assert _clock(other)["frozen"] is False
        frozen = httpx.post(one + "/__admin/clock", json={"freeze": True}).json()["clocks"]
        seen = _clock(other)
        httpx.post(other + "/__admin/clock", json={"unfreeze": True})
        running = _clock(one)
    finally:
        stop_process(first)
        stop_process(second)
    mine = next(c for c in frozen if c["scenario"] == "default")
    assert seen["frozen"] is True and seen["nowMs"] == mine["nowMs"]
    assert running["frozen"] is False


def test_the_default_scenario_set_on_one_process_is_served_by_the_other(pair: tuple[str, str]) -> None:
    one, other = pair
    assert httpx.put(one + "/__admin/scenarios/default", json={"name": "empty-team"}).status_code == 200
    assert httpx.get(other + "/__admin/scenarios").json()["default"] == "empty-team"
    assert httpx.get(other + "/v1/usages?type=activity", headers=BASIC).json()["activity"] == []


def test_an_unknown_default_is_refused_before_it_reaches_the_store(pair: tuple[str, str]) -> None:
    one, other = pair
    answer = httpx.put(one + "/__admin/scenarios/default", json={"name": "nope"})
    assert answer.status_code == 404 and answer.json()["code"] == "UNKNOWN_SCENARIO"
    assert httpx.get(other + "/__admin/scenarios").json()["default"] == "default"


def test_fleets_under_other_namespaces_never_see_each_other(redis_url: str) -> None:
    first, one = serve_process("--state", redis_url, "--state-namespace", "fleet-a", "--quiet")
    second, other = serve_process("--state", redis_url, "--state-namespace", "fleet-b", "--quiet")
    try:
        httpx.post(one + "/__admin/clock", json={"now": LATER})
        seen = _clock(other)
    finally:
        stop_process(first)
        stop_process(second)
    assert seen["now"] == "2026-11-30T14:37:12.345Z"


def test_two_workers_with_state_share_the_clock(redis_url: str) -> None:
    process, url = serve_process("--workers", "2", "--state", redis_url, "--quiet")
    try:
        assert httpx.post(url + "/__admin/clock", json={"now": LATER}).status_code == 200
        # New connections land on either worker: every one reports the shared clock.
        seen = {
            httpx.get(url + "/__admin/clock", params={"scenario": "default"}).json()["clocks"][0]["now"]
            for _ in range(8)
        }
    finally:
        stop_process(process)
    assert seen == {LATER}


def test_a_lost_store_keeps_the_api_answering_and_controls_say_503(tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = RedisServer(tmp_path)
    server.start()
    process, url = serve_process("--state", server.url, "--quiet")
    try:
        httpx.post(url + "/__admin/clock", json={"now": LATER})
        server.stop()
        api = [httpx.get(url + "/v1/usages?type=consumption", headers=BASIC) for _ in range(5)]
        control = httpx.post(url + "/__admin/clock", json={"advance": "1h"})
        clock = _clock(url)  # reads answer from the state last seen
        server.start()
        recovered = None
        for _ in range(40):  # the client reconnects by itself: no restart of the server
            recovered = httpx.post(url + "/__admin/clock", json={"now": "2027-02-01T00:00:00Z"})
            if recovered.status_code == 200:
                break
            time.sleep(0.1)
        after = _clock(url)
    finally:
        stop_process(process)
        server.stop()
    assert [a.status_code for a in api] == [200] * 5
    assert max(a.elapsed.total_seconds() for a in api) < 1  # SYNC_TIMEOUT_S, not the client's socket timeout
    assert control.status_code == 503 and control.json()["code"] == "STATE_STORE_UNAVAILABLE"
    assert server.url in control.json()["message"] and control.headers["Retry-After"] == "1"
    assert clock["now"] == LATER
    assert recovered is not None and recovered.status_code == 200
    assert after["now"] == "2027-02-01T00:00:00.000Z"
