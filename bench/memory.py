"""Memory under load: RSS of a fresh server at checkpoints of 100,000 requests of mixed.lua (issues 11, 17).

python bench/memory.py [--requests 100000] [--at 10000,25000,50000,75000] [--code DIR ...] [--env "NAME=VALUE ..." ...]
python bench/memory.py --tracemalloc 25000 [--frames 8]   # also: what the Python heap gained from then to the end
python bench/memory.py --sizes   # also: the bytes each cache pool and the journal hold, measured against estimated
python bench/memory.py --in-process [--requests 100000] [--every 10000]   # the issue 11 traffic, straight to ASGI

The server runs pinned to CPU 0 (`mockserver serve --now ... --quiet` from each `--code` tree in turn, under each
`--env`: `--code OLD --code .` is before and after in one run), wrk on CPU 1 with `mixed.lua`, which says when it has
had each checkpoint's responses; the server's VmRSS is read then. Growth stops once the caches are full. The bound is
what the server keeps by design: the byte budgets of the cache pools (`--cache-mb`, 24 MB: mockserver/cache.py's
SHARES, renders 15 %, buckets 50 %, hours 25 %, entities 10 %; every world's caches draw on them) and of the journal
(Settings.journal_bytes, 8 MB, and journal_size, 5,000 entries): 32 MB in all, estimated sizes, which
`GET /__admin/memory` shows (printed at the end). A load fills what it reaches: mixed.lua fills renders, buckets and
entities and 5,000 journal entries; its windows lie in the hours generated at start. Past that comes the allocator
(pymalloc's partly used arenas, glibc's free chunks: printed at the start and the end), and anything unaccounted:
a leak, or an estimate too low (`--sizes`, `--tracemalloc N` find them).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import ctypes
import gc
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
HOST = "127.0.0.1"
NOW = "2026-11-30T14:37:12.345Z"
NOW_S = 1_796_049_432  # NOW in epoch seconds
AUTH = "Basic azpz"  # k:s; any Basic credentials pass on the default scenario
DONE_MARKER = "bench: done"
AT_MARKER = re.compile(r"bench: at (\d+) responses")
SERVER_CPU, LOAD_CPU = 0, 1
WRK_CONNECTIONS = 16
DAY_MS = 86_400_000
TYPES = ("usages", "model-usages", "asset-usages", "nsfw-usages", "quality-gate-usages", "consumption", "activity")
TIME_RANGES = ("last-hour", "last-day", "last-three-days", "last-seven-days", "last-thirty-one-days")


def status_mb(pid: int | str = "self") -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, MB (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def rss_mb() -> float:
    return status_mb()[0]


def pinned(cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] if (os.cpu_count() or 1) >= 2 else []


# -- the server process (`memory.py _serve`): mockserver's CLI, plus signals for snapshots ----------------------------
def serve(argv: list[str]) -> int:
    """Run `mockserver serve ARGV` here; SIGUSR1 writes a tracemalloc snapshot, SIGUSR2 trims the C heap.

    Snapshots go to $BENCH_MEMORY_DIR/snapshot-N.pickle (N counts up); the heap statistics to stderr.
    """
    out = Path(os.environ.get("BENCH_MEMORY_DIR", "."))
    frames = int(os.environ.get("BENCH_TRACEMALLOC", "0"))
    if frames:
        tracemalloc.start(frames)
    taken = 0

    def snapshot(signum: int, frame: object) -> None:
        nonlocal taken
        taken += 1
        gc.collect()
        if tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(str(out / f"snapshot-{taken}.pickle"))
        (out / f"snapshot-{taken}.sizes").write_text(json.dumps(held_sizes()))
        (out / f"snapshot-{taken}.done").write_text(f"{status_mb()[0]:.1f}\n")

    def heap(signum: int, frame: object) -> None:
        """The heaps now to `heap.done` (pymalloc's to the log); then `malloc_trim(0)` if `trim` exists."""
        gc.collect()
        before = status_mb()[0]
        libc = ctypes.CDLL("libc.so.6")
        glibc = mallinfo(libc)
        sys._debugmallocstats()  # pymalloc's arenas, to stderr (the server's log)
        trim = (out / "trim").exists()
        if trim:
            libc.malloc_trim(0)
        after = status_mb()[0]
        (out / "heap.done").write_text(json.dumps({"rss": [before, after], "glibc": glibc, "trimmed": trim}))

    signal.signal(signal.SIGUSR1, snapshot)
    signal.signal(signal.SIGUSR2, heap)
    import mockserver
    from mockserver.cli import main

    print(f"bench: serving {Path(mockserver.__file__).parent}", file=sys.stderr, flush=True)
    return main(["serve", *argv])


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


def mallinfo(libc: ctypes.CDLL) -> dict[str, float]:
    """glibc's heap, MB: from the OS (sbrk and arenas; mmapped), in use, free but kept (what malloc_trim may return)."""
    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    mb = 1024 * 1024
    return {
        "heap": info.arena / mb,
        "mmapped": info.hblkhd / mb,
        "used": info.uordblks / mb,
        "free": info.fordblks / mb,
    }


def pymalloc_stats(log: str) -> dict[str, float]:
    """The last `sys._debugmallocstats()` summary in a log: pymalloc's arenas and their bytes, MB."""
    start = log.rfind("# arenas allocated total")
    stats: dict[str, float] = {}
    for line in log[start:].splitlines() if start >= 0 else ():
        match = re.match(r"# (arenas highwater mark|arenas allocated current|bytes in [a-z ]+) += +([\d,]+)", line)
        if match:
            name, value = match.group(1).strip(), int(match.group(2).replace(",", ""))
            stats[name] = value if name.startswith("arenas") else value / 1024 / 1024
    return stats


def held_sizes() -> dict[str, tuple[int, int, int]]:
    """Per cache pool and for the journal: (entries, estimated bytes, measured bytes); measured by walking them."""
    from mockserver.cache import CacheBudget
    from mockserver.controls.journal import Journal

    sizes = {}
    for obj in gc.get_objects():
        if isinstance(obj, CacheBudget):
            for name, pool in obj.pools.items():
                sizes[name] = (len(pool), pool.bytes, deep_size(pool._entries))
        elif isinstance(obj, Journal) and len(obj):
            sizes["journal"] = (len(obj), obj.bytes, deep_size(obj._entries) + deep_size(obj._sizes))
    return sizes


def deep_size(root: object) -> int:
    """Bytes of `root` and of every object reachable from it (each once), stopping at types, modules, functions."""
    import types

    opaque = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, opaque):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


# -- one measured run -------------------------------------------------------------------------------------------------
@dataclass
class Run:
    code: Path
    env: dict[str, str]
    start: float = 0.0
    points: list[tuple[int, float, float]] = field(default_factory=list)  # (responses, RSS, peak)
    seconds: float = 0.0
    accounted: dict[str, Any] = field(default_factory=dict)
    trimmed: tuple[float, float] | None = None
    heap: dict[str, dict[str, Any]] = field(default_factory=dict)  # "start", "end": {"glibc": ..., "pymalloc": ...}
    statuses: str = ""

    @property
    def end(self) -> float:
        return self.points[-1][1]

    @property
    def peak(self) -> float:
        return max(p[2] for p in self.points)

    def rss_at(self, responses: int) -> float | None:
        return next((rss for n, rss, _ in self.points if n == responses), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Authorization": AUTH})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if get(port, "/__admin/health")[0] == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the server did not answer within 60 s:\n{log.read_text()[-3000:]}")


def heap_stats(proc: subprocess.Popen[bytes], work: Path, log: Path, *, trim: bool) -> dict[str, Any]:
    """glibc's and pymalloc's heaps in the server now, MB (and `rss` before and after a `malloc_trim(0)`)."""
    (work / "heap.done").unlink(missing_ok=True)
    if trim:
        (work / "trim").touch()
    proc.send_signal(signal.SIGUSR2)
    wait_file(work / "heap.done")
    time.sleep(0.2)  # the log's last lines
    done = json.loads((work / "heap.done").read_text())
    arenas = pymalloc_stats(log.read_text(errors="replace"))
    return {"rss": tuple(done["rss"]), "glibc": done["glibc"], "pymalloc": arenas}


def wait_file(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear within {seconds:g} s")
        time.sleep(0.02)


def measure(code: Path, env: dict[str, str], args: argparse.Namespace, work: Path) -> Run:
    """Start a server from `code`, drive it with mixed.lua, read its RSS at each checkpoint; stop it."""
    run = Run(code, env)
    port = free_port()
    checkpoints = sorted({*args.at, *([args.tracemalloc] if args.tracemalloc else [])} - {args.requests})
    server_env = {**os.environ, "PYTHONPATH": str(code), "BENCH_MEMORY_DIR": str(work), **env}
    if args.tracemalloc:
        server_env["BENCH_TRACEMALLOC"] = str(args.frames)
    argv = [*pinned(SERVER_CPU), sys.executable, str(Path(__file__).resolve()), "_serve", "--host", HOST]
    argv += [
        "--port",
        str(port),
        "--now",
        NOW,
        "--quiet",
        *(["--cache-mb", f"{args.cache_mb:g}"] if args.cache_mb else []),
    ]
    log = work / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=code, env=server_env)
    snapshots: dict[int, Path] = {}
    try:
        wait_ready(proc, port, log)
        run.start = status_mb(proc.pid)[0]
        run.heap["start"] = heap_stats(proc, work, log, trim=False)
        run.heap["start"].pop("rss")
        taken = 0
        if args.tracemalloc:  # the heap at the start, to see what the first N responses added
            taken += 1
            proc.send_signal(signal.SIGUSR1)
            wait_file(work / f"snapshot-{taken}.done")
            snapshots[0] = work / f"snapshot-{taken}.pickle"
        # mixed.lua writes `bench: at N responses` as its Nth response comes; the RSS is read on that line.
        wrk = [*pinned(LOAD_CPU), "wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{args.time_limit}s", "--timeout", "10s"]
        wrk += ["-H", f"Authorization: {AUTH}", "-s", str(BENCH / "mixed.lua"), f"http://{HOST}:{port}/v1/usages"]
        wrk += ["--", str(NOW_S), str(args.requests), ",".join(map(str, checkpoints))]
        started = time.monotonic()
        load = subprocess.Popen(wrk, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert load.stdout is not None
        output = []
        for line in load.stdout:
            output.append(line)
            match = AT_MARKER.match(line)
            if match or line.startswith(DONE_MARKER):
                responses = int(match.group(1)) if match else args.requests
                rss, peak = status_mb(proc.pid)
                run.points.append((responses, rss, peak))
                print(f"  {responses:>7,} responses: RSS {rss:6.1f} MB (peak {peak:.1f})", flush=True)
                if args.sizes or (args.tracemalloc and responses in (args.tracemalloc, args.requests)):
                    taken += 1
                    proc.send_signal(signal.SIGUSR1)
                    wait_file(work / f"snapshot-{taken}.done")
                    if args.tracemalloc:
                        snapshots[responses] = work / f"snapshot-{taken}.pickle"
                    held = json.loads((work / f"snapshot-{taken}.sizes").read_text())
                    for name, (entries, estimated, measured) in held.items():
                        print(
                            f"    {name}: {entries:,} entries, estimated {estimated / 1024**2:.2f} MB, "
                            f"measured {measured / 1024**2:.2f} MB ({measured / max(estimated, 1):.2f}x)"
                        )
            if line.startswith(DONE_MARKER):
                run.seconds = time.monotonic() - started
                load.send_signal(signal.SIGINT)  # it stops sending, and would otherwise wait out -d
        load.wait(30)
        text = "".join(output)
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        run.statuses = f"{non_2xx.group(1) if non_2xx else 0} deliberate errors"
        if not any(n == args.requests for n, _, _ in run.points):
            raise RuntimeError(f"wrk did not finish {args.requests} requests:\n{text[-3000:]}")
        status, body = get(port, "/__admin/memory")
        run.accounted = json.loads(body) if status == 200 else {}
        run.heap["end"] = heap_stats(proc, work, log, trim=args.malloc_trim)
        if args.malloc_trim:
            run.trimmed = run.heap["end"].pop("rss")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if args.tracemalloc and len(snapshots) == 3:
        diff(snapshots[0], snapshots[args.tracemalloc], 0, args.tracemalloc, args.top)
        diff(snapshots[args.tracemalloc], snapshots[args.requests], args.tracemalloc, args.requests, args.top)
    return run


def diff(first: Path, last: Path, since: int, until: int, top: int) -> None:
    """What the Python heap gained between two snapshots, by the line that allocated it (mockserver's first)."""
    old, new = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(last))
    keep = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    old, new = old.filter_traces(keep), new.filter_traces(keep)
    print(f"  traced Python heap: {_total(old):.1f} MB at {since:,}, {_total(new):.1f} MB at {until:,}")
    print(f"  largest gains from {since:,} to {until:,} responses (by allocating line):")
    for stat in new.compare_to(old, "lineno")[:top]:
        if stat.size_diff <= 0:
            continue
        line = stat.traceback[0]
        print(f"    {stat.size_diff / 1024:+9.1f} KB {stat.count_diff:+8,} blocks  {line.filename}:{line.lineno}")
    print("  the same, by traceback (mockserver frames):")
    for stat in new.compare_to(old, "traceback")[: max(top // 2, 5)]:
        if stat.size_diff <= 0:
            continue
        # Frames are oldest first: the allocating line, then its callers in mockserver.
        frames = [f"{Path(f.filename).name}:{f.lineno}" for f in reversed(stat.traceback) if "mockserver" in f.filename]
        site = stat.traceback[-1]
        where = " < ".join([f"{Path(site.filename).name}:{site.lineno}", *frames[:4]])
        print(f"    {stat.size_diff / 1024:+9.1f} KB {stat.count_diff:+8,} blocks  {where}")


def _total(snapshot: tracemalloc.Snapshot) -> float:
    return sum(s.size for s in snapshot.statistics("filename")) / 1024 / 1024


def bound_mb(accounted: dict[str, Any]) -> tuple[float, str]:
    """The bound on what the server keeps by design: the byte limits of the cache pools and of the journal."""
    caches, journal = accounted.get("caches", {}), accounted.get("journal", {})
    limit = (caches.get("limit", 0) + journal.get("limit", 0)) / 1024 / 1024
    pools = ", ".join(f"{name} {p['limit'] / 1024 / 1024:.1f}" for name, p in caches.get("pools", {}).items())
    return limit, f"caches {caches.get('limit', 0) / 1024 / 1024:.0f} MB ({pools}) + journal " + (
        f"{journal.get('limit', 0) / 1024 / 1024:.0f} MB"
    )


def describe(run: Run, args: argparse.Namespace) -> None:
    settle = args.tracemalloc or 25_000
    fill = run.rss_at(settle)
    env = " ".join(f"{k}={v}" for k, v in run.env.items())
    title = f"{run.code} with {env}" if env else str(run.code)
    print(f"\n{title}: {args.requests:,} requests in {run.seconds:.0f} s, {run.statuses}")
    marks = ", ".join(f"{n / 1000:g}k {rss:.1f}" for n, rss, _ in run.points)
    print(f"  RSS MB: start {run.start:.1f}, {marks}; end {run.end:.1f}, peak {run.peak:.1f}")
    line = f"  growth: {run.end - run.start:+.1f} MB over the run"
    if fill is not None:
        line += f", {run.end - fill:+.1f} MB from {settle / 1000:g}k to the end"
    print(line)
    if run.accounted:
        caches, journal = run.accounted["caches"], run.accounted["journal"]
        pools = ", ".join(
            f"{name} {p['bytes'] / 1024 / 1024:.1f}/{p['limit'] / 1024 / 1024:.1f} ({p['entries']})"
            for name, p in caches["pools"].items()
        )
        print(
            f"  accounted at the end (MB used/limit (entries)): {pools}; journal "
            f"{journal['bytes'] / 1024 / 1024:.1f}/{journal['limit'] / 1024 / 1024:.1f} ({journal['entries']})"
        )
        limit, parts = bound_mb(run.accounted)
        print(f"  bound by design: {limit:.0f} MB = {parts}")
    if run.trimmed:
        print(f"  malloc_trim(0) at the end: RSS {run.trimmed[0]:.1f} -> {run.trimmed[1]:.1f} MB")
    for when, heaps in run.heap.items():
        for name, stats in heaps.items():
            if not isinstance(stats, dict):  # `rss` before and after a trim: printed above
                continue
            shown = ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in stats.items())
            print(f"  {name} at the {when} (MB): {shown}")


def server_main(args: argparse.Namespace) -> None:
    codes = [Path(c).resolve() for c in args.code] or [REPO]
    envs = [dict(item.split("=", 1) for item in variant.split()) for variant in args.env or [""]]
    runs = []
    for code in codes:
        for env in envs:
            with tempfile_dir() as work:
                print(f"{code} {' '.join(f'{k}={v}' for k, v in env.items())}".rstrip(), flush=True)
                runs.append(measure(code, env, args, work))
    for run in runs:
        describe(run, args)


@contextlib.contextmanager
def tempfile_dir() -> Any:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as name:
        yield Path(name)


# -- in process (issue 11): the ASGI app alone, long tokens and headers -----------------------------------------------
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


async def in_process_main(args: argparse.Namespace) -> None:
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
    if hasattr(worlds, "cache_budget"):  # the accounted sizes (the same as `GET /__admin/memory` shows)
        print(f"accounted: caches {worlds.cache_budget.usage()}, journal {journal.usage()}")


def main() -> None:
    if sys.argv[1:2] == ["_serve"]:
        sys.exit(serve(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument(
        "--at", type=lambda s: [int(n) for n in s.split(",") if n], default=[10_000, 25_000, 50_000, 75_000]
    )
    parser.add_argument("--code", action="append", default=[], help="serve from this source tree (repeatable)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        help="'NAME=VALUE ...' in the server's environment: one run each ('': none)",
    )
    parser.add_argument("--cache-mb", type=float, default=None, help="the server's --cache-mb (default: its default)")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="N", help="snapshot at N responses and the end")
    parser.add_argument("--frames", type=int, default=8, help="tracemalloc frames per allocation")
    parser.add_argument("--top", type=int, default=25, help="lines of the tracemalloc diff")
    parser.add_argument("--sizes", action="store_true", help="at each checkpoint, measure what each cache holds")
    parser.add_argument("--malloc-trim", action="store_true", help="at the end, malloc_trim(0) in the server and RSS")
    parser.add_argument("--time-limit", type=float, default=600, help="wrk -d: seconds the run may take at most")
    parser.add_argument("--in-process", action="store_true", help="the issue 11 traffic, straight to the ASGI app")
    parser.add_argument("--every", type=int, default=10_000, help="(--in-process) RSS every N requests")
    parser.add_argument("--seed", type=int, default=11, help="(--in-process)")
    parser.add_argument("--tokens", type=int, default=300, help="(--in-process) distinct 60 KB Bearer tokens")
    parser.add_argument("--big", type=float, default=1.0, help="(--in-process) share of big tokens, headers (0: none)")
    args = parser.parse_args()
    if args.in_process:
        asyncio.run(in_process_main(args))
    else:
        server_main(args)


if __name__ == "__main__":
    main()
