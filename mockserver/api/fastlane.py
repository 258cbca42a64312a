"""The short way for a body already rendered: a `GET /v1/usages` whose answer is in the render cache is sent from
here, before Starlette's layers, with the same bytes, the same journal entry and the same log line.

Everything else goes the whole way (`mockserver.api.app`), which also gives every error its answer: a fault or a
latency that could apply, missing, malformed or refused credentials, an unknown scenario, a malformed query, a body
not rendered yet. The lane only looks things up; it never decides anything the whole way would decide otherwise.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from starlette.types import Scope, Send

from mockserver.api.auth import CredentialsCache, authenticate
from mockserver.api.middleware import FAULT_HEADER_BYTES, LATENCY_HEADER_BYTES, SCENARIO_HEADER_BYTES, raw_request
from mockserver.api.usages import QUERY_SCOPE_KEY, contract_of
from mockserver.contract.query import UsageQuery, parse_usage_query
from mockserver.controls.masking import parse_query
from mockserver.errors import RequestError
from mockserver.world.clock import format_ms
from mockserver.world.report import Rendered, cached_render, render_key
from mockserver.worlds import NOW_HEADER

if TYPE_CHECKING:
    from collections.abc import Callable

    from mockserver.state.store import StateStore
    from mockserver.world.world import World
    from mockserver.worlds import Worlds

USAGES_ROUTES = ("/v1/usages", "/v1/usages/", "/usages", "/usages/")  # the paths `/usages` is served under
USAGES_PATHS = frozenset(USAGES_ROUTES)
SYNCED_SCOPE_KEY = "mockserver.synced"  # the shared store's state was brought in for this request already
QUERY_MEMO_SIZE = 1024  # raw query strings remembered with their parsed query (then forgotten all at once) ...
QUERY_MEMO_BYTES = 2048  # ... of at most this length
NOW_HEADER_BYTES = NOW_HEADER.encode()
JSON = b"application/json"


class FastLane:
    """Answers the requests whose body the render cache holds; says no (False) to every other."""

    def __init__(
        self,
        worlds: Worlds,
        store: StateStore,
        credentials: CredentialsCache,
        log: Callable[[Scope, int | None, float], None] | None = None,
    ) -> None:
        self.worlds = worlds
        self.store = store
        self.credentials = credentials
        self.log = log  # the request log's line, when requests are logged
        self._queries: dict[bytes, UsageQuery] = {}
        self._now = (-1, b"")  # the last `x-mock-now` value formatted, with its instant

    async def serve(self, scope: Scope, send: Send) -> bool:
        """Answer `scope` (an HTTP request) if its body is rendered already; False (nothing sent) if not."""
        arrived = time.perf_counter()
        wall = time.time_ns() // 1_000_000
        store = self.store
        if store.shared:
            await store.sync(self.worlds)  # as `StateSync` would; the whole way does not sync again
            scope[SYNCED_SCOPE_KEY] = True
        found = self.lookup(scope)
        if found is None:
            return False
        world, rendered, now = found
        body = rendered.body
        # The headers in the order the handler's `Response` writes them (the activity count is the journal's only).
        headers = [
            (NOW_HEADER_BYTES, self._now_header(now)),
            (b"content-length", b"%d" % len(body)),
            (b"content-type", JSON),
        ]
        recorded = False
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            # As the controls record it (`Exchange`): just before the last byte leaves.
            recorded = True
            pending = store.record(
                raw_request(store, scope, wall, arrived, world.name, 200, activity_count=rendered.activity_count)
            )
            if pending is not None:  # the fleet's journal: the call is in it before the client has its answer
                await store.wait_recorded(pending)
            await send({"type": "http.response.body", "body": body})
        finally:
            if not recorded:
                store.record(
                    raw_request(store, scope, wall, arrived, world.name, 200, activity_count=rendered.activity_count)
                )
            if self.log is not None:
                self.log(scope, 200, arrived)
        return True

    def lookup(self, scope: Scope) -> tuple[World, Rendered, int] | None:
        """The world, the cached render and the instant this request would be answered with; None if any step
        would go otherwise than straight to a cached body (the whole way then answers, errors included)."""
        raw = scope["headers"]
        headers = dict(raw)  # lowercase bytes
        if len(headers) != len(raw) or FAULT_HEADER_BYTES in headers or LATENCY_HEADER_BYTES in headers:
            return None  # a repeated header (the controls read the last, the handler the first), or a control
        credentials = self.credentials.get(headers.get(b"authorization"))
        if credentials is None:
            return None
        scenario = headers.get(SCENARIO_HEADER_BYTES)
        try:
            world = self.worlds.select(None if scenario is None else scenario.decode("latin-1"), credentials.key)
            if self.store.could_apply(world):
                return None
            authenticate(world, credentials)
            raw_query = scope.get("query_string", b"")
            query = self._query(raw_query)
        except RequestError:
            return None
        scope[QUERY_SCOPE_KEY] = (raw_query, query)  # parsed once: the whole way reads it, if it answers
        now = world.clock.served_now()
        rendered = cached_render(world, render_key(query, now, contract_of(self.worlds, world)[1]))
        if rendered is None:
            return None
        return world, rendered, now

    def _query(self, raw: bytes) -> UsageQuery:
        query = self._queries.get(raw)
        if query is None:
            query = parse_usage_query(parse_query(raw), lenient=self.worlds.settings.lenient)
            if len(raw) <= QUERY_MEMO_BYTES:
                if len(self._queries) >= QUERY_MEMO_SIZE:
                    self._queries.clear()
                self._queries[raw] = query
        return query

    def _now_header(self, now: int) -> bytes:
        if self._now[0] != now:
            self._now = (now, format_ms(now).encode())
        return self._now[1]
