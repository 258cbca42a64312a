"""Start-up side by side: `mockserver serve` to its first 200, the pytest fixture's first use, the per-test reset.

python bench/startup.py [--runs 5] [--resets 500]

Each measurement runs in a fresh interpreter (the one running this script, with its PYTHONPATH): run it once with
PYTHONPATH on another tree to compare two versions. The fixture is timed inside pytest, as a test uses it (the
first test asking for `mockserver`, then its first request). Medians of `--runs`; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

NOW = "2026-11-30T14:37:12.345Z"

# Fixture first use as a test sees it: pytest and the plugin are loaded, and a test asks for the fixture (the
# session's server starts), then sends its first request. Then the reset the fixture runs before every test.
_SUITE = """
import json, os, statistics, time

TIMES = {{}}


def test_first_use(request):
    began = time.perf_counter()
    mockserver = request.getfixturevalue("mockserver")
    TIMES["start"] = time.perf_counter() - began
    mockserver.http().get("/v1/usages").raise_for_status()
    TIMES["first_use"] = time.perf_counter() - began


def test_resets(mockserver, mockserver_session):
    client = mockserver.http()
    idle, touched = [], []
    for _ in range({resets}):
        at = time.perf_counter()
        mockserver_session.reset()
        idle.append(time.perf_counter() - at)
    for _ in range({resets} // 10):
        client.get("/v1/usages").raise_for_status()
        at = time.perf_counter()
        mockserver_session.reset()
        touched.append(time.perf_counter() - at)
    TIMES["reset_idle"], TIMES["reset_touched"] = statistics.median(idle), statistics.median(touched)
    with open(os.environ["BENCH_STARTUP_TIMES"], "w") as out:
        json.dump(TIMES, out)
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


def fixture(resets: int, work: Path) -> dict[str, float]:
    """The first use of the plugin's fixture, and its reset, timed inside a pytest run of a generated suite."""
    (work / "pytest.ini").write_text(f"[pytest]\nmockserver_now = {NOW}\n")
    (work / "test_startup.py").write_text(_SUITE.format(resets=resets))
    times = work / "times.json"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(work)]
    env = {**os.environ, "BENCH_STARTUP_TIMES": str(times)}
    done = subprocess.run(argv, cwd=work, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the fixture suite failed:\n{done.stdout[-2000:]}")
    result: dict[str, float] = json.loads(times.read_text())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resets", type=int, default=500)
    args = parser.parse_args()
    serve = [serve_startup() for _ in range(args.runs)]
    with tempfile.TemporaryDirectory() as work:
        fixtures = [fixture(args.resets, Path(work)) for _ in range(args.runs)]

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
