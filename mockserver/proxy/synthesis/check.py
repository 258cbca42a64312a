"""The solver's last step: every target recomputed from the events, whatever is not exact a problem (never silently
wrong)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS, USAGE_NAMES
from mockserver.proxy.synthesis.residual import residual, subtract
from mockserver.proxy.synthesis.state import SolverState
from mockserver.proxy.synthesis.target import Target
from mockserver.world.aggregate import bucket_of, cu_text


class TargetCheck(SolverState):
    """Check the events against the targets."""

    def check(self, target: Target) -> list[str]:
        """What the events miss of a target: one message per series row and bucket (and per consumption user)."""
        events = self.all_events()
        times = [e.t for e in events]
        holes = sorted(self.covered)
        problems = []
        for i, want in enumerate(target.buckets):
            low = target.first + i * target.step
            lo, hi = max(low, target.start), min(low + target.step, target.end)
            inside = events[bisect_left(times, lo) : bisect_left(times, hi)] if lo < hi else []
            got = bucket_of(want.time, inside)
            diff = residual(want, got, target.types)
            if not any((diff.usage, diff.models, diff.assets, diff.nsfw, diff.verdicts)):
                continue
            why = (
                "the bucket has no uncovered time for filler events"
                if lo < hi and not subtract(lo, hi, holes)
                else "the known events and filler events could not match it"
            )
            tables: tuple[tuple[str, dict[Any, list[int]], Sequence[str] | None], ...] = (
                ("usages", diff.usage, USAGE_NAMES),
                ("modelUsages", diff.models, None),
                ("assetUsages", diff.assets, ASSET_KINDS),
                ("nsfwUsages", diff.nsfw, None),
                ("qualityGateUsages", diff.verdicts, QUALITY_GATE_VERDICTS),
            )
            for series, table, names in tables:
                for key, delta in sorted(table.items(), key=lambda kv: str(kv[0])):
                    name = names[key] if names is not None else key
                    problems.append(
                        f"{target.source}: {series}[{name!r}] at {want.time}: "
                        f"captured minus reproduced is {delta} ({why})"
                    )
        if target.consumption is not None:
            inside = events[bisect_left(times, target.start) : bisect_left(times, target.end)]
            got_users: dict[str, list[int]] = {}
            for e in inside:
                row = got_users.setdefault(e.user, [0, 0, 0])
                row[0] += e.cost
                row[1] += e.discount
                row[2] += e.qg_cost
            for user in sorted(set(got_users) | set(target.consumption)):
                want_user = target.consumption.get(user, (0, 0, 0))
                have = got_users.get(user, [0, 0, 0])
                if user not in target.consumption and not (have[0] or have[1]):
                    continue
                if list(want_user) != have:
                    problems.append(
                        f"{target.source}: consumption[{user!r}] over the window: captured (value, discount, "
                        f"quality-gate) {_cu3(want_user)}, reproduced {_cu3(have)}"
                    )
        return problems


def _cu3(values: Sequence[int]) -> str:
    return "(" + ", ".join(cu_text(v) for v in values) + ")"
