"""A heavy render in flight: small requests keep their latency, a deadline turns into a JSON 503, signals still stop.

Each test starts a real `mockserver serve` subprocess on a scenario directory holding a heavy world (25,000 events
per working day, the size the world budget keeps valid) and a small default one. The heavy world's hours are
generated on first use, so its first `last-seven-days` render takes seconds (2-5 s on the loaded 2-core dev machine,
31 days: 7-9 s).
The assertions are relative, so that they hold on a machine twice as slow or twice as fast: small requests are
bounded by `SMALL_BOUND_S`, far below a render's time, and each test first checks that the render really was in
flight while it measured (a render too fast to overlap would make the test pass vacuously: it fails instead).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

from mockserver.cli import main
from mockserver.world.clock import format_ms
from tests.conftest import BASIC, NOW, NOW_TEXT, free_port

HEAVY = """\
name: heavy
seed: 7
people: 5
activity:
  generators:
    - {actions: {txt2img: 1}, perWorkingDay: 25000}  # the most the world budget admits
"""
SMALL = """\
name: small
seed: 8
people: 2
activity:
  generators:
    - {actions: {txt2img: 1}, perWorkingDay: 20, days: 10}
"""
HEAVY_HEADERS = {**BASIC, "x-mock-scenario": "heavy"}
SEVEN_DAYS = "/v1/usages?timeRange=last-seven-days"
THIRTY_ONE_DAYS = "/v1/usages?timeRange=last-thirty-one-days"
SMALL_QUERY = "/v1/usages?timeRange=last-hour"  # the small default world, cached before the heavy render starts
SMALL_REQUESTS = 200
SMALL_BOUND_S = 0.5  # the documented bound on a small request while a render runs
MIN_OVERLAP = 20  # small requests that must have been answered while the heavy render was still running
EXIT_BOUND_S = 5.0


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    directory = tmp_path / "scenarios"
    directory.mkdir()
    (directory / "heavy.yaml").write_text(HEAVY)
    (directory / "small.yaml").write_text(SMALL)
    return directory


def serve(scenarios: Path, *args: str) -> Server:
    """Start `mockserver serve` on a free port and wait for its health check (the log goes to a file)."""
    port = free_port()
    log = scenarios.parent / f"serve-{port}.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--now", NOW_TEXT, "--quiet"),
                *("--scenarios", str(scenarios), "--scenario", "small", *args),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=os.environ.copy(),
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/__admin/health", timeout=1).status_code == 200:
                return Server(process, url, log)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    process.wait(10)
    raise AssertionError("server did not start:\n" + log.read_text())


@pytest.fixture
def stop() -> Iterator[list[Server]]:
    """The servers a test started: each is killed at the end if it is still running."""
    started: list[Server] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
        server.process.wait(10)


@dataclass
class HeavyRequest:
    """One request in a thread of its own: its response (or the error it raised) and when it ended."""

    url: str
    headers: dict[str, str]
    timeout: float = 60.0
    response: httpx.Response | None = None
    error: Exception | None = None
    ended: float | None = None
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.response = httpx.get(self.url, headers=self.headers, timeout=self.timeout)
        except Exception as exc:  # reported by the test, never raised in the thread
            self.error = exc
        self.ended = time.monotonic()

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.url} did not end within {timeout} s"


def _minutes_ago(minutes: int) -> str:
    return format_ms(NOW - minutes * 60_000)


def test_small_requests_are_answered_while_a_heavy_render_runs(scenarios: Path, stop: list[Server]) -> None:
    server = serve(scenarios)
    stop.append(server)
    with httpx.Client(base_url=server.url, headers=BASIC, timeout=30) as http:
        assert http.get(SMALL_QUERY).status_code == 200  # now in the small world's render cache
        heavy = HeavyRequest(server.url + SEVEN_DAYS, HEAVY_HEADERS)
        # A second heavy render of the same world waits for the first (one render per world at a time), without
        # keeping the small world's uncached renders from a thread.
        queued = HeavyRequest(server.url + SEVEN_DAYS + "&userIds=nobody", HEAVY_HEADERS)
        time.sleep(0.2)  # the heavy requests reach the server and the first render starts
        assert heavy.running, "the heavy render ended before the small requests: make the heavy world heavier"
        overlap = 0
        for i in range(SMALL_REQUESTS):
            started = time.monotonic()
            if i % 50 == 49:  # a reset while the heavy world renders: answered at once, the render unharmed
                response = http.post("/__admin/reset", json={})
            elif i % 10 == 5:  # an uncached render of the small world: a window never asked before
                window = {"startDate": _minutes_ago(24 * 60 + i), "endDate": NOW_TEXT}
                response = http.get("/v1/usages", params=window)
            else:
                response = http.get("/__admin/health" if i % 2 else SMALL_QUERY)
            elapsed = time.monotonic() - started
            assert response.status_code == 200, response.text
            assert elapsed < SMALL_BOUND_S, f"small request {i} took {elapsed:.2f} s while a render ran"
            overlap += heavy.running
        heavy.join(60)
        queued.join(60)
    for request in (heavy, queued):
        assert request.error is None and request.response is not None, request.error
        assert request.response.status_code == 200, request.response.text
    assert overlap >= MIN_OVERLAP, f"only {overlap} small requests overlapped the render: make it heavier"


def test_a_render_past_the_deadline_gets_a_json_503_and_lands_in_the_cache(scenarios: Path, stop: list[Server]) -> None:
    deadline_s = 0.2
    server = serve(scenarios, "--render-timeout", str(deadline_s))
    stop.append(server)
    with httpx.Client(base_url=server.url, headers=HEAVY_HEADERS, timeout=30) as http:
        started = time.monotonic()
        first = http.get(SEVEN_DAYS)
        waited = time.monotonic() - started
        assert first.status_code == 503, first.text
        assert waited < deadline_s + 1.5, f"the 503 came {waited:.2f} s after a {deadline_s} s deadline"
        error = first.json()
        assert error["code"] == "SERVICE_UNAVAILABLE"
        assert "still running" in error["message"] and "cached" in error["message"]
        assert int(first.headers["retry-after"]) >= 1
        assert first.headers["content-type"] == "application/json"
        # Meanwhile other requests are served.
        assert http.get("/__admin/health").status_code == 200
        retried = 0
        until = time.monotonic() + 60
        while time.monotonic() < until:
            response = http.get(SEVEN_DAYS)
            if response.status_code != 503:
                break
            retried += 1
            time.sleep(0.1)
        else:
            raise AssertionError("the render never landed in the cache")
    assert response.status_code == 200, response.text
    assert retried >= 1, "the render ended before the first retry: make the heavy world heavier"
    body = orjson.loads(response.content)
    points = body["usages"][0]["points"]
    assert 7 * 24 <= len(points) <= 7 * 24 + 1  # hourly points of the whole window
    images = next(u["points"] for u in body["usages"] if u["usageName"] == "images-generation")
    assert sum(int(p["value"]) for p in images) > 50_000  # about five working days of 25,000


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_during_a_render(scenarios: Path, stop: list[Server], signum: int) -> None:
    server = serve(scenarios)
    stop.append(server)
    heavy = HeavyRequest(server.url + THIRTY_ONE_DAYS, HEAVY_HEADERS, timeout=60)
    time.sleep(0.5)
    assert heavy.running, "the heavy render ended before the signal: make the heavy world heavier"
    sent = time.monotonic()
    server.process.send_signal(signum)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(EXIT_BOUND_S + 5)
    exited = time.monotonic() - sent
    assert server.process.poll() is not None, "the server ignored the signal"
    assert exited <= EXIT_BOUND_S, f"the server took {exited:.1f} s to stop after the signal"
    heavy.join(10)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_the_render_timeout_must_be_positive(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--render-timeout", value])
    assert exit_info.value.code == 2
    assert "argument --render-timeout: must be a positive number of seconds" in capsys.readouterr().err
