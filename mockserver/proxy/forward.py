"""The forwarding proxy: every API endpoint mockserver serves, sent on to a real upstream and answered with its
answer, each exchange handed to observers (the `--record` writer, the report) after the client has its response.

The upstream URL is the API's base URL, as the SDK's `base_url` is: `https://api.cloud.scenario.com/v1`. A request's
path below `/v1` (`/v1/usages` and `/usages` are both `/usages`) is appended to the upstream's path; an upstream
given without a path (`http://127.0.0.1:4010`) means its `/v1`. So, with upstream `https://api.cloud.scenario.com/v1`,
`GET /v1/jobs/job_1?x=1` goes to `https://api.cloud.scenario.com/v1/jobs/job_1?x=1`. The path and the query are
sent as received (httpx percent-encodes only what a URL may not hold literally, such as a space or `"`, which no
conforming client sends), with the client's end-to-end headers, its credentials included; hop-by-hop headers
(`Connection` and the ones it lists, `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`)
are dropped both ways, and `Host` is the upstream's. Bodies are never decoded on the way: the client gets the
upstream's bytes and its `Content-Encoding`.

What the client gets:

- the upstream's answer, unchanged (status, end-to-end headers, body), when its body is JSON (`application/json`
  or `*/*+json`, and parses), or when it has no body: a HEAD, a 1xx, 204 or 304, or an empty body of a status
  that is not a success (a redirect, an error: the status says it all);
- a JSON 502 `BAD_GATEWAY` when its body is not JSON: of another type (an HTML error page of a load balancer, a
  captive portal), labelled JSON but not parsing (cut short, garbled), or empty on a success (every success of
  the API has a JSON body). Such an answer is not the API's. The error says what came (`upstreamStatus`,
  `upstreamContentType`); the capture keeps the upstream's status and body as received;
- a JSON 502 `BAD_GATEWAY` when the upstream cannot be reached (refused, unknown host, TLS failure) or breaks the
  exchange (reset, closed without an answer, invalid HTTP);
- a JSON 504 `GATEWAY_TIMEOUT` when it does not accept a connection within the connect timeout (5 s), or its
  answer has not arrived whole within the timeout (60 s, as the SDK waits; `--timeout`): no byte of the head for
  that long after the request was sent, or the body not complete that long after the request arrived.

Error messages name the upstream by scheme, host and port only. Credentials are never logged nor recorded: the
request log masks secret query values and shows no header; captures drop credential headers and mask secret query
values (`mockserver.proxy.capture`). The proxy keeps no cookies, follows no redirect and reads no proxy, netrc or
certificate settings from the environment: it sends what the client sent, and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mockserver import __version__
from mockserver.api.app import RequestLog
from mockserver.api.errors import error_response
from mockserver.api.origin import HEALTH_PATH, OriginGuard
from mockserver.contract.endpoints import ENDPOINT_PATHS
from mockserver.proxy.capture import Capture, CaptureWriter, exchange_name, scrub_headers, scrub_query
from mockserver.proxy.report import Report, admin_routes

log = logging.getLogger("mockserver.proxy")

Observer = Callable[[Capture], Awaitable[None] | None]

DEFAULT_PORT = 4011  # beside the mock's 4010
DEFAULT_TIMEOUT_S = 60.0  # the SDK's default: 60 s for the whole request, 5 s to connect
DEFAULT_CONNECT_TIMEOUT_S = 5.0
KEEPALIVE_S = 4.0  # below the mock's own 5 s, so a pooled connection is not reused as the upstream closes it
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


def check_upstream(text: str) -> str:
    """The upstream base URL, without a trailing slash; ValueError saying what is wrong with it."""
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a URL: {text!r} ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"expected an http:// or https:// URL (https://api.cloud.scenario.com/v1), found {text!r}")
    if url.userinfo:
        raise ValueError("the upstream URL may not hold credentials: the proxy forwards each client's own")
    if url.query or url.fragment:
        raise ValueError(f"the upstream URL may not have a query or a fragment: {text!r}")
    return str(url).rstrip("/")


@dataclass(frozen=True)
class ProxySettings:
    """What a proxy forwards to and how: the upstream base URL, timeouts, TLS, the capture directory, the log."""

    upstream: str
    timeout: float = DEFAULT_TIMEOUT_S  # seconds for the whole exchange, from connecting to the body's last byte
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S  # at most `timeout`
    record: Path | None = None  # write one capture file per exchange here
    log_requests: bool = True
    verify_tls: bool = True
    allow_hosts: tuple[str, ...] = ()  # also answer `/__admin/proxy/...` for these Host names (see OriginGuard)

    def __post_init__(self) -> None:
        object.__setattr__(self, "upstream", check_upstream(self.upstream))
        for name in ("timeout", "connect_timeout"):
            value = getattr(self, name)
            if not 0 < value < float("inf"):
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")

    @property
    def upstream_url(self) -> httpx.URL:
        return httpx.URL(self.upstream)

    @property
    def origin(self) -> str:
        """The upstream as error messages name it: scheme, host and port."""
        url = self.upstream_url
        return f"{url.scheme}://{url.netloc.decode('ascii')}"


def target_path(upstream: httpx.URL, raw_path: bytes) -> bytes:
    """The upstream path of a request's raw path: its part below `/v1` under the upstream's path (`/v1` if none)."""
    rest = raw_path[3:] if raw_path == b"/v1" or raw_path.startswith(b"/v1/") else raw_path
    base = upstream.raw_path.split(b"?", 1)[0].rstrip(b"/") or b"/v1"
    return base + rest


def _connection_tokens(headers: Iterable[tuple[bytes, bytes]]) -> set[str]:
    tokens: set[str] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(t.strip().lower() for t in value.decode("latin-1").split(",") if t.strip())
    return tokens


def end_to_end(headers: Sequence[tuple[bytes, bytes]], *, also: Iterable[str] = ()) -> list[tuple[bytes, bytes]]:
    """The headers a proxy passes on: without the hop-by-hop ones, those `Connection` lists and `also`; lowercased."""
    dropped = HOP_BY_HOP | _connection_tokens(headers) | set(also)
    return [(n.lower(), v) for n, v in headers if n.decode("latin-1").lower() not in dropped]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


NOT_PARSED = object()  # Exchange.document of a body not parsed yet
PARSE_INLINE = 64 * 1024  # bodies up to this size are parsed on the event loop; larger ones in a worker thread


def _has_no_body(method: str, status: int) -> bool:
    return method == "HEAD" or status in (204, 304) or 100 <= status < 200


@dataclass
class Exchange:
    """What one request gave, for the observers: the raw pieces, turned into a Capture after the client's answer."""

    arrived_ms: int
    method: str
    path: str
    query: str
    request_headers: list[tuple[bytes, bytes]]
    status: int
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    elapsed_ms: float = 0.0
    error: str | None = None
    answered: bool = True  # False: no answer came, `status` and `body` are the proxy's 502/504
    sequence: int = 0  # the exchange's number in this run of the proxy, from 1
    document: Any = NOT_PARSED  # the parsed (decoded) body, when the forwarding already parsed it; None: not JSON

    def capture(self, upstream: str, record: Path | None = None) -> Capture:
        """The capture of the exchange, named by the file `record` will hold it in, or by its number and request."""
        capture = Capture(
            path=self.path,
            query=scrub_query(self.query),
            method=self.method,
            status=self.status,
            time=self.arrived_ms,
            request_headers=scrub_headers((n.decode("latin-1"), v.decode("latin-1")) for n, v in self.request_headers),
            response_headers=scrub_headers(
                (n.decode("latin-1"), v.decode("latin-1")) for n, v in self.response_headers
            ),
            upstream=upstream,
            elapsed_ms=self.elapsed_ms,
            error=self.error,
            answered=self.answered,
            sequence=self.sequence,
        )
        capture.source = exchange_name(capture, self.sequence, record)
        content = _decoded(self.body, self.response_headers)
        capture.body = _parsed(content) if self.document is NOT_PARSED else self.document
        if capture.body is None:
            capture.text = content.decode("utf-8", "replace")
        return capture


def _parsed(content: bytes) -> Any:
    """The JSON value of a decoded body; None when it is empty or not JSON."""
    try:
        return orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        return None


def _decoded(body: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The body without its Content-Encoding (gzip, br, ...), as httpx would decode it; the raw bytes if it cannot."""
    encoding = [(n, v) for n, v in headers if n == b"content-encoding"]
    if not encoding or not body:
        return body
    try:
        return httpx.Response(200, headers=encoding, content=body).content
    except httpx.DecodingError:
        return body


OBSERVER_QUEUE = 64  # exchanges waiting for the observers (a default /usages body is 0.9 MB: about 60 MB at most)


class Forwarder:
    """The endpoint of every proxied path: forwards a request, answers, and hands the exchange to the observers."""

    def __init__(self, settings: ProxySettings, observers: Sequence[Observer]) -> None:
        self.settings = settings
        self.observers = list(observers)
        self.upstream = settings.upstream_url
        self.origin = settings.origin
        self.timeout = httpx.Timeout(settings.timeout, connect=min(settings.connect_timeout, settings.timeout))
        self._transport: httpx.AsyncHTTPTransport | None = None
        # Exchanges waiting for the observers, handled one at a time in arrival order by a task of their own: a
        # keep-alive client's next request never waits for the last one's validation. Bounded: when the observers
        # fall behind by OBSERVER_QUEUE exchanges, a new answer waits for room (nothing is lost, memory stays flat).
        self._pending: asyncio.Queue[Exchange] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._sequence = itertools.count(1)

    async def observe(self, exchange: Exchange) -> None:
        if self._pending is None:
            self._pending = asyncio.Queue(OBSERVER_QUEUE)
            self._worker = asyncio.create_task(self._drain())
        await self._pending.put(exchange)

    async def _drain(self) -> None:
        assert self._pending is not None
        while True:
            exchange = await self._pending.get()
            try:
                await self.notify(exchange)
            finally:
                self._pending.task_done()

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until the observers have every exchange answered so far (at most `timeout` seconds)."""
        if self._pending is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._pending.join(), timeout)

    @property
    def transport(self) -> httpx.AsyncHTTPTransport:
        # The transport, not an AsyncClient: a client keeps a cookie jar (one client's cookies would reach another),
        # adds its default headers and logs every URL with its query at INFO (secret query values included).
        if self._transport is None:
            self._transport = httpx.AsyncHTTPTransport(
                verify=self.settings.verify_tls,
                trust_env=False,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_S),
            )
        return self._transport

    async def aclose(self) -> None:
        await self.settle()  # what was answered is recorded and reported before the proxy stops
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = self._pending = None
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    def url(self, request: Request) -> httpx.URL:
        raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
        query: bytes = request.scope.get("query_string", b"")
        target = target_path(self.upstream, raw_path.split(b"?", 1)[0])
        return self.upstream.copy_with(raw_path=target + (b"?" + query if query else b""))

    async def handle(self, request: Request) -> Response:
        arrived_ms = int(time.time() * 1000)
        started = time.perf_counter()
        headers = end_to_end(request.headers.raw, also=("host", "content-length"))
        body = await request.body()
        exchange = Exchange(
            arrived_ms=arrived_ms,
            method=request.method,
            path=request.url.path,
            query=request.scope.get("query_string", b"").decode("latin-1"),
            request_headers=[(b"host", self.upstream.netloc), *headers],
            status=502,
            sequence=next(self._sequence),
        )
        outgoing = httpx.Request(
            request.method,
            self.url(request),
            headers=headers,
            content=body or None,
            extensions={"timeout": self.timeout.as_dict()},
        )
        try:
            # Up to the answer's head, httpx's own timeouts (connect, write, read) bound each step: cancelling a
            # connection while TLS is set up would leak its socket. The body must then arrive within what is left of
            # `timeout` since the request arrived (an upstream that trickles bytes gets a 504 too).
            upstream = await self.transport.handle_async_request(outgoing)
            try:
                deadline = asyncio.get_running_loop().time() + max(self.settings.timeout - _since(started), 0.0)
                async with asyncio.timeout_at(deadline):
                    raw = b"".join([chunk async for chunk in upstream.aiter_raw()])
            finally:
                await upstream.aclose()
        except (httpx.TransportError, TimeoutError) as exc:
            status, message = self.failure(exc)
            log.warning("%s %s: %s", request.method, request.url.path, message)
            response = error_response(status, message)
            exchange.status, exchange.error, exchange.answered = status, message, False
            exchange.response_headers = list(response.raw_headers)
            exchange.body = bytes(response.body)
        else:
            response_headers = end_to_end(upstream.headers.raw)
            exchange.status, exchange.response_headers, exchange.body = upstream.status_code, response_headers, raw
            content_type = upstream.headers.get("content-type", "")
            refusal = await self.refusal(exchange, request.method, content_type)
            if refusal is not None:
                message = f"upstream {self.origin} answered {upstream.status_code} {refusal}"
                log.warning("%s %s: %s", request.method, request.url.path, message)
                exchange.error = message
                extra = {"upstreamStatus": upstream.status_code, "upstreamContentType": content_type}
                response = error_response(502, message, extra=extra)
            else:
                response = Response(raw, status_code=upstream.status_code)
                response.raw_headers = _with_length(response_headers, raw, request.method, upstream.status_code)
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000
        if self.observers:
            await self.observe(exchange)
        return response

    async def refusal(self, exchange: Exchange, method: str, content_type: str) -> str | None:
        """Why the upstream's answer is not the API's (its body is not JSON), or None to pass it on.

        A body labelled JSON is parsed to be sure (the capture reuses the parse): a JSON 200 cut short or empty would
        fail the SDK with a parse error naming neither the upstream nor the status.
        """
        status, raw = exchange.status, exchange.body
        if _has_no_body(method, status):
            return None
        if not raw:
            return "with an empty body, not JSON" if 200 <= status < 300 else None
        shown = content_type.split(";", 1)[0].strip()
        if not _is_json(content_type):
            return f"{shown or 'a body without Content-Type'}, not JSON"
        content = _decoded(raw, exchange.response_headers)
        if len(content) <= PARSE_INLINE:
            exchange.document = _parsed(content)
        else:
            exchange.document = await anyio.to_thread.run_sync(_parsed, content)
        return None if exchange.document is not None else f"{shown} whose body is not JSON"

    def failure(self, exc: Exception) -> tuple[int, str]:
        """The status and message of an exchange that got no complete answer."""
        origin = self.origin
        if isinstance(exc, httpx.ConnectTimeout):
            return 504, f"upstream {origin} did not accept a connection within {self.timeout.connect:g} s"
        if isinstance(exc, httpx.TimeoutException | TimeoutError):
            return 504, f"upstream {origin} did not answer within {self.settings.timeout:g} s"
        cause = _cause(exc, ssl.SSLError)
        if cause is not None:
            reason = getattr(cause, "verify_message", None) or getattr(cause, "reason", None) or str(cause)
            return 502, f"TLS with upstream {origin} failed: {reason}"
        if isinstance(exc, httpx.ConnectError):
            if _cause(exc, ConnectionRefusedError) is not None or "refused" in str(exc).lower():
                return 502, f"upstream {origin} refused the connection"
            if _cause(exc, socket.gaierror) is not None:
                return 502, f"upstream host {self.upstream.host} could not be resolved"
            return 502, f"could not connect to upstream {origin}: {exc}"
        if isinstance(exc, httpx.RemoteProtocolError):
            return 502, f"upstream {origin} closed the connection without a complete answer"
        if isinstance(exc, httpx.ReadError | httpx.WriteError):
            return 502, f"upstream {origin} reset the connection"
        if isinstance(exc, httpx.ProtocolError):
            return 502, f"upstream {origin} answered invalid HTTP: {exc}"
        return 502, f"upstream {origin} could not be reached: {type(exc).__name__}"

    async def notify(self, exchange: Exchange) -> None:
        """Hand the exchange to every observer; an observer's error is logged, never raised."""
        try:
            capture = exchange.capture(self.settings.upstream, self.settings.record)
        except Exception:
            log.exception("could not build the capture of %s %s", exchange.method, exchange.path)
            return
        for observer in self.observers:
            try:
                result = observer(capture)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("proxy observer %r failed on %s %s", observer, exchange.method, exchange.path)


def _since(started: float) -> float:
    return time.perf_counter() - started


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of `kind` in the chain of `exc` (httpx wraps the socket's and ssl's errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _with_length(
    headers: list[tuple[bytes, bytes]], body: bytes, method: str, status: int
) -> list[tuple[bytes, bytes]]:
    """The headers with the Content-Length of the body sent (a chunked upstream answer arrives whole)."""
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return headers  # no body: the upstream's own Content-Length, if any, describes the GET's
    length = (b"content-length", str(len(body)).encode())
    kept = [h for h in headers if h[0] != b"content-length"]
    if len(kept) == len(headers):
        return [*kept, length]
    at = next(i for i, h in enumerate(headers) if h[0] == b"content-length")  # in its place: the upstream's order
    return [*kept[:at], length, *kept[at:]]


def recorder(directory: Path) -> Observer:
    """An observer writing each capture into `directory` (file I/O in a worker thread, off the event loop)."""
    writer = CaptureWriter(directory)

    async def record(capture: Capture) -> None:
        await anyio.to_thread.run_sync(writer.write, capture)

    return record


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: f"Not found: {request.url.path}", 405: f"Method {request.method} not allowed"}
    return error_response(exc.status_code, messages.get(exc.status_code, exc.detail), headers=dict(exc.headers or {}))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error of the proxy on %s", request.url.path)
    return error_response(500, "Internal server error of the proxy")


def proxy_routes(forwarder: Forwarder) -> list[Route]:
    """A GET route per API endpoint, under `/v1` and without it, list endpoints with a trailing slash too."""
    routes = []
    for name, path in ENDPOINT_PATHS.items():
        template = path.replace("{id}", "{id:str}")
        for prefix in ("/v1", ""):
            routes.append(Route(prefix + template, forwarder.handle, methods=["GET"], name=f"proxy:{name}{prefix}"))
            if "{" not in path:
                routes.append(Route(prefix + template + "/", forwarder.handle, methods=["GET"]))
    return routes


def build_proxy_app(
    settings: ProxySettings, observers: Sequence[Observer] = (), extra_routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """Build the ASGI app forwarding the API's endpoints to `settings.upstream` (observers: see the docstring).

    Every exchange is also validated into a `Report` (`app.state.report`), served at `GET /__admin/proxy/report`
    and shown by the page at `/__admin/proxy/`.
    """
    report = Report()

    async def validate(capture: Capture) -> None:
        # Off the event loop: a default body against nine contracts takes about 0.1 s.
        await anyio.to_thread.run_sync(report.add, capture)

    all_observers = [*observers, validate]
    if settings.record is not None:
        all_observers.append(recorder(settings.record))
    forwarder = Forwarder(settings, all_observers)

    async def health(request: Request) -> Response:
        # The mock's health path, which answers any Host (a container's health check calls it by any name).
        body = {"status": "ok", "version": __version__, "proxy": True, "upstream": settings.upstream}
        return Response(orjson.dumps(body), media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await forwarder.aclose()

    handlers: dict[Any, Any] = {HTTPException: _http_error, Exception: _server_error}
    routes = [
        *proxy_routes(forwarder),
        Route(HEALTH_PATH, health, methods=["GET"]),
        Route("/", _to_report_page, methods=["GET"]),
        *admin_routes(report),
        *extra_routes,
    ]
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.router.redirect_slashes = False
    app.state.proxy_settings = settings
    app.state.forwarder = forwarder
    app.state.report = report
    app.add_middleware(OriginGuard, allow_hosts=settings.allow_hosts)
    if settings.log_requests:
        app.add_middleware(RequestLog)
    return app


async def _to_report_page(request: Request) -> Response:
    return RedirectResponse("/__admin/proxy/", status_code=307)


def proxy_server_options() -> dict[str, Any]:
    """The uvicorn options of a proxy: the mock's (`server_options`), without uvicorn's own `Server` and `Date`
    headers, which would repeat the upstream's."""
    from mockserver.api.server import server_options
    from mockserver.settings import Settings

    return {**server_options(Settings()), "server_header": False, "date_header": False}
