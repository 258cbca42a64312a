"""Load: thousands of mixed, valid requests at 64 connections against one live server; every one answers 200.

The mix is seeded: scenarios (heavy-usage sparingly), every time range, custom windows of every granularity,
filters, type subsets and dropZeroPoints. A seeded sample of the bodies is parsed as the SDK does in strict mode.
Throughput is printed, never asserted (benchmarks live in bench/).

The load comes from aiohttp (installed with `scenario-sdk[aiohttp]`): httpx's AsyncClient spends 5-11 ms of CPU per
request here (its connection pool scans every connection for each request), so with the server in the same
process it would measure the client rather than the server.
"""

from __future__ import annotations

import asyncio
import gc
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson
import pytest
from scenario_sdk._models import validate_type
from scenario_sdk.types.usage_list_response import UsageListResponse

from mockserver.settings import Settings
from mockserver.world.clock import format_ms
from tests.conftest import BASIC, NOW, start_server

CONNECTIONS = 64
SAMPLE = 50
TIME_LIMIT_S = 240  # a hard stop for the whole run, far above what it takes
# Loose: each world bounds its caches by entries, not bytes (50,000 series buckets, 9,600 hours of events, 128 bodies
# up to 64 MB), so distinct windows grow the process by hundreds of MB before the bounds are reached.
RSS_GROWTH_LIMIT_MB = 1536
REPLAY_GROWTH_LIMIT_MB = 64
TIME_RANGES = ["last-hour", "last-day", "last-three-days", "last-seven-days", "last-thirty-one-days"]
TYPES = ["usages", "activity", "consumption", "model-usages", "asset-usages", "nsfw-usages", "quality-gate-usages"]
WINDOWS = [  # custom window lengths: one of each granularity, up to the 120-day limit
    timedelta(minutes=45),
    timedelta(hours=5),
    timedelta(hours=20),
    timedelta(days=2),
    timedelta(days=6, hours=7),
    timedelta(days=40),
    timedelta(days=120),
]
SCENARIO_WEIGHTS = {
    "default": 30,
    "edge-cases": 15,
    "empty-team": 10,
    "revoked-keys": 15,
    "workflow-jobs": 15,
    "heavy-usage": 2,
}


@dataclass(frozen=True)
class Known:
    """Ids of one world that filters can name."""

    team: str
    users: list[str]
    projects: list[str]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server, thread, url = start_server(Settings(now=NOW, log_requests=False))
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def known(server_url: str) -> dict[str, Known]:
    found = {}
    with httpx.Client(base_url=server_url, headers=BASIC, timeout=60) as http:
        teams = {s["name"]: s["team"] for s in http.get("/__admin/scenarios").json()["scenarios"]}
        assert set(SCENARIO_WEIGHTS) <= set(teams)
        for name in SCENARIO_WEIGHTS:
            body = http.get(
                "/v1/usages",
                params={"timeRange": "last-thirty-one-days", "type": "activity,consumption"},
                headers={"X-Mock-Scenario": name},
            ).json()
            users = sorted({e["userId"] for e in body["activity"]} | {c["userId"] for c in body["consumption"]})
            projects = sorted({e["projectId"] for e in body["activity"]})
            found[name] = Known(teams[name], users, projects)
    return found


def _instant(rng: random.Random, ms: int, exact: bool = False) -> str:
    """An accepted form of an instant: Z with or without milliseconds, an offset, or no offset at all."""
    text = format_ms(ms)  # 2026-11-30T12:00:00.000Z
    form = rng.choice([0, 3] if exact else [0, 1, 2, 3])
    if form == 0:
        return text
    if form == 1:
        return text[:19] + "Z"
    if form == 2:
        return text[:19]
    shifted = format_ms(ms + 2 * 3600_000)
    return shifted[:23] + "+02:00"


def make_query(rng: random.Random, known: dict[str, Known]) -> tuple[str, list[tuple[str, str]]]:
    """One valid request: (scenario, query items)."""
    scenario = rng.choices(list(SCENARIO_WEIGHTS), weights=list(SCENARIO_WEIGHTS.values()))[0]
    ids = known[scenario]
    query: list[tuple[str, str]] = []
    roll = rng.random()
    if roll < 0.55:
        query.append(("timeRange", rng.choice(TIME_RANGES)))
    elif roll < 0.9:
        length = rng.choice(WINDOWS)
        end = NOW - rng.randrange(0, 60 * 86_400_000) + rng.choice([0, 86_400_000])  # some reach into the future
        start = end - int(length.total_seconds() * 1000)
        if rng.random() < 0.3 and length >= timedelta(days=2):
            query += [("startDate", format_ms(start)[:10]), ("endDate", format_ms(end - 86_400_000)[:10])]
        else:
            exact = length == WINDOWS[-1]  # cutting the milliseconds off would pass the limit
            query += [("startDate", _instant(rng, start, exact)), ("endDate", _instant(rng, end, exact))]
    # else: the default window
    heavy = scenario == "heavy-usage"
    if heavy or rng.random() < 0.7:
        pool = ["activity", "consumption"] if heavy and rng.random() < 0.5 else TYPES
        chosen = rng.sample(pool, rng.randint(1, min(3, len(pool))))
        if rng.random() < 0.8:
            query.append(("type", ",".join(chosen)))
        else:
            query += [("type", t) for t in chosen]
    if heavy or rng.random() < 0.4:
        query.append(("dropZeroPoints", rng.choice(["", "true", "1"])))
    elif rng.random() < 0.1:
        query.append(("dropZeroPoints", "false"))
    if ids.users and rng.random() < 0.2:
        query.append(("userId", rng.choice(ids.users)))
    if ids.users and rng.random() < 0.15:
        query.append(("userIds", ",".join(rng.sample(ids.users, min(len(ids.users), rng.randint(1, 4))))))
    if ids.projects and rng.random() < 0.2:
        query.append(("projectIds", ",".join(rng.sample(ids.projects, rng.randint(1, len(ids.projects))))))
    if rng.random() < 0.1:
        query.append(("teamId", ids.team if rng.random() < 0.7 else "team_someoneElse0000000001"))
    if rng.random() < 0.1:
        query.append(("activityOffset", rng.choice(["0", "100", "200.0"])))
    rng.shuffle(query)
    return scenario, query


def rss_mb() -> float:
    """The resident memory of this process (server and client), after collecting garbage."""
    gc.collect()
    match = re.search(r"VmRSS:\s+(\d+) kB", Path("/proc/self/status").read_text())
    assert match is not None
    return int(match.group(1)) / 1024


@dataclass
class Outcome:
    index: int
    scenario: str
    query: list[tuple[str, str]]
    status: int | None
    error: str | None
    size: int
    body: bytes | None  # kept for the sample only


async def fire(url: str, requests: list[tuple[str, list[tuple[str, str]]]], keep: set[int]) -> list[Outcome]:
    """Send every request over at most CONNECTIONS connections; no request is retried."""
    outcomes: list[Outcome] = []
    queue = iter(enumerate(requests))
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, headers=BASIC, connector=connector, timeout=timeout) as http:

        async def worker() -> None:
            for index, (scenario, query) in queue:  # one shared iterator: each request is taken once
                try:
                    async with http.get("/v1/usages", params=query, headers={"X-Mock-Scenario": scenario}) as response:
                        body = await response.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    outcomes.append(Outcome(index, scenario, query, None, repr(exc), 0, None))
                    continue
                error = None
                if response.status != 200:
                    error = body[:300].decode("utf-8", "replace")
                elif response.content_type != "application/json" or not body.startswith(b"{"):
                    error = f"not a JSON object: {response.content_type} {body[:50]!r}"
                kept = body if index in keep else None
                outcomes.append(Outcome(index, scenario, query, response.status, error, len(body), kept))

        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(CONNECTIONS))), TIME_LIMIT_S)
    return outcomes


def _expected_keys(query: list[tuple[str, str]]) -> set[str]:
    names = {
        "usages": "usages",
        "activity": "activity",
        "consumption": "consumption",
        "model-usages": "modelUsages",
        "asset-usages": "assetUsages",
        "nsfw-usages": "nsfwUsages",
        "quality-gate-usages": "qualityGateUsages",
    }
    asked = {part for name, value in query if name == "type" for part in value.split(",")}
    return {names[t] for t in asked or TYPES} | {"entities"}


def _check(outcomes: list[Outcome], count: int) -> None:
    assert len(outcomes) == count
    errors = [o for o in outcomes if o.error is not None]
    shown = "\n".join(f"  {o.scenario} {o.query}: {o.status} {o.error}" for o in errors[:10])
    assert not errors, f"{len(errors)} of {count} requests failed, e.g.:\n{shown}"


@pytest.mark.parametrize(
    "count",
    [pytest.param(3_000, id="3k"), pytest.param(20_000, id="20k", marks=pytest.mark.slow)],
)
def test_mixed_load_has_no_errors(server_url: str, known: dict[str, Known], count: int) -> None:
    """`count` requests: 80% distinct ones, then a replay of a seeded 20% of them (same bytes, no new memory)."""
    rng = random.Random(f"load-{count}")
    distinct = [make_query(rng, known) for _ in range(count * 4 // 5)]
    replayed = sorted(rng.sample(range(len(distinct)), count - len(distinct)))
    keep = set(rng.sample(replayed, SAMPLE))

    before = rss_mb()
    started = time.perf_counter()
    first = asyncio.run(fire(server_url, distinct, keep))
    middle = rss_mb()
    again = {j for j, i in enumerate(replayed) if i in keep}
    second = asyncio.run(fire(server_url, [distinct[i] for i in replayed], again))
    elapsed = time.perf_counter() - started
    after = rss_mb()
    _check(first, len(distinct))
    _check(second, len(replayed))

    sample = sorted((o for o in first if o.body is not None), key=lambda o: o.index)
    assert len(sample) == SAMPLE
    replies = {replayed[o.index]: o.body for o in second if o.body is not None}
    for outcome in sample:
        assert outcome.body is not None
        body: dict[str, Any] = orjson.loads(outcome.body)
        validate_type(type_=UsageListResponse, value=body)  # what `_strict_response_validation=True` does
        assert set(body) == _expected_keys(outcome.query), outcome.query
        assert replies[outcome.index] == outcome.body, f"not the same bytes twice: {outcome.query}"

    megabytes = sum(o.size for o in first + second) / 1e6
    print(
        f"\nload: {count} requests in {elapsed:.1f}s = {count / elapsed:.0f} req/s, "
        f"{megabytes:.0f} MB ({megabytes / elapsed:.0f} MB/s) over {CONNECTIONS} connections; "
        f"RSS {before:.0f} -> {middle:.0f} (distinct) -> {after:.0f} MB (replay)"
    )
    # The worlds' caches grow with distinct windows, up to their bounds; answering requests already seen must not
    # grow the process (a leak per request would).
    assert after - middle < REPLAY_GROWTH_LIMIT_MB
    assert after - before < RSS_GROWTH_LIMIT_MB
