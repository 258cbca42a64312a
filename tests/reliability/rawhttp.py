"""Raw-socket HTTP for tests: send bytes that httpx would refuse to send, read back status, headers and body."""

from __future__ import annotations

import re
import socket
import time

from tests.conftest import BASIC


def raw_request(url: str, head: bytes, *, chunk: int | None = None) -> tuple[int, bytes, bytes, float]:
    """Send `head` (in pieces of `chunk` bytes if given); (status, headers, body, seconds).

    The server may answer and close before everything is sent (a head over a limit): the answer is read anyway.
    """
    host, port = url.removeprefix("http://").split(":")
    started = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            step = chunk or len(head) or 1
            for start in range(0, len(head), step):
                sock.sendall(head[start : start + step])
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = read_response(sock)
    elapsed = time.perf_counter() - started
    headers, _, body = data.partition(b"\r\n\r\n")
    status = int(headers.split(b" ", 2)[1])
    return status, headers, body, elapsed


def read_response(sock: socket.socket) -> bytes:
    """The bytes of one response: up to its Content-Length, or to the end of the connection."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def _length(data: bytes) -> int:
    match = re.search(rb"\r\ncontent-length: *(\d+)", data.partition(b"\r\n\r\n")[0], re.IGNORECASE)
    return int(match.group(1)) if match else 1 << 30


def get_line(target: bytes, *extra: bytes) -> bytes:
    """A GET request with Basic credentials and `Connection: close`, plus `extra` header lines."""
    auth = BASIC["Authorization"].encode()
    lines = [b"GET " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Authorization: " + auth, *extra]
    return b"\r\n".join([*lines, b"Connection: close", b"", b""])
