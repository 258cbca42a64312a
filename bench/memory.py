"""Memory under variety: RSS of one in-process app while it answers many distinct queries (issue 11, finding 12).

python bench/memory.py [--requests 100000] [--every 10000] [--seed 11]

Requests go straight to the ASGI app (no socket): seeded random windows up to 700 days back (startDate/endDate or
timeRange), random `type` sets, all shipped scenarios through `X-Mock-Scenario`, some repeated queries, a few hundred
distinct 60 KB Bearer tokens and some 100 KB headers. Prints RSS before, after every `--every` requests, and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-30T14:37:12.345Z"
DAY_MS = 86_400_000
TYPES = ("usages", "model-usages", "asset-usages", "nsfw-usages", "quality-gate-usages", "consumption", "activity")
TIME_RANGES = ("last-hour", "last-day", "last-three-days", "last-seven-days", "last-thirty-one-days")


def rss_mb() -> float:
    """Resident set size of this process, MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


class Traffic:
    """The seeded request mix: (query string, headers) per request."""

    def __init__(self, rng: random.Random, now: int, scenarios: list[str], tokens: int, big: float) -> None:
        self.rng = rng
        self.big = big
        self.now = now
        self.scenarios = scenarios
        # Distinct long Bearer tokens (60 KB each, made per request so that the benchmark itself does not hold them):
        # a credential cache keyed by the raw header grows with them.
        self.tokens = tokens
        self.recent: list[str] = []
        self.basic = "Basic " + base64.b64encode(b"bench-key:bench-secret").decode()

    def query(self) -> str:
        rng = self.rng
        if self.recent and rng.random() < 0.27:  # about 73 % distinct queries, as in the finding
            return rng.choice(self.recent)
        params: list[tuple[str, str]] = []
        if rng.random() < 0.3:
            params.append(("timeRange", rng.choice(TIME_RANGES)))
        else:
            end = self.now - rng.randrange(0, 700 * DAY_MS // 60_000) * 60_000
            length = rng.choice((3_600_000, 6 * 3_600_000, DAY_MS, 2 * DAY_MS, 7 * DAY_MS, 31 * DAY_MS, 90 * DAY_MS))
            length = max(60_000, length - rng.randrange(0, length // 60_000) * 60_000 // 2)
            params += [("startDate", iso(end - length)), ("endDate", iso(end))]
        params.append(("type", ",".join(rng.sample(TYPES, rng.randint(1, 3)))))
        if rng.random() < 0.1:
            params.append(("activityOffset", str(100 * rng.randint(1, 5))))
        text = urlencode(params, safe=",:")
        self.recent.append(text)
        if len(self.recent) > 2_000:
            del self.recent[:1_000]
        return text

    def headers(self) -> list[tuple[bytes, bytes]]:
        rng = self.rng
        big_token = self.tokens and rng.random() < 0.05 * self.big
        auth = f"Bearer tok{rng.randrange(self.tokens)}-" + "x" * 60_000 if big_token else self.basic
        headers = [
            (b"host", b"127.0.0.1:4010"),
            (b"user-agent", b"bench/memory"),
            (b"accept", b"application/json"),
            (b"authorization", auth.encode()),
            (b"x-mock-scenario", rng.choice(self.scenarios).encode()),
        ]
        if rng.random() < 0.02 * self.big:
            headers.append((b"x-padding", b"p" * 100_000))  # a 100 KB header
        return headers


async def call(app: Any, query: str, headers: list[tuple[bytes, bytes]]) -> int:
    """One GET /v1/usages straight through the ASGI app; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/usages",
        "raw_path": b"/v1/usages",
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4010),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--cache-mb", type=float, default=None, help="Settings.cache_bytes, MB (default: the default)")
    parser.add_argument("--big", type=float, default=1.0, help="scale the share of big tokens and headers (0: none)")
    args = parser.parse_args()

    from mockserver.api import build_app
    from mockserver.settings import Settings, shipped_scenarios_dir
    from mockserver.world.clock import parse_instant

    now = parse_instant(NOW)
    scenarios = sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))
    options = {} if args.cache_mb is None else {"cache_bytes": int(args.cache_mb * 1024 * 1024)}
    app = build_app(Settings(now=now, log_requests=False, **options))  # type: ignore[arg-type]
    traffic = Traffic(random.Random(args.seed), now, scenarios, args.tokens, args.big)
    gc.collect()
    print(f"scenarios: {', '.join(scenarios)}")
    print(f"RSS before: {rss_mb():.1f} MB")
    statuses: dict[int, int] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(1, args.requests + 1):
        status = await call(app, traffic.query(), traffic.headers())
        statuses[status] = statuses.get(status, 0) + 1
        if i % args.every == 0:
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            print(f"after {i:>7,} requests: RSS {rss_mb():6.1f} MB  ({elapsed:.0f} s, {cpu:.0f} s CPU)", flush=True)
    gc.collect()
    distinct = len(set(traffic.recent))
    print(f"RSS at the end: {rss_mb():.1f} MB; statuses {dict(sorted(statuses.items()))}; last distinct {distinct}")
    worlds, journal = app.state.worlds, app.state.journal
    if hasattr(worlds, "cache_budget"):  # the accounted sizes (the same as `GET /__admin/scenarios` shows)
        print(f"accounted: caches {worlds.cache_budget.usage()}, journal {journal.usage()}")


if __name__ == "__main__":
    asyncio.run(main())
