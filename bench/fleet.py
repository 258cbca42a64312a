"""The fleet: throughput with 1, 2 and 4 server processes, and the Redis state backend against the in-process one.

    python bench/fleet.py [--quick] [--duration S] [--rounds R] [--processes 1,2,4] [--no-ports] [--code DIR]
                          [--out bench/RESULTS-fleet.md]

Two loads on 127.0.0.1, with the benchmarks' frozen clock: the cached default query (`GET /v1/usages` of `default`)
and bench/mixed.lua. Fleets: `mockserver serve --workers N` on one port, and N `serve` processes on N ports (wrk's
threads spread over them by bench/spread.lua); each in-process, then with `--state redis://...` on a fresh
redis-server when `serve --help` offers `--state` and redis-server is installed. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from run import (
    AUTH,
    HOST,
    LOAD_CPU,
    NOW,
    NOW_S,
    REPEATED_DEFAULT,
    WRK_CONNECTIONS,
    Load,
    Report,
    get,
    load_average,
    machine,
    parse_wrk,
    pinned,
    run_wrk,
    running,
    say,
    tool_version,
    version,
    wait_ready,
)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
REDIS_SHARE = 0.9  # target: the Redis backend keeps at least this share of the in-process throughput
MIXED_LIMIT = 1_000_000_000  # mixed.lua stops after this many responses per thread: never, here (-d bounds the run)
MIXED_WARMUP_SHIFT = 30  # seconds: the warm-up's windows start half a minute off the measured run's, so none repeat
LOADS = {"default": "cached default query", "mixed": "mixed.lua"}
PLACEMENT = (
    "Servers (and redis-server) unpinned, wrk pinned to CPU 1: pinned to CPU 0, N processes would share one core "
    "and show only what extra processes cost, never what they add; unpinned they get CPU 0 and whatever wrk leaves "
    "of CPU 1 (the wrk CPU column shows how much that is)."
)


@dataclass(frozen=True)
class Plan:
    """Seconds per measured wrk run and per warm-up run before it."""

    duration: float
    warmup: float


FULL = Plan(duration=8, warmup=2)
QUICK = Plan(duration=2, warmup=1)


@dataclass(frozen=True)
class Fleet:
    """N server processes: one `serve --workers N` ("workers") or N `serve` on N ports ("ports"), and their state."""

    layout: str
    processes: int
    state: str  # "in-process" or "redis"

    @property
    def shape(self) -> str:
        return f"--workers {self.processes}" if self.layout == "workers" else f"{self.processes} ports"

    @property
    def label(self) -> str:
        return f"{self.shape}, {self.state}"


@dataclass
class Run:
    """One measured load on one fleet, with the CPU each party used meanwhile (in cores: CPU seconds per second)."""

    fleet: Fleet
    load: str
    result: Load
    server_cores: float
    wrk_cores: float
    others_cores: float  # everything else the machine ran meanwhile (other work shows in the numbers)
    redis_cores: float | None = None
    redis_commands: float | None = None  # Redis commands per API request
    round: int = 1

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds per request of the servers and redis-server together: what the state backend adds."""
        return (self.server_cores + (self.redis_cores or 0.0)) * 1000 / max(self.result.rps, 1e-9)


@dataclass
class Outcome:
    runs: list[Run] = field(default_factory=list)
    identical: bool = True  # every process of every fleet answered the default query with the same bytes
    body_bytes: int = 0
    settle: dict[str, float] = field(default_factory=dict)  # fleet label -> seconds from launch to all up and idle


# -- processes ------------------------------------------------------------------------------------------------------
def launcher(code: Path | None) -> list[str]:
    script = Path(sys.executable).parent / "mockserver"
    return [str(script)] if script.exists() and code is None else [sys.executable, "-m", "mockserver"]


def code_env(code: Path | None) -> dict[str, str]:
    """The server's environment: `--code DIR` puts that source tree first on the path."""
    return {"PYTHONPATH": str(code)} if code else {}


def serve_argv(code: Path | None, port: int, workers: int | None, state: str | None) -> list[str]:
    argv = [*launcher(code), "serve", "--host", HOST, "--port", str(port), "--now", NOW, "--quiet"]
    if workers is not None:
        argv += ["--workers", str(workers)]
    if state:
        argv += ["--state", state]
    return argv


def has_state_option(code: Path | None) -> bool:
    """Whether this tree's `serve` takes `--state` (the Redis state backend)."""
    done = subprocess.run(
        [*launcher(code), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **code_env(code)},
    )
    return "--state" in done.stdout


def redis_skip_reason(state_option: bool) -> str | None:
    """None when the Redis part can run; otherwise why not, in one sentence."""
    if not state_option:
        return "`mockserver serve --help` does not mention `--state`: the Redis state backend is not in this tree"
    missing = [name for name in ("redis-server", "redis-cli") if shutil.which(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found (Debian: `apt-get install -y redis-server`, which brings redis-cli)"
    return None


def cpu_seconds(sessions: set[int]) -> tuple[float, int]:
    """CPU time (user + system) of the live processes in these sessions, and how many processes there are."""
    tick = os.sysconf("SC_CLK_TCK")
    ticks, count = 0, 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) ": state ppid pgrp session ...
        if int(fields[3]) in sessions:
            ticks += int(fields[11]) + int(fields[12])
            count += 1
    return ticks / tick, count


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (not idle, not waiting for I/O) since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_settled(sessions: set[int], processes: int, timeout: float = 90) -> None:
    """Wait until the fleet has `processes` processes and their CPU time stops growing: every worker is up and idle.

    A worker still building its worlds accepts no connections, so requests never show it; it only steals CPU from
    the ones serving. Idle CPU is the sign that every one of them has finished.
    """
    deadline = time.perf_counter() + timeout
    previous, _ = cpu_seconds(sessions)
    while time.perf_counter() < deadline:
        time.sleep(0.3)
        used, count = cpu_seconds(sessions)
        if count >= processes and used - previous < 0.03:
            return
        previous = used
    raise RuntimeError(f"the fleet did not settle within {timeout} s ({processes} processes expected)")


def redis_cli(port: int, *command: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-h", HOST, "-p", str(port), *command], capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout


def redis_commands_processed(port: int) -> int:
    for line in redis_cli(port, "INFO", "stats").splitlines():
        if line.startswith("total_commands_processed:"):
            return int(line.split(":", 1)[1])
    raise RuntimeError(f"no total_commands_processed in redis-server INFO on port {port}")


def wait_redis(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 10) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
        if redis_cli(port, "PING").strip() == "PONG":
            return
        time.sleep(0.01)
    raise RuntimeError(f"redis-server not answering PING on port {port} after {timeout} s; see {log}")


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (held open together while chosen, so no two are the same)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in socks]


# -- recording ------------------------------------------------------------------------------------------------------
def record(report: Report, argv: list[str], labels: dict[int, str], env: dict[str, str] | None = None) -> None:
    """Record a command with its per-run ports shown by name (P, P1..PN for servers, R for redis-server)."""

    def named(text: str) -> str:
        for port, name in labels.items():
            text = re.sub(rf"(?<!\d){port}(?!\d)", name, text)  # whole numbers only: not inside NOW_S
        return text

    report.command([named(arg) for arg in argv], {k: named(v) for k, v in (env or {}).items()} or None)


def port_labels(ports: list[int], redis_port: int | None) -> dict[int, str]:
    labels = {ports[0]: "P"} if len(ports) == 1 else {p: f"P{i}" for i, p in enumerate(ports, 1)}
    if redis_port is not None:
        labels[redis_port] = "R"
    return labels


# -- the measurements -----------------------------------------------------------------------------------------------
def wrk_argv(ports: list[int], threads: int, load: str, seconds: float, shift: int) -> tuple[list[str], dict[str, str]]:
    """wrk on the load CPU: one port, or `spread.lua` over several; mixed.lua's arguments shifted by `shift` s."""
    argv = [*pinned(LOAD_CPU), "wrk", f"-t{threads}", f"-c{WRK_CONNECTIONS}", f"-d{seconds:g}s", "--timeout", "10s"]
    argv += ["--latency", "-H", f"Authorization: {AUTH}"]
    env: dict[str, str] = {}
    if len(ports) > 1:
        argv += ["-s", str(BENCH / "spread.lua")]
        env["BENCH_PORTS"] = ",".join(map(str, ports))
        if load == "mixed":
            env["BENCH_SCRIPT"] = str(BENCH / "mixed.lua")
    elif load == "mixed":
        argv += ["-s", str(BENCH / "mixed.lua")]
    argv.append(f"http://{HOST}:{ports[0]}{REPEATED_DEFAULT}")
    if load == "mixed":
        argv += ["--", str(NOW_S + shift), str(MIXED_LIMIT)]
    return argv, env


def drive(
    fleet: Fleet,
    load: str,
    ports: list[int],
    sessions: set[int],
    redis: tuple[int, int] | None,  # (port, session) of the fleet's redis-server
    plan: Plan,
    report: Report,
) -> Run:
    """A warm-up run, then the measured one with the CPU time of the servers, wrk and redis-server around it."""
    threads = fleet.processes  # the same load generator for both layouts at a given N
    argv, env = wrk_argv(ports, threads, load, plan.warmup, MIXED_WARMUP_SHIFT)
    returncode, output = run_wrk(argv, plan.warmup + 120, env)
    if returncode != 0:
        raise RuntimeError(f"wrk warm-up failed ({returncode}): {output}")
    argv, env = wrk_argv(ports, threads, load, plan.duration, 0)
    record(report, argv, port_labels(ports, redis[0] if redis else None), env)
    servers_before = cpu_seconds(sessions)[0]
    redis_before = cpu_seconds({redis[1]})[0] if redis else 0.0
    commands_before = redis_commands_processed(redis[0]) if redis else 0
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the only child reaped meanwhile
    busy_before = machine_busy()
    began = time.perf_counter()
    returncode, output = run_wrk(argv, plan.duration + 120, env)
    wall = time.perf_counter() - began
    busy = (machine_busy() - busy_before) / wall
    if returncode != 0:
        raise RuntimeError(f"wrk failed ({returncode}): {output}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    servers = (cpu_seconds(sessions)[0] - servers_before) / wall
    redis_cores = (cpu_seconds({redis[1]})[0] - redis_before) / wall if redis else None
    load_cores = (children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime) / wall
    result = parse_wrk(output, argv)
    commands = None
    if redis:  # less the INFO that took the first count
        commands = (redis_commands_processed(redis[0]) - commands_before - 1) / max(result.requests, 1)
    others = max(busy - servers - load_cores - (redis_cores or 0.0), 0.0)
    return Run(fleet, load, result, servers, load_cores, others, redis_cores, commands)


@contextlib.contextmanager
def redis_server(work: Path, report: Report) -> Iterator[tuple[int, int]]:
    """A fresh redis-server on a free port, its data in a temporary directory, no persistence: (port, session)."""
    port = free_ports(1)[0]
    data = Path(tempfile.mkdtemp(prefix="redis-", dir=work))
    argv = ["redis-server", "--bind", HOST, "--port", str(port), "--dir", str(data), "--save", "", "--appendonly", "no"]
    record(report, [*argv[:6], "<temporary directory>", *argv[7:]], {port: "R"})
    log = work / "redis.log"
    with running(argv, log) as proc:
        wait_redis(proc, port, log)
        yield port, proc.pid


def measure_fleet(
    fleet: Fleet, plan: Plan, work: Path, code: Path | None, report: Report, outcome: Outcome, round_: int = 1
) -> None:
    """Start the fleet (and its redis-server), check it answers the same bytes, then run both loads on it."""
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(redis_server(work, report)) if fleet.state == "redis" else None
        state = f"redis://{HOST}:{redis[0]}/0" if redis else None
        count = 1 if fleet.layout == "workers" else fleet.processes
        ports = free_ports(count)
        labels = port_labels(ports, redis[0] if redis else None)
        workers = fleet.processes if fleet.layout == "workers" else None
        log = work / f"serve-{fleet.layout}-{fleet.processes}-{fleet.state}.log"
        began = time.perf_counter()
        procs = []
        for port in ports:
            argv = serve_argv(code, port, workers, state)
            record(report, argv, labels, code_env(code) or None)
            procs.append(stack.enter_context(running(argv, log, code_env(code))))
        for proc, port in zip(procs, ports, strict=True):
            wait_ready(proc, port, "/__admin/health", 90, log)
        sessions = {proc.pid for proc in procs}
        # --workers N: a supervisor and N workers; N ports: N processes.
        wait_settled(sessions, fleet.processes + (1 if workers and workers > 1 else 0))
        outcome.settle[fleet.label] = time.perf_counter() - began
        for port in ports:
            for _ in range(2 * fleet.processes):  # new connections: the kernel hands them to different workers
                status, body = get(port, REPEATED_DEFAULT)
                if status != 200:
                    raise RuntimeError(f"{fleet.label}: GET {REPEATED_DEFAULT} answered {status}: {body[:300]!r}")
                outcome.body_bytes = outcome.body_bytes or len(body)
                reference = work / "default.json"
                if not reference.exists():
                    reference.write_bytes(body)
                outcome.identical &= body == reference.read_bytes()
        for load in LOADS:
            print(f"  {fleet.label}: {LOADS[load]}", flush=True)
            outcome.runs.append(replace(drive(fleet, load, ports, sessions, redis, plan, report), round=round_))
            last = outcome.runs[-1].result
            print(f"    {last.rps:,.0f} req/s, p50 {last.p50_ms:.1f} ms, p99 {last.p99_ms:.1f} ms", flush=True)


# -- the report -----------------------------------------------------------------------------------------------------
def find(runs: list[Run], fleet: Fleet, load: str) -> Run | None:
    """The best of the rounds of this load on this fleet: other work on the machine only ever slows a run down."""
    return max((r for r in runs if r.fleet == fleet and r.load == load), key=lambda r: r.result.rps, default=None)


def summary(outcome: Outcome, counts: list[int], skip: str | None) -> list[str]:
    lines = ["| Measure | Result | Target | Met |", "|---|---|---|---|"]
    runs = outcome.runs
    for state in ("in-process", "redis"):
        for layout in ("workers", "ports"):
            for load, what in LOADS.items():
                base = find(runs, Fleet("workers", 1, state), load)
                cells = []
                for n in counts:
                    run = find(runs, Fleet(layout, n, state), load) or (base if n == 1 and layout == "ports" else None)
                    if run and base:
                        cells.append(
                            f"{n}: {run.result.rps:,.0f} req/s ({run.result.rps / base.result.rps:.2f}x, "
                            f"servers {run.server_cores:.2f} cores)"
                        )
                if len(cells) > 1:
                    shape = "`serve --workers N`, one port" if layout == "workers" else "N `serve` processes, N ports"
                    lines.append(f"| Fleet, {shape}, {state}: {what} | {'; '.join(cells)} | reported | |")
    for layout in ("workers", "ports"):
        for n in counts:
            for load, what in LOADS.items():
                memory = find(runs, Fleet(layout, n, "in-process"), load)
                redis = find(runs, Fleet(layout, n, "redis"), load)
                if memory and redis:
                    share = redis.result.rps / memory.result.rps
                    lines.append(
                        f"| Redis state / in-process, {redis.fleet.shape}: {what} | "
                        f"{share:.2f}x ({redis.result.rps:,.0f} vs {memory.result.rps:,.0f} req/s; CPU per "
                        f"request {redis.cpu_ms:.2f} vs {memory.cpu_ms:.2f} ms with redis-server's) | "
                        f">= {REDIS_SHARE}x | {'yes' if share >= REDIS_SHARE else '**no**'} |"
                    )
    if skip:
        lines.append(f"| Redis state / in-process | not measured: {skip} | >= {REDIS_SHARE}x | |")
    return lines


def runs_table(outcome: Outcome) -> list[str]:
    lines = [
        "| Fleet | Round | Load | Requests | req/s | vs 1 process | p50 | p99 | Non-2xx | Timeouts | Server CPU | "
        "wrk CPU | redis-server CPU | Other CPU | CPU ms/request | Redis cmds/request |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in outcome.runs:
        load = run.result
        base = find(outcome.runs, Fleet("workers", 1, run.fleet.state), run.load)
        scale = f"{load.rps / base.result.rps:.2f}x" if base else ""
        redis_cpu = f"{run.redis_cores:.2f}" if run.redis_cores is not None else ""
        commands = f"{run.redis_commands:.1f}" if run.redis_commands is not None else ""
        lines.append(
            f"| {run.fleet.label} | {run.round} | {LOADS[run.load]} | {load.requests:,} in {load.seconds:.1f} s | "
            f"{load.rps:,.0f} | {scale} | {load.p50_ms:.2f} ms | {load.p99_ms:.2f} ms | {load.non_2xx:,} | "
            f"{load.timeouts} | {run.server_cores:.2f} | {run.wrk_cores:.2f} | {redis_cpu} | {run.others_cores:.2f} | "
            f"{run.cpu_ms:.2f} | {commands} |"
        )
    return lines


def facts(code: Path | None, state_option: bool) -> list[tuple[str, str]]:
    rows = [(k, v) for k, v in machine() if not k.startswith(("node", "Pinning"))]
    if code:
        git = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(code), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        rows.append(("Server code (--code)", f"{code} (git {git or '?'})"))
    rows.append(
        ("redis-server / redis (Python)", f"{tool_version(['redis-server', '--version'])} / {version('redis')}")
    )
    rows.append(("`serve --state`", "available" if state_option else "not in this tree"))
    rows.append(("Placement", PLACEMENT if pinned(LOAD_CPU) else "none (fewer than 2 CPUs, or no taskset)"))
    return rows


def write_results(
    path: Path,
    outcome: Outcome,
    report: Report,
    facts: list[tuple[str, str]],
    skip: str | None,
    argv: list[str],
    elapsed: float,
) -> None:
    lines = [
        "# Fleet results",
        "",
        f"Written by `python bench/fleet.py{' ' + ' '.join(argv) if argv else ''}` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; the run took {elapsed / 60:.1f} min. Reported, never "
        "asserted; see `bench/README.md`. The cached default query is "
        f"`GET {REPEATED_DEFAULT}` of `default` ({outcome.body_bytes / 1024:.0f} KB), clock frozen at {NOW}; "
        f"the mixed load is `mixed.lua`. wrk: -t<N> -c{WRK_CONNECTIONS} after a warm-up run; "
        "CPU columns are CPU seconds per second of the measured run (1.00 = one core busy; 2 cores in all); "
        "Other CPU is what the rest of the machine used meanwhile; CPU ms/request is the servers' and "
        "redis-server's CPU time per request, less sensitive to other work than req/s.",
        "",
        "## Summary",
        "",
        *summary(outcome, sorted({r.fleet.processes for r in outcome.runs}), skip),
        "",
        "## Every run",
        "",
        *runs_table(outcome),
        "",
        f"Every process of every fleet answered the default query with the same bytes: {outcome.identical}. "
        "Seconds from launch until every process was up and idle: "
        + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in outcome.settle.items())
        + ".",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in facts),
        "",
        "## Commands",
        "",
        "Every command the run used (`P`, `P1`..`PN` server ports, `R` the redis-server port; chosen per run):",
        "",
        "```sh",
        *report.commands,
        "```",
        "",
    ]
    if report.notes:
        lines += ["## Notes", "", *(f"- {n}" for n in report.notes), ""]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s runs after 1 s warm-ups (a smoke test)")
    parser.add_argument("--duration", type=float, help="seconds per measured wrk run (default 8, quick 2)")
    parser.add_argument("--processes", default="1,2,4", help="fleet sizes, comma-separated (default 1,2,4)")
    parser.add_argument("--no-ports", action="store_true", help="only `serve --workers N`, not N separate processes")
    parser.add_argument("--rounds", type=int, default=1, help="run every fleet this many times; keep the best")
    parser.add_argument("--code", type=Path, help="run the servers from this source tree (PYTHONPATH=DIR)")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS-fleet.md", help="default: bench/RESULTS-fleet.md")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench: wrk is needed (Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2
    plan = QUICK if args.quick else FULL
    if args.duration:
        plan = replace(plan, duration=args.duration)
    counts = sorted({int(n) for n in args.processes.split(",")})
    code = args.code.resolve() if args.code else None
    report = Report()
    state_option = has_state_option(code)
    skip = redis_skip_reason(state_option)
    if skip:
        report.notes.append(f"Redis part skipped: {skip}.")
    report.notes.append(PLACEMENT)
    report.notes.append(
        "`N ports`: wrk's N threads each keep their connections on one port (`spread.lua`); `--workers N`: the same "
        "wrk -tN on one port, the kernel handing connections to the workers. `vs 1 process` is over `--workers 1`."
    )
    if args.rounds > 1:
        report.notes.append(
            f"Every fleet ran {args.rounds} times, in turn; the summary and the ratios take each one's best run "
            "(other work on the machine only ever slows a run down)."
        )
    states = ["in-process"] if skip else ["in-process", "redis"]
    fleets = [Fleet("workers", n, s) for n in counts for s in states]
    if not args.no_ports:
        fleets += [Fleet("ports", n, s) for n in counts if n > 1 for s in states]
    outcome = Outcome()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mockserver-fleet-") as tmp:
        for round_ in range(1, args.rounds + 1):
            for fleet in fleets:
                say(f"{fleet.label} (round {round_} of {args.rounds})", report)
                measure_fleet(fleet, plan, Path(tmp), code, report, outcome, round_)
    idle = sorted({r.fleet.label for r in outcome.runs if r.redis_commands == 0})
    if idle:
        report.notes.append(f"No Redis commands during the loads of {', '.join(idle)}: is `--state` in effect?")
    elapsed = time.perf_counter() - began
    rows = [
        *facts(code, state_option),
        ("Load average (1 min) at each fleet, and after", " / ".join([*report.loads, load_average()])),
    ]
    write_results(args.out, outcome, report, rows, skip, sys.argv[1:] if argv is None else argv, elapsed)
    print("\n" + "\n".join(summary(outcome, counts, skip)))
    if skip:
        print(f"\nRedis part skipped: {skip}.")
    print(f"\nwrote {args.out} ({elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
