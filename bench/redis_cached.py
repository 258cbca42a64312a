"""The cached default query three ways, side by side in one run: the ceiling, mockserver in-process, and mockserver
with the Redis state backend (issue 17: both at least 0.85x the ceiling).

    python bench/redis_cached.py [--duration S] [--warmup S] [--rounds R] [--before DIR]

One server at a time, pinned to CPU 0 (`serve --scenario default` with the benchmarks' frozen clock; the ceiling
serves the bytes mockserver served); wrk on CPU 1 (-t1 -c16), after a warm-up run; a fresh redis-server on
127.0.0.1 (unpinned, no persistence) for the Redis run, stopped after. Rounds alternate the three, so that a
machine busy for a while weighs on each alike. Reported, never asserted. Importable: `measure(duration)` returns the
numbers (it imports `run`'s helpers, so `run` cannot import it at module level; `run.py` measures its own Redis row).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from run import (
    HOST,
    REPEATED_DEFAULT,
    REPO,
    ceiling_argv,
    free_port,
    get,
    mockserver_argv,
    parse_wrk,
    run_wrk,
    running,
    wait_ready,
    wrk_argv,
)

TARGET_SHARE = 0.85  # issue 17: in-process and Redis each at least this share of the ceiling's req/s
BEFORE = " (before)"  # the suffix of the kinds run on other code (`--before DIR`)


def session_cpu(pid: int) -> float:
    """CPU seconds used so far by the processes of session `pid` (a server and anything it started)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == pid:  # field 6, the session id (counted after the command's ")")
                total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def redis_commands(port: int) -> int:
    """Commands redis-server has processed (INFO's total_commands_processed; the INFO itself counts as one)."""
    done = subprocess.run(
        ["redis-cli", "-h", HOST, "-p", str(port), "INFO", "stats"], capture_output=True, text=True, timeout=10
    )
    for line in done.stdout.splitlines():
        if line.startswith("total_commands_processed:"):
            return int(line.split(":", 1)[1])
    raise RuntimeError(f"no total_commands_processed in redis-server INFO on port {port}: {done.stdout[:200]!r}")


@contextlib.contextmanager
def redis_server(work: Path) -> Iterator[tuple[int, int]]:
    """A fresh redis-server on 127.0.0.1, no persistence, stopped after the block: (port, pid)."""
    port = free_port()
    argv = ["redis-server", "--bind", HOST, "--port", str(port), "--dir", str(work), "--save", "", "--appendonly", "no"]
    with running(argv, work / "redis.log") as proc:
        deadline = time.perf_counter() + 10
        while (
            "PONG"
            not in subprocess.run(
                ["redis-cli", "-h", HOST, "-p", str(port), "PING"], capture_output=True, text=True, timeout=10
            ).stdout
        ):
            if proc.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"redis-server did not start; see {work / 'redis.log'}")
            time.sleep(0.05)
        yield port, proc.pid


def drive(port: int, duration: float, warmup: float, server_pid: int, redis: tuple[int, int] | None) -> dict[str, Any]:
    """A warm-up run, then the measured one, with the CPU the server (and redis-server) used meanwhile."""
    if warmup > 0:
        returncode, output = run_wrk(wrk_argv(port, REPEATED_DEFAULT, warmup), warmup + 120)
        if returncode != 0:
            raise RuntimeError(f"wrk warm-up failed ({returncode}): {output}")
    argv = wrk_argv(port, REPEATED_DEFAULT, duration)
    server_before = session_cpu(server_pid)
    redis_before = session_cpu(redis[1]) if redis else 0.0
    commands_before = redis_commands(redis[0]) if redis else 0
    began = time.perf_counter()
    returncode, output = run_wrk(argv, duration + 120)
    wall = time.perf_counter() - began
    if returncode != 0:
        raise RuntimeError(f"wrk failed ({returncode}): {output}")
    load = parse_wrk(output, argv)
    result: dict[str, Any] = {
        "rps": load.rps,
        "requests": load.requests,
        "p50_ms": load.p50_ms,
        "p99_ms": load.p99_ms,
        "non_2xx": load.non_2xx,
        "timeouts": load.timeouts,
        "body_kb": load.body_kb,
        "server_cores": (session_cpu(server_pid) - server_before) / wall,
    }
    result["cpu_ms_per_request"] = result["server_cores"] * wall * 1000 / max(load.requests, 1)
    if redis:
        result["redis_cores"] = (session_cpu(redis[1]) - redis_before) / wall
        # less the INFO that took the first count
        result["redis_commands_per_request"] = (redis_commands(redis[0]) - commands_before - 1) / max(load.requests, 1)
    return result


def run_one(
    kind: str, body: Path, work: Path, duration: float, warmup: float, code: Path = REPO
) -> tuple[dict[str, Any], bytes]:
    """Start one server of `kind` (mockserver from `code`), measure it, stop it (and its redis-server): its result
    and the body it served."""
    port = free_port()
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(redis_server(work)) if kind == "redis" else None
        env = {"PYTHONPATH": str(code)}  # that checkout's mockserver, whichever one the venv installed
        if kind == "ceiling":
            argv, ready = ceiling_argv(port), "/"
            env["BENCH_CEILING_BODY"] = str(body)
        else:
            argv, ready = [*mockserver_argv(port), "--scenario", "default"], "/__admin/health"
            if redis:
                argv += ["--state", f"redis://{HOST}:{redis[0]}/0"]
        log = work / f"{kind}.log"
        proc = stack.enter_context(running(argv, log, env))
        wait_ready(proc, port, ready, 60, log)
        status, served = get(port, REPEATED_DEFAULT)
        if status != 200:
            raise RuntimeError(f"{kind}: GET {REPEATED_DEFAULT} answered {status}: {served[:300]!r}")
        result = drive(port, duration, warmup, proc.pid, redis)
        result["argv"] = argv
        return result, served


def measure(
    duration: float, warmup: float = 3.0, rounds: int = 1, work: Path | None = None, before: Path | None = None
) -> dict[str, Any]:
    """Measure the ceiling, in-process and Redis on the cached default query, `rounds` times each, alternating.

    Returns {"runs": {kind: [result, ...]}, "rps": {kind: median req/s}, "share": {kind: median / ceiling's},
    "redis_commands_per_request": median, "identical": every server served the same bytes}. With `before` (a
    directory holding another version's `mockserver/` and `scenarios/`), in-process and Redis run on it too, as
    the kinds `in-process (before)` and `redis (before)`, in the same rounds.
    """
    plan = [(kind, REPO) for kind in ("in-process", "ceiling", "redis")]  # in-process first: it writes the body
    if before is not None:
        plan += [(kind + BEFORE, before) for kind in ("in-process", "redis")]
    with contextlib.ExitStack() as stack:
        if work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="redis-cached-")))
        body = work / "default.json"
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _ in plan}
        identical = True
        for _ in range(rounds):
            for kind, code in plan:
                result, served = run_one(kind.removesuffix(BEFORE), body, work, duration, warmup, code)
                if not body.exists():
                    body.write_bytes(served)
                identical &= served == body.read_bytes()
                runs[kind].append(result)
                print(f"  {kind}: {result['rps']:,.0f} req/s", file=sys.stderr, flush=True)
    rps = {kind: statistics.median(r["rps"] for r in results) for kind, results in runs.items()}
    commands = {
        kind: statistics.median(r["redis_commands_per_request"] for r in results)
        for kind, results in runs.items()
        if kind.startswith("redis")
    }
    return {
        "runs": runs,
        "rps": rps,
        "share": {kind: rps[kind] / rps["ceiling"] for kind in runs},
        "redis_commands_per_request": commands["redis"],
        "commands": commands,
        "identical": identical,
    }


def table(outcome: dict[str, Any]) -> str:
    """The outcome as a Markdown table, one row per run."""
    lines = [
        "| Server | Round | req/s | vs ceiling | p50 | p99 | Non-2xx | Server CPU | Server CPU ms/request "
        "| redis-server CPU | Redis cmds/request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ceiling = outcome["rps"]["ceiling"]
    for kind, runs in outcome["runs"].items():
        for number, run in enumerate(runs, 1):
            redis_cpu = f"{run['redis_cores']:.2f}" if "redis_cores" in run else ""
            commands = f"{run['redis_commands_per_request']:.2f}" if "redis_commands_per_request" in run else ""
            lines.append(
                f"| {kind} | {number} | {run['rps']:,.0f} | {run['rps'] / ceiling:.2f}x | {run['p50_ms']:.2f} ms "
                f"| {run['p99_ms']:.2f} ms | {run['non_2xx']} | {run['server_cores']:.2f} "
                f"| {run['cpu_ms_per_request']:.3f} | {redis_cpu} | {commands} |"
            )
    share = outcome["share"]
    met = all(share[kind] >= TARGET_SHARE for kind in ("in-process", "redis"))
    lines.append("")
    for kind in outcome["runs"]:
        if kind.endswith(BEFORE):
            count = outcome["commands"].get(kind)
            extra = f", Redis commands per request {count:.2f}" if count is not None else ""
            lines.append(f"Before: {kind} {outcome['rps'][kind]:,.0f} req/s ({share[kind]:.2f}x){extra}.")
    lines.append(
        f"Medians: ceiling {ceiling:,.0f}, in-process {outcome['rps']['in-process']:,.0f} "
        f"({share['in-process']:.2f}x), Redis {outcome['rps']['redis']:,.0f} ({share['redis']:.2f}x) req/s; "
        f"target >= {TARGET_SHARE}x: {'met' if met else 'not met'}; "
        f"Redis commands per request {outcome['redis_commands_per_request']:.2f}; same bytes: {outcome['identical']}."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each measured run (default: 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of each warm-up run (default: 3)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each server, alternating (default: 1)")
    parser.add_argument(
        "--before", type=Path, help="also run in-process and Redis on the mockserver/ and scenarios/ in this directory"
    )
    args = parser.parse_args(argv)
    print(table(measure(args.duration, args.warmup, args.rounds, before=args.before)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
