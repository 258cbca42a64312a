"""The controls middleware: applies faults and latency (`mockserver.controls`) to API requests and records every
request in the journal.

Admin requests (`/__admin/...`) are neither faulted nor recorded: they are the test's traffic, not the client's.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import struct
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.api.auth import CredentialsCache
from mockserver.api.errors import error_response, request_error_response
from mockserver.contract.endpoints import ENDPOINT_PATHS
from mockserver.controls.faults import FAULT_HEADER, LATENCY_HEADER, FaultAction, FaultRequest
from mockserver.controls.journal import (
    ACTIVITY_COUNT_HEADER,
    INTERNAL_HEADERS,
    JOB_STATUS_HEADER,
    RawRequest,
)
from mockserver.controls.masking import parse_query
from mockserver.errors import QueryError, RequestError
from mockserver.worlds import SCENARIO_HEADER, WORLD_SCOPE_KEY

if TYPE_CHECKING:
    from mockserver.state.store import StateStore
    from mockserver.world.world import World
    from mockserver.worlds import Worlds

ADMIN_PREFIX = "/__admin"
FAULT_SCOPE_KEY = "mockserver.fault"  # the label of the fault applied, for the request log
DROP_WAIT_S = 1.0  # how long to wait for the server to notice a connection we closed
ACTIVITY_COUNT_HEADER_BYTES = ACTIVITY_COUNT_HEADER.encode()
JOB_STATUS_HEADER_BYTES = JOB_STATUS_HEADER.encode()
INTERNAL_HEADER_BYTES = frozenset(name.encode() for name in INTERNAL_HEADERS)
MAX_JOB_STATUS = 32
SCENARIO_HEADER_BYTES = SCENARIO_HEADER.encode()
FAULT_HEADER_BYTES = FAULT_HEADER.encode()
LATENCY_HEADER_BYTES = LATENCY_HEADER.encode()
UNUSABLE = frozenset({"reset", "close", "empty", "malformed", "truncated", "html", "error"})


# The API's paths without the `/v1` prefix: `/usages` and the read endpoints (`mockserver.api.read.READ_ROOTS`).
UNPREFIXED_ROOTS = frozenset(path.split("/")[1] for path in ENDPOINT_PATHS.values())


def is_api_path(path: str) -> bool:
    """Paths that faults apply to: the API under `/v1/`, and its unprefixed aliases (`/usages`, `/jobs/...`)."""
    return path.startswith("/v1/") or path[1:].partition("/")[0] in UNPREFIXED_ROOTS


class Exchange:
    """One request on its way through: what its response said; recorded in the journal once.

    The entry is recorded just before the last byte of the response (or the dropped connection) reaches the client,
    so a test that reads the journal as soon as its call returns always finds the call there.
    """

    __slots__ = (
        "activity_count",
        "arrived",
        "job_status",
        "label",
        "recorded",
        "retry_after_ms",
        "scenario",
        "scope",
        "status",
        "store",
        "unusable",
        "wall",
    )

    def __init__(self, store: StateStore, scope: Scope) -> None:
        self.arrived = time.perf_counter()
        self.wall = time.time_ns() // 1_000_000
        self.store = store
        self.scope = scope
        self.scenario: str | None = None
        self.label: str | None = None
        self.status = 0
        self.retry_after_ms: float | None = None
        self.activity_count: int | None = None
        self.job_status: str | None = None
        self.unusable = False  # a fault that leaves the client without a page it could read
        self.recorded = False

    def observe(self, message: Message) -> Message:
        """Note what the response start says; return it without the internal headers meant for the journal."""
        self.status = message["status"]
        headers = message.get("headers", ())
        internal = False
        for name, value in headers:
            if name == b"retry-after-ms":
                self.retry_after_ms = _float(value)
            elif name == b"retry-after" and self.retry_after_ms is None:
                seconds = _float(value)
                self.retry_after_ms = None if seconds is None else seconds * 1000
            elif name in INTERNAL_HEADER_BYTES:
                internal = True
                if self.unusable:
                    continue  # the client got no page it could read: nothing to learn from it
                if name == ACTIVITY_COUNT_HEADER_BYTES:
                    count = _float(value)
                    self.activity_count = None if count is None else int(count)
                elif name == JOB_STATUS_HEADER_BYTES:
                    self.job_status = value[:MAX_JOB_STATUS].decode("latin-1")
        if not internal:
            return message
        return {**message, "headers": [(n, v) for n, v in headers if n not in INTERNAL_HEADER_BYTES]}

    def finish(self) -> asyncio.Future[None] | None:
        """Record the entry (once); a future when it is being written to a shared store."""
        if self.recorded:
            return None
        self.recorded = True
        return self.store.record(
            raw_request(
                self.store,
                self.scope,
                self.wall,
                self.arrived,
                self.scenario,
                self.status,
                self.label,
                self.retry_after_ms,
                self.activity_count,
                self.job_status,
            )
        )


def raw_request(
    store: StateStore,
    scope: Scope,
    wall: int,
    arrived: float,
    scenario: str | None,
    status: int,
    fault: str | None = None,
    retry_after_ms: float | None = None,
    activity_count: int | None = None,
    job_status: str | None = None,
) -> RawRequest:
    """The journal entry of a request that arrived at `wall` (epoch ms) and `arrived` (`perf_counter`), now."""
    return RawRequest(
        store.next_id(),
        wall,
        arrived,
        (time.perf_counter() - arrived) * 1000,
        scope["method"],
        scope["path"],
        scope.get("query_string", b""),
        scope["headers"],
        scenario,
        status,
        fault,
        retry_after_ms,
        activity_count,
        job_status,
    )


def _float(raw: bytes) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None  # e.g. a Retry-After HTTP date: not checked by the journal
    return value if math.isfinite(value) else None


class ControlsMiddleware:
    """ASGI middleware: fault and latency decisions for API requests, and a journal entry for every request."""

    def __init__(
        self, app: ASGIApp, *, worlds: Worlds, store: StateStore, credentials: CredentialsCache | None = None
    ) -> None:
        self.app = app
        self.worlds = worlds
        self.store = store
        self.credentials = credentials or CredentialsCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        store = self.store
        exchange = Exchange(store, scope)

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = exchange.observe(message)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                pending = exchange.finish()
                if pending is not None:  # the fleet's journal: the call is in it before the client has its answer
                    await store.wait_recorded(pending)
            await send(message)

        try:
            path: str = scope["path"]
            if is_api_path(path):
                headers = dict(scope["headers"])  # ASGI names are lowercase bytes; for a repeated header the last wins
                credentials = self.credentials.get(headers.get(b"authorization"))
                api_key = credentials.key if credentials is not None else None
                world = self._world(headers.get(SCENARIO_HEADER_BYTES), api_key)
                exchange.scenario = world.name if world is not None else None
                if world is not None:
                    scope[WORLD_SCOPE_KEY] = world  # the handler serves the same world, selected once
                fault_header, latency_header = headers.get(FAULT_HEADER_BYTES), headers.get(LATENCY_HEADER_BYTES)
                if fault_header is not None or latency_header is not None or store.could_apply(world):
                    query = parse_query(scope.get("query_string", b""))
                    try:
                        action = await store.decide(
                            FaultRequest(path, query, api_key, world), _text(fault_header), _text(latency_header)
                        )
                    except QueryError as exc:
                        exchange.label = "refused: malformed control header"
                        await request_error_response(exc)(scope, receive, observed_send)
                        return
                    if action is not None:
                        exchange.label = scope[FAULT_SCOPE_KEY] = action.label
                        exchange.unusable = action.kind in UNUSABLE
                        await perform(action, self.app, scope, receive, observed_send, exchange.finish)
                        return
            await self.app(scope, receive, observed_send)
        except BaseException:
            exchange.status = exchange.status or 500  # the server's error handler answers 500
            raise
        finally:
            exchange.finish()

    def _world(self, header: bytes | None, api_key: str | None) -> World | None:
        try:
            return self.worlds.select(_text(header), api_key)
        except RequestError:
            return None  # an unknown scenario: the handler gives the 404


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


# -- performing a fault ------------------------------------------------------------------------------------------
def gateway_page(status: int) -> bytes:
    """A proxy's HTML error page (nginx style), for clients that expect JSON."""
    try:
        title = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        title = str(status)
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


async def perform(
    action: FaultAction,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    before_drop: Callable[[], object] = lambda: None,  # its result (if any) is ignored
) -> None:
    """Answer a request as the action says (after its latency); `before_drop` runs just before a connection drop."""
    if action.latency_ms > 0:
        await asyncio.sleep(action.latency_ms / 1000)
    kind = action.kind
    if kind == "pass":
        await app(scope, receive, send)
        return
    if kind in ("reset", "close"):
        before_drop()
        await drop_connection(receive, reset=kind == "reset")
        return
    headers = dict(action.headers)
    status = action.status or 200
    if kind == "body":
        assert action.body is not None  # the rule's validation: a body kind carries its body
        await Response(orjson.dumps(action.body), status, headers, media_type="application/json")(scope, receive, send)
    elif kind == "error":
        if action.body is not None:
            response = Response(orjson.dumps(action.body), status, headers, media_type="application/json")
        else:
            message = action.error_message()
            response = error_response(status, message, code=action.code, extra=action.extra, headers=headers)
        await response(scope, receive, send)
    elif kind == "empty":
        await Response(b"", status, headers, media_type="application/json")(scope, receive, send)
    elif kind == "html":
        await Response(gateway_page(status), status, headers, media_type="text/html")(scope, receive, send)
    else:
        await _rewrite(action, app, scope, receive, send, before_drop)


async def _rewrite(
    action: FaultAction, app: ASGIApp, scope: Scope, receive: Receive, send: Send, before_drop: Callable[[], object]
) -> None:
    """malformed, truncated, dribble: take the real response and break how it is delivered."""
    start, body = await _capture(app, scope, receive)
    extra = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in action.headers]
    headers = [(n, v) for n, v in start.get("headers", ()) if n != b"content-length"]
    status = action.status or start["status"]
    if action.kind == "malformed":
        # Cut the JSON so it no longer parses; the HTTP message itself is complete and well-formed.
        broken = body[: len(body) // 2] if len(body) > 1 else b"{"
        headers += [(b"content-length", str(len(broken)).encode()), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": broken})
        return
    headers += [(b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if action.kind == "truncated":
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        before_drop()
        await drop_connection(receive, reset=False)
        return
    # dribble
    count = max(1, min(action.chunks, len(body)))
    size = math.ceil(len(body) / count) if body else 0
    for i in range(count):
        if i:
            await asyncio.sleep(action.interval_ms / 1000)
            if getattr(getattr(receive, "__self__", None), "disconnected", False):
                return  # the client gave up: stop dribbling
        last = i == count - 1
        await send({"type": "http.response.body", "body": body[i * size : (i + 1) * size], "more_body": not last})


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[dict[str, Any], bytes]:
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    return start, b"".join(chunks)


async def drop_connection(receive: Receive, *, reset: bool) -> None:
    """Close the client's connection without (completing) a response: a TCP reset, or a plain close.

    Under uvicorn, `receive` is a bound method of the request cycle, which holds the connection's transport. With
    no transport (an in-process ASGI client), raise `ConnectionResetError` so the client still sees a failure.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionResetError("mockserver fault: connection dropped (no transport to close in this server)")
    if reset:
        sock = transport.get_extra_info("socket")
        # Linger 0: closing sends RST instead of FIN, which is what a "connection reset by peer" is.
        with contextlib.suppress(AttributeError, OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    # Return once the server has seen the connection go, so it does not complain about an unfinished response.
    deadline = time.monotonic() + DROP_WAIT_S
    while not getattr(cycle, "disconnected", True) and time.monotonic() < deadline:
        await asyncio.sleep(0.001)
