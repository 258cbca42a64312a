"""`GET /v1/usages`: authenticate, parse the query, ask the world, serialise with orjson."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mockserver.api.auth import authenticate, parse_authorization
from mockserver.contract.query import parse_usage_query
from mockserver.world.report import build_report
from mockserver.worlds import SCENARIO_HEADER, Worlds


async def list_usages(request: Request) -> Response:
    worlds: Worlds = request.app.state.worlds
    credentials = parse_authorization(request.headers.get("authorization"))
    world = worlds.select(request.headers.get(SCENARIO_HEADER), credentials.key)
    authenticate(world, credentials)
    query = parse_usage_query(request.query_params.multi_items(), lenient=worlds.settings.lenient)
    body = build_report(world, query, world.clock.now())
    return Response(orjson.dumps(body), media_type="application/json")
