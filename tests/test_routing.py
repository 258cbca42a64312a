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
