"""What a drawn world costs: `scenarios()` examples drawn, loaded from YAML, built and warmed, timed apart.

python bench/strategies.py               # 300 worlds with the default bounds
python bench/strategies.py --large 200   # larger worlds (the slow test's bounds)
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings

from mockserver.scenario.loader import load_scenario_text
from mockserver.strategies import scenarios
from mockserver.world.builder import build_world

NOW = 1_796_049_432_345  # the tests' frozen instant (2026-11-30T14:37:12.345Z)
LARGE = {"max_people": 8, "max_api_keys": 5, "max_jobs": 8, "max_assets": 5, "max_events": 8, "max_generators": 3}


def measure(count: int, bounds: dict[str, Any]) -> dict[str, list[float]]:
    """Seconds per example: the whole example (draw included) and the load + build + warm part of it."""
    runs: dict[str, list[float]] = {"example": [], "load": [], "build": []}
    last = [time.perf_counter()]

    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(scenarios(**bounds))
    def one(document: dict[str, Any]) -> None:
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        start = time.perf_counter()
        scenario = load_scenario_text(text)  # validation, and one build of the world
        loaded = time.perf_counter()
        world = build_world(scenario, now=NOW)
        world.warm(world.clock.now())
        end = time.perf_counter()
        runs["load"].append(loaded - start)
        runs["build"].append(end - loaded)
        runs["example"].append(end - last[0])
        last[0] = end

    one()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, default=300)
    parser.add_argument("--large", action="store_true", help="the slow test's larger bounds")
    args = parser.parse_args()
    runs = measure(args.count, LARGE if args.large else {})
    print(f"{len(runs['build'])} worlds ({'large' if args.large else 'default'} bounds), milliseconds:")
    for name, values in runs.items():
        ms = sorted(v * 1000 for v in values)
        p95 = ms[int(len(ms) * 0.95) - 1]
        print(f"  {name:8} median {statistics.median(ms):7.1f}  p95 {p95:7.1f}  max {ms[-1]:7.1f}")


if __name__ == "__main__":
    main()
