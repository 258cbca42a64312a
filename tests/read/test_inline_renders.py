"""Where renders run (read endpoints and `/usages`): the first of an endpoint in a world in a worker thread, the cheap
ones after it on the loop; a `/usages` render whose world a thread is rendering waits in a thread, never on the loop.

Uncached requests (each a query no request sent before), so that every one renders; the bodies are the same either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any

import httpx
import pytest

from mockserver import offload
from mockserver.api import build_app
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW


def _counting(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[Hashable]:
    """The keys of the renders handed to worker threads, from now on."""
    renderer = app.state.renderer
    original = renderer.run
    offloaded: list[Hashable] = []

    async def run(key: Hashable, work: Callable[[], Any], group: Hashable | None = None) -> Any:
        offloaded.append(key)
        return await original(key, work, group)

    monkeypatch.setattr(renderer, "run", run)
    return offloaded


def _get_all(app: Any, targets: list[str]) -> list[bytes]:
    async def call() -> list[bytes]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=BASIC) as client:
            bodies = []
            for target in targets:
                answer = await client.get(target)
                assert answer.status_code == 200, answer.text
                bodies.append(answer.content)
            return bodies

    return asyncio.run(call())


def test_after_the_first_render_the_cheap_ones_run_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    app = build_app(Settings(now=NOW, log_requests=False))
    offloaded = _counting(app, monkeypatch)
    bodies = _get_all(app, [f"/v1/teams?probe={i}" for i in range(4)])
    assert len(offloaded) == 1  # the first: nothing said yet how long this endpoint takes
    assert len(set(bodies)) == 1


def test_a_render_slower_than_the_bound_sends_the_next_to_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    app = build_app(Settings(now=NOW, log_requests=False))
    offloaded = _counting(app, monkeypatch)
    _get_all(app, ["/v1/teams?probe=first", "/v1/teams?probe=inline"])
    assert len(offloaded) == 1
    monkeypatch.setattr(offload, "INLINE_MS", 0.0)  # every render is now slower than the bound
    _get_all(app, ["/v1/teams?probe=slow", "/v1/teams?probe=worker"])
    assert len(offloaded) == 3


def _start(minute: int) -> int:
    return NOW - NOW % 86_400_000 - 5 * 86_400_000 + minute * 60_000  # 2026-11-25T00:MM:00Z


def _windows(count: int, offset: int = 0) -> list[str]:
    return [
        f"/v1/usages?startDate=2026-11-25T00:{offset + i:02d}:00Z&endDate=2026-11-30T12:00:00Z" for i in range(count)
    ]


def test_cheap_usages_renders_run_on_the_loop_with_the_same_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    app = build_app(Settings(now=NOW, log_requests=False))
    offloaded = _counting(app, monkeypatch)
    bodies = _get_all(app, _windows(8))
    # The first renders in a thread, as do the next while the world's memos fill; a warm week of the default world
    # renders in well under INLINE_MS of CPU, so the last ones all run on the loop.
    assert 1 <= len(offloaded) <= 4 and all(key[1][0].start < _start(4) for key in offloaded)
    monkeypatch.setattr(offload, "INLINE_MS", 0.0)
    threaded = build_app(Settings(now=NOW, log_requests=False))
    offloaded_too = _counting(threaded, monkeypatch)
    assert _get_all(threaded, _windows(8)) == bodies
    assert len(offloaded_too) == 8


def test_a_usages_render_of_a_world_a_thread_holds_waits_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    app = build_app(Settings(now=NOW, log_requests=False))
    offloaded = _counting(app, monkeypatch)
    _get_all(app, _windows(8))
    assert len(offloaded) < 8 and app.state.renderer.quick(("usages", "default"))  # the next would run on the loop
    offloaded.clear()
    world = app.state.worlds.default

    async def call() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=BASIC) as client:
            world.lock.acquire()  # as a worker thread rendering this world would
            try:
                pending = asyncio.create_task(client.get(_windows(1, offset=30)[0]))
                for _ in range(500):  # the loop is not held: the request reaches the renderer's queue
                    if offloaded:
                        break
                    await asyncio.sleep(0.01)
                assert len(offloaded) == 1 and not pending.done()
            finally:
                world.lock.release()
            return (await pending).status_code

    assert asyncio.run(call()) == 200
