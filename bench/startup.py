"""Start-up side by side: `mockserver serve` to its first 200, the pytest fixture's first use, the per-test reset.

python bench/startup.py [--runs 5] [--resets 500]

Each measurement runs in a fresh interpreter (the one running this script, with its PYTHONPATH): run it once with
PYTHONPATH on another tree to compare two versions. Medians of `--runs`; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

NOW = "2026-11-30T14:37:12.345Z"

# Fixture first use as a test sees it: pytest and the plugin are already imported when the first test using the
# fixture sets up; it then starts the session's server and the test sends its first request.
_FIXTURE = """
import json, statistics, time
import httpx, pytest
import mockserver.pytest_plugin as plugin
from mockserver.settings import Settings
from mockserver.world.clock import parse_instant

began = time.perf_counter()
session = plugin.MockServerSession(Settings(now=parse_instant({now!r}), log_requests=False))
session.reset()
started = time.perf_counter()
with httpx.Client(base_url=session.url, auth=("mockserver-key", "mockserver-secret")) as client:
    client.get("/v1/usages").raise_for_status()
    answered = time.perf_counter()
    idle = []
    for _ in range({resets}):
        at = time.perf_counter()
        session.reset()
        idle.append(time.perf_counter() - at)
    touched = []
    for _ in range({resets} // 10):
        client.get("/v1/usages").raise_for_status()
        at = time.perf_counter()
        session.reset()
        touched.append(time.perf_counter() - at)
print(json.dumps({{
    "start": started - began,
    "first_use": answered - began,
    "reset_idle": statistics.median(idle),
    "reset_touched": statistics.median(touched),
}}))
session.stop()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_startup() -> float:
    """Seconds from launching `mockserver serve` to its first 200 on the health route, polled every 5 ms."""
    port = free_port()
    argv = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--now", NOW, "--quiet"]
    began = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"mockserver serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/__admin/health", timeout=1) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.005)
    finally:
        proc.terminate()
        proc.wait(10)


def fixture(resets: int) -> dict[str, float]:
    code = _FIXTURE.format(now=NOW, resets=resets)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resets", type=int, default=500)
    args = parser.parse_args()
    serve = [serve_startup() for _ in range(args.runs)]
    fixtures = [fixture(args.resets) for _ in range(args.runs)]

    def median(key: str) -> float:
        return statistics.median(f[key] for f in fixtures)

    print(f"# start-up ({Path(__file__).name}, median of {args.runs}, PYTHONPATH trees as given)\n")
    print("| measure | median | runs |")
    print("|---|---|---|")
    print(
        f"| serve: launch -> first 200 | {statistics.median(serve) * 1000:.0f} ms | "
        f"{', '.join(f'{s * 1000:.0f}' for s in serve)} |"
    )
    for key, label in (("start", "fixture: session start"), ("first_use", "fixture first use: start + 1st request")):
        print(f"| {label} | {median(key) * 1000:.0f} ms | {', '.join(f'{f[key] * 1000:.0f}' for f in fixtures)} |")
    for key, label in (
        ("reset_idle", "per-test reset, nothing touched"),
        ("reset_touched", "per-test reset, after a request"),
    ):
        print(f"| {label} | {median(key) * 1000:.3f} ms | {', '.join(f'{f[key] * 1000:.3f}' for f in fixtures)} |")


if __name__ == "__main__":
    main()
