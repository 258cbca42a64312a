"""`GET /v1/usages`: authenticate, parse the query, ask the world, serialise with orjson."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mockserver.api.auth import authenticate, parse_authorization
from mockserver.contract.query import parse_usage_query
from mockserver.world.report import build_report
from mockserver.worlds import Worlds


async def list_usages(request: Request) -> Response:
    worlds: Worlds = request.app.state.worlds
    world = worlds.default
    authenticate(world, parse_authorization(request.headers.get("authorization")))
    query = parse_usage_query(request.query_params.multi_items(), lenient=worlds.settings.lenient)
    body = build_report(world, query, world.clock.now())
    return Response(orjson.dumps(body), media_type="application/json")
