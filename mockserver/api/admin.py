"""The admin API under `/__admin/`: health and the loaded scenarios with their load errors."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver import __version__
from mockserver.worlds import Worlds


def _json(data: object) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


async def health(request: Request) -> Response:
    worlds: Worlds = request.app.state.worlds
    return _json({"status": "ok", "version": __version__, "scenarios": len(worlds.worlds)})


async def scenarios(request: Request) -> Response:
    worlds: Worlds = request.app.state.worlds
    return _json(
        {
            "default": worlds.settings.scenario,
            "scenarios": [
                {
                    "name": name,
                    "description": world.scenario.description,
                    "team": world.team.id,
                    "people": len(world.people),
                    "apiKeys": len(world.keys),
                    "models": len(world.models),
                }
                for name, world in sorted(worlds.worlds.items())
            ],
            "errors": [
                {"file": path, "problems": [str(p) for p in error.problems]}
                for path, error in sorted(worlds.errors.items())
            ],
        }
    )


ROUTES = [
    Route("/__admin/health", health, methods=["GET"]),
    Route("/__admin/scenarios", scenarios, methods=["GET"]),
]
