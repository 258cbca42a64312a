"""Plans of a bucket's filler events, row by row: which models each usage row's fillers run and the CU each part
carries (an exact search over whole models, else flows, else best fit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mockserver.proxy.synthesis.actions import USES_MODEL
from mockserver.proxy.synthesis.flow import INF, Flow
from mockserver.proxy.synthesis.residual import BILLING, part_of
from mockserver.world.aggregate import Bucket


def allocate(
    rows: list[tuple[int, int, int, int]], need: dict[str, list[int]]
) -> list[list[tuple[str | None, int, int]]]:
    """Split each row's (cost, discount) over at most its count of fillers, each with one model or none, so that
    the models get what they `need` (updated in place: what is left for events of no row).

    Best fit, most constrained rows first: a part that is exactly a model's need, else whole needs that fit, else
    model-less (while the rows hold more than the models need), else a share of the largest need.
    """
    spare = [sum(r[2] for r in rows) - sum(v[0] for v in need.values())]
    spare.append(sum(r[3] for r in rows) - sum(v[1] for v in need.values()))
    result: dict[int, list[tuple[str | None, int, int]]] = {}
    for r, n, cost, disc in sorted(rows, key=lambda row: (row[1], -(row[2] + row[3]), row[0])):
        parts: list[tuple[str | None, int, int]] = []
        left = n
        while (cost or disc) and left:
            models = sorted(m for m, v in need.items() if (v[0] and cost) or (v[1] and disc))
            exact = [m for m in models if need[m] == [cost, disc]]
            whole = [m for m in models if need[m][0] <= cost and need[m][1] <= disc]
            fits = [m for m in models if need[m][0] >= cost and need[m][1] >= disc]
            free = spare[0] >= cost and spare[1] >= disc
            if free and not USES_MODEL.get(r, True):
                choice: str | None = None  # a row whose actions take no model: model-less while the rows allow
            elif exact:
                choice = exact[0]
            elif left > 1 and whole:
                choice = max(whole, key=lambda m: (need[m][0] + need[m][1], m))
            elif free or not models:
                choice = None
            elif left == 1 and fits:
                choice = min(fits, key=lambda m: (need[m][0] + need[m][1], m))
            else:
                choice = max(models, key=lambda m: (need[m][0] + need[m][1], m))
            if left == 1 or choice is None:
                c, d = cost, disc
            else:
                c, d = min(cost, need[choice][0]), min(disc, need[choice][1])
            if choice is None:
                spare[0] -= c
                spare[1] -= d
            else:
                need[choice][0] -= c
                need[choice][1] -= d
            parts.append((choice, c, d))
            cost, disc, left = cost - c, disc - d, left - 1
        result[r] = parts or [(None, 0, 0)]
    return [result[row[0]] for row in rows]


def rows_of(res: Bucket, api: bool) -> list[tuple[int, int, int, int]]:
    """The usage rows a bucket's fillers of one kind (API key or not) must add: (row, count, cost, discount)."""
    rows = []
    for r in sorted(res.usage):
        n = part_of(res.usage[r], 0, 1, api) if r not in BILLING else 0
        if n > 0:
            totals = res.usage[r]
            rows.append((r, n, part_of(totals, 2, 4, api), part_of(totals, 3, 5, api)))
    return rows


def allocate_exact(
    rows: list[tuple[int, int, int, int]],
    need: dict[str, list[int]],
    jobs: dict[str, int] | None = None,
    budget: int = 20_000,
) -> list[list[tuple[str | None, int, int, int]]] | None:
    """Plan a bucket's row fillers of one kind by search: each row takes models (one filler each) and perhaps a
    model-less part, the amounts exact; the row with most fillers takes what is left. A model with several jobs
    may be shared between rows (a row taking the part that completes its amount). None if no plan is found
    within `budget` steps.

    `need` is updated when a plan is found.
    """
    jobs = jobs or {}
    names = sorted((m for m, v in need.items() if v[0] > 0 or v[1] > 0), key=lambda m: (-need[m][0], -need[m][1], m))
    amount = [list(need[m][:2]) for m in names]
    shares = [max(jobs.get(m, 1), 1) - 1 for m in names]  # how many more rows a model may still be shared with
    spare = [sum(r[2] for r in rows) - sum(a[0] for a in amount), sum(r[3] for r in rows) - sum(a[1] for a in amount)]
    if spare[0] < 0 or spare[1] < 0 or not rows:
        return None
    order = sorted(range(len(rows)), key=lambda i: (rows[i][1], i))
    chosen: dict[int, tuple[list[tuple[int, int, int, int]], tuple[int, int]]] = {}
    steps = [0]

    def subsets(
        k: int, goal: tuple[int, int], start: int, picked: list[tuple[int, int, int, int]], none_first: bool
    ) -> Iterator[tuple[list[tuple[int, int, int, int]], tuple[int, int]]]:
        # Picks (unit, cost, discount, 1 if a part only) of at most k units summing to `goal`, or below it by
        # what may stay model-less (`spare`; that part then needs a filler of its own). The caller applies them.
        steps[0] += 1
        if steps[0] > budget:
            return
        if goal == (0, 0):
            yield list(picked), (0, 0)
            return
        model_less = k > 0 and goal[0] <= spare[0] and goal[1] <= spare[1]
        if model_less and none_first:
            yield list(picked), goal
        if k > 1 or (k == 1 and not model_less):
            for j in range(start, len(names)):
                c, d = amount[j]
                if (c or d) and c <= goal[0] and d <= goal[1]:
                    picked.append((j, c, d, 0))
                    yield from subsets(k - 1, (goal[0] - c, goal[1] - d), j + 1, picked, none_first)
                    picked.pop()
            for j in range(start, len(names)):
                c, d = amount[j]
                if shares[j] and c >= goal[0] and d >= goal[1] and (c, d) != goal:
                    yield [*picked, (j, goal[0], goal[1], 1)], (0, 0)  # part of a model with jobs to spare
        if model_less and not none_first:
            yield list(picked), goal

    def apply(picked: list[tuple[int, int, int, int]], sign: int) -> None:
        for j, c, d, partial in picked:
            amount[j][0] -= sign * c
            amount[j][1] -= sign * d
            shares[j] -= sign * partial

    def solve(depth: int) -> bool:
        i = order[depth]
        r, n, cost, disc = rows[i]
        if depth == len(order) - 1:
            rest = [(j, amount[j][0], amount[j][1], 0) for j in range(len(names)) if amount[j] != [0, 0]]
            left = (cost - sum(p[1] for p in rest), disc - sum(p[2] for p in rest))
            if left[0] < 0 or left[1] < 0 or len(rest) + (left != (0, 0)) > n:
                return False
            chosen[i] = (rest, left)
            return True
        # Rows whose actions take no model try model-less first; the others, models first.
        for picked, left in subsets(n, (cost, disc), 0, [], not USES_MODEL.get(r, True)):
            if left != (0, 0) and len(picked) >= n:
                continue
            apply(picked, 1)
            spare[0] -= left[0]
            spare[1] -= left[1]
            chosen[i] = (picked, left)
            if solve(depth + 1):
                return True
            spare[0] += left[0]
            spare[1] += left[1]
            apply(picked, -1)
            if steps[0] > budget:
                return False
        return False

    if not solve(0):
        return None
    plan = []
    for i, (_, n, _, _) in enumerate(rows):
        picked, left = chosen[i]
        parts: list[list[Any]] = []
        for j, c, d, _ in picked:
            parts.append([names[j], c, d, 1])
            need[names[j]][0] -= c
            need[names[j]][1] -= d
        if left != (0, 0) or not parts:
            parts.append([None, left[0], left[1], 1])
        elif n > len(picked):
            parts.append([None, 0, 0, 0])
        # The row's other fillers go to the parts by their CU (more fillers to split a part among more users).
        for _ in range(n - sum(p[3] for p in parts)):
            max(parts, key=lambda p: ((p[1] + 8 * p[2]) / (p[3] + 1), p[3] == 0))[3] += 1
        plan.append([(p[0], p[1], p[2], p[3]) for p in parts if p[3] > 0])
    return plan


def allocate_by_flow(
    rows: dict[bool, list[tuple[int, int, int, int]]],
    needs: dict[bool, dict[str, list[int]]],
    jobs: dict[str, int],
) -> dict[bool, list[list[tuple[str | None, int, int, int]]]]:
    """Plan a bucket's row fillers by flows: first how many of each row's fillers run a job of each model (the
    models' job counts, shared by both kinds of user), then each row's CU over those (row, model) cells and its
    model-less fillers. A kind whose CU flow falls short gets no plan (best fit then); `needs` is updated for
    the kinds planned."""
    count = Flow()
    for api, kind in rows.items():
        for r, n, _, _ in kind:
            count.add("S", ("row", api, r), n)
    classes = {m: sum(1 for api in rows if any(needs[api][m])) for m in jobs}
    for m, j in jobs.items():
        count.add(("model", m), "T", max(j, classes[m]))

    def link(uses_model: bool) -> None:
        for api, kind in rows.items():
            for r, _, _, _ in kind:
                if USES_MODEL.get(r, True) == uses_model:
                    for m in jobs:
                        if ("row", api, r) in count.index and (("row", api, r), ("cell", api, m)) not in count.edges:
                            count.add(("row", api, r), ("cell", api, m), INF)

    # Every (model, kind) that needs CU first gets one filler, from the rows whose actions take a model, then
    # from any row; then the models' other jobs.
    for api in rows:
        for m in jobs:
            if any(needs[api][m]):
                count.add(("cell", api, m), ("model", m), 1)
    link(True)
    count.run("S", "T")
    link(False)
    count.run("S", "T")
    for api in rows:
        for m in jobs:
            count.add(("cell", api, m), ("model", m), INF)
    count.run("S", "T")
    plans: dict[bool, list[list[tuple[str | None, int, int, int]]]] = {}
    for api, kind in rows.items():
        cells = {(r, m): count.flow(("row", api, r), ("cell", api, m)) for r, _, _, _ in kind for m in jobs}
        amounts = []
        for dim in (0, 1):
            flow = Flow()
            for r, n, *amount in kind:
                if amount[dim] > 0:
                    flow.add("S", ("row", r), amount[dim])
                for m in jobs:
                    if cells[(r, m)] > 0:
                        flow.add(("row", r), ("model", m), INF)
                if n > sum(cells[(r, m)] for m in jobs):
                    flow.add(("row", r), "none", INF)
            for m, need in needs[api].items():
                if need[dim] > 0:
                    flow.add(("model", m), "T", need[dim])
            spare = sum(row[2 + dim] for row in kind) - sum(v[dim] for v in needs[api].values())
            if spare > 0:
                flow.add("none", "T", spare)
            total = sum(row[2 + dim] for row in kind)
            if flow.run("S", "T") != total:
                break
            amounts.append(flow)
        else:
            plan = []
            for r, n, _, _ in kind:
                parts: list[tuple[str | None, int, int, int]] = []
                for m in jobs:
                    if cells[(r, m)] > 0:
                        c, d = (f.flow(("row", r), ("model", m)) for f in amounts)
                        parts.append((m, c, d, cells[(r, m)]))
                        needs[api][m][0] -= c
                        needs[api][m][1] -= d
                left = n - sum(cells[(r, m)] for m in jobs)
                if left > 0:
                    c, d = (f.flow(("row", r), "none") for f in amounts)
                    parts.append((None, c, d, left))
                plan.append(parts)
            plans[api] = plan
    return plans


def share(slots: list[Any], alloc: list[tuple[str | None, int, int]]) -> list[list[Any]]:
    """Deal a row's fillers to its parts: one each, then the spare ones to the parts with a discount (one per CU
    waived: a discount is split among few users), then round the parts."""
    members: list[list[Any]] = [[slot] for slot, _ in zip(slots, alloc, strict=False)]
    spare = slots[len(alloc) :]
    wants = [max(d // 1000 - 1, 0) for _, _, d in alloc]
    i = 0
    while spare and any(wants):
        if wants[i % len(alloc)]:
            wants[i % len(alloc)] -= 1
            members[i % len(alloc)].append(spare.pop(0))
        i += 1
    for i, slot in enumerate(spare):
        members[i % len(alloc)].append(slot)
    return members
