"""The HTTP server around the app: one uvicorn configuration for the CLI, the pytest plugin and the tests, and the
protocol class that answers what never reaches the app (malformed requests, heads over the limits, heads that never
end, too many connections from one client) with the API's JSON error body.
"""

from __future__ import annotations

import asyncio
import functools
import http
import logging
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockserver.api.errors import error_response

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - no httptools wheel (Windows, PyPy): h11 serves
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

from mockserver.settings import Settings

if TYPE_CHECKING:
    import uvicorn

MAX_REQUEST_LINE = 65_536  # bytes of `METHOD target HTTP/1.1\r\n`: httptools parses targets up to 65,535 bytes
MAX_HEADER_BYTES = 65_536  # bytes of the header lines, all together (an 8 KB cookie and a 16 KB token fit 2.5 times)
MAX_HEADERS = 100  # header fields per request (Apache's LimitRequestFields); SDKs and browsers send 5 to 20
KEEP_ALIVE_S = 5  # an idle keep-alive connection is closed after this (uvicorn's `timeout_keep_alive`)
# On SIGTERM or Ctrl-C, requests still running after this many seconds are cancelled (a render in flight is in a
# daemon thread, which does not hold the process either): the server is gone within a few seconds.
SHUTDOWN_GRACE_S = 1
LINGER_S = 2.0  # after an error answer, unread request bytes are drained this long so the answer is not reset
LINGER_BYTES = 1 << 20  # ... or up to this many bytes

_HEAD_END = re.compile(rb"\n\r?\n")
SMALL_HEAD = min(MAX_REQUEST_LINE, MAX_HEADER_BYTES, 16_384)  # a head this short arriving whole is not scanned
logger = logging.getLogger("mockserver.server")


@dataclass(frozen=True)
class ConnectionLimits:
    """The limits users may change (`Settings.header_timeout`, `.max_connections_per_client`): 0 turns one off."""

    header_timeout: float  # seconds from the connection (or the head's first byte) to the end of the head
    max_connections_per_client: int  # open connections per client IP address

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(settings.header_timeout, settings.max_connections_per_client)


def _status_line(status: int) -> bytes:
    return b"HTTP/1.1 %d %s\r\n" % (status, http.HTTPStatus(status).phrase.encode())


class HeadGuard(asyncio.Protocol):
    """Watches the bytes of each request head before uvicorn's parser sees them (mixed into a uvicorn protocol).

    Counting bytes here, rather than in the parser's callbacks, is what bounds memory: httptools hands a header
    to its callback only once the whole value is buffered, and cannot parse a target over 65,535 bytes at all.
    """

    # Set by the uvicorn protocol this is mixed into.
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    connections: set[Any]
    client: tuple[str, int] | None
    cycle: Any
    server_state: Any

    def __init__(self, *args: Any, limits: ConnectionLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits or ConnectionLimits.from_settings(Settings())
        self.refused = False  # past the per-client limit: the head is answered with a 503, never parsed
        self._head_timer: asyncio.TimerHandle | None = None
        self._linger_timer: asyncio.TimerHandle | None = None
        self._lingering = -1  # bytes drained after an error answer (-1: no answer sent)
        self._reset_head()

    def _reset_head(self) -> None:
        self._head_bytes = 0  # bytes of the current head seen so far (leading empty lines excluded)
        self._line_bytes = -1  # length of its request line, once its end was seen
        self._newlines = 0
        self._tail = b""  # the last bytes seen, to find an end of head split across two reads

    # -- hooks for the uvicorn protocol ------------------------------------------------------------------------
    def _awaiting_head(self) -> bool:
        """Whether the next bytes belong to a request head (and not to a body)."""
        raise NotImplementedError

    # -- asyncio.Protocol ----------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        limit = self.limits.max_connections_per_client
        if limit and self.client is not None:
            host = self.client[0]
            others = sum(
                1
                for other in self.connections
                if other is not self
                and getattr(other, "client", None) is not None
                and other.client[0] == host
                and not getattr(other, "refused", False)
            )
            self.refused = others >= limit
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering >= 0:
            self._lingering += len(data)
            if self._lingering > LINGER_BYTES:
                self.transport.close()
            return
        if self.transport.is_closing():
            return
        if self.refused or self._awaiting_head():
            if self._head_bytes == 0 and not self.refused and _whole_small_head(data):
                # The usual read: one whole head, far inside every limit (the scan below would find just that).
                self._cancel_head_timer()
                super().data_received(data)
                return
            if self._head_timer is None:
                self._arm_head_timer()
            if self._head_bytes == 0:
                # Empty lines before a request line are ignored (RFC 9112, 2.2); h11 would refuse them with a 400
                # when they arrive in a read of their own, so neither parser sees them.
                data = data.lstrip(b"\r\n")
                if not data:
                    return
            ended = self._scan_head(data)
            if ended is None:
                return
            if self.refused:  # never parsed: answered once the head is in
                if ended:
                    limit = self.limits.max_connections_per_client
                    message = f"Too many connections from this client: at most {limit} open at a time."
                    self.answer(503, message, "TOO_MANY_CONNECTIONS")
                return
        super().data_received(data)

    # -- the head ------------------------------------------------------------------------------------------------
    def _scan_head(self, data: bytes) -> bool | None:
        """Count the head's bytes, lines and request line in `data`: whether the head ended; None if answered."""
        known = len(self._tail)
        view = self._tail + data  # leading empty lines were stripped by `data_received`
        end = _HEAD_END.search(view)
        head = view[known : end.end()] if end is not None else view[known:]
        if self._line_bytes < 0:
            newline = head.find(b"\n")
            line = self._head_bytes + (newline + 1 if newline >= 0 else len(head))
            if line > MAX_REQUEST_LINE:
                self.answer(414, f"The request line is longer than {MAX_REQUEST_LINE:,} bytes.", "URI_TOO_LONG")
                return None
            if newline >= 0:
                self._line_bytes = line
        self._head_bytes += len(head)
        self._newlines += head.count(b"\n")
        if self._newlines - (2 if end is not None else 1) > MAX_HEADERS:
            message = f"The request has more than {MAX_HEADERS} header fields."
            self.answer(431, message, "REQUEST_HEADER_FIELDS_TOO_LARGE")
            return None
        if self._line_bytes >= 0 and self._head_bytes - self._line_bytes > MAX_HEADER_BYTES:
            message = f"The request header fields are larger than {MAX_HEADER_BYTES:,} bytes in total."
            self.answer(431, message, "REQUEST_HEADER_FIELDS_TOO_LARGE")
            return None
        if end is not None:
            # The parser sees the end of the head now; if it disagrees, the next bytes are counted afresh.
            self._reset_head()
            self._cancel_head_timer()
            return True
        if head:
            self._tail = view[-2:]
        return False

    def _arm_head_timer(self) -> None:
        if self.limits.header_timeout > 0:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._arm_head_timer()  # a response is on its way: the next head's clock starts after it
            return
        if self._head_bytes == 0:
            self.transport.close()  # nothing was said: nothing to answer
            return
        message = f"The request head was not complete within {self.limits.header_timeout:g} s."
        self.answer(408, message, "REQUEST_TIMEOUT")

    # -- answers -------------------------------------------------------------------------------------------------
    def answer(self, status: int, message: str, code: str, *, log: bool = True) -> None:
        """Write the API's JSON error body and close the connection (after draining what the client still sends)."""
        if self.transport.is_closing() or self._lingering >= 0:
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined head went wrong while a response is being written: let that one end, then close.
            self.cycle.keep_alive = False
            self._lingering = 0
            return
        if log:
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "-"
            logger.warning("%s - %d %s: %s", client, status, code, message)
        response = error_response(status, message, code=code, headers={"connection": "close"})
        content = [_status_line(status)]
        for name, value in [*self.server_state.default_headers, *response.raw_headers]:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([b"\r\n", bytes(response.body)])
        self.transport.write(b"".join(content))
        self._cancel_head_timer()
        # Closing with unread bytes would send a TCP reset, which can destroy the answer before the client reads it.
        self._lingering = 0
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._linger_timer = self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        # uvicorn calls this from inside its `except` for the parser's error: that error says what was wrong.
        error = sys.exc_info()[1]
        status = getattr(error, "error_status_hint", 400)  # h11 hints 431 for a head over its buffer
        status = status if status in (400, 414, 431) else 400
        codes = {400: "INVALID_REQUEST", 414: "URI_TOO_LONG", 431: "REQUEST_HEADER_FIELDS_TOO_LARGE"}
        detail = _parser_reason(error)
        message = f"Invalid HTTP request: {detail}." if detail else "Invalid HTTP request."
        self.answer(status, message, codes[status], log=False)  # uvicorn logged it already


def _whole_small_head(data: bytes) -> bool:
    """Whether `data` is a fresh head (no leading empty line) that ends in it and is under every limit of the guard.

    Under `SMALL_HEAD` bytes neither the request line nor the header fields can be over their limits, and counting
    the newlines of all of `data` (a pipelined head or a body may follow the first) over-counts the first head's.
    """
    return (
        len(data) <= SMALL_HEAD
        and data[:1] not in (b"\r", b"\n", b"")
        and (data.endswith(b"\n\r\n") or data.endswith(b"\n\n"))
        and data.count(b"\n") <= MAX_HEADERS + 2
    )


def _parser_reason(error: BaseException | None) -> str:
    """llhttp's reason for refusing a request (a fixed text, never the client's bytes)."""
    try:
        import httptools
    except ImportError:  # pragma: no cover
        return ""
    if isinstance(error, httptools.HttpParserError) and error.args and isinstance(error.args[0], str):
        return error.args[0].rstrip(".")[:100]
    return ""


if HttpToolsProtocol is not None:

    class MockHttpToolsProtocol(HeadGuard, HttpToolsProtocol):
        """uvicorn's httptools protocol, with the head guard."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._head_open = True
            super().__init__(*args, **kwargs)

        def _awaiting_head(self) -> bool:
            return self._head_open

        def on_headers_complete(self) -> None:
            self._head_open = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._head_open = True


def http_protocol(settings: Settings, kind: str = "auto") -> functools.partial[HeadGuard]:
    """What uvicorn's `http=` takes: the protocol class with these settings' limits (picklable, for `--workers`).

    `kind`: "auto" is httptools when it is installed (as uvicorn's own "auto" picks), else h11; "h11" is h11.
    """
    if kind == "auto" and HttpToolsProtocol is not None:
        cls: type[HeadGuard] = MockHttpToolsProtocol
    else:
        from mockserver.api.h11_protocol import MockH11Protocol  # here: serving on httptools never imports h11

        cls = MockH11Protocol
    return functools.partial(cls, limits=ConnectionLimits.from_settings(settings))


def server_options(settings: Settings, kind: str = "auto") -> dict[str, Any]:
    """The uvicorn options every mockserver runs with (`uvicorn.run(app, host=, port=, **server_options(s))`)."""
    return {
        "http": http_protocol(settings, kind),
        "h11_max_incomplete_event_size": MAX_REQUEST_LINE + MAX_HEADER_BYTES + 1024,  # the guard answers first
        "timeout_keep_alive": KEEP_ALIVE_S,
        "timeout_graceful_shutdown": SHUTDOWN_GRACE_S,
        "log_level": "warning",
        "access_log": False,
    }


def server_config(app: Any, host: str, port: int, settings: Settings, kind: str = "auto") -> uvicorn.Config:
    """The uvicorn configuration of a mockserver serving `app` (the pytest plugin, the tests)."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, **server_options(settings, kind))
