"""What the proxy report's tests share: real mock answers (frozen clock) turned into captures, plain or drifted."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from mockserver.api import build_app
from mockserver.api.server import server_config
from mockserver.proxy.capture import Capture
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, free_port

USAGES_QUERIES = (
    "",
    "timeRange=last-hour",
    "timeRange=last-day&dropZeroPoints",
    "timeRange=last-thirty-one-days",
    "startDate=2026-06-01&endDate=2026-09-01",
    "startDate=2026-11-01&endDate=2026-11-02",
)
READ_PATHS = (
    "/v1/teams",
    "/v1/projects",
    "/v1/jobs",
    "/v1/jobs?pageSize=3",
    "/v1/assets?pageSize=100",
    "/v1/models",
    "/v1/collections",
)


@dataclass
class Mock:
    """The mock in process: `capture(path_and_query)` asks it and wraps the answer as the proxy would."""

    app: Starlette
    client: httpx.Client

    def capture(self, target: str, *, source: str | None = None, drift: bool = False) -> Capture:
        self.app.state.worlds.set_contract(None, drift=drift)
        try:
            response = self.client.get(target, headers=BASIC)
        finally:
            self.app.state.worlds.set_contract(None, drift=False)
        path, _, query = target.partition("?")
        content_type = response.headers.get("content-type", "")
        body: Any = response.json() if content_type.startswith("application/json") else None
        return Capture(
            path=path,
            query=query,
            status=response.status_code,
            body=body,
            text=None if body is not None else response.text,
            time=NOW,
            response_headers=dict(response.headers),
            source=source or f"{target}{' (drift)' if drift else ''}",
        )

    def retrieve_targets(self) -> list[str]:
        """One retrieve path per resource, with ids the lists give."""
        team = self.capture("/v1/teams").body["teams"][0]["id"]
        targets = [f"/v1/teams/{team}", f"/v1/teams/{team}/limits"]
        for resource, key, id_key in (
            ("projects", "projects", "id"),
            ("jobs", "jobs", "jobId"),
            ("assets", "assets", "id"),
            ("models", "models", "id"),
            ("collections", "collections", "id"),
        ):
            first = self.capture(f"/v1/{resource}?pageSize=1").body[key][0]
            targets.append(f"/v1/{resource}/{first[id_key]}")
        return targets


@pytest.fixture(scope="session")
def mock() -> Iterator[Mock]:
    """The mock with the tests' frozen clock, served by uvicorn in a thread (as a proxy's upstream would be)."""
    settings = Settings(now=NOW, log_requests=False)
    app = build_app(settings)
    port = free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, settings, "auto"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield Mock(app, client)
    finally:
        server.should_exit = True
        thread.join(10)


def doctored(capture: Capture, source: str) -> Capture:
    """A deep copy of a capture, to break on purpose."""
    copied = copy.deepcopy(capture)
    copied.source = source
    return copied
