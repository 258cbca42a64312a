"""The render offload: worker threads are reused while jobs keep coming, and end when none come."""

from __future__ import annotations

import threading
import time

import pytest

from mockserver import offload
from mockserver.offload import Renderer


def _workers() -> int:
    return sum(t.name == "mockserver-render" for t in threading.enumerate())


def test_jobs_back_to_back_reuse_one_thread() -> None:
    renderer = Renderer(timeout=5)
    threads = {renderer.submit(i, threading.current_thread).result(timeout=5) for i in range(20)}
    assert len(threads) == 1


def test_a_group_runs_one_job_at_a_time_while_another_group_runs() -> None:
    renderer = Renderer(timeout=5, threads=2)
    release = threading.Event()
    running: list[str] = []

    def job(name: str) -> str:
        running.append(name)
        release.wait(5)
        return name

    first = renderer.submit("a1", lambda: job("a1"), group="a")
    second = renderer.submit("a2", lambda: job("a2"), group="a")
    other = renderer.submit("b1", lambda: job("b1"), group="b")
    deadline = time.monotonic() + 5
    while len(running) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(running) == ["a1", "b1"]  # a2 waits for its group, not for a thread
    release.set()
    assert [f.result(timeout=5) for f in (first, second, other)] == ["a1", "a2", "b1"]


def test_idle_threads_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offload, "IDLE_S", 0.05)
    before = _workers()
    renderer = Renderer(timeout=5)
    assert renderer.submit("k", lambda: 1).result(timeout=5) == 1
    deadline = time.monotonic() + 5
    while _workers() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _workers() <= before
    assert renderer.submit("k", lambda: 2).result(timeout=5) == 2  # a new job starts a thread again
