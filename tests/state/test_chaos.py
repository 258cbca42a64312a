"""A bounded chaos test of the Redis state store: Redis killed (SIGKILL) under a 64-connection load on three
`serve --state` processes. Every API response stays a 200, controls answer 503 while Redis is gone, and once it is
back the controls work again and each process reports the journal entries it could not write, with no restart.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.state.redis_journal import WRITE_TIMEOUT_S
from mockserver.state.redis_store import RETRY_AFTER_S
from tests.conftest import BASIC, serve_process, stop_process
from tests.state.conftest import RedisServer, require_redis_server

NAMESPACE = "chaos"
PROCESSES = 3
CONNECTIONS = 64
# The API mix: the busiest endpoint two ways, and two lists (paths from mockserver.controls.routes.ENDPOINT_PATHS).
PATHS = ("/v1/usages?type=consumption", "/v1/usages", "/v1/teams", "/v1/jobs")
FAULTED = "/v1/projects"  # not in the mix: a fault rule on it leaves the load's answers alone
MAX_REQUESTS_PER_CONNECTION = 5_000  # every loop is bounded by a count as well as by time
RUN_LIMIT_S = 40.0  # the load stops by then whatever happens (the test fails if it had to)
# Each connection waits this long between requests: a closed loop without pauses saturates the servers, and the
# latency seen is then the queue's (64 / throughput), not what a lost Redis adds to a request.
PACE_S = 0.2
PHASE_S = 1.0  # how long the load runs in each phase
# A lost Redis adds at most SYNC_TIMEOUT_S + DECIDE_TIMEOUT_S + WRITE_TIMEOUT_S to a request; the rest of the bound
# is for a shared 2-CPU machine, where the tail is the CPU's queue (about 2 s seen with Redis up as well).
MAX_LATENCY_S = 5.0
# A journal write gives up after 5 * WRITE_TIMEOUT_S, and an entry recorded while a batch is on its way goes in the
# next one: after this long without requests a process has no write in flight.
WRITES_SETTLE_S = 2 * 5 * WRITE_TIMEOUT_S + 0.2


@dataclass(frozen=True, slots=True)
class Call:
    """One API request of the load: the process it went to, when it started and ended (monotonic), its status."""

    target: int
    start: float
    end: float
    status: int | None  # None: a transport error


@dataclass
class Load:
    """CONNECTIONS workers, each bound to one process, cycling through PATHS; paused and resumed between phases."""

    urls: list[str]
    calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    running: asyncio.Event = field(default_factory=asyncio.Event)
    stopped: bool = False
    timed_out: bool = False
    in_flight: int = 0
    marks: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, what happened): for the report
    deadline: float = field(default_factory=lambda: time.monotonic() + RUN_LIMIT_S)

    async def work(self, client: httpx.AsyncClient, index: int) -> None:
        target = index % len(self.urls)
        for n in range(MAX_REQUESTS_PER_CONNECTION):
            await self.running.wait()
            if self.stopped:
                return
            if time.monotonic() > self.deadline:
                self.timed_out = True
                return
            path = PATHS[(index + n) % len(PATHS)]
            self.in_flight += 1
            start = time.monotonic()
            status = None
            try:
                status = (await client.get(self.urls[target] + path)).status_code
            except httpx.TransportError as exc:
                self.errors.append(f"{self.urls[target]}{path}: {exc!r}")
            finally:
                self.in_flight -= 1
            self.calls.append(Call(target, start, time.monotonic(), status))
            await asyncio.sleep(PACE_S)

    async def run_for(self, seconds: float) -> None:
        self.running.set()
        await asyncio.sleep(seconds)

    async def drain(self) -> None:
        """Pause the workers and wait for their requests in flight to be answered."""
        self.running.clear()
        deadline = time.monotonic() + 10
        while self.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        assert self.in_flight == 0, f"{self.in_flight} requests still unanswered after 10 s"

    def stop(self) -> None:
        self.stopped = True
        self.running.set()

    def served(self, since: float, until: float = float("inf")) -> list[int]:
        """Per process: the requests that started at or after `since` and ended by `until`."""
        counts = Counter(c.target for c in self.calls if c.start >= since and c.end <= until)
        return [counts[target] for target in range(len(self.urls))]


@dataclass
class Round:
    """What one kill of Redis did: the requests each process served while it was down, the bound, what was seen."""

    quiesced: bool
    served_down: list[int] = field(default_factory=list)  # started after the kill (Redis certainly gone)
    around_kill: list[int] = field(default_factory=list)  # may or may not have been written before it
    unwritten: list[int] = field(default_factory=list)
    journal_after: int = 0
    served_after: int = 0
    refused: list[httpx.Response] = field(default_factory=list)
    recovered_s: float = 0.0


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, to kill and bring back."""
    require_redis_server()
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fleet(redis: RedisServer) -> Iterator[list[tuple[subprocess.Popen[str], str]]]:
    """Three `serve` processes sharing `redis` under their own namespace: (process, URL) each."""
    started: list[tuple[subprocess.Popen[str], str]] = []
    try:
        for _ in range(PROCESSES):
            started.append(serve_process("--state", redis.url, "--state-namespace", NAMESPACE, "--quiet"))
        yield started
    finally:
        for process, _ in started:
            stop_process(process)


def _name(process: subprocess.Popen[str]) -> str:
    return f"{socket.gethostname()}:{process.pid}"  # mockserver.state.local.process_name, seen from outside


async def _journal(admin: httpx.AsyncClient, url: str) -> dict[str, Any]:
    answer = await admin.get(url + "/__admin/journal", params={"limit": 0})
    assert answer.status_code == 200, answer.text
    listing: dict[str, Any] = answer.json()
    return listing


async def _until(check: Any, seconds: float) -> float:
    """Poll the coroutine function `check` until it returns true, at most `seconds`; how long it took."""
    began = time.monotonic()
    while not await check():
        assert time.monotonic() - began < seconds, f"not so within {seconds} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - began


async def _settled_total(admin: httpx.AsyncClient, url: str, expected: int, seconds: float) -> int:
    """The journal's total once it reaches `expected`, or after `seconds` (the test then says what it lacks)."""
    deadline = time.monotonic() + seconds
    while (total := int((await _journal(admin, url))["total"])) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return total


async def _kill_and_recover(
    load: Load, admin: httpx.AsyncClient, redis: RedisServer, urls: list[str], names: list[str], *, quiesced: bool
) -> Round:
    """Clear the journal, load, kill Redis (mid-load or with nothing in flight), load, bring it back, load."""
    seen = Round(quiesced)
    await load.drain()
    assert (await admin.delete(urls[0] + "/__admin/journal")).status_code == 200
    cleared = time.monotonic()
    await load.run_for(PHASE_S)
    if quiesced:
        # Nothing in flight and every entry so far in the store: the kill cuts no write in half.
        await load.drain()
        expected = sum(load.served(cleared))
        total = await _settled_total(admin, urls[0], expected, 3)
        assert total == expected, f"{total} journal entries of the {expected} requests served"
    kill_began = time.monotonic()
    load.marks.append((kill_began, "kill"))
    await asyncio.to_thread(redis.kill)
    kill_done = time.monotonic()
    await load.run_for(0)

    # Controls refuse while the load goes on: a 503 naming the store, on every process.
    for url in urls:
        seen.refused.append(await admin.post(url + "/__admin/clock", json={"advance": "1h"}))
        seen.refused.append(await admin.post(url + "/__admin/faults", json={"endpoint": "projects.list"}))
    await asyncio.sleep(PHASE_S)
    await load.drain()
    seen.served_down = load.served(kill_done)
    # Requests whose entry may have been on its way when Redis died: written and lost with it, or counted.
    straddling = [c for c in load.calls if c.start < kill_done and c.end > kill_began - WRITES_SETTLE_S]
    seen.around_kill = [sum(c.target == t for c in straddling) for t in range(len(urls))]
    await asyncio.sleep(WRITES_SETTLE_S)  # the failed writes are over: none can land in the new Redis

    await asyncio.to_thread(redis.start)
    restarted = time.monotonic()
    load.marks.append((restarted, "restart"))
    await load.run_for(0)
    probes = 0  # API requests of this test's own after the restart (they are journaled too)

    async def added(url: str) -> bool:
        answer = await admin.post(url + "/__admin/faults", json={"endpoint": "projects.list", "status": 503})
        return answer.status_code == 201

    async def faulted(url: str) -> bool:
        nonlocal probes
        probes += 1
        return (await admin.get(url + FAULTED, headers=BASIC)).status_code == 503

    # Controls work again on every process, without a restart of any: a rule added through each applies on all.
    for url in urls:
        await _until(lambda url=url: added(url), 5)  # type: ignore[misc]
    for url in urls:
        # A process whose last read failed waits RETRY_AFTER_S before it asks the store again.
        await _until(lambda url=url: faulted(url), RETRY_AFTER_S + 2)  # type: ignore[misc]
    seen.recovered_s = time.monotonic() - restarted
    assert (await admin.delete(urls[0] + "/__admin/faults")).status_code == 200
    await load.run_for(PHASE_S)
    await load.drain()
    seen.served_after = sum(load.served(restarted)) + probes
    # The last entries (and the unwritten counts they carry) are in within a write's time.
    await _settled_total(admin, urls[0], seen.served_after, WRITES_SETTLE_S + 2)
    listing = await _journal(admin, urls[0])
    seen.journal_after = listing["total"]
    assert set(listing["unwritten"]) <= set(names), listing["unwritten"]
    seen.unwritten = [int(listing["unwritten"].get(name, 0)) for name in names]
    return seen


async def _chaos(redis: RedisServer, urls: list[str], names: list[str]) -> tuple[Load, list[Round]]:
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with (
        httpx.AsyncClient(headers=BASIC, timeout=10, limits=limits) as client,
        httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as admin,
    ):
        load = Load(urls)
        workers = [asyncio.ensure_future(load.work(client, index)) for index in range(CONNECTIONS)]
        try:
            rounds = [
                await _kill_and_recover(load, admin, redis, urls, names, quiesced=False),
                await _kill_and_recover(load, admin, redis, urls, names, quiesced=True),
            ]
        finally:
            load.stop()
            await asyncio.wait_for(asyncio.gather(*workers), 20)
    return load, rounds


def test_redis_killed_under_load_loses_no_response_and_the_controls_come_back(
    redis: RedisServer, fleet: list[tuple[subprocess.Popen[str], str]]
) -> None:
    urls = [url for _, url in fleet]
    names = [_name(process) for process, _ in fleet]
    began = time.monotonic()
    load, rounds = asyncio.run(_chaos(redis, urls, names))
    took = time.monotonic() - began

    latencies = sorted(c.end - c.start for c in load.calls)
    print(  # shown with -s: the numbers the report quotes
        f"\n{len(load.calls)} API responses in {took:.1f} s, statuses {dict(Counter(c.status for c in load.calls))},"
        f" latency p50 {latencies[len(latencies) // 2] * 1000:.1f} ms,"
        f" p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    for seen in rounds:
        print(
            f"{'quiesced' if seen.quiesced else 'mid-load'} kill: served while down {seen.served_down}, around the kill"
            f" {seen.around_kill}, unwritten {seen.unwritten}, journal after {seen.journal_after}/{seen.served_after},"
            f" controls back in {seen.recovered_s:.2f} s"
        )
    by_phase: dict[str, float] = {}
    for call in load.calls:  # the phase a call started in: Redis up (before a kill, after a restart) or down
        phase = max((m for m in load.marks if m[0] <= call.start), default=(0.0, "restart"))[1]
        by_phase[phase] = max(by_phase.get(phase, 0.0), call.end - call.start)
    print(f"max latency by phase: Redis down {by_phase.get('kill', 0):.3f} s, up {by_phase.get('restart', 0):.3f} s")
    assert not load.timed_out, f"the load ran out of its {RUN_LIMIT_S} s"
    assert load.errors == []
    assert Counter(c.status for c in load.calls) == {200: len(load.calls)}
    assert latencies[-1] < MAX_LATENCY_S
    for seen in rounds:
        for refused in seen.refused:
            body = refused.json()
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "1", refused.text
            assert body["code"] == "STATE_STORE_UNAVAILABLE" and redis.url in body["message"], body
        assert all(served > 0 for served in seen.served_down)  # every process had load while Redis was gone
        # Redis came back empty: the journal holds exactly what was served since, nothing was lost after it.
        assert seen.journal_after == seen.served_after
    mid_load, quiesced = rounds
    # Killed mid-load, an entry on its way may have been written just before (and lost with Redis) or counted:
    # exact to within the requests around the kill.
    for served, around, unwritten in zip(mid_load.served_down, mid_load.around_kill, mid_load.unwritten, strict=True):
        assert served <= unwritten <= served + around
    # Killed with nothing in flight: exactly the requests served while it was down.
    assert quiesced.unwritten == quiesced.served_down


def test_a_journal_entry_written_while_redis_is_up_names_its_process(redis_url: str) -> None:
    process, url = serve_process("--state", redis_url, "--quiet")
    try:
        assert httpx.get(url + "/v1/teams", headers=BASIC).status_code == 200
        listing = httpx.get(url + "/__admin/journal").json()
    finally:
        stop_process(process)
    assert [e["process"] for e in listing["entries"]] == [_name(process)]
    assert listing["unwritten"] == {}
