"""A fleet sharing one Redis: three `serve` processes on their own ports and one `serve --workers 2`.

A fault added through one is applied by the others, a sequence and a call range count the fleet's calls, the
journal of any process lists every request of the fleet in order, a frozen clock is frozen everywhere, and the SDK
retrying across replicas sees exactly the scripted sequence.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import httpx
import pytest
from scenario_sdk import Scenario

from tests.conftest import BASIC, serve_process, stop_process
from tests.state.conftest import RedisServer

NAMESPACE = "fleet-tests"
LATER = "2027-01-15T08:00:00.000Z"


@pytest.fixture(scope="module")
def fleet(redis_server: RedisServer) -> Iterator[list[str]]:
    """The URLs of three single processes and (last) one with two workers, all sharing the session's Redis."""
    started: list[tuple[object, str]] = []
    args = ("--state", redis_server.url, "--state-namespace", NAMESPACE, "--quiet")
    try:
        for extra in ((), (), (), ("--workers", "2")):
            started.append(serve_process(*args, *extra))
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            stop_process(process)  # type: ignore[arg-type]


@pytest.fixture
def urls(fleet: list[str]) -> list[str]:
    """The fleet, reset (rules, counters, journal, clocks) and without run-time rules."""
    assert httpx.post(fleet[0] + "/__admin/reset").status_code == 200
    assert httpx.delete(fleet[1] + "/__admin/faults").status_code == 200
    return fleet


def _usages(url: str, **params: str) -> httpx.Response:
    return httpx.get(url + "/v1/usages", params={"type": "consumption", **params}, headers=BASIC)


def test_a_fault_added_through_one_process_is_applied_by_every_other(urls: list[str]) -> None:
    added = httpx.post(urls[0] + "/__admin/faults", json={"status": 503, "endpoint": "usages.list"})
    assert added.status_code == 201
    statuses = [_usages(url).status_code for url in urls[1:]]
    assert statuses == [503] * 3
    # Other endpoints pass; removing the rule on another process removes it everywhere.
    assert httpx.get(urls[2] + "/v1/teams", headers=BASIC).status_code == 200
    assert httpx.delete(f"{urls[3]}/__admin/faults/{added.json()['id']}").status_code == 200
    assert [_usages(url).status_code for url in urls] == [200] * 4


def test_a_sequence_holds_across_processes_in_request_order(urls: list[str]) -> None:
    rule = {"endpoint": "usages.list", "sequence": [503, 503]}
    assert httpx.post(urls[3] + "/__admin/faults", json=rule).status_code == 201
    statuses = [_usages(url).status_code for url in itertools.islice(itertools.cycle(urls), 6)]
    assert statuses == [503, 503, 200, 200, 200, 200]
    listed = httpx.get(urls[1] + "/__admin/faults").json()["rules"]
    assert [(r["matched"], r["fired"]) for r in listed] == [(6, 2)]


def test_a_call_range_answers_exactly_its_calls_under_concurrent_load(urls: list[str]) -> None:
    rule = {"endpoint": "usages.list", "calls": {"from": 1, "to": 2}, "status": 503}
    assert httpx.post(urls[0] + "/__admin/faults", json=rule).status_code == 201
    statuses: list[int] = []
    lock = threading.Lock()

    def hit(url: str) -> None:
        with httpx.Client(headers=BASIC) as client:
            for _ in range(5):
                code = client.get(url + "/v1/usages", params={"type": "consumption"}).status_code
                with lock:
                    statuses.append(code)

    threads = [threading.Thread(target=hit, args=(urls[i % 4],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == 40
    assert sorted(statuses) == [200] * 38 + [503] * 2


def test_the_journal_of_any_process_lists_every_request_of_the_fleet_in_order(urls: list[str]) -> None:
    order = list(itertools.islice(itertools.cycle(urls), 8))
    for n, url in enumerate(order):
        assert _usages(url, marker=str(n)).status_code == 200
    listings = [httpx.get(url + "/__admin/journal").json() for url in urls]
    for listing in listings:
        markers = [dict(e["query"]).get("marker") for e in listing["entries"]]
        assert markers == [str(n) for n in range(8)]
        ids = [e["id"] for e in listing["entries"]]
        assert ids == sorted(ids) and len(set(ids)) == 8
        assert listing["unwritten"] == {}
    entries = listings[0]["entries"]
    processes = [e["process"] for e in entries]
    assert all(processes) and len(set(processes)) >= 4  # three processes and at least one of the two workers
    assert processes[0] == processes[4] and processes[0] != processes[1]
    # Credentials never reach the store.
    assert all(e["headers"]["authorization"].endswith("***") for e in entries)
    # Clearing it through one process clears it for all.
    assert httpx.delete(urls[2] + "/__admin/journal").json()["cleared"] >= 8
    assert httpx.get(urls[0] + "/__admin/journal").json()["entries"] == []


def test_a_clock_frozen_on_one_process_is_frozen_on_all(urls: list[str]) -> None:
    assert httpx.post(urls[3] + "/__admin/clock", json={"now": LATER}).status_code == 200
    for url in urls:
        clocks = httpx.get(url + "/__admin/clock").json()["clocks"]
        assert {c["now"] for c in clocks} == {LATER} and all(c["frozen"] for c in clocks)
    bodies = {_usages(url).content for url in urls}
    assert len(bodies) == 1


def test_reset_through_one_process_starts_every_rule_over(urls: list[str]) -> None:
    rule = {"endpoint": "usages.list", "sequence": [503]}
    assert httpx.post(urls[0] + "/__admin/faults", json=rule).status_code == 201
    assert [_usages(url).status_code for url in urls[:2]] == [503, 200]
    assert httpx.post(urls[2] + "/__admin/reset").status_code == 200
    assert [_usages(url).status_code for url in urls[1:3]] == [503, 200]
    assert httpx.get(urls[3] + "/__admin/journal").json()["total"] == 2


class RoundRobin(httpx.HTTPTransport):
    """Each request to the next replica, as a load balancer would (the SDK sees one base URL)."""

    def __init__(self, urls: list[str]) -> None:
        super().__init__()
        self.targets = itertools.cycle([httpx.URL(url) for url in urls])

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = next(self.targets)
        request.url = request.url.copy_with(host=target.host, port=target.port)
        return super().handle_request(request)


def test_the_sdk_retrying_across_replicas_sees_exactly_the_scripted_sequence(urls: list[str]) -> None:
    rule = {"endpoint": "usages.list", "sequence": [{"status": 503, "retryAfterMs": 20}] * 2}
    assert httpx.post(urls[0] + "/__admin/faults", json=rule).status_code == 201
    client = Scenario(
        base_url=urls[0] + "/v1",
        api_key="test-key",
        api_secret="test-secret",
        max_retries=2,
        http_client=httpx.Client(transport=RoundRobin(urls[:3])),
        _strict_response_validation=True,
    )
    try:
        usages = client.usages.list(type="consumption")
    finally:
        client.close()
    assert usages.consumption is not None
    entries = httpx.get(urls[3] + "/__admin/journal").json()["entries"]
    assert [(e["status"], e["retryCount"]) for e in entries] == [(503, 0), (503, 1), (200, 2)]
    assert len({e["process"] for e in entries}) == 3
