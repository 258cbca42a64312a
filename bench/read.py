"""The read endpoints against the ceiling serving the same bytes, side by side in one run.

    python bench/read.py [--scenario heavy-usage] [--runs 100] [--out bench/RESULTS-read.md]

One `mockserver serve` on the scenario's world with the benchmarks' frozen clock, and one ceiling (`bench/ceiling.py`,
`pages_from_env`: a raw ASGI app under the same uvicorn answering each request target with the bytes mockserver gave
it), both pinned to CPU 0 and measured one after the other; the client (the official SDK, strict validation on, or
plain http.client on one keep-alive connection) on CPU 1. Reported, never asserted.

- every read endpoint of the team's world, uncached: each request carries a parameter the endpoint ignores with a
  value no request sent before (`bench=<run>-<i>`), so the body is the same but no response cache can answer it and
  the time is the view's (the world's own memo of past days and hours stays warm, as in a serving process);
- a full `jobs.list` walk with the SDK's auto-paging (100 per page), the first walk of the run (no page was asked
  before), against the same walk on the ceiling; and the same pages with http.client (the bytes alone, `bench=walk`).

Each endpoint's series runs on mockserver and then at once on the ceiling, so that a machine whose load moves during
the run moves both sides alike; the ratios are what to read, more than the absolute times.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from run import BENCH, HOST, NOW, ceiling_argv, free_port, pinned, running, wait_ready

REPO = Path(__file__).resolve().parent.parent
KEY, SECRET = "bench-key", "bench-secret"
AUTH = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
SHARE_TARGET = 0.5  # uncached: at least this share of the ceiling's req/s on the same bytes
WALK_TARGET = 2.0  # the SDK walk: at most this many times the ceiling's


class Client:
    """One keep-alive http.client connection: `get(target)` is (status, body, seconds)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def get(self, target: str) -> tuple[int, bytes, float]:
        try:
            return self._get(target)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # the server closed a connection idle for longer than its keep-alive: open another
            return self._get(target)

    def _get(self, target: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.conn.request("GET", target, headers={"Authorization": AUTH})
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started

    def ok(self, target: str) -> tuple[bytes, float]:
        status, body, seconds = self.get(target)
        if status != 200:
            raise RuntimeError(f"{target}: {status} {body[:300]!r}")
        return body, seconds

    def close(self) -> None:
        self.conn.close()


@dataclass
class Timing:
    """Milliseconds of each request of a series."""

    ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def rps(self) -> float:
        return 1000 * len(self.ms) / sum(self.ms)


class Pages:
    """The ceiling's index: each target and the file of its bytes (one file per distinct body)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index: dict[str, str] = {}

    def add(self, target: str, body: bytes) -> None:
        path = self.folder / (hashlib.sha1(body).hexdigest() + ".json")
        if not path.exists():
            path.write_bytes(body)
        self.index[target] = str(path)

    def write(self) -> Path:
        path = self.folder / "index.json"
        path.write_text(json.dumps(self.index))
        return path


def series(client: Client, targets: list[str]) -> Timing:
    return Timing([client.ok(target)[1] * 1000 for target in targets])


def with_param(target: str, param: str) -> str:
    return target + ("&" if "?" in target else "?") + param


def sdk_walk(base_url: str) -> tuple[float, int, int, list[str]]:
    """The SDK's auto-paging over every job: (seconds, pages, jobs, the request targets it sent, as sent)."""
    import httpx
    from scenario_sdk import Scenario

    sent: list[str] = []

    def record(request: httpx.Request) -> None:
        sent.append(request.url.raw_path.decode("ascii"))

    http_client = httpx.Client(event_hooks={"request": [record]})
    client = Scenario(
        base_url=base_url, api_key=KEY, api_secret=SECRET, http_client=http_client, _strict_response_validation=True
    )
    started = time.perf_counter()
    pages, jobs = 0, 0
    for page in client.jobs.list(page_size=100).iter_pages():
        pages += 1
        jobs += len(page.jobs)
    seconds = time.perf_counter() - started
    client.close()
    return seconds, pages, jobs, sent


def discover(client: Client) -> dict[str, str]:
    """An id of each kind the retrieve endpoints take, from the lists."""
    first = {
        kind: json.loads(client.ok(f"/v1/{kind}?pageSize=1&bench=ids")[0])[kind][0]
        for kind in ("teams", "projects", "jobs", "assets", "models", "collections")
    }
    return {kind: row["jobId" if kind == "jobs" else "id"] for kind, row in first.items()}


def cases(ids: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(name, target) of every read endpoint, and jobs.list at the walk's page size."""
    yield "teams.list", "/v1/teams"
    yield "teams.retrieve", f"/v1/teams/{ids['teams']}"
    yield "teams.retrieve_limits", f"/v1/teams/{ids['teams']}/limits"
    for kind, name in (
        ("projects", "projects"),
        ("jobs", "jobs"),
        ("assets", "assets"),
        ("models", "models"),
        ("collections", "collections"),
    ):
        yield f"{name}.list", f"/v1/{kind}"
        if kind == "jobs":
            yield "jobs.list (100 a page)", "/v1/jobs?pageSize=100"
        yield f"{name}.retrieve", f"/v1/{kind}/{ids[kind]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="heavy-usage")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--out", type=Path, help="default: bench/RESULTS-read.md, unless --json is given")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here (what bench/run.py reads)")
    parser.add_argument("--quick", action="store_true", help="20 requests per endpoint (a smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 20
    if args.out is None and args.json is None:
        args.out = REPO / "bench" / "RESULTS-read.md"
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})  # the client on CPU 1, the servers on CPU 0
    work = Path(tempfile.mkdtemp(prefix="bench-read-"))
    port = free_port()
    argv = [*pinned(0), sys.executable, "-m", "mockserver", "serve", "--host", HOST, "--port", str(port)]
    argv += ["--now", NOW, "--scenario", args.scenario, "--quiet"]
    pages = Pages(work)
    with ExitStack() as stack:
        proc = stack.enter_context(running(argv, work / "server.log"))
        wait_ready(proc, port, "/__admin/health", 60, work / "server.log")
        mock = Client(port)
        stack.callback(mock.close)
        ids = discover(mock)
        mock.ok("/v1/usages")  # the first render warms the world, as a serving process has
        # The walk first: no page of it was asked before, so no cached body answers.
        walk_s, walk_pages, walk_jobs, sent = sdk_walk(f"http://{HOST}:{port}/v1")
        raw_mock, walk_bytes = Timing([]), 0
        for target in sent:
            body, seconds = mock.ok(with_param(target, "bench=walk"))
            raw_mock.ms.append(seconds * 1000)
            walk_bytes += len(body)
            pages.add(target, body)
        probes = []
        for name, target in cases(ids):
            probe, _ = mock.ok(with_param(target, "bench=probe"))
            targets = [with_param(target, f"bench=1-{i}") for i in range(args.runs)]
            for t in targets:
                pages.add(t, probe)
            probes.append((name, probe, targets))

        ceiling_port = free_port()
        env = {"BENCH_CEILING_PAGES": str(pages.write())}
        ceiling = [*ceiling_argv(ceiling_port)]
        ceiling[ceiling.index("ceiling:app_from_env")] = "ceiling:pages_from_env"
        cproc = stack.enter_context(running(ceiling, work / "ceiling.log", env))
        _wait_pages(cproc, ceiling_port)
        top = Client(ceiling_port)
        stack.callback(top.close)
        ceiling_walk_s, ceiling_pages, ceiling_jobs, _ = sdk_walk(f"http://{HOST}:{ceiling_port}/v1")
        if (ceiling_pages, ceiling_jobs) != (walk_pages, walk_jobs):
            raise RuntimeError(f"the ceiling's walk gave {ceiling_pages} pages, {ceiling_jobs} jobs")
        raw_ceiling = series(top, sent)
        # Each endpoint on mockserver and then at once on the ceiling: both see the machine in the same state.
        rows = []
        for name, probe, targets in probes:
            timing = series(mock, targets)
            if mock.ok(targets[-1])[0] != probe:
                raise RuntimeError(f"{targets[-1]}: the bench parameter changed the body")
            rows.append((name, len(probe), timing, series(top, targets)))
    write_report(args, walk_s, ceiling_walk_s, walk_pages, walk_jobs, walk_bytes, raw_mock, raw_ceiling, rows)


def _wait_pages(proc: Any, port: int) -> None:
    """Wait until the ceiling answers (a 404 for a target it has no page for is an answer)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the ceiling exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the ceiling did not start")


def write_report(
    args: argparse.Namespace,
    walk_s: float,
    ceiling_walk_s: float,
    walk_pages: int,
    walk_jobs: int,
    walk_bytes: int,
    raw_mock: Timing,
    raw_ceiling: Timing,
    rows: list[tuple[str, int, Timing, Timing]],
) -> None:
    def met(ok: bool) -> str:
        return "yes" if ok else "**no**"

    walk_ratio = walk_s / ceiling_walk_s
    raw_ratio = sum(raw_mock.ms) / sum(raw_ceiling.ms)
    lines = [
        "# Read endpoints against the ceiling",
        "",
        f"`python bench/read.py --scenario {args.scenario} --runs {args.runs}`, frozen clock {NOW}. mockserver and "
        "the ceiling (`bench/ceiling.py`, the same bytes for the same request target) each pinned to CPU 0, the "
        "client on CPU 1, requests one at a time on one keep-alive connection. Uncached: every request carries "
        "`bench=<unique>`, a parameter the endpoints ignore, so no response cache answers (the world's memo of past "
        "days and hours is warm, as in a serving process).",
        "",
        f"## jobs.list walk: {walk_pages} pages, {walk_jobs:,} jobs, {walk_bytes / 2**20:.0f} MB",
        "",
        "| walk | mockserver | ceiling | ratio | target |",
        "|---|---|---|---|---|",
        f"| SDK auto-paging, 100 a page (strict validation) | {walk_s:.2f} s | {ceiling_walk_s:.2f} s | "
        f"{walk_ratio:.2f}x | <= {WALK_TARGET}x: {met(walk_ratio <= WALK_TARGET)} |",
        f"| the same pages, http.client, uncached | {sum(raw_mock.ms) / 1000:.2f} s | "
        f"{sum(raw_ceiling.ms) / 1000:.2f} s | {raw_ratio:.2f}x | |",
        "",
        f"## Single requests, uncached ({args.runs} each)",
        "",
        "| endpoint | body | mockserver median | mockserver req/s | ceiling median | ceiling req/s | share | "
        f">= {SHARE_TARGET} |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, size, mock, top in rows:
        share = mock.rps / top.rps
        lines.append(
            f"| {name} | {size / 1024:.1f} KB | {mock.median:.2f} ms | {mock.rps:,.0f} | {top.median:.2f} ms | "
            f"{top.rps:,.0f} | {share:.2f} | {met(share >= SHARE_TARGET)} |"
        )
    text = "\n".join([*lines, ""])
    print(text)
    if args.out is not None:
        args.out.write_text(text)
    if args.json is not None:
        numbers = {
            "endpoints": [
                {"name": name, "body_bytes": size, "mock_rps": mock.rps, "ceiling_rps": top.rps}
                for name, size, mock, top in rows
            ],
            "walk": {"seconds": walk_s, "ceiling_seconds": ceiling_walk_s, "pages": walk_pages, "jobs": walk_jobs},
            "markdown": text.split("\n", 2)[2].replace("\n## ", "\n### "),  # without its title, one level down
        }
        args.json.write_text(json.dumps(numbers))


if __name__ == "__main__":
    os.chdir(REPO)
    sys.path.insert(0, str(BENCH))
    main()
