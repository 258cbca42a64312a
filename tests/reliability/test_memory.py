"""Memory stays bounded whatever clients send: the journal and every cache keyed by client input hold a byte budget.

Also: query parameters named like credentials never reach the journal or the request log (issue 11, findings 3,
10 and 12).
"""

from __future__ import annotations

import logging
import random
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver.controls.journal import Journal, JournalEntry
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, serving

USAGES = "/v1/usages"
REQUEST_LOG = "mockserver.requests"
SCENARIOS = ("default", "edge-cases", "empty-team", "heavy-usage", "revoked-keys", "workflow-jobs")
DAY_MS = 86_400_000
JOURNAL_BYTES = 256 * 1024
CACHE_BYTES = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    settings = Settings(now=NOW, log_requests=True, journal_bytes=JOURNAL_BYTES, cache_bytes=CACHE_BYTES)
    with serving(settings) as url:
        yield url


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, headers=BASIC, timeout=30) as client:
        client.post("/__admin/reset").raise_for_status()
        client.delete("/__admin/journal").raise_for_status()
        yield client


def journal(http: httpx.Client) -> list[dict[str, Any]]:
    return list(http.get("/__admin/journal").json()["entries"])


def memory(http: httpx.Client) -> dict[str, Any]:
    response = http.get("/__admin/memory")
    assert response.status_code == 200
    return dict(response.json())


def iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def usage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    lines = [r.getMessage() for r in caplog.records if r.name == REQUEST_LOG]
    return [line for line in lines if line.startswith(f"GET {USAGES}")]


# -- finding 10: secret-looking query names ---------------------------------------------------------------------
def test_secret_query_names_are_masked_in_the_journal_and_the_log(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOG)
    secrets = {"sig": "abc", "X-Amz-Signature": "def", "auth": "x", "key": "y", "X-Amz-Credential": "AKIA0"}
    public = {"timeRange": "last-day", "type": "usages", "paginationToken": "page-2", "authorId": "user_1"}
    assert http.get(USAGES, params=secrets | public).status_code == 200

    (entry,) = journal(http)
    query = dict(entry["query"])
    assert {name: query[name] for name in secrets} == dict.fromkeys(secrets, "***")
    assert {name: query[name] for name in public} == public  # the API's own parameters stay readable
    deadline = time.monotonic() + 5
    while not usage_lines(caplog) and time.monotonic() < deadline:
        time.sleep(0.01)  # the log line follows the response
    (line,) = usage_lines(caplog)
    for name in secrets:
        assert f"{name}=***" in line, line
    assert "abc" not in line and "AKIA0" not in line
    assert "timeRange=last-day" in line and "authorId=user_1" in line


# -- finding 3: the journal, bounded by bytes -------------------------------------------------------------------
def test_a_big_request_is_cut_in_the_journal_with_a_mark_and_still_verifiable(http: httpx.Client) -> None:
    padding = "p" * 40_000  # within the server's 64 KB for all headers (past it: a 431 before the journal)
    note = "n" * 20_000
    response = http.get(USAGES, params={"type": "usages", "note": note}, headers={"X-Padding": padding})
    assert response.status_code == 200

    (entry,) = journal(http)
    assert entry["truncated"] is True
    assert entry["headers"]["x-padding"] == "p" * 2048 + f"…[truncated {40_000 - 2048} bytes]"
    assert dict(entry["query"])["note"] == "n" * 512 + f"…[truncated {20_000 - 512} bytes]"
    assert len(str(entry)) < 8 * 1024
    # The verification helpers still see the method, the path and the query.
    entries = [JournalEntry.from_json(e) for e in journal(http)]
    Journal.of(entries).assert_called(1, method="GET", path=USAGES, query={"type": "usages"}, status=200)
    small = http.get(USAGES, params={"type": "usages"})
    assert small.status_code == 200
    assert journal(http)[-1]["truncated"] is False


def test_the_journal_holds_its_byte_budget(http: httpx.Client) -> None:
    rng = random.Random(3)
    for i in range(200):  # about 12 MB sent: distinct 30 KB tokens and 30 KB headers (the server takes 64 KB of them)
        token = f"tok{i}-" + "".join(rng.choices("abcdef0123456789", k=30_000))
        headers = {"Authorization": f"Bearer {token}", "X-Padding": "p" * 30_000, "X-Mock-Scenario": "empty-team"}
        assert http.get(USAGES, params={"timeRange": "last-hour"}, headers=headers).status_code == 200
    used = memory(http)["journal"]
    assert used["limit"] == JOURNAL_BYTES
    assert 0 < used["bytes"] <= JOURNAL_BYTES
    entries = journal(http)
    assert 20 < len(entries) < 200  # the oldest went; what is kept fits the budget
    assert all(e["headers"]["authorization"] == "Bearer ***" for e in entries)


# -- finding 12: every cache keyed by client input, one budget for all worlds ----------------------------------
def test_the_worlds_caches_share_one_byte_budget(http: httpx.Client) -> None:
    rng = random.Random(12)
    for _ in range(240):
        end = NOW - rng.randrange(0, 700 * DAY_MS // 60_000) * 60_000
        length = rng.choice((3_600_000, DAY_MS, 7 * DAY_MS, 31 * DAY_MS, 90 * DAY_MS))
        params = {"startDate": iso(end - length), "endDate": iso(end), "type": rng.choice(("usages", "activity"))}
        headers = {"X-Mock-Scenario": rng.choice(SCENARIOS)}
        assert http.get(USAGES, params=params, headers=headers).status_code == 200
    caches = memory(http)["caches"]
    assert caches["limit"] == CACHE_BYTES
    assert caches["bytes"] <= CACHE_BYTES
    pools = caches["pools"]
    assert set(pools) == {"renders", "buckets", "hours", "entities"}  # each shared by all six worlds
    for name, pool in pools.items():
        assert pool["bytes"] <= pool["limit"], name
    assert pools["buckets"]["bytes"] > pools["buckets"]["limit"] // 2  # full: the bound is what held it


RSS_SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, sys
    from pathlib import Path
    from mockserver.api import build_app
    from mockserver.settings import Settings

    def rss():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024

    async def main(count):
        app = build_app(Settings(now={now}, log_requests=False))
        statuses = set()

        async def call(i):
            headers = [
                (b"host", b"127.0.0.1"),
                (b"authorization", b"Bearer tok%d-" % (i % 1000) + b"t" * 60_000),  # 1,000 distinct 60 KB tokens
                (b"x-padding", b"p" * 100_000),  # a 100 KB header on every request
            ]
            scope = {{"type": "http", "method": "GET", "path": "/v1/usages", "raw_path": b"/v1/usages",
                      "query_string": b"timeRange=last-day&type=usages", "headers": headers, "http_version": "1.1",
                      "scheme": "http", "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2)}}

            async def receive():
                return {{"type": "http.request", "body": b"", "more_body": False}}

            async def send(message):
                if message["type"] == "http.response.start":
                    statuses.add(message["status"])

            await app(scope, receive, send)

        await call(0)
        gc.collect()
        before = rss()
        for i in range(count):
            await call(i)
        gc.collect()
        print(statuses, (rss() - before) // 1_000_000)

    asyncio.run(main(int(sys.argv[1])))
    """
)


def test_big_headers_and_tokens_do_not_grow_memory() -> None:
    """2,000 requests, each with a 100 KB header and one of 1,000 distinct 60 KB tokens: RSS grows < 50 MB."""
    done = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT.format(now=NOW), "2000"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    statuses, grown_mb = done.stdout.split("} ")
    assert statuses == "{200"
    assert int(grown_mb) < 50, f"RSS grew by {grown_mb} MB"  # before the byte budgets: about +320 MB
