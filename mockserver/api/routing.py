"""The router: Starlette's, with a table in front of its linear scan for the plain routes at the head of the list.

Starlette tries every route's regex in order (about 70 here, for each request); the API's own routes come first and
are exact paths or paths with one `{id}` segment, so most requests are found by a dict lookup instead.
"""

from __future__ import annotations

from typing import Any

from starlette._utils import get_route_path
from starlette.routing import Match, Route, Router
from starlette.types import Receive, Scope, Send


class TableRouter(Router):
    """A `Router` that finds the routes at the head of its list by path, and falls back to the scan for the rest.

    The table holds the leading run of plain `Route`s (routes after the first of any other kind are only scanned),
    so a route found in it is the one the scan would find first. A miss, or a method the route does not allow (a
    405, or a later route for that method), goes to the scan. The table is rebuilt when the list of routes changes
    (a test may insert one in front).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._build()

    def _build(self) -> None:
        self._built_from = list(self.routes)  # compared by identity first: a cheap check on each request
        self._exact: dict[str, Route] = {}
        # Routes with parameters, by the literal text before their first one (ending in `/`), in list order.
        self._by_prefix: dict[str, list[Route]] = {}
        leading: list[Route] = []
        for route in self.routes:
            if type(route) is not Route:
                break
            leading.append(route)
        for index, route in enumerate(leading):
            if not route.param_convertors:
                earlier = leading[:index]
                if route.path not in self._exact and not any(_matches_path(r, route.path) for r in earlier):
                    self._exact[route.path] = route
                continue
            prefix = route.path_format.split("{", 1)[0]
            if not prefix.endswith("/"):
                self._by_prefix.clear()  # a prefix that is not a whole segment: leave parameters to the scan
                break
            self._by_prefix.setdefault(prefix, []).append(route)
        prefixes = list(self._by_prefix)
        if any(a != b and b.startswith(a) for a in prefixes for b in prefixes):
            self._by_prefix.clear()  # one prefix inside another: which group comes first is the scan's to say

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self._find(scope)
            if route is not None:
                if "router" not in scope:
                    scope["router"] = self
                await route.handle(scope, receive, send)
                return
        await super().app(scope, receive, send)

    def _find(self, scope: Scope) -> Route | None:
        """The route that takes this request (with the scope updated as the scan would), or None to scan."""
        if self.routes != self._built_from:
            self._build()
        path = get_route_path(scope)
        route = self._exact.get(path)
        if route is not None:
            if route.methods and scope["method"] not in route.methods:
                return None
            scope["route"] = route
            scope["endpoint"] = route.endpoint
            scope["path_params"] = dict(scope.get("path_params", {}))
            return route
        if not self._by_prefix:
            return None
        end = path.find("/", 1)
        while end >= 0:
            group = self._by_prefix.get(path[: end + 1])
            if group is not None:
                for candidate in group:
                    match, child_scope = candidate.matches(scope)
                    if match is Match.FULL:
                        scope["route"] = candidate
                        scope.update(child_scope)
                        return candidate
                    if match is Match.PARTIAL:
                        return None
                return None
            end = path.find("/", end + 1)
        return None


def _matches_path(route: Route, path: str) -> bool:
    return route.path_regex.match(path) is not None
