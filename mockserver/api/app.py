"""The Starlette app factory: routes, JSON errors for every failure, one log line per request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import dashboard
from mockserver.api import admin, read
from mockserver.api.auth import CredentialsCache
from mockserver.api.errors import error_response, request_error_response
from mockserver.api.fastlane import SYNCED_SCOPE_KEY, USAGES_PATHS, USAGES_ROUTES, FastLane
from mockserver.api.middleware import FAULT_SCOPE_KEY, ControlsMiddleware, is_api_path
from mockserver.api.origin import OriginGuard
from mockserver.api.routing import TableRouter
from mockserver.api.usages import list_usages
from mockserver.contract.openapi import build_openapi
from mockserver.controls.faults import Faults
from mockserver.controls.journal import Journal
from mockserver.controls.masking import is_secret_name, mask_query, parse_query
from mockserver.errors import RequestError
from mockserver.offload import Renderer
from mockserver.reload import watch_scenarios
from mockserver.settings import Settings
from mockserver.state import open_store
from mockserver.state.store import StateStore
from mockserver.worlds import Worlds

log = logging.getLogger("mockserver.requests")


async def openapi_document(request: Request) -> Response:
    return Response(orjson.dumps(build_openapi()), media_type="application/json")


async def _request_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestError)
    return request_error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: f"Not found: {request.url.path}", 405: f"Method {request.method} not allowed"}
    return error_response(exc.status_code, messages.get(exc.status_code, exc.detail), headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s", _printable(request.url.path))
    return error_response(500, "Internal server error")


def _printable(text: str, limit: int = 300) -> str:
    """Escape what a client sent before it reaches a log line (no CR, LF, NUL or other controls)."""
    escaped = text.encode("unicode_escape", "backslashreplace").decode("ascii")
    return escaped if len(escaped) <= limit else escaped[:limit] + "..."


def _masked_query(raw: bytes) -> str:
    """The query string as logged: parameters named like credentials (`apiSecret`, `token`) show `***`."""
    text = raw.decode("latin-1")
    if not text or not any(is_secret_name(name) for name, _ in parse_query(raw)):
        return text
    return urlencode(mask_query(parse_query(raw)), safe="*,")


def log_request(scope: Scope, status: int | None, started: float) -> None:
    """The request log's line for a request that arrived at `started` (`perf_counter`); status None: no answer."""
    query = _masked_query(scope.get("query_string", b""))
    target = scope["path"] + ("?" + query if query else "")
    fault = scope.get(FAULT_SCOPE_KEY)
    log.info(
        "%s %s %s %.1fms%s",
        scope["method"],
        _printable(target),
        status if status is not None else "-",
        (time.perf_counter() - started) * 1000,
        f" fault={fault}" if fault else "",
    )


class RequestLog:
    """ASGI middleware: one log line per request (method, path, query, status, duration, fault applied)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        responded = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status = message["status"]
                responded = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_request(scope, status if responded or scope.get(FAULT_SCOPE_KEY) is None else None, started)


class StateSync:
    """ASGI middleware: bring the worlds up to the shared store's state (clocks, default) before each request."""

    def __init__(self, app: ASGIApp, *, store: StateStore, worlds: Worlds) -> None:
        self.app = app
        self.store = store
        self.worlds = worlds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and SYNCED_SCOPE_KEY not in scope:
            await self.store.sync(self.worlds)  # never raises; waits at most the store's short timeout
        await self.app(scope, receive, send)


class MockApp(Starlette):
    """The Starlette app, with two short ways in front of its layers for the API's own requests.

    A cached `/v1/usages` body is sent by the fast lane (`mockserver.api.fastlane`). Any other request to a route of
    the API goes through the same middleware the whole stack has for it (the request log, the shared store's sync,
    the controls) straight to its endpoint, with the errors answered as the stack's handlers answer them; admin,
    dashboard and unknown paths, and a method a route does not allow, take Starlette's whole stack.
    """

    lane: FastLane | None = None
    api: ASGIApp | None = None  # the middleware of API requests around `_endpoint`

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            lane = self.lane
            if lane is not None and path in USAGES_PATHS and scope["method"] == "GET" and await lane.serve(scope, send):
                return
            api = self.api
            if api is not None and is_api_path(path) and isinstance(self.router, TableRouter):
                route = self.router._find(scope)
                if route is not None:
                    scope["app"] = self
                    await self._direct(api, scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    async def _direct(self, api: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """What Starlette's `ServerErrorMiddleware` does around the stack: a failure is a JSON 500 (and raised on)."""
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await api(scope, receive, tracked)
        except Exception as exc:
            if not started:
                await (await _server_error(Request(scope), exc))(scope, receive, send)
            raise


async def _endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """The endpoint `TableRouter._find` chose (in `scope`), with a refused request answered as the API answers it."""
    try:
        response = await scope["endpoint"](Request(scope, receive))
    except RequestError as exc:
        response = request_error_response(exc)
    await response(scope, receive, send)


def build_app(settings: Settings | None = None) -> MockApp:
    """Build the ASGI app serving the worlds that `settings` name."""
    settings = settings or Settings()
    routes = [
        *(Route(path, list_usages, methods=["GET"]) for path in USAGES_ROUTES),
        *read.routes(),
        Route("/openapi.json", openapi_document, methods=["GET"]),
        *(admin.ROUTES if settings.admin else ()),
        *dashboard.routes(settings),
    ]
    handlers: dict[Any, Any] = {
        RequestError: _request_error,
        HTTPException: _http_error,
        Exception: _server_error,
    }
    worlds = Worlds(settings)
    journal = Journal(settings.journal_size, settings.journal_bytes)
    faults = Faults()
    store = open_store(settings, faults, journal)

    async def announce_reload() -> None:
        try:
            await store.announce_reload()
        except RequestError as exc:  # the store is away: the other processes reload on their own edits only
            log.warning("%s", exc)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.loop = asyncio.get_running_loop()  # the pytest plugin runs store calls on it
        stop = asyncio.Event()
        tasks = [asyncio.create_task(store.run(worlds, stop))]
        if settings.reload:
            tasks.append(asyncio.create_task(watch_scenarios(worlds, stop, announce_reload)))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(task, 5)
            await store.close()

    app = MockApp(exception_handlers=handlers)
    # The API's routes come first: found by path, not by trying ~70 regexes in turn (see `TableRouter`).
    app.router = TableRouter(routes, lifespan=lifespan, redirect_slashes=False)
    app.state.worlds = worlds
    app.state.settings = settings
    app.state.journal = journal  # this process's own journal (the fleet's is the store's: `store.journal()`)
    app.state.faults = faults
    app.state.renderer = Renderer(settings.render_timeout)
    app.state.store = store
    credentials = CredentialsCache()
    app.add_middleware(ControlsMiddleware, worlds=worlds, store=store, credentials=credentials)
    if store.shared:  # outside the controls: a fault's `after`/`before` and the chosen world see the fleet's state
        app.add_middleware(StateSync, store=store, worlds=worlds)
    # Outside the controls (a refused admin request never reaches them), inside the log (it shows the refusal).
    app.add_middleware(OriginGuard, allow_hosts=settings.allow_hosts)
    if settings.log_requests:
        app.add_middleware(RequestLog)
    app.lane = FastLane(worlds, store, credentials, log_request if settings.log_requests else None)
    # The API's requests skip Starlette's layers, not the middleware that applies to them, in the stack's order.
    api: ASGIApp = ControlsMiddleware(_endpoint, worlds=worlds, store=store, credentials=credentials)
    if store.shared:
        api = StateSync(api, store=store, worlds=worlds)
    if settings.log_requests:
        api = RequestLog(api)
    app.api = api
    return app
