"""Shared fixtures: a real uvicorn server on a free port (for the SDK) and an in-process httpx client."""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from mockserver.api import build_app
from mockserver.api.server import server_config
from mockserver.settings import Settings
from mockserver.world.clock import parse_instant

# Tests freeze the clock: off a minute boundary, so windows have their partial edge buckets.
NOW_TEXT = "2026-11-30T14:37:12.345Z"
NOW = parse_instant(NOW_TEXT)


def basic_header(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


BASIC = basic_header("test-key", "test-secret")


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:PORT
    settings: Settings

    @property
    def base_url(self) -> str:
        return self.url + "/v1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    settings: Settings, http: str = "auto", app: Any = None
) -> tuple[uvicorn.Server, threading.Thread, str]:
    """A uvicorn thread serving `app` (default `build_app(settings)`) as mockserver does (`http`: "auto" or "h11")."""
    port = free_port()
    config = server_config(app if app is not None else build_app(settings), "127.0.0.1", port, settings, http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    return server, thread, f"http://127.0.0.1:{port}"


def serve_process(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """`python -m mockserver serve` on a free port with the tests' frozen clock, once it answers; (process, URL)."""
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--now", NOW_TEXT, *args]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/__admin/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("server did not start: " + process.communicate()[1])


def stop_process(process: subprocess.Popen[str]) -> str:
    """Stop a `serve_process` as Ctrl-C does; what it wrote to stderr."""
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err


@contextlib.contextmanager
def serving(settings: Settings, app: Any = None) -> Iterator[str]:
    """A real uvicorn server of `settings` (serving `app`, default `build_app(settings)`) for the block: its URL;
    stopped afterwards."""
    server, thread, url = start_server(settings, app=app)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(now=NOW, log_requests=False)


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server, thread, url = start_server(settings)
    yield LiveServer(url, settings)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def app(settings: Settings):  # type: ignore[no-untyped-def]
    return build_app(settings)


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    """A plain httpx client on the live server, authenticated with well-formed Basic credentials."""
    with httpx.Client(base_url=live_server.url, headers=BASIC, timeout=30) as http:
        yield http
