"""The solver's step that gives filler events their users: the groups' CU poured into users, then repaired (a
discount max-flow, chains of part moves and swaps, an exhaustive re-deal for small cases) until every user's window
totals hold; and each user's quality-gate CU put on one of their events."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mockserver.proxy.synthesis.actions import ROWLESS
from mockserver.proxy.synthesis.fillers import Group
from mockserver.proxy.synthesis.flow import INF, Flow
from mockserver.proxy.synthesis.residual import ZERO, subtract, within
from mockserver.proxy.synthesis.state import SolverState
from mockserver.proxy.synthesis.target import Target
from mockserver.world.timeline import Event


class UserAssignment(SolverState):
    """Give the groups of filler events their users."""

    def assign_users(self, groups: list[Group], need: dict[str, list[int]], types: frozenset[str]) -> None:
        """Split each group's CU over users so that every user's window totals come out (`need`, updated)."""
        if "consumption" not in types:
            for group in groups:
                group.parts = {self.default_user(group.api): list(group.carried)}
                self.spread(group)
            return
        # Groups with a discount need users with a discount to come; then the groups that can split the least.
        order = sorted(
            groups,
            key=lambda g: (not g.carried[1], g.unlimited, len(g.events), -(g.carried[0] + g.carried[1])),
        )
        for group in order:
            self.pour(group, list(group.carried), need)
        for api in (False, True):
            mine = [g for g in order if g.api == api]
            self.rebalance_discounts(mine, need, api)
            for dim in (0, 1):
                self.repair(mine, dim, need, api)
            self.exchange(mine, need, api)
            for _ in range(4 * len(need) + 4):
                if not self.augment(mine, need, api):
                    break
            self.repack(mine, need, api)
        for group in groups:
            if not group.parts:
                group.parts = {self.default_user(group.api): [0, 0]}
            self.spread(group)

    def rebalance_discounts(self, groups: list[Group], need: dict[str, list[int]], api: bool) -> None:
        """Deal the groups' discounts out again by a max-flow, the charged CU staying where the pour put it: a
        group's discount may go to any user already holding part of it, or to any user where it has an event to
        spare (or one only the discount holds). Kept only if every user's discount comes out exact and no group
        needs more events than it has."""
        users = [u for u in need if self.is_api(u) == api]
        if not any(need[u][1] for u in users):
            return
        held = {u: 0 for u in users}
        for g in groups:
            for u, part in g.parts.items():
                if u in held:
                    held[u] += part[1]
        goal = {u: held[u] + need[u][1] for u in users}
        if any(v < 0 for v in goal.values()):
            return
        allowed: dict[int, list[str]] = {}
        for i, g in enumerate(groups):
            if any(u not in held for u in g.parts):
                return  # a default user holds part of it: leave it
            if any(part[1] for part in g.parts.values()):
                # A part with no charged CU holds its event for the discount alone: any user may have it instead.
                spare = g.unlimited or sum(1 for p in g.parts.values() if p[0]) < len(g.events)
                allowed[i] = users if spare else sorted(g.parts)
        dealt: list[tuple[Group, dict[str, list[int]]]] = []
        for _ in range(6):  # a group dealt to more users than it has events keeps only its biggest newcomers
            dealt = self._deal_discounts(groups, allowed, users, goal)
            if not dealt:
                return
            crowded = False
            for i, (g, parts) in zip(allowed, dealt, strict=True):
                if not g.unlimited and len(parts) > len(g.events):
                    crowded = True
                    keep = {u for u, p in parts.items() if p[0]}
                    newcomers = sorted((u for u in parts if u not in keep), key=lambda u: (-parts[u][1], u))
                    allowed[i] = sorted(keep | set(newcomers[: len(g.events) - len(keep)]))
            if not crowded:
                break
        else:
            return
        for g, parts in dealt:
            t = g.events[0].t
            for u in set(parts) | set(g.parts):
                delta = parts.get(u, [0, 0])[1] - g.parts.get(u, [0, 0])[1]
                self.account(t, u, 1, delta)
            g.parts = parts
        for u in users:
            need[u][1] = 0

    def _deal_discounts(
        self, groups: list[Group], allowed: dict[int, list[str]], users: list[str], goal: dict[str, int]
    ) -> list[tuple[Group, dict[str, list[int]]]]:
        """The groups' (in `allowed`) parts with their discounts dealt by max-flow to `goal`; [] if not exact."""
        flow = Flow()
        total = 0
        for i, who in allowed.items():
            amount = sum(part[1] for part in groups[i].parts.values())
            total += amount
            flow.add("S", i, amount)
            for u in who:
                flow.add(i, ("user", u), INF)
        for u in users:
            if goal[u]:
                flow.add(("user", u), "T", goal[u])
        if flow.run("S", "T") != total:
            return []
        dealt = []
        for i in allowed:
            g = groups[i]
            parts = {u: [p[0], 0] for u, p in g.parts.items()}
            for u in allowed[i]:
                amount = flow.flow(i, ("user", u))
                if amount:
                    parts.setdefault(u, [0, 0])[1] = amount
            dealt.append((g, {u: p for u, p in parts.items() if p != [0, 0]}))
        return dealt

    def pour(self, group: Group, amount: list[int], need: dict[str, list[int]]) -> None:
        """Give a group's (charged, waived) CU to the users that need it: whole to one user where one fits."""
        parts = group.parts
        t = group.events[0].t
        while amount[0] > 0 or amount[1] > 0:
            last = not group.unlimited and len(parts) >= len(group.events) - 1
            users = [u for u in need if self.is_api(u) == group.api]
            if not group.unlimited and len(parts) >= len(group.events):
                users = [u for u in parts if u in need]  # no filler left for another user
                last = True
            avail = {u: [self.room(t, u, 0, need), self.room(t, u, 1, need)] for u in users}
            pool = [u for u in users if avail[u][0] > 0 or avail[u][1] > 0]
            if not pool:
                user = next(iter(parts), None) or (users[0] if users else self.default_user(group.api))
                need.setdefault(user, [0, 0, 0])
                give = list(amount)
            else:
                exact = [u for u in pool if avail[u] == amount]
                fits = [u for u in pool if avail[u][0] >= amount[0] and avail[u][1] >= amount[1]]
                dim = 1 if amount[1] > 0 else 0
                if exact:
                    user = exact[0]
                elif fits:
                    user = max(fits, key=lambda u: (avail[u][dim], avail[u][0], u))
                else:
                    user = max(pool, key=lambda u: (min(avail[u][dim], amount[dim]), avail[u][0], u))
                if last or exact or fits:
                    give = list(amount)
                else:
                    give = [max(min(amount[i], avail[user][i]), 0) for i in (0, 1)]
                    if give == [0, 0]:
                        give = list(amount)
            part = parts.setdefault(user, [0, 0])
            for i in (0, 1):
                part[i] += give[i]
                need[user][i] -= give[i]
                amount[i] -= give[i]
                self.account(t, user, i, give[i])

    def repair(self, groups: list[Group], dim: int, need: dict[str, list[int]], api: bool) -> None:
        """Move CU between users inside groups until no user has too much or too little (as far as groups allow)."""
        for _ in range(10 * len(need) + 10):
            short = sorted(u for u, v in need.items() if v[dim] > 0 and self.is_api(u) == api)
            over = sorted(u for u, v in need.items() if v[dim] < 0 and self.is_api(u) == api)
            if not short or not over:
                return
            moved = False
            for x in short:
                for y in over:
                    amount = min(need[x][dim], -need[y][dim])
                    for group in groups:
                        part = group.parts.get(y)
                        if part is None or part[dim] <= 0:
                            continue
                        if x not in group.parts and not group.unlimited and len(group.parts) >= len(group.events):
                            continue
                        t = group.events[0].t
                        give = min(amount, part[dim], self.room(t, x, dim, {x: [INF] * 3}))
                        if give <= 0:
                            continue
                        self.account(t, x, dim, give)
                        self.account(t, y, dim, -give)
                        part[dim] -= give
                        group.parts.setdefault(x, [0, 0])[dim] += give
                        if not any(part):
                            del group.parts[y]
                        need[x][dim] -= give
                        need[y][dim] += give
                        moved = True
                        break
                    if moved:
                        break
                if moved:
                    break
            if not moved:
                return

    def exchange(self, groups: list[Group], need: dict[str, list[int]], api: bool) -> None:
        """Hand whole parts from one user to another, or swap two users' parts, while that brings users closer to
        their totals (what `repair` cannot do: the parts of groups whose every filler has its user)."""

        def off(u: str, delta: Sequence[int] = (0, 0)) -> int:
            return abs(need[u][0] + delta[0]) + abs(need[u][1] + delta[1])

        for _ in range(4 * len(need) + 4):
            bad = sorted(u for u, v in need.items() if (v[0] or v[1]) and self.is_api(u) == api)
            if len(bad) < 2:
                return
            holdings: dict[str, list[tuple[Group, list[int]]]] = {u: [] for u in bad}
            for group in groups:
                for u, part in group.parts.items():
                    if u in holdings:
                        holdings[u].append((group, part))
            best = self._best_exchange(bad, holdings, off, self.later_ok)
            if best is None:
                return
            for group, giver, taker in best:
                part = group.parts.pop(giver)
                mine = group.parts.setdefault(taker, [0, 0])
                for i in (0, 1):
                    mine[i] += part[i]
                    need[giver][i] += part[i]
                    need[taker][i] -= part[i]
                    self.account(group.events[0].t, taker, i, part[i])
                    self.account(group.events[0].t, giver, i, -part[i])

    def augment(self, groups: list[Group], need: dict[str, list[int]], api: bool) -> bool:
        """Pass one user's excess along a chain of part moves and swaps to a user short of it; False if none."""
        users = sorted(u for u in need if self.is_api(u) == api)
        holdings: dict[str, list[tuple[Group, tuple[int, int]]]] = {u: [] for u in users}
        by_value: dict[tuple[int, int], list[tuple[Group, str]]] = {}
        for group in groups:
            for u, part in group.parts.items():
                if u in holdings:
                    holdings[u].append((group, (part[0], part[1])))
                    by_value.setdefault((part[0], part[1]), []).append((group, u))
        for y in users:
            excess = (max(-need[y][0], 0), max(-need[y][1], 0))
            if excess == (0, 0):
                continue
            by_delta: dict[tuple[int, int], list[str]] = {}
            for u in users:
                delta = (min(excess[0], max(need[u][0], 0)), min(excess[1], max(need[u][1], 0)))
                if u != y and delta != (0, 0):
                    by_delta.setdefault(delta, []).append(u)
            chain = None
            for delta in sorted(by_delta, key=lambda d: -(d[0] + d[1])):
                chain = self._chain(y, delta, by_delta[delta], holdings, by_value, users)
                if chain is not None:
                    break
            if chain is None:
                continue
            for group, giver, taker, amount in chain:
                part = group.parts[giver]
                mine = group.parts.setdefault(taker, [0, 0])
                for i in (0, 1):
                    part[i] -= amount[i]
                    mine[i] += amount[i]
                    need[giver][i] += amount[i]
                    need[taker][i] -= amount[i]
                    self.account(group.events[0].t, taker, i, amount[i])
                    self.account(group.events[0].t, giver, i, -amount[i])
                if not any(part):
                    del group.parts[giver]
            return True
        return False

    def _chain(
        self,
        start: str,
        excess: tuple[int, int],
        short: list[str],
        holdings: dict[str, list[tuple[Group, tuple[int, int]]]],
        by_value: dict[tuple[int, int], list[tuple[Group, str]]],
        users: list[str],
    ) -> list[tuple[Group, str, str, tuple[int, int]]] | None:
        """A shortest chain of changes moving `excess` from `start` to one of the `short` users (depth <= 3)."""
        Change = tuple[Group, str, str, tuple[int, int]]
        frontier: list[tuple[str, list[Change]]] = [(start, [])]
        seen = {start}
        for _ in range(3):
            after: list[tuple[str, list[Change]]] = []
            for u, path in frontier:
                for group, p in holdings[u]:
                    if any(c[0] is group for c in path):
                        continue
                    spare = group.unlimited or len(group.parts) < len(group.events)
                    if p == excess or (p[0] >= excess[0] and p[1] >= excess[1] and spare):
                        # Hand `excess` of this part on: straight to a user short of it, if one may take it.
                        for z in short:
                            if z != u and (p == excess or spare or z in group.parts):
                                step = [*path, (group, u, z, excess)]
                                if self.later_ok_amounts(step):
                                    return step
                    if p[0] >= excess[0] and p[1] >= excess[1]:
                        # Or to another holder of the same group, who passes it on.
                        for z in group.parts:
                            if z != u and z not in seen and z in holdings:
                                step = [*path, (group, u, z, excess)]
                                if self.later_ok_amounts(step):
                                    seen.add(z)
                                    after.append((z, step))
                    want = (p[0] - excess[0], p[1] - excess[1])
                    if want[0] < 0 or want[1] < 0 or want == (0, 0):
                        continue
                    # The whole part to a short user, who hands the surplus back out of a part they may split.
                    for z in short:
                        if z == u or z in group.parts:
                            continue
                        for other, q in holdings[z]:
                            if other is group or q[0] < want[0] or q[1] < want[1]:
                                continue
                            if not (other.unlimited or len(other.parts) < len(other.events) or u in other.parts):
                                continue
                            step = [*path, (group, u, z, p), (other, z, u, want)]
                            if self.later_ok_amounts(step):
                                return step
                    for other, z in by_value.get(want, ()):
                        if z == u or z in seen or other is group or z in group.parts or u in other.parts:
                            continue
                        step = [*path, (group, u, z, p), (other, z, u, want)]
                        if not self.later_ok_amounts(step):
                            continue
                        if z in short:
                            return step
                        seen.add(z)
                        after.append((z, step))
            frontier = after
        return None

    def later_ok_amounts(self, changes: list[tuple[Group, str, str, tuple[int, int]]]) -> bool:
        """Whether these changes (group, giver, taker, amount) leave no later window's user with more than it has."""
        for lo, hi, later in self.later:
            delta: dict[str, list[int]] = {}
            for group, giver, taker, amount in changes:
                if lo <= group.events[0].t < hi:
                    for i in (0, 1):
                        delta.setdefault(taker, [0, 0])[i] += amount[i]
                        delta.setdefault(giver, [0, 0])[i] -= amount[i]
            for user, d in delta.items():
                have = later.get(user, ZERO)
                if any(d[i] > 0 and have[i] - d[i] < 0 for i in (0, 1)):
                    return False
        return True

    def repack(self, groups: list[Group], need: dict[str, list[int]], api: bool) -> None:
        """Deal the parts of the users still off their totals out again, by exhaustive search (small cases only):
        the last resort when no chain of moves and swaps helps (two parts for two, say)."""
        users = sorted(u for u in need if self.is_api(u) == api)
        bad = [u for u in users if need[u][0] or need[u][1]]
        if not bad:
            return
        for circle in (bad, users):
            items = [(g, u) for g in groups for u in g.parts if u in circle]
            if len(items) > 40:
                continue
            goal = {u: [need[u][0], need[u][1]] for u in circle}
            for g, u in items:
                goal[u][0] += g.parts[u][0]
                goal[u][1] += g.parts[u][1]
            if any(v[0] < 0 or v[1] < 0 for v in goal.values()):
                continue
            items.sort(key=lambda item: -(item[0].parts[item[1]][0] + item[0].parts[item[1]][1]))
            found = _deal([(g, (g.parts[u][0], g.parts[u][1])) for g, u in items], circle, goal)
            if found is None:
                continue
            changes = [
                (g, u, taker, (g.parts[u][0], g.parts[u][1])) for (g, u), taker in zip(items, found, strict=True)
            ]
            changes = [c for c in changes if c[1] != c[2]]
            if not self.later_ok_amounts(changes):
                continue
            for g, giver, taker, amount in changes:
                for i in (0, 1):
                    need[giver][i] += amount[i]
                    need[taker][i] -= amount[i]
                    self.account(g.events[0].t, taker, i, amount[i])
                    self.account(g.events[0].t, giver, i, -amount[i])
            # Every group touched gets the circle's parts dealt anew (parts dealt to one user merge).
            dealt: dict[int, dict[str, list[int]]] = {}
            for (g, u), taker in zip(items, found, strict=True):
                row = dealt.setdefault(id(g), {}).setdefault(taker, [0, 0])
                row[0] += g.parts[u][0]
                row[1] += g.parts[u][1]
            for g in {id(g): g for g, _ in items}.values():
                for u in [u for u in g.parts if u in circle]:
                    del g.parts[u]
                g.parts.update(dealt.get(id(g), {}))
            return

    def later_ok(self, changes: list[tuple[Group, str, str]]) -> bool:
        """Whether handing these parts (group, giver, taker) leaves no later window's user with more than it has."""
        for lo, hi, later in self.later:
            delta: dict[str, list[int]] = {}
            for group, giver, taker in changes:
                if lo <= group.events[0].t < hi:
                    part = group.parts[giver]
                    for i in (0, 1):
                        delta.setdefault(taker, [0, 0])[i] += part[i]
                        delta.setdefault(giver, [0, 0])[i] -= part[i]
            for user, d in delta.items():
                have = later.get(user, ZERO)
                if any(d[i] > 0 and have[i] - d[i] < 0 for i in (0, 1)):
                    return False
        return True

    @staticmethod
    def _best_exchange(
        bad: list[str],
        holdings: dict[str, list[tuple[Group, list[int]]]],
        off: Callable[..., int],
        allowed: Callable[[list[tuple[Group, str, str]]], bool],
    ) -> list[tuple[Group, str, str]] | None:
        """The first move (one part to another user) or swap (two users' parts) that lowers the total error."""
        for y in bad:
            for x in bad:
                if x == y:
                    continue
                now = off(x) + off(y)
                for g1, p in holdings[y]:
                    if off(y, p) + off(x, (-p[0], -p[1])) < now and allowed([(g1, y, x)]):
                        return [(g1, y, x)]
                for g1, p in holdings[y]:
                    if x in g1.parts:
                        continue
                    for g2, q in holdings[x]:
                        if g2 is g1 or y in g2.parts:
                            continue
                        delta = (p[0] - q[0], p[1] - q[1])
                        swap = [(g1, y, x), (g2, x, y)]
                        if off(y, delta) + off(x, (-delta[0], -delta[1])) < now and allowed(swap):
                            return swap
        return None

    def spread(self, group: Group) -> None:
        """Put each user's part of a group on its own event of the group (more events if the group allows)."""
        events = group.events
        items = sorted(group.parts.items())
        while group.unlimited and len(events) < len(items):
            template = events[0]
            e = self.filler(template.action, template.api, model=template.model)
            for name in ("job", "job_type", "job_status", "nsfw", "verdict"):
                setattr(e, name, getattr(template, name))
            self.place([e], group.free)
            events.append(e)
        for e in events:
            e.cost = e.discount = 0
        for i, (user, (c, d)) in enumerate(items):
            e = events[min(i, len(events) - 1)]  # more users than events: `check` reports the users it misses
            e.user = user
            e.cost += c
            e.discount += d
        fallback = items[0][0] if items else self.default_user(group.api)
        for e in events[len(items) :]:
            e.user = fallback

    def place_quality_gate(
        self,
        target: Target,
        need: dict[str, list[int]],
        open_known: list[Event],
        processed: list[tuple[int, int]],
        holes: list[tuple[int, int]],
    ) -> None:
        """Put each user's quality-gate CU of the window on one of their events that this target may still set."""
        if target.consumption is None:
            return
        mine = [e for e in self.fillers if target.start <= e.t < target.end and not within(e.t, processed)]
        candidates = open_known + mine
        unbounded = {u: [INF] * 3 for u in need}
        free = subtract(target.start, target.end, holes)
        # Free time cut at the later windows' edges: a piece lies wholly inside or outside each.
        edges = sorted({x for lo, hi, _ in self.later for x in (lo, hi)})
        pieces = [
            piece
            for a, b in free
            for piece in zip([a, *(x for x in edges if a < x < b)], [*(x for x in edges if a < x < b), b], strict=True)
        ]
        for user in sorted(need):
            gate = need[user][2]
            theirs = sorted((e for e in candidates if e.user == user), key=lambda e: (e.verdict is None, -e.cost, e.t))
            for e in theirs:
                if gate <= 0:
                    break
                give = min(gate, self.room(e.t, user, 2, unbounded))
                if give > 0:
                    e.qg_cost += give
                    self.account(e.t, user, 2, give)
                    gate -= give
            if gate <= 0:
                need[user][2] = 0
                continue
            roomy = [p for p in pieces if self.room(p[0], user, 2, unbounded) >= gate]
            if roomy:
                e = self.filler(ROWLESS, self.is_api(user), qg_cost=gate)
                e.user = user
                self.place([e], roomy[:1])
                self.account(e.t, user, 2, gate)
                gate = 0
            elif theirs:
                theirs[0].qg_cost += gate  # more than a later window allows: `check` reports it
                gate = 0
            need[user][2] = gate


def _deal(
    items: list[tuple[Group, tuple[int, int]]], users: list[str], goal: dict[str, list[int]], budget: int = 200_000
) -> list[str] | None:
    """A user for each item so that every user's items sum to their goal (no group giving one user more parts
    than it has events), by depth-first search; None if there is none within `budget` steps."""
    left = {u: list(goal[u]) for u in users}
    chosen: list[str] = []
    used: dict[int, set[str]] = {}
    steps = [0]

    def place(i: int) -> bool:
        if i == len(items):
            return all(v == [0, 0] for v in left.values())
        steps[0] += 1
        if steps[0] > budget:
            return False
        group, (c, d) = items[i]
        tried: set[tuple[int, int]] = set()
        for u in users:
            room = left[u]
            if room[0] < c or room[1] < d or (room[0], room[1]) in tried:
                continue
            held = used.setdefault(id(group), set())
            if u not in held and not group.unlimited and len(held) >= len(group.events):
                continue
            tried.add((room[0], room[1]))  # users with the same room are interchangeable here
            room[0] -= c
            room[1] -= d
            fresh = u not in held
            held.add(u)
            chosen.append(u)
            if place(i + 1):
                return True
            chosen.pop()
            if fresh:
                held.discard(u)
            room[0] += c
            room[1] += d
        return False

    return chosen if place(0) else None
