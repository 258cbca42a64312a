"""Where read renders run: the first of an endpoint in a world in a worker thread, the cheap ones after it on the loop.

Uncached requests (each a query no request sent before), so that every one renders; the bodies are the same either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any

import httpx
import pytest

from mockserver.api import build_app, read
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
    monkeypatch.setattr(read, "INLINE_MS", 0.0)  # every render is now slower than the bound
    _get_all(app, ["/v1/teams?probe=slow", "/v1/teams?probe=worker"])
    assert len(offloaded) == 3
