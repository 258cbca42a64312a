"""The benchmark harness: mockserver against a raw-ASGI ceiling on loopback; prints and writes the results.

    python bench/run.py [--quick] [--duration S] [--out bench/RESULTS.md]

Servers run pinned to CPU 0 and wrk to CPU 1. Targets are reported here, never asserted in tests (see README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
HOST = "127.0.0.1"
NOW = "2026-11-30T14:37:12.345Z"
NOW_S = int(datetime(2026, 11, 30, 14, 37, 12, tzinfo=UTC).timestamp())
AUTH = "Basic azpz"  # k:s; any Basic credentials pass on the default scenario
ALL_TYPES = "usages,activity,consumption,model-usages,asset-usages,nsfw-usages,quality-gate-usages"
REPEATED_DEFAULT = "/v1/usages"
THIRTY_ONE_DAYS = f"/v1/usages?timeRange=last-thirty-one-days&type={ALL_TYPES}"
DISTINCT_SAMPLE = "/v1/usages?startDate=2026-11-23T22:57:12Z&endDate=2026-11-30T06:17:12Z"  # distinct.lua's 500500th
SERVER_CPU, LOAD_CPU = 0, 1
WRK_CONNECTIONS = 16
DONE_MARKER = "bench: done"  # a wrk script prints this line when it has sent what it was asked to
PLUGIN_FIXTURE = "mockserver"  # the fixture the pytest plugin will provide (named after the package)


# -- targets (reported, never asserted): issue 17 ------------------------------------------------------------------
CACHED_SHARE = 0.85  # the cached default query: this share of the ceiling's req/s on the same bytes (and with Redis)
CEILING_SHARE = 0.6  # other repeated queries (last-thirty-one-days, all types)
DISTINCT_SHARE = 0.25  # distinct uncached 7-day windows: this share of the ceiling on a body of the same size
HEAVY_SECONDS = 0.05  # the >= 5 MB heavy-usage body, uncached, in process
HEAVY_HTTP_SECONDS = 0.3  # ... and over HTTP (reported beside it; the earlier budget)
LINEAR_SLACK = 1.3  # "flat per point": time per point at 4x within this factor of 1x
READ_SHARE = 0.5  # each read endpoint, uncached: this share of the ceiling serving its body
WALK_FACTOR = 2.0  # a jobs.list walk of heavy-usage with the SDK: at most this many times the ceiling's same pages
STARTUP_SECONDS = 0.5
FIXTURE_FIRST_SECONDS = 0.3
FIXTURE_RESET_SECONDS = 0.001
RSS_GROWTH_MB = 20.0
RSS_FLAT_MB = 3.0  # "flat after the caches fill": growth over the second half of the run at most this
SCALING_MODELS = (250, 500, 1000)  # 1x, 2x, 4x the series of heavy-usage's shape (1000: a world's model limit)
OPTIMISATIONS = BENCH / "OPTIMISATIONS.md"  # hand-kept before/after of each change, copied into RESULTS.md


@dataclass
class Plan:
    """How long and how much: the full run, or `--quick` for a smoke test of the harness itself."""

    duration: float
    warmup: float
    rss_requests: int
    rss_time_limit: float
    startup_runs: int
    heavy_http_runs: int
    scaling_runs: int
    reset_runs: int


FULL = Plan(
    duration=20,
    warmup=3,
    rss_requests=100_000,
    rss_time_limit=420,
    startup_runs=5,
    heavy_http_runs=7,
    scaling_runs=3,
    reset_runs=200,
)
QUICK = Plan(
    duration=3,
    warmup=1,
    rss_requests=5_000,
    rss_time_limit=60,
    startup_runs=3,
    heavy_http_runs=3,
    scaling_runs=1,
    reset_runs=50,
)


@dataclass
class Row:
    """One line of the summary table."""

    measure: str
    value: str
    reference: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)  # (title, markdown)
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)  # 1-minute load average as each step started

    def command(self, argv: list[str], env: dict[str, str] | None = None, port: int | None = None) -> None:
        """Record a command as run, with the per-run port shown as P and paths relative to the repository."""
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        line = (prefix + " " if prefix else "") + shlex.join(argv)
        line = line.replace(str(REPO) + "/", "")
        if port is not None:
            line = re.sub(rf"(?<=[ :]){port}\b", "P", line)
        if line not in self.commands:
            self.commands.append(line)


# -- processes -------------------------------------------------------------------------------------------------------
def pinned(cpu: int) -> list[str]:
    """`taskset -c CPU` when there are two CPUs to share out and taskset exists; nothing otherwise."""
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)]
    return []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(argv: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run `argv` in its own session for the duration of the block; always stop it (and its children) after."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)  # the group we created: the server and anything it started
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def get(port: int, target: str, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", target, headers={"Authorization": AUTH, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_ready(proc: subprocess.Popen[bytes], port: int, target: str, timeout: float, log: Path) -> float:
    """Poll `target` every 10 ms until it answers 200; return the seconds waited. Raise if the process dies."""
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if get(port, target, timeout=2)[0] == 200:
                return time.perf_counter() - started
        time.sleep(0.01)
    raise RuntimeError(f"{proc.args!r} not ready on port {port} after {timeout} s; see {log}")


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def mockserver_argv(port: int) -> list[str]:
    script = Path(sys.executable).parent / "mockserver"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver"]
    return [*pinned(SERVER_CPU), *launcher, "serve", "--host", HOST, "--port", str(port), "--now", NOW, "--quiet"]


def uvicorn_options() -> list[str]:
    """The loop and parser mockserver's `uvicorn.run(...)` picks by default ("auto"), spelled out for the ceiling."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return ["--loop", loop, "--http", parser, "--no-access-log", "--log-level", "warning"]


def ceiling_argv(port: int) -> list[str]:
    return [
        *pinned(SERVER_CPU),
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "--app-dir",
        str(BENCH),
        "ceiling:app_from_env",
        "--host",
        HOST,
        "--port",
        str(port),
        *uvicorn_options(),
    ]


# -- load ------------------------------------------------------------------------------------------------------------
@dataclass
class Load:
    """What one wrk run measured."""

    argv: list[str]
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    bytes_read: float
    non_2xx: int
    timeouts: int

    @property
    def body_kb(self) -> float:
        return self.bytes_read / max(self.requests, 1) / 1024


_TIME_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def parse_wrk(output: str, argv: list[str]) -> Load:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
        if not match:
            raise RuntimeError(f"no {percent}% latency in wrk output:\n{output}")
        return float(match.group(1)) * _TIME_UNITS[match.group(2)]

    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)(B|KB|MB|GB|TB) read", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not total or not rps:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return Load(
        argv=argv,
        requests=int(total.group(1)),
        seconds=float(total.group(2)) * _TIME_UNITS[total.group(3)] / 1000,
        rps=float(rps.group(1)),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        bytes_read=float(total.group(4)) * _SIZE_UNITS[total.group(5)],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        timeouts=int(timeouts.group(1)) if timeouts else 0,
    )


def wrk(
    port: int,
    target: str,
    seconds: float,
    report: Report,
    *,
    script: str | None = None,
    script_args: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
    record: bool = True,
) -> Load:
    """Drive `target` with wrk for `seconds` (one thread, 16 connections, on the load CPU)."""
    argv = wrk_argv(port, target, seconds, script=script, script_args=script_args, headers=headers)
    returncode, output = run_wrk(argv, seconds + 120)
    if returncode != 0:
        raise RuntimeError(f"wrk failed ({returncode}): {output}")
    if record:
        report.command(argv, port=port)
    return parse_wrk(output, argv)


def wrk_argv(
    port: int,
    target: str,
    seconds: float,
    *,
    script: str | None = None,
    script_args: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> list[str]:
    """The wrk command of every load run: one thread, 16 connections, on the load CPU, with the benchmarks' key."""
    argv = [
        *pinned(LOAD_CPU),
        "wrk",
        "-t1",
        f"-c{WRK_CONNECTIONS}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Authorization: {AUTH}",
    ]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if script:
        argv += ["-s", str(BENCH / script)]
    argv.append(f"http://{HOST}:{port}{target}")
    if script_args:
        argv += ["--", *script_args]
    return argv


def run_wrk(argv: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run wrk; when its script prints the DONE_MARKER line, interrupt it (SIGINT: it stops and reports).

    A script's `wrk.thread:stop()` ends the requests but not wrk, which sleeps out `-d` and then reports that whole
    time; the interrupt ends the run when the requests do, so the reported time and rate are the real ones. `env`
    adds to wrk's environment (what a script reads with `os.getenv`).
    """
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}
    )
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(DONE_MARKER) and proc.poll() is None:
                proc.send_signal(signal.SIGINT)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        reader.join(10)
    return proc.returncode, "".join(lines)


def measured(port: int, target: str, plan: Plan, report: Report, **options: Any) -> Load:
    """A warm-up run (not recorded), then the measured one."""
    warm_options = dict(options)
    if warm_options.get("script") == "distinct.lua":
        warm_options["script_args"] = (str(NOW_S), "500000")  # another part of the sequence: no shared windows
    wrk(port, target, plan.warmup, report, record=False, **warm_options)
    return wrk(port, target, plan.duration, report, **options)


# -- the measurements ------------------------------------------------------------------------------------------------
@dataclass
class Throughput:
    repeated: Load
    thirty_one: Load
    distinct: Load
    heavy_http: list[float]
    heavy_bytes: int
    bodies: dict[str, Path]
    deterministic: bool


def measure_mockserver(plan: Plan, work: Path, report: Report) -> Throughput:
    port = free_port()
    argv = mockserver_argv(port)
    report.command(argv, port=port)
    with running(argv, work / "mockserver.log") as proc:
        wait_ready(proc, port, "/__admin/health", 60, work / "mockserver.log")
        bodies: dict[str, Path] = {}
        deterministic = True
        for name, target in (("repeated", REPEATED_DEFAULT), ("thirty_one", THIRTY_ONE_DAYS)):
            status, body = get(port, target)
            if status != 200:
                raise RuntimeError(f"GET {target} answered {status}: {body[:300]!r}")
            deterministic &= get(port, target)[1] == body
            bodies[name] = work / f"{name}.json"
            bodies[name].write_bytes(body)
        # A distinct window from the middle of distinct.lua's range: the ceiling serves a body of the same size.
        status, body = get(port, DISTINCT_SAMPLE)
        if status != 200:
            raise RuntimeError(f"GET {DISTINCT_SAMPLE} answered {status}: {body[:300]!r}")
        bodies["distinct"] = work / "distinct.json"
        bodies["distinct"].write_bytes(body)
        status, document = get(port, "/openapi.json")
        (work / "openapi.json").write_bytes(document)
        print(f"  repeated default query ({len(bodies['repeated'].read_bytes()) / 1024:.0f} KB)", flush=True)
        repeated = measured(port, REPEATED_DEFAULT, plan, report)
        print(f"  last-thirty-one-days, all types ({len(bodies['thirty_one'].read_bytes()) / 1024:.0f} KB)", flush=True)
        thirty_one = measured(port, THIRTY_ONE_DAYS, plan, report)
        print("  distinct windows (distinct.lua)", flush=True)
        distinct = measured(port, "/v1/usages", plan, report, script="distinct.lua", script_args=(str(NOW_S), "0"))
        print("  heavy-usage, uncached, sequential", flush=True)
        heavy, heavy_bytes = heavy_over_http(port, plan.heavy_http_runs)
    return Throughput(repeated, thirty_one, distinct, heavy, heavy_bytes, bodies, deterministic)


def measure_redis(body: Path, plan: Plan, work: Path, report: Report) -> Load | str:
    """The cached default query with `serve --state redis://...` on a fresh redis-server; or why it was not run."""
    server = shutil.which("redis-server")
    if server is None:
        return "redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)"
    redis_port = free_port()
    redis_argv = [server, "--port", str(redis_port), "--bind", HOST, "--save", "", "--appendonly", "no"]
    with running(redis_argv, work / "redis.log"):
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((HOST, redis_port), timeout=1):
                break
            time.sleep(0.05)
        port = free_port()
        argv = [*mockserver_argv(port), "--state", f"redis://{HOST}:{redis_port}/0"]
        report.command(argv, port=port)
        with running(argv, work / "mockserver-redis.log") as proc:
            wait_ready(proc, port, "/__admin/health", 60, work / "mockserver-redis.log")
            status, served = get(port, REPEATED_DEFAULT)
            if status != 200 or served != body.read_bytes():
                raise RuntimeError(f"with Redis state, GET {REPEATED_DEFAULT} answered {status}, other bytes")
            return measured(port, REPEATED_DEFAULT, plan, report)


def heavy_over_http(port: int, runs: int) -> tuple[list[float], int]:
    """Seconds for whole heavy-usage bodies, one request at a time, each a window not asked before."""
    seconds, size = [], 0
    end = datetime.fromtimestamp(NOW_S, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for i in range(runs):
        start = datetime.fromtimestamp(NOW_S - 7 * 86400 + (i + 1) * 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        began = time.perf_counter()
        status, body = get(port, f"/v1/usages?startDate={start}&endDate={end}", {"X-Mock-Scenario": "heavy-usage"})
        seconds.append(time.perf_counter() - began)
        if status != 200:
            raise RuntimeError(f"heavy-usage answered {status}: {body[:300]!r}")
        size = len(body)
    return seconds, size


def measure_ceiling(body: Path, target: str, plan: Plan, work: Path, report: Report) -> Load:
    port = free_port()
    argv = ceiling_argv(port)
    env = {"BENCH_CEILING_BODY": str(body)}
    report.command(argv, {"BENCH_CEILING_BODY": f"<bytes mockserver served for {target}>"}, port=port)
    with running(argv, work / "ceiling.log", env) as proc:
        wait_ready(proc, port, "/", 30, work / "ceiling.log")
        return measured(port, target, plan, report)


@dataclass
class Endpoint:
    name: str
    body_kb: float
    mock_rps: float
    ceiling_rps: float


@dataclass
class Reads:
    endpoints: list[Endpoint]
    walk_s: float
    walk_ceiling_s: float
    walk_pages: int
    markdown: str


def measure_reads(plan: Plan, work: Path, report: Report) -> Reads | str:
    """bench/read.py's measurements (each read endpoint and the jobs.list walk, against the ceiling); or why not."""
    out = work / "read.json"
    argv = [sys.executable, str(BENCH / "read.py"), "--json", str(out), *(["--quick"] if plan is QUICK else [])]
    report.command(["python", "bench/read.py", "--json", "read.json", *argv[4:]])
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0 or not out.exists():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"bench/read.py failed ({done.returncode}): {last[0][:300]}"
    data = json.loads(out.read_text())
    endpoints = [
        Endpoint(e["name"], e["body_bytes"] / 1024, e["mock_rps"], e["ceiling_rps"]) for e in data["endpoints"]
    ]
    walk = data["walk"]
    return Reads(endpoints, walk["seconds"], walk["ceiling_seconds"], walk["pages"], data.get("markdown", ""))


def measure_startup(plan: Plan, work: Path, report: Report) -> tuple[list[float], list[float]]:
    """Seconds from launching `mockserver serve` to its first 200 on the health route, polled every 10 ms: with
    the bytecode compiled (as an installed package, or any run after the first, has it: in a cache of this run's),
    and from source (no bytecode written or read: every module compiled at each start), runs alternating."""
    # From source: mockserver's modules compiled at each start (the libraries' bytecode, installed with them, read).
    compiled = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    source = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": ""}
    seconds: dict[str, list[float]] = {"compiled": [], "source": []}
    for run in range(plan.startup_runs + 1):
        for name, env in (("compiled", compiled), ("source", source)):
            port = free_port()
            argv = mockserver_argv(port)
            began = time.perf_counter()
            with running(argv, work / "startup.log", env) as proc:
                wait_ready(proc, port, "/__admin/health", 60, work / "startup.log")
                if run:  # the first launch writes the bytecode cache
                    seconds[name].append(time.perf_counter() - began)
            report.command(argv, port=port)
    return seconds["compiled"], seconds["source"]


@dataclass
class Memory:
    after_start: float
    after_load: float
    peak: float
    load: Load
    samples: list[tuple[float, float]]  # (share of the run's time, VmRSS MB), sampled every 0.5 s

    def at(self, share: float) -> float:
        """VmRSS at the sample nearest a share of the run (0.5: half way)."""
        return min(self.samples, key=lambda sample: abs(sample[0] - share))[1] if self.samples else self.after_load

    @property
    def second_half_growth(self) -> float:
        return self.after_load - self.at(0.5)


def measure_memory(plan: Plan, work: Path, report: Report) -> Memory:
    """RSS of a fresh server after start, during and after `plan.rss_requests` requests of the mixture in mixed.lua.

    wrk sends at an even rate, so a sample's share of the run's time is its share of the requests.
    """
    port = free_port()
    argv = mockserver_argv(port)
    with running(argv, work / "memory.log") as proc:
        wait_ready(proc, port, "/__admin/health", 60, work / "memory.log")
        after_start, _ = rss_mb(proc.pid)
        timed: list[tuple[float, float]] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                with contextlib.suppress(OSError, KeyError, ValueError):
                    timed.append((time.perf_counter(), rss_mb(proc.pid)[0]))

        sampler = threading.Thread(target=sample, daemon=True)
        began = time.perf_counter()
        sampler.start()
        try:
            load = wrk(
                port,
                "/v1/usages",
                plan.rss_time_limit,
                report,
                script="mixed.lua",
                script_args=(str(NOW_S), str(plan.rss_requests)),
            )
        finally:
            done.set()
            sampler.join(5)
        ended = time.perf_counter()
        after_load, peak = rss_mb(proc.pid)
    span = max(ended - began, 1e-9)
    return Memory(after_start, after_load, peak, load, [((t - began) / span, mb) for t, mb in timed])


@dataclass
class Scale:
    label: str  # "heavy-usage" (the shipped scenario), or 1x, 2x, 4x the series
    models: int
    series: int
    points: int
    megabytes: float
    build_s: float
    first_s: float  # the warm-up render of another window, right after the build
    render_s: float
    dumps_s: float

    @property
    def total_s(self) -> float:
        return self.render_s + self.dumps_s

    @property
    def us_per_point(self) -> float:
        return self.total_s / self.points * 1e6


def count_series(body: dict[str, Any]) -> tuple[int, int]:
    series = points = 0
    for value in body.values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("points"), list):
                    series += 1
                    points += len(item["points"])
    return series, points


def measure_scaling(plan: Plan, work: Path) -> list[Scale]:
    """Uncached render of the heavy-usage default query (build_report + orjson): the scenario as shipped, then its
    shape with 250, 500 and 1,000 models (1x, 2x, 4x the model series; 1,000 is a world's limit)."""
    import orjson
    import yaml

    from mockserver.contract.query import UsageQuery
    from mockserver.world.clock import parse_instant
    from mockserver.world.report import build_report
    from mockserver.worlds import build_world_from_file

    now = parse_instant(NOW)
    source = yaml.safe_load((REPO / "scenarios" / "heavy-usage.yaml").read_text())
    results = []
    shapes = [("heavy-usage", source["models"])] + [(f"{m // SCALING_MODELS[0]}x", m) for m in SCALING_MODELS]
    for label, models in shapes:
        scenario = dict(source, models=models)
        path = work / f"heavy-{label}.yaml"
        path.write_text(yaml.safe_dump(scenario, sort_keys=False))
        began = time.perf_counter()
        world = build_world_from_file(path, now=now)
        world.warm(world.clock.now())  # as the server does at load time
        build_s = time.perf_counter() - began
        # One render of another window first: what a server that has answered anything has already done
        # (entity caches, first-call costs); then the default query, never rendered before on this world.
        began = time.perf_counter()
        other = UsageQuery(start=now - 7 * 86_400_000 + 60_000, end=now)
        orjson.dumps(build_report(world, other, world.clock.now(), raw=True))
        first_s = time.perf_counter() - began
        renders, dumps = [], []
        body: bytes = b""
        for _ in range(plan.scaling_runs):
            began = time.perf_counter()
            # The server's path (pre-serialised points), without its render cache: every run renders.
            report = build_report(world, UsageQuery(), world.clock.now(), raw=True)
            middle = time.perf_counter()
            body = orjson.dumps(report)
            renders.append(middle - began)
            dumps.append(time.perf_counter() - middle)
        series, points = count_series(orjson.loads(body))
        results.append(
            Scale(
                label,
                models,
                series,
                points,
                len(body) / 1e6,
                build_s,
                first_s,
                statistics.median(renders),
                statistics.median(dumps),
            )
        )
        print(f"  {label}: {models} models, {len(body) / 1e6:.1f} MB, {results[-1].total_s * 1000:.0f} ms", flush=True)
    return results


@dataclass
class Fixture:
    first_use_s: float
    reset_s: float
    reset_max_s: float
    how: str  # what was timed
    details: str = ""


_TIMING_CONFTEST = """
import json, os, time
import pytest

_times = []

@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    began = time.perf_counter()
    try:
        return (yield)
    finally:
        _times.append(["setup", time.perf_counter() - began])

@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    began = time.perf_counter()
    try:
        return (yield)
    finally:
        _times.append(["teardown", time.perf_counter() - began])

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_FIXTURE_TIMES"], "w") as out:
        json.dump(_times, out)
"""


def fixture_via_plugin(plan: Plan, work: Path, report: Report) -> Fixture:
    """Time the plugin's fixture from pytest itself: setup of the first test, then setup + teardown of the rest."""
    suite = work / "fixture_suite"
    suite.mkdir(exist_ok=True)
    (suite / "conftest.py").write_text(_TIMING_CONFTEST)
    (suite / "pytest.ini").write_text(f"[pytest]\nmockserver_now = {NOW}\n")
    # test_0 takes pytest's own first-test costs; tests 1-50 use the fixture; tests 51-100 do not (pytest's own
    # per-test cost, subtracted from the reset).
    plain = "def test_{}():\n    pass\n\n"
    using = f"def test_{{}}({PLUGIN_FIXTURE}):\n    pass\n\n"
    tests = "".join((using if 1 <= i <= 50 else plain).format(i) for i in range(101))
    (suite / "test_fixture.py").write_text(tests)
    times_file = work / "fixture_times.json"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)]
    done = subprocess.run(
        argv,
        cwd=suite,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "BENCH_FIXTURE_TIMES": str(times_file)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"pytest with the `{PLUGIN_FIXTURE}` fixture failed:\n{done.stdout[-2000:]}")
    report.command(["python", "-m", "pytest", "-q", "<50 tests using the fixture, timed by a conftest hook>"])
    times = json.loads(times_file.read_text())
    setups = [t for kind, t in times if kind == "setup"]
    teardowns = [t for kind, t in times if kind == "teardown"]
    # A test's cost between tests: its setup plus the teardown of the test before it.
    between = [setups[i] + teardowns[i - 1] for i in range(1, len(setups))]
    using, baseline = statistics.median(between[1:50]), statistics.median(between[51:])
    return Fixture(
        setups[1],
        max(using - baseline, 0.0),
        max(between[1:50]),
        f"pytest plugin fixture `{PLUGIN_FIXTURE}`: setup of the first test using it (after one that does not); "
        "reset = median (setup + previous teardown) of the 49 after it, minus the same for tests without it",
        f"raw {using * 1000:.2f} ms per test with the fixture, {baseline * 1000:.2f} ms without",
    )


def measure_fixture(plan: Plan, work: Path, report: Report) -> Fixture:
    return fixture_via_plugin(plan, work, report)


# -- the report ------------------------------------------------------------------------------------------------------
def version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def tool_version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "not installed"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "?"


def machine() -> list[tuple[str, str]]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    git = subprocess.run(
        ["git", "--no-optional-locks", "rev-parse", "--short", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "--no-optional-locks", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    return [
        ("CPUs (nproc)", str(os.cpu_count())),
        ("CPU model", model.group(1).strip() if model else platform.processor() or "?"),
        ("Memory", f"{int(memory.group(1)) / 1024**2:.1f} GiB" if memory else "?"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("mockserver", f"{version('mockserver')} (git {git or '?'}{', uncommitted changes' if dirty else ''})"),
        ("uvicorn / starlette / orjson", f"{version('uvicorn')} / {version('starlette')} / {version('orjson')}"),
        ("uvloop / httptools", f"{version('uvloop')} / {version('httptools')}"),
        ("wrk", tool_version(["wrk", "-v"])),
        ("Pinning", "servers on CPU 0, wrk on CPU 1 (taskset)" if pinned(0) else "none (fewer than 2 CPUs)"),
    ]


def load_average() -> str:
    """The 1-minute load average: anything else running on the machine shows here."""
    path = Path("/proc/loadavg")
    return path.read_text().split()[0] if path.exists() else "?"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def summarise(
    throughput: Throughput,
    ceilings: dict[str, Load],
    redis: Load | str,
    reads: Reads | str,
    startup: tuple[list[float], list[float]],
    memory: Memory,
    scaling: list[Scale],
    fixture: Fixture,
    plan: Plan,
    report: Report,
) -> None:
    def rate_row(label: str, mock: Load, ceiling: Load, share_needed: float) -> Row:
        share = mock.rps / ceiling.rps
        return Row(
            label,
            f"{mock.rps:,.0f} req/s (p50 {mock.p50_ms:.1f} ms, p99 {mock.p99_ms:.1f} ms)",
            f"ceiling {ceiling.rps:,.0f} req/s (p50 {ceiling.p50_ms:.1f}, p99 {ceiling.p99_ms:.1f} ms)",
            f"{share:.2f}x",
            f">= {share_needed}x ceiling",
            share >= share_needed,
        )

    repeated = throughput.repeated
    report.rows.append(
        rate_row(f"Cached default query ({repeated.body_kb:.0f} KB)", repeated, ceilings["repeated"], CACHED_SHARE)
    )
    if isinstance(redis, Load):
        report.rows.append(
            rate_row(
                f"Cached default query, `--state redis://` ({redis.body_kb:.0f} KB)",
                redis,
                ceilings["repeated"],
                CACHED_SHARE,
            )
        )
    else:
        report.rows.append(Row("Cached default query, `--state redis://`", f"not run: {redis}", target="-"))
    report.rows.append(
        rate_row(
            f"last-thirty-one-days, all types, cached ({throughput.thirty_one.body_kb:.0f} KB)",
            throughput.thirty_one,
            ceilings["thirty_one"],
            CEILING_SHARE,
        )
    )
    report.rows.append(
        rate_row(
            f"Distinct 7-day windows, uncached ({throughput.distinct.body_kb:.0f} KB)",
            throughput.distinct,
            ceilings["distinct"],
            DISTINCT_SHARE,
        )
    )
    heavy = scaling[0]
    report.rows.append(
        Row(
            f"heavy-usage render, uncached, in process ({heavy.megabytes:.1f} MB)",
            ms(heavy.total_s),
            f"build_report {ms(heavy.render_s)} + orjson {ms(heavy.dumps_s)}",
            f"{heavy.total_s / HEAVY_SECONDS:.2f}x budget",
            f"<= {HEAVY_SECONDS} s",
            heavy.total_s <= HEAVY_SECONDS,
        )
    )
    heavy_http = statistics.median(throughput.heavy_http)
    report.rows.append(
        Row(
            f"heavy-usage over HTTP, uncached ({throughput.heavy_bytes / 1e6:.1f} MB)",
            ms(heavy_http),
            "",
            f"{heavy_http / HEAVY_HTTP_SECONDS:.2f}x budget",
            f"<= {HEAVY_HTTP_SECONDS} s (reported)",
            heavy_http <= HEAVY_HTTP_SECONDS,
        )
    )
    one, four = scaling[1], scaling[-1]
    growth = four.us_per_point / one.us_per_point
    report.rows.append(
        Row(
            f"heavy-usage time per point, 4x series vs 1x ({four.models} vs {one.models} models)",
            f"{four.us_per_point:.3f} vs {one.us_per_point:.3f} us/point",
            "",
            f"{growth:.2f}x",
            f"<= {LINEAR_SLACK}x (flat)",
            growth <= LINEAR_SLACK,
        )
    )
    if isinstance(reads, Reads):
        for endpoint in reads.endpoints:
            share = endpoint.mock_rps / endpoint.ceiling_rps
            report.rows.append(
                Row(
                    f"{endpoint.name}, uncached ({endpoint.body_kb:.1f} KB)",
                    f"{endpoint.mock_rps:,.0f} req/s",
                    f"ceiling {endpoint.ceiling_rps:,.0f} req/s",
                    f"{share:.2f}x",
                    f">= {READ_SHARE}x ceiling",
                    share >= READ_SHARE,
                )
            )
        factor = reads.walk_s / reads.walk_ceiling_s
        report.rows.append(
            Row(
                f"jobs.list walk of heavy-usage with the SDK ({reads.walk_pages} pages)",
                ms(reads.walk_s),
                f"ceiling, same pages: {ms(reads.walk_ceiling_s)}",
                f"{factor:.2f}x",
                f"<= {WALK_FACTOR}x ceiling",
                factor <= WALK_FACTOR,
            )
        )
    else:
        report.rows.append(Row("Read endpoints, uncached", f"not run: {reads}", target="-"))
    compiled, source = startup
    start = statistics.median(compiled)
    report.rows.append(
        Row(
            f"Start-up: launch -> first 200, bytecode compiled (median of {len(compiled)})",
            ms(start),
            "as installed (pip, the image), or any start after the first",
            f"{start / STARTUP_SECONDS:.2f}x budget",
            f"<= {STARTUP_SECONDS} s",
            start <= STARTUP_SECONDS,
        )
    )
    from_source = statistics.median(source)
    report.rows.append(
        Row(
            f"Start-up from a source tree without bytecode (PYTHONDONTWRITEBYTECODE=1, median of {len(source)})",
            ms(from_source),
            "mockserver's modules compiled at each start",
            f"{from_source / STARTUP_SECONDS:.2f}x budget",
            f"<= {STARTUP_SECONDS} s (reported)",
            from_source <= STARTUP_SECONDS,
        )
    )
    report.rows.append(
        Row(
            "Fixture first use",
            ms(fixture.first_use_s),
            fixture.details,
            f"{fixture.first_use_s / FIXTURE_FIRST_SECONDS:.2f}x budget",
            f"<= {FIXTURE_FIRST_SECONDS} s",
            fixture.first_use_s <= FIXTURE_FIRST_SECONDS,
        )
    )
    report.rows.append(
        Row(
            "Fixture per-test reset",
            f"{fixture.reset_s * 1000:.3f} ms",
            f"max {fixture.reset_max_s * 1000:.3f} ms",
            f"{fixture.reset_s / FIXTURE_RESET_SECONDS:.2f}x budget",
            f"<= {FIXTURE_RESET_SECONDS * 1000:.0f} ms",
            fixture.reset_s <= FIXTURE_RESET_SECONDS,
        )
    )
    grown = memory.after_load - memory.after_start
    flat = memory.second_half_growth
    report.rows.append(
        Row(
            f"RSS growth over {memory.load.requests:,} mixed requests",
            f"{grown:+.1f} MB ({memory.after_start:.1f} -> {memory.after_load:.1f} MB); second half {flat:+.1f} MB",
            f"peak {memory.peak:.1f} MB",
            f"{grown / RSS_GROWTH_MB:.2f}x budget",
            f"<= {RSS_GROWTH_MB:.0f} MB, second half <= {RSS_FLAT_MB:g} MB",
            grown <= RSS_GROWTH_MB and flat <= RSS_FLAT_MB,
        )
    )

    loads = [
        ("mockserver", "cached default", throughput.repeated),
        ("ceiling", "cached default (same bytes)", ceilings["repeated"]),
    ]
    if isinstance(redis, Load):
        loads.append(("mockserver --state redis://", "cached default", redis))
    loads += [
        ("mockserver", "last-thirty-one-days, all types", throughput.thirty_one),
        ("ceiling", "last-thirty-one-days, all types (same bytes)", ceilings["thirty_one"]),
        ("mockserver", "distinct windows (distinct.lua)", throughput.distinct),
        ("ceiling", "one distinct window's bytes (same size)", ceilings["distinct"]),
        ("mockserver", "memory mixture (mixed.lua)", memory.load),
    ]
    lines = [
        "| Server | Load | Requests | req/s | p50 | p99 | Body (avg) | Non-2xx | Timeouts |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for server, what, load in loads:
        lines.append(
            f"| {server} | {what} | {load.requests:,} in {load.seconds:.1f} s | {load.rps:,.1f} | "
            f"{load.p50_ms:.2f} ms | {load.p99_ms:.2f} ms | {load.body_kb:,.1f} KB | {load.non_2xx:,} | "
            f"{load.timeouts} |"
        )
    report.sections.append(("Load runs (wrk -t1 -c16, after a warm-up run)", "\n".join(lines)))

    lines = [
        "| Series | Models | Series in body | Points | Body | World build + warm | First render | build_report | "
        "orjson | Total | us/point |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for sc in scaling:
        lines.append(
            f"| {sc.label} | {sc.models} | {sc.series:,} | {sc.points:,} | {sc.megabytes:.1f} MB | "
            f"{ms(sc.build_s)} | {ms(sc.first_s)} | {ms(sc.render_s)} | {ms(sc.dumps_s)} | {ms(sc.total_s)} | "
            f"{sc.us_per_point:.3f} |"
        )
    report.sections.append(
        (
            f"heavy-usage, uncached render in process (median of {plan.scaling_runs}, after one render of another "
            "window; the default query, the server's pre-serialised path, no render cache)",
            "\n".join(lines),
        )
    )
    if isinstance(reads, Reads):
        report.sections.append(("Read endpoints (bench/read.py)", reads.markdown))

    http_runs = ", ".join(f"{sec * 1000:.0f}" for sec in throughput.heavy_http)
    startup_runs = "; ".join(
        f"{name} " + ", ".join(f"{sec * 1000:.0f}" for sec in runs)
        for name, runs in zip(("compiled", "from source"), startup, strict=True)
    )
    checkpoints = ", ".join(f"{share:.0%} {memory.at(share):.1f} MB" for share in (0.1, 0.25, 0.5, 0.75, 1.0))
    rss_line = (
        f"RSS: {memory.after_start:.1f} MB after start, {memory.after_load:.1f} MB after {memory.load.requests:,} "
        f"requests in {memory.load.seconds:.0f} s (during the run: {checkpoints}), peak (VmHWM) {memory.peak:.1f} MB; "
        f"{memory.load.non_2xx:,} of the responses were deliberate errors (400, 401, 404)"
    )
    report.sections.append(
        (
            "Other raw numbers",
            textwrap.dedent(f"""\
        - heavy-usage over HTTP, one request at a time, each a new window (ms): {http_runs}
        - start-up runs (ms): {startup_runs}
        - fixture: {fixture.how}; {fixture.details or "see table"}
        - {rss_line}
        - responses deterministic (same query twice, same bytes): {throughput.deterministic}"""),
        )
    )


def table(rows: list[Row]) -> list[str]:
    lines = ["| Measure | mockserver | Reference | Ratio | Target | Met |", "|---|---|---|---:|---|---|"]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.measure} | {r.value} | {r.reference} | {r.ratio} | {r.target} | {met} |")
    return lines


def write_results(
    path: Path, report: Report, facts: list[tuple[str, str]], elapsed: float, plan: Plan, quick: bool
) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py{' --quick' if quick else ''} --duration {plan.duration:g}` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; the run took {elapsed / 60:.1f} min. "
        "Targets are reported, never asserted in tests; see `bench/README.md` for what each number means.",
        "",
        "## Summary",
        "",
        *table(report.rows),
        "",
    ]
    for title, body in report.sections:
        lines += [f"## {title}", "", body, ""]
    if OPTIMISATIONS.exists():  # what each change bought, measured before and after (kept by hand)
        lines += [OPTIMISATIONS.read_text().strip(), ""]
    lines += ["## Machine", "", "| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in facts), ""]
    lines += [
        "## Commands",
        "",
        "Every command the run used (`P` and the file names are chosen per run):",
        "",
        "```sh",
        *report.commands,
        "```",
        "",
    ]
    if report.notes:
        lines += ["## Notes", "", *(f"- {n}" for n in report.notes), ""]
    path.write_text("\n".join(lines))


def print_summary(rows: list[Row]) -> None:
    print("\n" + "\n".join(table(rows)))


def say(title: str, report: Report) -> None:
    """Announce a step, and note the machine's load average as it starts (other work shows in the numbers)."""
    report.loads.append(load_average())
    print(f"[{time.strftime('%H:%M:%S')}] {title} (load average {report.loads[-1]})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs and 5,000 requests for RSS (a smoke test)")
    parser.add_argument("--duration", type=float, help="seconds per measured wrk run (default 20, quick 3)")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md", help="default: bench/RESULTS.md")
    parser.add_argument("--note", action="append", default=[], help="a line for the Notes of RESULTS.md (repeatable)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench: wrk is needed (Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2
    plan = QUICK if args.quick else FULL
    if args.duration:
        plan = Plan(**{**plan.__dict__, "duration": args.duration})
    began = time.perf_counter()
    report = Report(notes=list(args.note))
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as tmp:
        work = Path(tmp)
        say("mockserver: throughput and latency", report)
        throughput = measure_mockserver(plan, work, report)
        ceilings = {}
        for name, target in (("repeated", REPEATED_DEFAULT), ("thirty_one", THIRTY_ONE_DAYS), ("distinct", None)):
            say(f"ceiling: {target or 'one distinct window, same size'}", report)
            ceilings[name] = measure_ceiling(throughput.bodies[name], target or REPEATED_DEFAULT, plan, work, report)
        say("mockserver --state redis://: cached default query", report)
        redis = measure_redis(throughput.bodies["repeated"], plan, work, report)
        if isinstance(redis, str):
            report.notes.append(f"Redis state backend not measured: {redis}.")
        say("read endpoints (bench/read.py)", report)
        reads = measure_reads(plan, work, report)
        say("start-up", report)
        startup = measure_startup(plan, work, report)
        say(f"RSS over {plan.rss_requests:,} requests", report)
        memory = measure_memory(plan, work, report)
        say("heavy-usage, and its shape at 1x, 2x, 4x series (in process)", report)
        scaling = measure_scaling(plan, work)
        say("fixture first use and reset", report)
        fixture = measure_fixture(plan, work, report)
        summarise(throughput, ceilings, redis, reads, startup, memory, scaling, fixture, plan, report)
    elapsed = time.perf_counter() - began
    facts = [*machine(), ("Load average (1 min) at each step, and after", " / ".join([*report.loads, load_average()]))]
    write_results(args.out, report, facts, elapsed, plan, args.quick)
    print_summary(report.rows)
    print(f"\nwrote {args.out} ({elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
