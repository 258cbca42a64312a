"""What the HTTP server answers itself, over raw sockets: malformed requests, a target or a head over the limits,
heads that never end, too many connections from one client. Every answer is the API's JSON error body.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver.api.server import MAX_HEADER_BYTES, MAX_HEADERS, MAX_REQUEST_LINE
from mockserver.cli import main
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, serve_process, start_server, stop_process
from tests.reliability.rawhttp import get_line, raw_request, read_response

KEYS = {"reason", "message", "code", "traceId"}
CLOSE_BOUND_S = 10.0  # a connection held past its header timeout (1 s here) is closed well within this
TIMEOUT_S = 1.0
PER_CLIENT = 5
USAGES = b"/v1/usages?type=consumption"


@pytest.fixture(scope="module", params=["auto", "h11"])
def http_kind(request: pytest.FixtureRequest) -> str:
    """The server as it runs (httptools), and with h11 (where httptools has no wheel)."""
    return str(request.param)


def _serve(http_kind: str, **limits: Any) -> Iterator[str]:
    server, thread, url = start_server(Settings(now=NOW, log_requests=False, **limits), http_kind)
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def server_url(http_kind: str) -> Iterator[str]:
    yield from _serve(http_kind, header_timeout=TIMEOUT_S)


@pytest.fixture
def limited_url(http_kind: str) -> Iterator[str]:
    """A server of its own, so that no connection of another test counts against the client's limit."""
    yield from _serve(http_kind, max_connections_per_client=PER_CLIENT)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def assert_json_error(status: int, headers: bytes, body: bytes, expected_status: int, code: str) -> dict[str, str]:
    lines = headers.lower().split(b"\r\n")
    assert status == expected_status, (headers, body[:200])
    assert b"content-type: application/json" in lines
    assert b"connection: close" in lines
    error = httpx.Response(status, content=body).json()
    assert set(error) == KEYS and error["code"] == code
    assert error["reason"] == error["message"] and len(error["traceId"]) == 32
    return dict(error)


def _head(*extra: bytes, target: bytes = USAGES, end: bytes = b"\r\n") -> bytes:
    return get_line(target, *extra).replace(b"\r\n", end)


def _target_of_line(length: int) -> bytes:
    """A target whose request line `GET <target> HTTP/1.1\\r\\n` is `length` bytes."""
    target = USAGES + b"&userId="
    return target + b"u" * (length - len(b"GET  HTTP/1.1\r\n") - len(target))


MALFORMED = [
    pytest.param(_head(target=b"/v1/usages?userId=" + b"u" * 100_000), 414, "URI_TOO_LONG", id="100KB-target"),
    pytest.param(
        _head(target=b"/v1/usages?" + b"&".join([b"type=usages"] * 10_000)), 414, "URI_TOO_LONG", id="10000-params"
    ),
    pytest.param(_head(target=_target_of_line(MAX_REQUEST_LINE + 1)), 414, "URI_TOO_LONG", id="line-one-byte-over"),
    pytest.param(_head(b"X-Big: " + b"a" * 100_000), 431, "REQUEST_HEADER_FIELDS_TOO_LARGE", id="100KB-header"),
    pytest.param(  # empty lines before a request line are skipped, not taken for the end of a head
        b"\r\n\r\n" + _head(b"X-Big: " + b"a" * 100_000),
        431,
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
        id="empty-lines-then-100KB-header",
    ),
    pytest.param(
        _head(*[b"X-Cookie-%d: %s" % (i, b"c" * 4_000) for i in range(20)]),
        431,
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
        id="20-headers-of-4KB",
    ),
    pytest.param(
        _head(*[b"X-H%d: 1" % i for i in range(MAX_HEADERS - 2)]),
        431,
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
        id="one-header-over-the-count",
    ),
    pytest.param(_head(*[b"X-H%d: 1" % i for i in range(1_000)]), 431, "REQUEST_HEADER_FIELDS_TOO_LARGE", id="1000"),
    pytest.param(_head(target=b"/v1/usages?type=\x00"), 400, "INVALID_REQUEST", id="NUL-in-target"),
    pytest.param(_head(target=b"/v1/usages?type=\xff"), 400, "INVALID_REQUEST", id="FF-in-target"),
    pytest.param(_head(b"X-Mock-Scenario: default\x00"), 400, "INVALID_REQUEST", id="NUL-in-header-value"),
    pytest.param(_head(b"X-\xff: 1"), 400, "INVALID_REQUEST", id="FF-in-header-name"),
    pytest.param(_head(b"X A: 1"), 400, "INVALID_REQUEST", id="space-in-header-name"),
    pytest.param(
        b"POST /v1/usages HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "INVALID_REQUEST",
        id="content-length-and-transfer-encoding",
    ),
    pytest.param(_head(end=b"\n"), 400, "INVALID_REQUEST", id="LF-only"),
    pytest.param(b"HELLO\r\n\r\n", 400, "INVALID_REQUEST", id="not-http"),
    pytest.param(b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400, "INVALID_REQUEST", id="bad-version"),
]


# h11 is lenient where llhttp is strict: it passes these to the app, which answers them itself.
H11_PASSES = {"content-length-and-transfer-encoding", "LF-only", "bad-version"}


@pytest.mark.parametrize(("head", "status", "code"), MALFORMED)
def test_what_the_http_server_refuses_is_a_json_error(
    server_url: str, http_kind: str, request: pytest.FixtureRequest, head: bytes, status: int, code: str
) -> None:
    got, headers, body, _ = raw_request(server_url, head)
    if http_kind == "h11" and request.node.callspec.id.endswith(tuple(H11_PASSES)):
        assert got < 500 and b"text/plain" not in headers.lower()
        return
    assert_json_error(got, headers, body, status, code)


@pytest.mark.parametrize(
    ("head", "status"),
    [
        pytest.param(_head(target=b"/v1/usages?userId=" + b"u" * 200_000), 414, id="200KB-target"),
        pytest.param(_head(b"X-Big: " + b"a" * 300_000), 431, id="300KB-header"),
    ],
)
def test_limits_hold_when_the_head_comes_in_small_pieces(server_url: str, head: bytes, status: int) -> None:
    got, headers, body, _ = raw_request(server_url, head, chunk=1_000)
    assert_json_error(
        got, headers, body, status, "URI_TOO_LONG" if status == 414 else "REQUEST_HEADER_FIELDS_TOO_LARGE"
    )


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(_head(target=_target_of_line(MAX_REQUEST_LINE)), id="request-line-at-the-limit"),
        pytest.param(_head(*[b"X-H%d: 1" % i for i in range(MAX_HEADERS - 3)]), id="as-many-headers-as-allowed"),
        pytest.param(_head(b"Cookie: " + b"c" * 16_000, b"X-Token: " + b"t" * 32_000), id="48KB-of-cookie-and-token"),
    ],
)
def test_requests_within_the_limits_reach_the_api(server_url: str, head: bytes) -> None:
    assert len(head) - head.index(b"\r\n") < MAX_HEADER_BYTES
    status, headers, _, _ = raw_request(server_url, head)
    assert status == 200 and b"content-type: application/json" in headers.lower()


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_a_head_that_comes_byte_by_byte_reaches_the_api(server_url: str, chunk: int) -> None:
    head = _head(*[b"X-H%d: 1" % i for i in range(MAX_HEADERS - 3)])
    status, _, _, _ = raw_request(server_url, head, chunk=chunk)
    assert status == 200


@pytest.mark.parametrize("chunk", [1, 2, 4, 1_000])
def test_empty_lines_before_a_head_are_ignored_whatever_the_reads(server_url: str, chunk: int) -> None:
    """Both parsers: the empty lines may arrive in a read of their own (h11 alone would refuse them with a 400)."""
    status, _, _, _ = raw_request(server_url, b"\r\n\r\n\n" + _head(), chunk=chunk)
    assert status == 200
    got, headers, body, _ = raw_request(server_url, b"\r\n\r\n" + _head(b"X-Big: " + b"a" * 100_000), chunk=chunk)
    assert_json_error(got, headers, body, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE")


def _keep_alive(head: bytes) -> bytes:
    return head.replace(b"Connection: close", b"Connection: keep-alive")


def test_pipelined_requests_and_big_bodies_are_not_heads(server_url: str) -> None:
    """Bytes after a head (a 200 KB body, a pipelined request) are the parser's, never counted as a head."""
    body = b"x" * 200_000
    post = b"POST /v1/usages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    with _partial_socket(server_url, post + _keep_alive(get_line(USAGES)) + get_line(USAGES)) as sock:
        data = b""
        while chunk := sock.recv(65536):  # to the end: the last request says `Connection: close`
            data += chunk
    statuses = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        statuses.append(int(head.split(b" ", 2)[1]))
        length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))  # type: ignore[union-attr]
        data = rest[length:]
    assert statuses == [405, 200, 200]


def _partial_socket(url: str, data: bytes, client: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.settimeout(CLOSE_BOUND_S)
    sock.bind((client, 0))
    sock.connect(("127.0.0.1", port_of(url)))
    if data:
        sock.sendall(data)
    return sock


def test_heads_that_never_end_are_closed_after_the_header_timeout(server_url: str) -> None:
    silent = _partial_socket(server_url, b"")
    slow = _partial_socket(server_url, b"GET /v1/usages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    with silent, slow:
        assert silent.recv(1024) == b"", "a connection that sent nothing is closed without an answer"
        headers, _, body = read_response(slow).partition(b"\r\n\r\n")
        assert_json_error(int(headers.split(b" ")[1]), headers, body, 408, "REQUEST_TIMEOUT")
        assert slow.recv(1024) == b""


def test_twenty_slow_heads_at_once_are_all_closed(server_url: str) -> None:
    sockets = []
    try:
        for _ in range(20):
            sockets.append(_partial_socket(server_url, b"GET /v1/usages HTTP/1.1\r\nHost: 127.0.0.1\r\n"))
        started = time.monotonic()
        answers = [read_response(sock) for sock in sockets]
        assert time.monotonic() - started < CLOSE_BOUND_S
    finally:
        for sock in sockets:
            sock.close()
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers)


def test_a_keep_alive_connection_that_stalls_in_its_next_head_gets_a_408(server_url: str) -> None:
    with _partial_socket(server_url, get_line(USAGES).replace(b"Connection: close", b"Connection: keep-alive")) as sock:
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /v1/usages HTTP/1.1\r\n")
        headers, _, body = read_response(sock).partition(b"\r\n\r\n")
        assert_json_error(int(headers.split(b" ")[1]), headers, body, 408, "REQUEST_TIMEOUT")


def _keep_alive_request(sock: socket.socket) -> bytes:
    sock.sendall(get_line(USAGES).replace(b"Connection: close", b"Connection: keep-alive"))
    return read_response(sock)


def _request_from(url: str, client: str) -> tuple[int, bytes, bytes]:
    with _partial_socket(url, get_line(USAGES), client=client) as sock:
        headers, _, body = read_response(sock).partition(b"\r\n\r\n")
    return int(headers.split(b" ")[1]), headers, body


def _other_loopback_address() -> str | None:
    """A second client address (127.0.0.2 is on Linux's loopback, not on macOS's)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.2", 0))
        except OSError:
            return None
    return "127.0.0.2"


def test_connections_past_the_per_client_limit_get_a_json_503(limited_url: str) -> None:
    client, other = "127.0.0.1", _other_loopback_address()
    held = [_partial_socket(limited_url, b"") for _ in range(PER_CLIENT)]
    try:
        for sock in held:  # each is open on the server's side once it has answered
            assert _keep_alive_request(sock).startswith(b"HTTP/1.1 200 ")
        status, headers, body = _request_from(limited_url, client)
        error = assert_json_error(status, headers, body, 503, "TOO_MANY_CONNECTIONS")
        assert str(PER_CLIENT) in error["message"]
        if other is not None:
            assert _request_from(limited_url, other)[0] == 200, "other clients are served"
        # The held connections keep being served.
        assert _keep_alive_request(held[0]).startswith(b"HTTP/1.1 200 ")
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + CLOSE_BOUND_S
    while True:  # the server notices the closed connections shortly
        status = _request_from(limited_url, client)[0]
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status == 200
    response = httpx.get(limited_url + "/v1/usages", params={"type": "consumption"}, headers=BASIC)
    assert response.status_code == 200


# --- the command line -----------------------------------------------------------------------------------------------


def test_serve_with_workers_runs_the_protocol_with_its_limits() -> None:
    """The protocol class and the limits reach `serve --workers` processes (the header timeout from the environment)."""
    process, url = serve_process("--quiet", "--workers", "2", env={"MOCK_HEADER_TIMEOUT": "1"})
    try:
        status, headers, body, _ = raw_request(url, _head(target=b"/v1/usages?userId=" + b"u" * 100_000))
        assert_json_error(status, headers, body, 414, "URI_TOO_LONG")
        with _partial_socket(url, b"GET /v1/usages HTTP/1.1\r\n") as slow:
            headers, _, body = read_response(slow).partition(b"\r\n\r\n")
        error = assert_json_error(int(headers.split(b" ")[1]), headers, body, 408, "REQUEST_TIMEOUT")
        assert "within 1 s" in error["message"]
    finally:
        stop_process(process)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--header-timeout", "-1"], id="negative-timeout"),
        pytest.param(["--header-timeout", "soon"], id="not-a-number"),
        pytest.param(["--max-connections-per-client", "1.5"], id="not-an-integer"),
    ],
)
def test_bad_limit_flags_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *argv])
    assert exit_info.value.code == 2
    assert argv[0] in capsys.readouterr().err
