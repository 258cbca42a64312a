"""The table router finds the route Starlette's scan would, for every route of the app and for near misses."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Match, Route, Router

from mockserver.api import build_app
from mockserver.api.routing import TableRouter
from mockserver.settings import Settings


def _scope(path: str, method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}


def _scanned(router: Router, scope: dict[str, Any]) -> Route | None:
    for route in router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            assert isinstance(route, Route)
            return route
    return None


def _paths(router: Router) -> list[str]:
    found = []
    for route in router.routes:
        if isinstance(route, Route):
            path = route.path.replace("{id:str}", "some-id").replace("{id}", "some-id")
            found += [path, path + "/", path + "/x", path.rstrip("/") + "x"]
    return found


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE"])
def test_the_table_agrees_with_the_scan(method: str) -> None:
    router = build_app(Settings(admin=True)).router
    assert isinstance(router, TableRouter)
    for path in _paths(router):
        scope = _scope(path, method)
        found = router._find(dict(scope))
        if found is not None:
            assert found is _scanned(router, scope), path


def test_an_earlier_route_with_a_parameter_wins_over_a_later_exact_one() -> None:
    async def endpoint(request: Any) -> Any:  # pragma: no cover - never called
        raise NotImplementedError

    first = Route("/items/{id}", endpoint)
    router = TableRouter([first, Route("/items/new", endpoint)])
    assert router._find(_scope("/items/new")) is first


def test_api_requests_skip_starlettes_layers_and_keep_its_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import httpx

    from mockserver.api import read
    from tests.conftest import BASIC, NOW

    app = build_app(Settings(now=NOW, log_requests=False))
    whole_stack: list[str] = []
    stack = app.build_middleware_stack()

    async def counted(scope: Any, receive: Any, send: Any) -> None:
        whole_stack.append(scope["path"])
        await stack(scope, receive, send)

    app.middleware_stack = counted

    render = read._render

    def broken(world: Any, endpoint: Any, ctx: Any, key: Any) -> Any:
        if endpoint.name == "teams.list":
            raise RuntimeError("a bug in a view")
        return render(world, endpoint, ctx, key)

    monkeypatch.setattr(read, "_render", broken)

    async def calls() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=BASIC) as client:
            return [
                await client.get("/v1/teams"),
                await client.get("/v1/teams/nope"),
                await client.post("/v1/usages"),
                await client.get("/v1/no-such-endpoint"),
                await client.get("/__admin/journal"),
            ]

    failed, missing, method, unknown, journal = asyncio.run(calls())
    assert failed.status_code == 500 and failed.json()["message"] == "Internal server error"
    assert missing.status_code == 404 and missing.json()["code"]
    assert method.status_code == 405 and unknown.status_code == 404
    # The method and the unknown path have no route of the API: Starlette's whole stack answers them.
    assert whole_stack == ["/v1/usages", "/v1/no-such-endpoint", "/__admin/journal"]
    statuses = [(e["path"], e["status"]) for e in journal.json()["entries"]]
    assert statuses[:2] == [("/v1/teams", 500), ("/v1/teams/nope", 404)]
