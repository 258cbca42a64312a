"""The fast lane (`mockserver.api.fastlane`): a cached `/v1/usages` body is answered before Starlette's layers with
the same bytes and the same journal entry as the whole way; anything the whole way would decide otherwise (faults,
latency, credentials, a malformed query, a moved clock) still goes the whole way."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver.api import build_app
from mockserver.api.app import MockApp
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, basic_header, serving

ACTIVE = basic_header("api_revokedActive00000001", "active-secret")
INACTIVE = basic_header("api_revokedInactive000001", "inactive-secret")


class Lane:
    """A live server whose whole way (the API's middleware, or Starlette's whole stack) counts the requests it sees."""

    def __init__(self, app: MockApp, url: str) -> None:
        self.app = app
        self.url = url
        self.whole_way = 0

    def get(self, target: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.get(self.url + target, headers=headers if headers is not None else BASIC, timeout=30)

    def journal(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = httpx.get(self.url + "/__admin/journal", timeout=30).json()["entries"]
        return entries


@pytest.fixture
def lane() -> Iterator[Lane]:
    yield from _serve(Settings(now=NOW, log_requests=False))


def _serve(settings: Settings) -> Iterator[Lane]:
    app = build_app(settings)
    served = Lane(app, "")
    stack, api = app.build_middleware_stack(), app.api
    assert api is not None

    def counting(inner: Any) -> Any:
        async def counted(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and not scope["path"].startswith("/__admin"):
                served.whole_way += 1
            await inner(scope, receive, send)

        return counted

    app.middleware_stack, app.api = counting(stack), counting(api)
    with serving(settings, app) as url:
        served.url = url
        yield served


def _head(response: httpx.Response) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers.multi_items() if name != "date"]


@pytest.mark.parametrize(
    "target",
    ["/v1/usages", "/v1/usages?timeRange=last-thirty-one-days", "/usages/?type=activity&page=1"],
)
def test_a_cached_answer_skips_the_stack_with_the_same_bytes_and_journal_entry(lane: Lane, target: str) -> None:
    first = lane.get(target)
    assert first.status_code == 200 and lane.whole_way == 1
    second = lane.get(target)
    assert lane.whole_way == 1, "the second, cached answer should come from the fast lane"
    assert second.content == first.content
    assert _head(second) == _head(first)
    whole, fast = lane.journal()[-2:]
    for entry in (whole, fast):
        entry.pop("id"), entry.pop("time"), entry.pop("timeMs"), entry.pop("durationMs"), entry.pop("monotonic")
    assert fast == whole
    if "type=activity" in target:
        assert fast["activityCount"] == 100  # a whole page of events (the default world has more)


def test_faults_latency_and_the_clock_still_go_the_whole_way(lane: Lane) -> None:
    lane.get("/v1/usages")
    lane.get("/v1/usages")
    assert lane.whole_way == 1
    response = lane.get("/v1/usages", {**BASIC, "x-mock-fault": "503"})
    assert response.status_code == 503 and lane.whole_way == 2
    assert lane.get("/v1/usages", {**BASIC, "x-mock-latency": "1"}).status_code == 200 and lane.whole_way == 3
    rule = {"path": "/v1/usages", "status": 429, "retryAfter": 2}
    assert httpx.post(lane.url + "/__admin/faults", json=rule, timeout=10).status_code == 201
    limited = lane.get("/v1/usages")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2" and lane.whole_way == 4
    assert httpx.delete(lane.url + "/__admin/faults", timeout=10).status_code in (200, 204)
    before = lane.get("/v1/usages")
    assert lane.whole_way == 4  # no rule left: the lane again
    moved = httpx.post(lane.url + "/__admin/clock", json={"advance": "1h"}, timeout=10)
    assert moved.status_code == 200, moved.text
    after = lane.get("/v1/usages")
    assert lane.whole_way == 5, "a moved clock is a new render"
    assert after.headers["x-mock-now"] != before.headers["x-mock-now"]
    assert lane.get("/v1/usages").content == after.content and lane.whole_way == 5


def test_refused_credentials_and_bad_queries_get_the_whole_ways_errors(lane: Lane) -> None:
    headers = {**ACTIVE, "x-mock-scenario": "revoked-keys"}
    assert lane.get("/v1/usages", headers).status_code == 200
    assert lane.get("/v1/usages", headers).status_code == 200 and lane.whole_way == 1
    refused = lane.get("/v1/usages", {**INACTIVE, "x-mock-scenario": "revoked-keys"})
    assert refused.status_code == 401 and "inactive" in refused.json()["message"]
    assert lane.get("/v1/usages", {"x-mock-scenario": "revoked-keys"}).status_code == 401
    assert lane.get("/v1/usages", {**BASIC, "x-mock-scenario": "no-such-world"}).status_code == 404
    bad = lane.get("/v1/usages?timeRange=last-year")
    assert bad.status_code == 400 and bad.json()["code"]
    assert lane.whole_way == 5


def test_the_request_log_has_a_line_for_a_fast_answer(caplog: pytest.LogCaptureFixture) -> None:
    for served in _serve(Settings(now=NOW, log_requests=True)):
        served.get("/v1/usages?timeRange=last-seven-days")
        with caplog.at_level(logging.INFO, logger="mockserver.requests"):
            served.get("/v1/usages?timeRange=last-seven-days")
        assert served.whole_way == 1
    lines = [record.getMessage() for record in caplog.records if record.name == "mockserver.requests"]
    assert len(lines) == 1 and lines[0].startswith("GET /v1/usages?timeRange=last-seven-days 200 ")


def test_a_repeated_header_goes_the_whole_way(lane: Lane) -> None:
    lane.get("/v1/usages")
    repeated = httpx.get(
        lane.url + "/v1/usages",
        headers=[("Authorization", BASIC["Authorization"]), ("Authorization", "Basic bm9wZQ==")],
        timeout=30,
    )
    assert lane.whole_way == 2
    assert repeated.status_code == 200  # the handler authenticates with the first, as before the lane
