"""The request journal: what it records over HTTP, what it hides, its bound, and the verification helpers."""

from __future__ import annotations

import shutil
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.controls.journal import SETTLE_BATCH, SHARED_SETS, Journal, JournalEntry, RawRequest, VerificationError
from mockserver.controls.masking import mask_header
from mockserver.settings import Settings, shipped_scenarios_dir
from tests.conftest import BASIC, NOW, basic_header, start_server

USAGES = "/v1/usages"
SECRET = "s3cr3t-value-never-shown"


def entry(entry_id: int, query: dict[str, str] | None = None, **fields: Any) -> JournalEntry:
    values: dict[str, Any] = {
        "id": entry_id,
        "time": NOW + entry_id,
        "method": "GET",
        "path": USAGES,
        "query": list((query or {}).items()),
        "headers": {},
        "scenario": "default",
        "status": 200,
        "duration_ms": 5.0,
        "monotonic": float(entry_id),
    }
    values.update(fields)
    return JournalEntry(**values)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    directory = tmp_path_factory.mktemp("scenarios")
    shutil.copy(shipped_scenarios_dir() / "default.yaml", directory)
    started = {
        "normal": start_server(Settings(now=NOW, log_requests=False, scenarios_dir=directory)),
        "small": start_server(Settings(now=NOW, log_requests=False, scenarios_dir=directory, journal_size=100)),
    }
    yield {name: (url, server.config.app) for name, (server, _, url) in started.items()}
    for server, thread, _ in started.values():
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def http(servers: dict[str, Any]) -> Iterator[httpx.Client]:
    url, _ = servers["normal"]
    with httpx.Client(base_url=url, headers=BASIC, timeout=10) as client:
        client.post("/__admin/reset").raise_for_status()
        yield client


def journal_json(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = http.get("/__admin/journal", params=params)
    response.raise_for_status()
    return list(response.json()["entries"])


# -- recording over HTTP ---------------------------------------------------------------------------------------------
def test_every_request_is_recorded_with_its_details(http: httpx.Client) -> None:
    http.get(USAGES, params={"type": "consumption", "timeRange": "last-hour"}, headers={"x-stainless-retry-count": "1"})
    http.get("/nope")
    http.get(USAGES, headers={"X-Mock-Scenario": "unknown"})
    http.get(USAGES, params={"type": "activity"}, headers={"X-Mock-Fault": "503; retry-after-ms=250"})
    first, missing, unknown, faulted = journal_json(http)
    assert first["method"] == "GET"
    assert (first["path"], first["query"]) == (USAGES, [["type", "consumption"], ["timeRange", "last-hour"]])
    assert (first["scenario"], first["status"], first["retryCount"], first["fault"]) == ("default", 200, 1, None)
    assert first["durationMs"] > 0
    assert first["time"].endswith("Z")
    assert first["headers"]["x-stainless-retry-count"] == "1"
    assert (missing["status"], missing["scenario"]) == (404, None)
    assert (unknown["status"], unknown["scenario"]) == (404, None)
    assert (faulted["status"], faulted["retryAfterMs"], faulted["activityCount"]) == (503, 250, None)
    assert faulted["fault"] == "503 (X-Mock-Fault)"
    assert first["id"] < missing["id"] < unknown["id"] < faulted["id"]


def test_admin_calls_are_not_recorded(http: httpx.Client) -> None:
    http.get("/__admin/health")
    http.get("/__admin/scenarios")
    assert journal_json(http) == []


def test_credentials_never_reach_the_journal(http: httpx.Client) -> None:
    basic = basic_header("key-id", SECRET)
    http.get(USAGES, params={"type": "consumption"}, headers=basic)
    http.get(USAGES, params={"type": "consumption"}, headers={"Authorization": f"Bearer {SECRET}"})
    http.get(USAGES, params={"type": "consumption", "token": SECRET}, headers={"X-Api-Key": SECRET, "Cookie": SECRET})
    text = http.get("/__admin/journal").text
    assert SECRET not in text
    assert basic["Authorization"].split()[1] not in text
    entries = journal_json(http)
    assert [e["headers"]["authorization"] for e in entries] == ["Basic ***", "Bearer ***", BASIC_MASKED]
    assert entries[2]["headers"]["x-api-key"] == "***"
    assert ["token", "***"] in entries[2]["query"]


BASIC_MASKED = "Basic ***"


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("authorization", "Basic dGVzdDpzZWNyZXQ=", "Basic ***"),
        ("authorization", "garbage", "***"),
        ("proxy-authorization", "Digest abc", "Digest ***"),
        ("x-admin-token", "t", "***"),
        ("x-mock-scenario", "default", "default"),
        ("user-agent", "x" * 5000, "x" * 2048 + "…[truncated 2952 bytes]"),
    ],
)
def test_masking(name: str, value: str, shown: str) -> None:
    assert mask_header(name, value) == shown


def test_journal_filters_limit_since_and_clear(http: httpx.Client) -> None:
    for offset in (0, 100, 200):
        http.get(USAGES, params={"type": "usages,activity", "timeRange": "last-day", "activityOffset": offset})
    http.get(USAGES, params={"type": "consumption"}, headers={"X-Mock-Fault": "429"})
    assert len(journal_json(http, query="type=activity")) == 3
    assert len(journal_json(http, query=["type=activity", "activityOffset=100"])) == 1
    assert len(journal_json(http, status=429)) == 1
    assert len(journal_json(http, status=[200, 429], method="get", path="/usages")) == 4
    assert len(journal_json(http, scenario="other")) == 0
    newest = journal_json(http, limit=2)
    assert [e["status"] for e in newest] == [200, 429]
    assert journal_json(http, since=newest[0]["id"]) == newest[1:]
    assert http.get("/__admin/journal", params={"limit": "many"}).status_code == 400
    assert http.get("/__admin/journal", params={"query": "type"}).status_code == 400
    assert http.delete("/__admin/journal").json() == {"cleared": 4}
    assert journal_json(http) == []


def test_the_journal_is_bounded_oldest_dropped(servers: dict[str, Any]) -> None:
    url, app = servers["small"]
    with httpx.Client(base_url=url, headers=BASIC) as client:
        for i in range(500):
            client.get("/v1/nope", params={"i": i})
        body = client.get("/__admin/journal").json()
    assert body["total"] == 100
    assert [e["query"] for e in body["entries"]] == [[["i", str(i)]] for i in range(400, 500)]
    assert len(app.state.journal) == 100


def test_memory_stays_flat_under_load() -> None:
    journal = Journal(500)

    def fill(n: int) -> None:
        for i in range(n):
            # What the middleware records: the raw request, with headers as the server received them.
            headers = [(b"authorization", b"Basic dGVzdDpzZWNyZXQ="), (b"user-agent", b"x" * 4000 + str(i).encode())]
            query = f"type=activity&i={i}".encode()
            journal.record(
                RawRequest(journal.next_id(), NOW, 0.0, 1.0, "GET", USAGES, query, headers, None, 200, None, None, None)
            )

    tracemalloc.start()
    try:
        fill(1000)  # full: from here on every entry replaces the oldest
        before = tracemalloc.get_traced_memory()[0]
        fill(5000)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(journal) == 500
    assert before > 500 * 4000  # the entries themselves are there...
    assert after - before < 100_000  # ...and 5000 more requests did not add to them


def test_repeated_headers_are_kept_once() -> None:
    journal = Journal(1000)

    def record(headers: list[tuple[bytes, bytes]]) -> None:
        raw = RawRequest(journal.next_id(), NOW, 0.0, 1.0, "GET", USAGES, b"", headers, None, 200, None, None, None)
        journal.record(raw)

    for _ in range(3):  # what a client sends every time: a new list of new bytes, equal to the last
        record([(b"host", b"127.0.0.1"), (b"authorization", b"Basic " + b"dGVzdDpzZWNyZXQ=")])
    record([(b"host", b"127.0.0.1"), (b"x-other", b"1")])
    assert len(journal) == 4  # reading settles the batch recorded so far
    kept = [raw.headers for raw in journal._entries if isinstance(raw, RawRequest)]
    assert kept[0] is kept[1] is kept[2]
    assert kept[3] is not kept[0] and kept[3] == ((b"host", b"127.0.0.1"), (b"x-other", b"1"))
    assert [e.headers for e in journal.entries()][2:] == [
        {"host": "127.0.0.1", "authorization": "Basic ***"},
        {"host": "127.0.0.1", "x-other": "1"},
    ]
    for i in range(2 * SHARED_SETS):  # ever new values: the sets kept stay bounded
        record([(b"host", b"127.0.0.1"), (b"x-request-id", str(i).encode())])
    assert len(journal) == 4 + 2 * SHARED_SETS
    assert len(journal._header_sets) <= SHARED_SETS


def test_entries_recorded_in_a_batch_are_read_at_once_and_bounded() -> None:
    journal = Journal(10, max_bytes=1 << 30)

    def record() -> int:
        raw = RawRequest(
            journal.next_id(), NOW, 0.0, 1.0, "GET", USAGES, b"", [(b"host", b"h")], None, 200, None, None, None
        )
        journal.record(raw)
        return raw.id

    ids = [record() for _ in range(SETTLE_BATCH + 5)]  # one batch settled, five entries waiting
    assert [e.id for e in journal.entries()] == ids[-10:]
    assert journal.usage()["entries"] == 10
    last = record()  # waiting in a batch of one: still read at once
    assert journal.entries()[-1].id == last and len(journal) == 10
    assert journal.clear() == 10 and journal.entries() == []
    small = Journal(10, max_bytes=1)  # past the byte bound: only the newest is kept
    for _ in range(3):
        small.record(RawRequest(small.next_id(), NOW, 0.0, 1.0, "GET", USAGES, b"", [], None, 200, None, None, None))
    assert [e.id for e in small.entries()] == [3]


def test_entries_round_trip_through_json() -> None:
    original = entry(7, {"type": "activity"}, retry_count=2, retry_after_ms=250.0, activity_count=100, fault="503")
    assert JournalEntry.from_json(original.to_json()) == original


# -- verification helpers -------------------------------------------------------------------------------------------
def test_assert_called_counts_matching_requests() -> None:
    journal = Journal.of(
        [
            entry(1, {"type": "activity"}),
            entry(2, {"type": "usages,activity"}),
            entry(3, {"type": "usages"}),
            entry(4, {"type": "activity"}, status=503),
        ]
    )
    assert len(journal.assert_called(3, query={"type": "activity"})) == 3
    journal.assert_called(2, query={"type": "activity"}, status=200)
    journal.assert_called(at_least=4)
    journal.assert_called(query={"activityOffset": None})
    journal.assert_called(0, path="/v1/other")


def test_assert_called_failure_lists_similar_requests() -> None:
    journal = Journal.of(
        [entry(1, {"type": "usages"}), entry(2, {"type": "activity"}, status=503), entry(3, path="/v1/other")]
    )
    with pytest.raises(VerificationError) as failure:
        journal.assert_called(3, query={"type": "activity"}, status=200)
    message = str(failure.value)
    assert message.splitlines()[0] == (
        "expected exactly 3 requests matching query={'type': 'activity'} status=200, saw 0"
    )
    assert "similar requests (most similar first):" in message
    assert "#2 GET /v1/usages?type=activity -> 503 (scenario default) [differs in status]" in message
    assert "#1 GET /v1/usages?type=usages -> 200 (scenario default) [differs in query.type]" in message
    assert message.index("#2 ") < message.index("#1 ")


def test_assert_called_with_an_empty_journal() -> None:
    with pytest.raises(VerificationError, match="no requests were recorded"):
        Journal(10).assert_called()


def test_walked_activity_pages() -> None:
    walk = [entry(i + 1, {"type": "activity", "activityOffset": str(i * 100)}, activity_count=100) for i in range(3)]
    walk.append(entry(4, {"type": "activity", "activityOffset": "300.0"}, activity_count=42))
    assert Journal.of(walk).assert_walked_activity_pages(query={"type": "activity"}) == walk
    # A different query is a different walk.
    other = entry(5, {"type": "activity", "timeRange": "last-day"}, activity_count=100)
    with pytest.raises(VerificationError, match="stopped before offset 100"):
        Journal.of([other]).assert_walked_activity_pages()
    with pytest.raises(VerificationError, match="stopped before offset 300"):
        Journal.of(walk[:3]).assert_walked_activity_pages()
    with pytest.raises(VerificationError, match="no 200 response with an activity page matched"):
        Journal.of(walk).assert_walked_activity_pages(scenario="other")


def test_waited_retry_after() -> None:
    limited = entry(1, status=429, retry_after_ms=200.0, retry_count=0, monotonic=10.0, duration_ms=5.0)
    patient = entry(2, retry_count=1, monotonic=10.3)
    hasty = entry(2, retry_count=1, monotonic=10.1)
    assert Journal.of([limited, patient]).assert_waited_retry_after() == [(limited, patient)]
    with pytest.raises(VerificationError) as failure:
        Journal.of([limited, hasty]).assert_waited_retry_after()
    assert "came 95 ms after #1 GET /v1/usages -> 429" in str(failure.value)
    assert "which asked for 200 ms" in str(failure.value)
    # A new call (retry count 0) is not a retry; with nothing to check, the helper says so.
    fresh = entry(2, retry_count=0, monotonic=10.1)
    with pytest.raises(VerificationError, match="no retry followed"):
        Journal.of([limited, fresh]).assert_waited_retry_after()
    assert Journal.of([limited, fresh]).assert_waited_retry_after(require_retry=False) == []
    with pytest.raises(VerificationError, match="no response with Retry-After"):
        Journal.of([patient]).assert_waited_retry_after()


def test_helpers_work_on_a_journal_fetched_over_http(http: httpx.Client, tmp_path: Path) -> None:
    http.get(USAGES, params={"type": "consumption"}, headers={"X-Mock-Fault": "503"})
    remote = Journal.of(JournalEntry.from_json(e) for e in journal_json(http))
    remote.assert_called(1, status=503, query={"type": "consumption"})
