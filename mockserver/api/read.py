"""The read endpoints around `/usages` (teams, limits, projects, jobs, assets, models, collections): thin handlers.

Each authenticates as `/usages` does, checks the key's scope, and asks a view of the world (`mockserver.world.team`,
`.jobs`, `.assets`, `.ai_models`, `.collections`) for the body at the served instant. Bodies are cached by request
(a pure function of world, instant, caller and query). Any other is computed in a worker thread
(`mockserver.offload`), so a long list walk never holds the event loop; unless the endpoint's last render in that
world took under `mockserver.offload.INLINE_MS`: handing a sub-millisecond render to a thread and back costs more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.api.auth import authenticate, parse_authorization
from mockserver.contract.endpoints import ENDPOINT_PATHS
from mockserver.contract.lists import QueryReader
from mockserver.controls.journal import JOB_STATUS_HEADER
from mockserver.controls.masking import parse_query
from mockserver.offload import Renderer
from mockserver.world import ai_models, assets, collections, jobs, team
from mockserver.world.access import ReadContext, access_of
from mockserver.world.clock import format_ms
from mockserver.world.world import World
from mockserver.worlds import NOW_HEADER, SCENARIO_HEADER, WORLD_SCOPE_KEY, Worlds

NOW_HEADER_BYTES = NOW_HEADER.encode()
SCENARIO_HEADER_BYTES = SCENARIO_HEADER.encode()
JOB_STATUS_HEADER_BYTES = JOB_STATUS_HEADER.encode()

View = Callable[[World, ReadContext], dict[str, Any]]
Rendered = tuple[bytes, tuple[tuple[bytes, bytes], ...]]  # the body and its raw response headers


@dataclass(frozen=True)
class Endpoint:
    """One SDK call: its name (`jobs.retrieve`), its path under `/v1` (`/jobs/{id}`) and the view that answers it."""

    name: str
    path: str
    view: View
    team_data: bool = False  # needs a team-scoped key (a project key gets 403)

    @property
    def is_list(self) -> bool:
        return "{id}" not in self.path


# The views by SDK call; the paths are the controls' table (`ENDPOINT_PATHS`), the one list of the API's routes.
_VIEWS: dict[str, tuple[View, bool]] = {
    "teams.list": (team.list_teams, True),
    "teams.retrieve": (team.retrieve_team, True),
    "teams.retrieve_limits": (team.retrieve_limits, True),
    "projects.list": (team.list_projects, False),
    "projects.retrieve": (team.retrieve_project, False),
    "jobs.list": (jobs.list_jobs, False),
    "jobs.retrieve": (jobs.retrieve_job, False),
    "assets.list": (assets.list_assets, False),
    "assets.retrieve": (assets.retrieve_asset, False),
    "models.list": (ai_models.list_models, False),
    "models.retrieve": (ai_models.retrieve_model, False),
    "collections.list": (collections.list_collections, False),
    "collections.retrieve": (collections.retrieve_collection, False),
}
ENDPOINTS: tuple[Endpoint, ...] = tuple(
    Endpoint(name, ENDPOINT_PATHS[name], view, team_data=team_data)  # type: ignore[index]
    for name, (view, team_data) in _VIEWS.items()
)
# The first segment of each read path: requests under these (with or without `/v1`) are API requests.
READ_ROOTS = tuple(sorted({"/" + e.path.split("/")[1] for e in ENDPOINTS}))


def endpoint_named(name: str) -> Endpoint | None:
    for endpoint in ENDPOINTS:
        if endpoint.name == name:
            return endpoint
    return None


def _handler(endpoint: Endpoint) -> Callable[[Request], Any]:
    async def handle(request: Request) -> Response:
        worlds: Worlds = request.app.state.worlds
        authorization, scenario = _request_headers(request.scope["headers"])
        credentials = parse_authorization(authorization)
        world = request.scope.get(WORLD_SCOPE_KEY) or worlds.select(scenario, credentials.key)
        access = access_of(authenticate(world, credentials))
        if endpoint.team_data:
            access.require_team()
        items = tuple(parse_query(request.scope["query_string"]))  # as `request.query_params` parses it
        entity_id = request.path_params.get("id")
        now = world.clock.served_now()
        key = ("read", endpoint.name, entity_id, items, now, access.projects, worlds.settings.lenient)
        rendered = world.render_cache.get(key)
        if rendered is None:
            ctx = ReadContext(now, access, QueryReader(items, lenient=worlds.settings.lenient), entity_id)
            # The world's memos are warm, so a render takes about as long as its endpoint's last in that world; the
            # first, and any after a slower one, run in a worker thread (the loop is never held longer than that).
            renderer: Renderer = request.app.state.renderer
            kind = (endpoint.name, world.name)
            work = renderer.timed(kind, lambda: _render(world, endpoint, ctx, key))
            rendered = work() if renderer.quick(kind) else await renderer.run((world, key), work, group=world)
        return RenderedResponse(rendered[0], rendered[1])

    handle.__name__ = endpoint.name.replace(".", "_")
    return handle


def _render(world: World, endpoint: Endpoint, ctx: ReadContext, key: tuple[Any, ...]) -> Rendered:
    """The body and its response's raw headers (the served instant; the job's status when the body is one job,
    `jobs.retrieve`); cached together."""
    data = endpoint.view(world, ctx)
    job = data.get("job") if endpoint.name == "jobs.retrieve" else None
    status = job.get("status") if isinstance(job, dict) else None
    body = orjson.dumps(data)
    # The journal learns a polled job's status from a header (it never parses bodies): see controls.journal.
    headers = [(NOW_HEADER_BYTES, format_ms(ctx.now).encode())]
    if isinstance(status, str):
        headers.append((JOB_STATUS_HEADER_BYTES, status.encode("latin-1")))
    headers += [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
    rendered = (body, tuple(headers))
    world.render_cache.put(key, rendered, len(body) + 300 + len(status or ""))
    return rendered


class RenderedResponse(Response):
    """A 200 with a rendered body and its raw headers (as `Response(body, headers=..., media_type=...)` has them)."""

    def __init__(self, body: bytes, raw_headers: tuple[tuple[bytes, bytes], ...]) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = list(raw_headers)  # a list of its own: middleware may edit a response's headers


def _request_headers(raw: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    """The Authorization and scenario headers (the first of each, as `request.headers.get` reads them)."""
    authorization = scenario = None
    for name, value in raw:
        if name == b"authorization":
            if authorization is None:
                authorization = value.decode("latin-1")
        elif name == SCENARIO_HEADER_BYTES and scenario is None:
            scenario = value.decode("latin-1")
    return authorization, scenario


def routes() -> list[Route]:
    """The routes of every read endpoint, under `/v1` and without it (as the SDK's own generated tests call them)."""
    found = []
    for endpoint in ENDPOINTS:
        handle = _handler(endpoint)
        path = endpoint.path.replace("{id}", "{id:str}")
        for prefix in ("/v1", ""):
            found.append(Route(prefix + path, handle, methods=["GET"], name=f"{endpoint.name}{prefix}"))
            if endpoint.is_list:
                found.append(Route(prefix + path + "/", handle, methods=["GET"]))
    return found
