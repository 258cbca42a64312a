"""The official SDK against every fault: what it retries, how long it waits, what it raises, as the journal shows.

Where the SDK would back off exponentially (0.5 s, 1 s, ...) and backoff is not the point of a test, the fault
carries `retry-after-ms=10` so the test stays fast; API-FACTS: the SDK uses a delay when 0 < delay <= 60 s.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import scenario_sdk
from scenario_sdk import AsyncScenario, Scenario

from mockserver.controls.journal import Journal, VerificationError
from mockserver.settings import Settings, shipped_scenarios_dir
from tests.conftest import NOW, start_server

FAST = "retry-after-ms=10"


@dataclass
class Mock:
    url: str
    journal: Journal
    admin: httpx.Client
    clients: list[Scenario] = field(default_factory=list)

    def sdk(self, max_retries: int = 2, timeout: float = 10.0) -> Scenario:
        client = Scenario(
            base_url=self.url + "/v1",
            api_key="k",
            api_secret="s",
            _strict_response_validation=True,
            max_retries=max_retries,
            timeout=timeout,
        )
        self.clients.append(client)
        return client

    def wait_for_entries(self, count: int) -> None:
        """Wait for requests the client gave up on: the server records them when it is done with them."""
        deadline = time.monotonic() + 5
        while len(self.journal) < count and time.monotonic() < deadline:
            time.sleep(0.02)

    def rule(self, rule: dict[str, object]) -> None:
        self.admin.post("/__admin/faults", json=rule).raise_for_status()

    def retry_counts(self) -> list[int | None]:
        return [e.retry_count for e in self.journal.entries()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Journal]]:
    directory = tmp_path_factory.mktemp("scenarios")
    shutil.copy(shipped_scenarios_dir() / "default.yaml", directory)
    server, thread, url = start_server(Settings(now=NOW, log_requests=False, scenarios_dir=directory))
    app: Any = server.config.app
    yield url, app.state.journal
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def mock(server: tuple[str, Journal]) -> Iterator[Mock]:
    url, journal = server
    with httpx.Client(base_url=url, timeout=10) as admin:
        admin.delete("/__admin/faults").raise_for_status()
        admin.post("/__admin/reset").raise_for_status()
        mock = Mock(url, journal, admin)
        yield mock
        for client in mock.clients:
            client.close()


def test_two_503s_then_success(mock: Mock) -> None:
    mock.rule({"sequence": [503, 503]})
    response = mock.sdk().usages.list(type=["consumption"], time_range="last-hour")
    assert response.consumption is not None
    assert mock.retry_counts() == [0, 1, 2]
    assert [e.status for e in mock.journal.entries()] == [503, 503, 200]
    mock.journal.assert_called(3, path="/v1/usages", query={"type": "consumption"})
    # The same, read through the admin API.
    entries = mock.admin.get("/__admin/journal").json()["entries"]
    assert [(e["retryCount"], e["status"]) for e in entries] == [(0, 503), (1, 503), (2, 200)]


def test_async_sdk_retries_the_same_way(mock: Mock) -> None:
    mock.rule({"sequence": [{"status": 502, "retryAfterMs": 10}, {"status": 504, "retryAfterMs": 10}]})

    async def call() -> None:
        async with AsyncScenario(base_url=mock.url + "/v1", api_key="k", api_secret="s", max_retries=2) as client:
            await client.usages.list(type=["consumption"])

    asyncio.run(call())
    assert mock.retry_counts() == [0, 1, 2]


def test_waits_for_retry_after_ms(mock: Mock) -> None:
    mock.rule({"sequence": [{"status": 429, "retryAfterMs": 200}]})
    started = time.monotonic()
    mock.sdk().usages.list(type=["consumption"])
    assert time.monotonic() - started >= 0.2
    [(limited, retry)] = mock.journal.assert_waited_retry_after()
    assert (limited.status, limited.retry_after_ms, retry.retry_count) == (429, 200, 1)


def test_waits_for_retry_after_seconds(mock: Mock) -> None:
    mock.rule({"sequence": [{"status": 503, "retryAfter": 0.3}]})
    started = time.monotonic()
    mock.sdk().usages.list(type=["consumption"])
    assert time.monotonic() - started >= 0.3
    mock.journal.assert_waited_retry_after()


def test_retry_after_over_60s_is_ignored_by_the_sdk_and_the_journal_says_so(mock: Mock) -> None:
    # The vendor's cooldown: 900 s. The SDK falls back to its backoff (about 0.5 s) instead of waiting.
    mock.rule({"sequence": [{"status": 429, "retryAfter": 900}]})
    mock.sdk(max_retries=1).usages.list(type=["consumption"])
    with pytest.raises(VerificationError, match="asked for 900000 ms") as failure:
        mock.journal.assert_waited_retry_after()
    assert "retry 1" in str(failure.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (408, scenario_sdk.APIStatusError),
        (409, scenario_sdk.ConflictError),
        (429, scenario_sdk.RateLimitError),
        (500, scenario_sdk.InternalServerError),
        (503, scenario_sdk.InternalServerError),
    ],
)
def test_retried_statuses(mock: Mock, status: int, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        mock.sdk().usages.list(extra_headers={"X-Mock-Fault": f"{status}; {FAST}"})
    assert raised.value.status_code == status  # type: ignore[attr-defined]
    assert mock.retry_counts() == [0, 1, 2]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, scenario_sdk.BadRequestError),
        (401, scenario_sdk.AuthenticationError),
        (403, scenario_sdk.PermissionDeniedError),
        (404, scenario_sdk.NotFoundError),
        (422, scenario_sdk.UnprocessableEntityError),
    ],
)
def test_client_errors_are_not_retried(mock: Mock, status: int, error: type[Exception]) -> None:
    with pytest.raises(error, match=f"Error code: {status}"):
        mock.sdk().usages.list(extra_headers={"X-Mock-Fault": f"{status}; {FAST}"})
    assert mock.retry_counts() == [0]


def test_should_retry_false_stops_a_retryable_error(mock: Mock) -> None:
    with pytest.raises(scenario_sdk.InternalServerError):
        mock.sdk().usages.list(extra_headers={"X-Mock-Fault": "503; should-retry=false"})
    assert mock.retry_counts() == [0]


def test_should_retry_true_retries_a_client_error(mock: Mock) -> None:
    mock.rule({"sequence": [{"status": 400, "shouldRetry": True, "retryAfterMs": 10}]})
    mock.sdk().usages.list(type=["consumption"])
    assert [e.status for e in mock.journal.entries()] == [400, 200]


def test_connection_reset_exhausts_the_retries(mock: Mock) -> None:
    # No response, so no Retry-After: this one waits the SDK's real backoff (about 0.4-0.5 s, then 0.75-1 s).
    with pytest.raises(scenario_sdk.APIConnectionError) as raised:
        mock.sdk().usages.list(extra_headers={"X-Mock-Fault": "reset"})
    assert isinstance(raised.value.__cause__, httpx.ReadError)
    assert mock.retry_counts() == [0, 1, 2]
    assert {e.status for e in mock.journal.entries()} == {0}


def test_truncated_body_then_success(mock: Mock) -> None:
    mock.rule({"sequence": ["truncated"]})
    mock.sdk().usages.list(type=["consumption"])
    assert [(e.retry_count, e.fault is not None) for e in mock.journal.entries()] == [(0, True), (1, False)]


def test_closed_connection_is_a_connection_error(mock: Mock) -> None:
    with pytest.raises(scenario_sdk.APIConnectionError) as raised:
        mock.sdk(max_retries=0).usages.list(extra_headers={"X-Mock-Fault": "close"})
    assert isinstance(raised.value.__cause__, httpx.RemoteProtocolError)


@pytest.mark.parametrize("kind", ["malformed", "empty"])
def test_unparseable_200_raises_a_json_error_not_an_api_error(mock: Mock, kind: str) -> None:
    # A 200 is final for the SDK: no retry, and the decode error escapes as json.JSONDecodeError (a ValueError),
    # which an integration catching only scenario_sdk.APIError does not catch.
    with pytest.raises(json.JSONDecodeError):
        mock.sdk().usages.list(extra_headers={"X-Mock-Fault": kind})
    assert mock.retry_counts() == [0]


def test_html_gateway_502_is_retried(mock: Mock) -> None:
    with pytest.raises(scenario_sdk.InternalServerError, match="502 Bad Gateway") as raised:
        mock.sdk().usages.list(extra_headers={"X-Mock-Fault": f"html; {FAST}"})
    assert raised.value.body is None or isinstance(raised.value.body, str)
    assert mock.retry_counts() == [0, 1, 2]


def test_html_200_fails_strict_validation(mock: Mock) -> None:
    with pytest.raises(scenario_sdk.APIResponseValidationError, match="Content-Type"):
        mock.sdk().usages.list(extra_headers={"X-Mock-Fault": "html; status=200"})


def test_dribbled_body_is_slow_but_succeeds(mock: Mock) -> None:
    started = time.monotonic()
    response = mock.sdk().usages.list(type=["activity"], extra_headers={"X-Mock-Fault": "dribble; interval-ms=60"})
    assert time.monotonic() - started >= 0.5  # 10 chunks, 9 pauses
    assert response.activity
    assert mock.retry_counts() == [0]


def test_dribble_slower_than_the_read_timeout_times_out(mock: Mock) -> None:
    with pytest.raises(scenario_sdk.APITimeoutError):
        mock.sdk(max_retries=0, timeout=0.2).usages.list(
            type=["activity"], extra_headers={"X-Mock-Fault": "dribble; chunks=3; interval-ms=500"}
        )
    mock.wait_for_entries(1)  # the server stops dribbling once it sees the client gone


def test_latency_is_at_least_what_was_asked(mock: Mock) -> None:
    mock.rule({"latency": 250})
    started = time.monotonic()
    mock.sdk().usages.list(type=["consumption"])
    assert time.monotonic() - started >= 0.25
    [entry] = mock.journal.entries()
    assert entry.duration_ms >= 250


def test_latency_over_the_timeout_is_retried_then_raises(mock: Mock) -> None:
    with pytest.raises(scenario_sdk.APITimeoutError):
        mock.sdk(max_retries=1, timeout=0.1).usages.list(extra_headers={"X-Mock-Latency": "300ms"})
    mock.wait_for_entries(2)  # the server still answers each attempt, late
    assert mock.retry_counts() == [0, 1]


def test_walking_activity_pages_with_the_sdk(mock: Mock) -> None:
    client = mock.sdk()
    offset = 0
    while True:
        page = client.usages.list(type=["activity"], time_range="last-day", activity_offset=offset)
        assert page.activity is not None
        if len(page.activity) < 100:
            break
        offset += 100
    walk = mock.journal.assert_walked_activity_pages(query={"timeRange": "last-day"})
    assert [e.activity_count for e in walk] == [100, 100, 13]


def test_a_page_lost_to_a_fault_is_walked_after_the_retry(mock: Mock) -> None:
    mock.rule({"query": {"activityOffset": 100}, "sequence": [{"status": 503, "retryAfterMs": 10}]})
    client = mock.sdk()
    for offset in (0, 100, 200):
        client.usages.list(type=["activity"], time_range="last-day", activity_offset=offset)
    mock.journal.assert_walked_activity_pages()
    assert [e.status for e in mock.journal.entries()] == [200, 503, 200, 200]


def test_an_incomplete_walk_fails_with_the_pages_seen(mock: Mock) -> None:
    client = mock.sdk()
    for offset in (0, 100):
        client.usages.list(type=["activity"], time_range="last-day", activity_offset=offset)
    with pytest.raises(VerificationError, match="stopped before offset 200") as failure:
        mock.journal.assert_walked_activity_pages()
    assert "offset 0: 100 events, offset 100: 100 events" in str(failure.value)
