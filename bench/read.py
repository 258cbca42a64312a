"""The cost of the read endpoints beside `/v1/usages`, measured side by side in one run on one server.

    python bench/read.py [--scenario heavy-usage] [--runs 30] [--out bench/RESULTS-read.md]

One `mockserver serve` (pinned to CPU 0 when there are two CPUs) on the scenario's world with the benchmarks' frozen
clock; the client (the official SDK, strict validation on, or plain http.client) on CPU 1. Reported, never asserted.

- a full `jobs.list` walk with the SDK's auto-paging (100 per page): seconds, pages, jobs, and the same pages fetched
  again with http.client (the bytes only: what parsing and validation add);
- uncached single requests, one at a time, each with a query no request asked before (a parameter the endpoint
  ignores, so the body is the same but the body cache cannot answer): `teams.retrieve_limits`, `teams.retrieve`,
  `jobs.retrieve`, `assets.list` first page, and `/v1/usages` default windows that move by a minute each time.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from run import HOST, NOW, free_port, pinned, running, wait_ready

REPO = Path(__file__).resolve().parent.parent
KEY, SECRET = "bench-key", "bench-secret"
AUTH = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()


def fetch(port: int, target: str) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    started = time.perf_counter()
    try:
        conn.request("GET", target, headers={"Authorization": AUTH})
        response = conn.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started
    finally:
        conn.close()


def timed(port: int, targets: list[str]) -> list[float]:
    times = []
    for target in targets:
        status, body, seconds = fetch(port, target)
        if status != 200:
            raise RuntimeError(f"{target}: {status} {body[:300]!r}")
        times.append(seconds * 1000)
    return times


def walk_jobs(base_url: str) -> tuple[float, int, int, list[str]]:
    """The SDK's auto-paging over every job: (seconds, pages, jobs, the page targets it asked for)."""
    from scenario_sdk import Scenario

    client = Scenario(base_url=base_url, api_key=KEY, api_secret=SECRET, _strict_response_validation=True)
    started = time.perf_counter()
    page = client.jobs.list(page_size=100)
    pages, jobs, tokens = 0, 0, [None]
    while True:
        pages += 1
        jobs += len(page.jobs)
        if not page.has_next_page():
            break
        token = page.next_pagination_token
        tokens.append(token)
        page = page.get_next_page()
    seconds = time.perf_counter() - started
    client.close()
    targets = ["/v1/jobs?pageSize=100" + (f"&paginationToken={t}" if t else "") for t in tokens]
    return seconds, pages, jobs, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="heavy-usage")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS-read.md")
    args = parser.parse_args()
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})  # the client on CPU 1, the server on CPU 0
    port = free_port()
    argv = [*pinned(0), sys.executable, "-m", "mockserver", "serve", "--host", HOST, "--port", str(port)]
    argv += ["--now", NOW, "--scenario", args.scenario, "--quiet"]
    log = Path(tempfile.mkdtemp()) / "server.log"
    rows: list[tuple[str, str]] = []
    with running(argv, log) as proc:
        wait_ready(proc, port, "/__admin/health", 60, log)
        base = f"http://{HOST}:{port}"
        body = fetch(port, "/v1/teams")[1]
        team_id = json.loads(body)["teams"][0]["id"]
        first = json.loads(fetch(port, "/v1/jobs?pageSize=1")[1])["jobs"][0]["jobId"]
        fetch(port, "/v1/usages")  # the first render warms the world, as a serving process has
        seconds, pages, jobs, targets = walk_jobs(base + "/v1")
        # The same pages with http.client, each with a parameter the endpoint ignores: uncached, the bytes alone
        # (no SDK parsing or validation). The walk's bodies exceed the render cache's budget, so none stays cached.
        raw_uncached, total = 0.0, 0
        for target in targets:
            status, page_body, took = fetch(port, target + "&bench=walk2")
            if status != 200:
                raise RuntimeError(f"{target}: {status}")
            raw_uncached += took
            total += len(page_body)
        rows.append(("jobs.list walk, SDK auto-paging, 100 per page", f"{seconds:.2f} s: {pages} pages, {jobs:,} jobs"))
        rows.append(("the same pages, uncached, http.client", f"{raw_uncached:.2f} s for {total / 2**20:.0f} MB"))
        n = args.runs
        cases = {
            "teams.retrieve_limits": [f"/v1/teams/{team_id}/limits?bench={i}" for i in range(n)],
            "teams.retrieve": [f"/v1/teams/{team_id}?bench={i}" for i in range(n)],
            "jobs.retrieve": [f"/v1/jobs/{first}?bench={i}" for i in range(n)],
            "assets.list (first page of 50)": [f"/v1/assets?bench={i}" for i in range(n)],
            "usages default window": [
                f"/v1/usages?startDate=2026-11-2{3 + i // 60}T{10 + i % 10}:{i % 60:02d}:00Z"
                f"&endDate=2026-11-30T{10 + i % 10}:{i % 60:02d}:00Z"
                for i in range(n)
            ],
        }
        for name, case in cases.items():
            times = timed(port, case)
            size = len(fetch(port, case[0])[1])
            rows.append(
                (
                    f"{name}, uncached ({n} requests)",
                    f"median {statistics.median(times):.1f} ms, "
                    f"p90 {sorted(times)[int(0.9 * (n - 1))]:.1f} ms, body {size / 1024:.0f} KB",
                )
            )
    lines = [
        "# Read endpoints beside /v1/usages",
        "",
        f"`python bench/read.py --scenario {args.scenario}`, "
        f"frozen clock {NOW}, one server process, requests one at a time.",
        "",
        "| measure | result |",
        "|---|---|",
        *(f"| {a} | {b} |" for a, b in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    os.chdir(REPO)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
