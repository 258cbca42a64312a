"""Where the time goes: cProfile of uncached renders, the slowest imports, and world build time per scenario.

python bench/hotspots.py [--top 10]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-30T14:37:12.345Z"


def profile_renders(scenario: str, renders: int, top: int, params: tuple[tuple[str, str], ...] = ()) -> None:
    """Profile `renders` uncached renders (build_report + orjson) of a query (default: the default query)."""
    import orjson

    from mockserver.contract.query import UsageQuery, parse_usage_query
    from mockserver.world.clock import parse_instant
    from mockserver.world.report import build_report
    from mockserver.worlds import build_world_from_file

    now = parse_instant(NOW)
    world = build_world_from_file(REPO / "scenarios" / f"{scenario}.yaml", now=now)
    world.warm(now)
    query = parse_usage_query(params)
    # Another window first (a serving world has answered something), and the query itself once so that the
    # activity it covers is generated: what is left is the per-request work.
    orjson.dumps(build_report(world, UsageQuery(start=now - 7 * 86_400_000 + 60_000, end=now), now))
    orjson.dumps(build_report(world, query, now))
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for _ in range(renders):
        body = orjson.dumps(build_report(world, query, now))
    profiler.disable()
    each = (time.perf_counter() - began) / renders
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    shown = "&".join(f"{k}={v}" for k, v in params) or "the default query"
    print(f"## {scenario}, {shown}: {len(body) / 1e6:.2f} MB, {each * 1000:.1f} ms a render under the profiler\n")
    text = out.getvalue()
    print(text[text.index("   ncalls") :].replace(str(REPO) + "/", ""))


def slowest_imports(top: int) -> None:
    """The packages (and mockserver modules) whose import costs most, cumulatively, when `mockserver serve` starts."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import mockserver.cli; from mockserver.api import build_app"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    costs: dict[str, int] = {}
    total = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        cumulative, name = int(match.group(2)), match.group(4)
        if len(match.group(3)) == 1:
            total += cumulative
        key = name if name.startswith("mockserver") else name.split(".")[0]
        costs[key] = max(costs.get(key, 0), cumulative)
    print(f"## slowest imports (cumulative, including what they import; all imports {total / 1000:.0f} ms)\n")
    for name, cumulative in sorted(costs.items(), key=lambda item: -item[1])[:top]:
        print(f"{cumulative / 1000:8.1f} ms  {name}")
    print()


def world_builds() -> None:
    """Build + warm time of every shipped scenario (what build_app does at start-up)."""
    from mockserver.world.clock import parse_instant
    from mockserver.worlds import build_world_from_file, scenario_files

    now = parse_instant(NOW)
    print("## world build + warm per shipped scenario\n")
    for path in scenario_files(REPO / "scenarios"):
        began = time.perf_counter()
        world = build_world_from_file(path, now=now)
        built = time.perf_counter()
        world.warm(now)
        warmed = time.perf_counter()
        print(f"{path.stem:16} build {(built - began) * 1000:7.1f} ms  warm {(warmed - built) * 1000:7.1f} ms")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    slowest_imports(args.top)
    world_builds()
    profile_renders("default", 20, args.top)
    profile_renders("heavy-usage", 3, args.top)
    all_types = "usages,activity,consumption,model-usages,asset-usages,nsfw-usages,quality-gate-usages"
    profile_renders("default", 5, args.top, (("timeRange", "last-thirty-one-days"), ("type", all_types)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
