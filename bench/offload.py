"""Latency of small cached requests while uncached renders run (issue 11, finding 9); run by hand, never in tests.

    python bench/offload.py [--code DIR] [--connections 32] [--requests 3000]

Starts `mockserver serve` (from `--code`, a source tree: default this one) on a heavy world (25,000 events per
working day) and a small default one, renders the heavy world's 31 days once (its hours are generated then), then
runs two loads at once on 127.0.0.1: a stream of uncached heavy renders (31 days, a filter never asked before, one
at a time) and `--requests` small cached requests over `--connections` connections. Prints p50/p99/p99.9/max of the
small requests, and how many heavy renders ran meanwhile. Compare two trees with `--code`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

WORLD = """\
name: {name}
seed: 7
people: 5
activity:
  generators:
    - {{actions: {{txt2img: 1}}, perWorkingDay: {n}, days: 40}}
"""
HEAVY = WORLD.format(name="heavy", n=25_000)
SMALL = WORLD.format(name="small", n=20)
NOW = "2026-11-30T14:37:12.345Z"
AUTH = {"Authorization": "Basic dGVzdC1rZXk6dGVzdC1zZWNyZXQ="}  # test-key:test-secret
SMALL_PATHS = ["/v1/usages?timeRange=last-hour", "/v1/usages?timeRange=last-day", "/__admin/health"]
HEAVY_PATH = "/v1/usages?timeRange=last-thirty-one-days&type=usages"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def small_load(url: str, connections: int, requests: int) -> list[float]:
    """`requests` small requests over `connections` keep-alive connections; the latency of each.

    Raw asyncio streams rather than httpx: the client costs ~50 us a request instead of ~0.5 ms, so on a loaded
    2-core machine what is measured is the server, not the client's own event loop.
    """
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    counter = iter(range(requests))
    auth = AUTH["Authorization"]

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for i in counter:
                path = SMALL_PATHS[i % len(SMALL_PATHS)]
                request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\r\n".encode()
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                assert head.startswith(b"HTTP/1.1 200"), head
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies


async def heavy_load(url: str, stop: asyncio.Event) -> int:
    """Uncached heavy renders one after the other until `stop`: each a filter never asked before."""
    renders = 0
    async with httpx.AsyncClient(base_url=url, headers={**AUTH, "x-mock-scenario": "heavy"}, timeout=120) as http:
        while not stop.is_set():
            response = await http.get(f"{HEAVY_PATH}&userIds=nobody-{renders}")
            assert response.status_code in (200, 503), response.text
            renders += 1
    return renders


async def measure(url: str, connections: int, requests: int, heavy_on: bool) -> tuple[list[float], int, float]:
    stop = asyncio.Event()
    heavy = asyncio.create_task(heavy_load(url, stop) if heavy_on else asyncio.sleep(0, 0))
    await asyncio.sleep(0.5)
    started = time.perf_counter()
    latencies = await small_load(url, connections, requests)
    elapsed = time.perf_counter() - started
    stop.set()
    return latencies, await heavy, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--no-heavy", action="store_true", help="the small requests alone (the reference)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "heavy.yaml").write_text(HEAVY)
        (directory / "small.yaml").write_text(SMALL)
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(args.code), *os.environ.get("BENCH_EXTRA_PATH", "").split(os.pathsep)]
            ).rstrip(os.pathsep),
            "MOCK_RENDER_TIMEOUT": "120",
        }
        argv = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--now", NOW, "--quiet"]
        argv += ["--scenarios", tmp, "--scenario", "small"]
        process = subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(url + "/__admin/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            started = time.perf_counter()
            httpx.get(url + HEAVY_PATH, headers={**AUTH, "x-mock-scenario": "heavy"}, timeout=300)
            print(f"first heavy render (hours generated): {time.perf_counter() - started:.1f} s")
            for path in SMALL_PATHS:
                httpx.get(url + path, headers=AUTH)
            latencies, renders, elapsed = asyncio.run(measure(url, args.connections, args.requests, not args.no_heavy))
        finally:
            process.terminate()
            process.wait(30)
    ms = [x * 1000 for x in latencies]
    print(
        f"{args.code}: {len(ms)} small requests over {args.connections} connections in {elapsed:.1f} s,"
        f" {renders} uncached heavy renders meanwhile:"
        f" p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms,"
        f" p99.9 {percentile(ms, 0.999):.1f} ms, max {max(ms):.1f} ms"
    )


if __name__ == "__main__":
    main()
