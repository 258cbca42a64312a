"""The solver's step for what finer windows without a series leave open: models and jobs of their fillers (their CU
dealt again to models), assets, nsfw labels and verdicts."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS
from mockserver.proxy.synthesis.actions import ROWLESS_ASSET, ROWLESS_JOB, USES_MODEL
from mockserver.proxy.synthesis.flow import Flow
from mockserver.proxy.synthesis.residual import part_of, residual, subtract
from mockserver.proxy.synthesis.state import SolverState
from mockserver.proxy.synthesis.target import Target
from mockserver.world.aggregate import ROW_INDEX, Bucket, bucket_of
from mockserver.world.catalog import CATALOG
from mockserver.world.timeline import Event


class UnheldSeries(SolverState):
    """Settle what a target's series need where finer windows solved before did not hold those series."""

    def settle_unheld_models(self, res: Bucket, inside: list[Event], lo: int, hi: int) -> None:
        """Give models (and jobs) to the fillers that finer windows without model-usages made in the bucket.

        Those windows fixed only sums: per bucket of each, user, kind of user and row, the fillers' count, CU charged
        and waived. Within such a pool the CU may be dealt out again over its fillers, so a max-flow takes the pools'
        CU to the models the residual still misses; each filler then carries one model's part.
        """
        pools: dict[tuple[Any, ...], list[Event]] = {}
        for e in inside:
            if (
                e.model is not None
                or e.job is not None
                or e.usage_row is None
                or not USES_MODEL.get(ROW_INDEX[e.usage_row], False)
                or id(e) in self.known_ids
                or any(tg.start <= e.t < tg.end and "model-usages" in tg.types for tg in self.solved_targets)
            ):
                continue
            held = tuple(
                (k, (e.t - tg.first) // tg.step) for k, tg in enumerate(self.solved_targets) if tg.start <= e.t < tg.end
            )
            pools.setdefault((held, e.user, e.api, e.usage_row), []).append(e)
        if not pools:
            return
        keys = sorted(pools, key=str)
        models = sorted(m for m, t in res.models.items() if t[0] > 0 or t[1] > 0 or t[2] > 0)
        parts: dict[int, dict[str | None, list[int]]] = {}
        for api in (False, True):
            mine = {
                i: (sum(e.cost for e in pools[key]), sum(e.discount for e in pools[key]), len(pools[key]))
                for i, key in enumerate(keys)
                if key[2] == api
            }
            goals = {m: (part_of(res.models[m], 0, 3, api), part_of(res.models[m], 1, 4, api)) for m in models}
            parts |= _deal_to_models(mine, goals)
        made: list[Event] = []
        for i, key in enumerate(keys):
            events = sorted(pools[key], key=lambda e: e.t)
            split = parts.get(i)
            if not split:
                continue
            rest = [sum(e.cost for e in events), sum(e.discount for e in events)]
            for p in split.values():
                rest = [rest[0] - p[0], rest[1] - p[1]]
            dealt: list[tuple[str | None, list[int]]] = sorted(split.items(), key=lambda kv: str(kv[0]))
            if rest != [0, 0]:
                dealt.append((None, rest))
            if len(dealt) > len(events):
                continue  # more parts than fillers: this pool keeps its CU without models
            for e in events:
                e.cost = e.discount = 0
            for e, (model, (cost, discount)) in zip(events, dealt, strict=False):  # the rest of the events: no CU
                e.model, e.cost, e.discount = model, cost, discount
                if model is not None:
                    made.append(e)
        # Jobs count a model's events that have one: its charged fillers first, then cost-free ones.
        holes = sorted(self.covered + [(tg.start, tg.end) for tg in self.solved_targets if "model-usages" in tg.types])
        free = subtract(lo, hi, holes)
        extra: list[Event] = []
        spare = [
            e
            for key in keys
            for e in sorted(pools[key], key=lambda e: e.t)
            if e.model is None and not (e.cost or e.discount)
        ]
        for m in models:
            jobs = res.models[m][2]
            for e in made:
                if jobs <= 0:
                    break
                if e.model == m and e.job is None:
                    self.give_job(e)
                    jobs -= 1
            while jobs > 0 and spare:
                e = spare.pop(0)
                e.model = m
                self.give_job(e)
                made.append(e)
                jobs -= 1
            # Still short: job-only events (no row, no CU), which the finer windows' series do not show, by a user
            # the bucket already has.
            person = next((key[1] for key in keys if not key[2]), None) or self.default_user(False)
            for _ in range(jobs if free else 0):
                e = self.filler(ROWLESS_JOB, False, model=m)
                e.user = person
                self.give_job(e)
                made.append(e)
                extra.append(e)
        if extra:
            self.place(extra, free)
        have = bucket_of(res.time, made).models
        for m, totals in have.items():
            left = res.models.setdefault(m, [0, 0, 0, 0, 0])
            for k in range(5):
                left[k] -= totals[k]

    def settle_unheld_series(self, target: Target, solved: list[tuple[int, int, frozenset[str]]]) -> None:
        """Assets, nsfw labels and verdicts a target still misses where finer windows without those series lie.

        A finer window solved before fixes its own series there, not the others: its events may still take labels
        and verdicts, and cost-free uploads (no usage row, no model, no CU) may be added outside covered time.
        """
        extra_types = target.types & {"asset-usages", "nsfw-usages", "quality-gate-usages"}
        if not extra_types or not solved:
            return
        events = self.all_events()
        times = [e.t for e in events]
        for i, want in enumerate(target.buckets):
            low = target.first + i * target.step
            lo, hi = max(low, target.start), min(low + target.step, target.end)
            if lo >= hi:
                continue
            inside = events[bisect_left(times, lo) : bisect_left(times, hi)]
            res = residual(want, bucket_of(want.time, inside), extra_types)
            if not (res.assets or res.nsfw or res.verdicts):
                continue

            def held(t: int, series: str) -> bool:
                return any(a <= t < b and series in types for a, b, types in solved)

            holes = sorted(self.covered + [(a, b) for a, b, types in solved if types & extra_types])
            free = subtract(lo, hi, holes)
            made: list[Event] = []
            self.open_uploads(res, (e for e in inside if not held(e.t, "asset-usages")))
            for api in (False, True):
                for k, counts in sorted(res.assets.items()):
                    kind = ASSET_KINDS[k]
                    n = max(part_of(counts, 0, 1, api), 0)
                    # First the fillers that windows without asset-usages made here, of an action that makes such
                    # an asset: creating it changes none of their series, and adds no event.
                    for e in inside:
                        if n <= 0:
                            break
                        if (
                            e.api == api
                            and id(e) not in self.known_ids
                            and not e.created
                            and CATALOG[e.action].asset_kind == kind
                            and not held(e.t, "asset-usages")
                        ):
                            self.create_asset(e, kind)
                            n -= 1
                    for _ in range(n):
                        if free:
                            e = self.filler(ROWLESS_ASSET, api)
                            e.user = self.default_user(api)
                            self.create_asset(e, ASSET_KINDS[k])
                            made.append(e)
                pool = [e for e in inside if e.api == api] + [e for e in made if e.api == api]
                for label, counts in sorted(res.nsfw.items()):
                    n = part_of(counts, 0, 1, api)
                    for e in sorted(pool, key=lambda e: (not e.created, e.t)):
                        if n <= 0:
                            break
                        if e.nsfw is None and not held(e.t, "nsfw-usages"):
                            e.nsfw = label
                            n -= 1
                for v in (1, 2, 3):
                    n = part_of(res.verdicts.get(v), 0, 1, api)
                    gated = sorted(pool, key=lambda e: (not (e.created and CATALOG[e.action].quality_gate), e.t))
                    for e in gated:
                        if n <= 0:
                            break
                        if e.verdict is None and not held(e.t, "quality-gate-usages"):
                            e.verdict = QUALITY_GATE_VERDICTS[v]
                            n -= 1
            if made:
                self.place(made, free)
                events = self.all_events()
                times = [e.t for e in events]


def _deal_to_models(
    pools: dict[int, tuple[int, int, int]], goals: dict[str, tuple[int, int]]
) -> dict[int, dict[str | None, list[int]]]:
    """Deal pools of (charged, waived, fillers) to models' (charged, waived) goals: by flows, and where they deal
    less than both allow (or split a pool too much), by a bounded search over the one-filler pools (each whole to
    one model or to none), the flows dealing the other pools to what is left."""
    goals = {m: (max(g[0], 0), max(g[1], 0)) for m, g in goals.items() if g[0] > 0 or g[1] > 0}
    parts = _deal_by_flow(pools, goals)
    if _dealt_exactly(parts, pools, goals):
        return parts
    supply = [sum(p[dim] for p in pools.values()) for dim in (0, 1)]
    singles = sorted((i for i, p in pools.items() if p[2] == 1), key=lambda i: (-pools[i][0] - pools[i][1], i))
    others = {i: p for i, p in pools.items() if p[2] != 1}
    left = {m: list(g) for m, g in goals.items()}
    spare = [max(supply[dim] - sum(g[dim] for g in goals.values()), 0) for dim in (0, 1)]
    chosen: dict[int, str | None] = {}
    # Nodes, and leaves (each runs the flows: fewer where pools and models are many).
    budget = [20_000, min(200, 40_000 // max(len(pools) * len(goals), 1))]

    def search(k: int) -> dict[int, dict[str | None, list[int]]] | None:
        budget[0] -= 1
        if budget[0] < 0 or budget[1] < 0:
            return None
        if k == len(singles):
            budget[1] -= 1
            rest = {m: (v[0], v[1]) for m, v in left.items()}
            dealt = _deal_by_flow(others, rest)
            if not _dealt_exactly(dealt, others, rest):
                return None
            for i, m in chosen.items():
                if m is not None:
                    dealt[i] = {m: [pools[i][0], pools[i][1]]}
            return dealt
        i = singles[k]
        cost, discount, _ = pools[i]
        # The tightest fits first; none last, and only while the pools' CU beyond the goals allows it.
        options: list[str | None] = [
            m for m in sorted(left, key=lambda m: (left[m][0], m)) if left[m][0] >= cost and left[m][1] >= discount
        ]
        if spare[0] >= cost and spare[1] >= discount:
            options.append(None)
        for m in options:
            target = spare if m is None else left[m]
            target[0] -= cost
            target[1] -= discount
            chosen[i] = m
            found = search(k + 1)
            target[0] += cost
            target[1] += discount
            del chosen[i]
            if found is not None:
                return found
        return None

    return search(0) or parts


def _dealt_exactly(
    parts: dict[int, dict[str | None, list[int]]],
    pools: dict[int, tuple[int, int, int]],
    goals: dict[str, tuple[int, int]],
) -> bool:
    """Whether as much CU is dealt as pools and goals both allow (every goal met, or every pool dealt out), and no
    pool is split over more parts than it has fillers."""
    for dim in (0, 1):
        most = min(sum(p[dim] for p in pools.values()), sum(g[dim] for g in goals.values()))
        if sum(p[dim] for split in parts.values() for p in split.values()) != most:
            return False
    for i, split in parts.items():
        cost, discount, n = pools[i]
        rest = (cost - sum(p[0] for p in split.values()), discount - sum(p[1] for p in split.values()))
        if len(split) + (rest != (0, 0)) > n:
            return False
    return True


def _deal_by_flow(
    pools: dict[int, tuple[int, int, int]], goals: dict[str, tuple[int, int]]
) -> dict[int, dict[str | None, list[int]]]:
    """Deal pools of (charged, waived, fillers) to models' (charged, waived) goals by two max-flows, the waived CU
    following the models a pool's charged CU went to; a pool split over more parts than it has fillers is allowed
    fewer models and the flows run again (a few times)."""
    allowed = {i: sorted(goals) for i in pools}
    parts: dict[int, dict[str | None, list[int]]] = {}
    for _ in range(8 + 2 * min(len(goals), 16)):
        parts = {i: {} for i in pools}
        # The waived CU first to the models the pool's charged CU went to, then what is left to any.
        for dim, follow in ((0, False), (1, True), (1, False)):
            flow = Flow()
            open_models = set()
            for m, goal in sorted(goals.items()):
                left = goal[dim] - sum(split[m][dim] for split in parts.values() if m in split)
                if left > 0:
                    flow.add(("model", m), "T", left)
                    open_models.add(m)
            for i, amounts in pools.items():
                left = amounts[dim] - sum(p[dim] for p in parts[i].values())
                if left <= 0:
                    continue
                flow.add("S", i, left)
                for m in allowed[i]:
                    if m in open_models and (not follow or m in parts[i]):
                        flow.add(i, ("model", m), left)
            flow.run("S", "T")
            for i in pools:
                for m in allowed[i] if open_models else ():
                    got = flow.flow(i, ("model", m))
                    if got > 0:
                        parts[i].setdefault(m, [0, 0])[dim] += got
        crowded = False
        for i, split in parts.items():
            cost, discount, n = pools[i]
            rest = (cost - sum(p[0] for p in split.values()), discount - sum(p[1] for p in split.values()))
            over = len(split) + (rest != (0, 0)) - n
            if over > 0:
                # Drop the models of the pool's smallest parts, as many as it has too many: the flow finds them
                # another pool, or gives them up.
                crowded = True
                smallest = set(sorted(split, key=lambda m: (split[m][0] + split[m][1], str(m)))[:over])
                allowed[i] = [m for m in allowed[i] if m not in smallest]
        if not crowded:
            break
    return parts
