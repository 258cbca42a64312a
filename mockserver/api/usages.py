"""`GET /v1/usages`: authenticate, parse the query, ask the world, serialise with orjson.

A body in the render cache is answered inline; so is a render when the world's last one took under
`mockserver.offload.INLINE_MS` and no thread is rendering that world. Any other is rendered in a worker thread, so
that no long render holds the event loop, and a render past the deadline answers 503 while it goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.api.auth import authenticate, parse_authorization
from mockserver.contract.query import UsageQuery, parse_usage_query
from mockserver.contract.versions import LATEST_VERSION
from mockserver.controls.journal import ACTIVITY_COUNT_HEADER
from mockserver.controls.masking import parse_query
from mockserver.offload import Renderer
from mockserver.world.clock import format_ms
from mockserver.world.report import Rendered, cached_render, render_key, render_usages, try_render_usages
from mockserver.world.world import World
from mockserver.worlds import NOW_HEADER, SCENARIO_HEADER, WORLD_SCOPE_KEY, Worlds

# The query a request's fast lane parsed already, with the query string it parsed (ASGI scope): (bytes, UsageQuery)
QUERY_SCOPE_KEY = "mockserver.usage-query"


async def list_usages(request: Request) -> Response:
    worlds: Worlds = request.app.state.worlds
    credentials = parse_authorization(request.headers.get("authorization"))
    world = request.scope.get(WORLD_SCOPE_KEY) or worlds.select(request.headers.get(SCENARIO_HEADER), credentials.key)
    authenticate(world, credentials)
    raw = request.scope["query_string"]
    parsed = request.scope.get(QUERY_SCOPE_KEY)
    if parsed is not None and parsed[0] == raw:
        query = parsed[1]
    else:
        query = parse_usage_query(parse_query(raw), lenient=worlds.settings.lenient)
    now = world.clock.served_now()
    rendered = await serve_answer(request.app.state.renderer, worlds, world, query, now)
    headers = {NOW_HEADER: format_ms(now)}
    if rendered.activity_count is not None:
        # The journal learns the page size from this header (it never parses bodies): see controls.journal.
        headers[ACTIVITY_COUNT_HEADER] = str(rendered.activity_count)
    return Response(rendered.body, headers=headers, media_type="application/json")


async def serve_answer(
    renderer: Renderer, worlds: Worlds, world: World, query: UsageQuery, now: int | None = None
) -> Rendered:
    """What `answer` returns (at `now`, default the world's): from the render cache without leaving the event loop,
    else from a worker thread."""
    adapt, variant = contract_of(worlds, world)
    now = world.clock.served_now() if now is None else now
    key = render_key(query, now, variant)
    rendered = cached_render(world, key)
    if rendered is None:
        kind = ("usages", world.name)
        if renderer.quick(kind):  # the last render was shorter than a thread's round trip: on the loop, if free
            rendered = renderer.timed(kind, partial(try_render_usages, world, query, now, adapt, variant))()
        if rendered is None:
            # The world is part of the key: equal queries to two worlds (or two versions of one) are two renders.
            work = renderer.timed(kind, partial(render_usages, world, query, now, adapt, variant))
            rendered = await renderer.run((world, key), work, group=world)
    return rendered


def answer(worlds: Worlds, world: World, query: UsageQuery) -> Rendered:
    """The rendered 200 body of a query to a world, in the contract in force (the handler and `mockserver render`)."""
    adapt, variant = contract_of(worlds, world)
    return render_usages(world, query, world.clock.served_now(), adapt, variant)


def contract_of(worlds: Worlds, world: World) -> tuple[Callable[[dict[str, Any]], dict[str, Any]] | None, object]:
    """The transformation a response gets: the contract pinned at run time, else the scenario's, else none."""
    if worlds.contract is not None:
        adapter, drift = worlds.contract, worlds.drift
    elif world.scenario.contract is not None or world.scenario.drift:
        from mockserver.contract.adapt import adapter_for  # only a pinned or drifting contract needs it

        adapter, drift = adapter_for(world.scenario.contract or LATEST_VERSION), world.scenario.drift
    else:
        return None, None
    if adapter.is_latest and not drift:
        return None, None
    seed = world.seed if drift else None
    return partial(adapter.adapt, drift_seed=seed), (adapter.version, seed)
