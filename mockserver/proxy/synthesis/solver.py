"""`synthesize`: the solver's run, its targets solved finest buckets first, each by the steps of its own modules
(known events, unheld series, filler events, users), then checked."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import fields

from mockserver.proxy.synthesis.check import TargetCheck
from mockserver.proxy.synthesis.fillers import FillerEvents, Group
from mockserver.proxy.synthesis.known import KnownEvents
from mockserver.proxy.synthesis.residual import residual, subtract, within
from mockserver.proxy.synthesis.target import PageTarget, Synthesis, Target
from mockserver.proxy.synthesis.unheld import UnheldSeries
from mockserver.proxy.synthesis.users import UserAssignment
from mockserver.world.aggregate import bucket_of
from mockserver.world.timeline import Event


class _Solver(KnownEvents, UnheldSeries, FillerEvents, UserAssignment, TargetCheck):
    """One run of `synthesize`: the state (`SolverState`) and the steps, in the order `solve` takes them."""

    def solve(self, targets: list[Target]) -> None:
        processed: list[tuple[int, int]] = []
        solved = self.solved
        order = sorted(targets, key=lambda tg: (tg.step, tg.end - tg.start, tg.start))
        for i, target in enumerate(order):
            events = self.all_events()
            times = [e.t for e in events]
            # The windows still to solve: what their users still need bounds what this one gives them there.
            self.later = [
                (tg.start, tg.end, self.window_need(tg, events, times))
                for tg in order[i + 1 :]
                if tg.consumption is not None
            ]
            self.later_models = [
                (tg, self.models_need(tg, events, times)) for tg in order[i + 1 :] if "model-usages" in tg.types
            ]
            self.solve_target(target, processed)
            self.settle_unheld_series(target, solved)
            processed.append((target.start, target.end))
            solved.append((target.start, target.end, target.types))
            self.solved_targets.append(target)
        for target in targets:
            self.problems += self.check(target)

    def solve_target(self, target: Target, processed: list[tuple[int, int]]) -> None:
        events = self.all_events()
        times = [e.t for e in events]
        types = target.types
        holes = sorted(processed + self.covered)
        need = self.window_need(target, events, times)
        open_known: list[Event] = []  # known events this target settles
        groups: list[Group] = []
        work = []
        for i, want in enumerate(target.buckets):
            low = target.first + i * target.step
            lo, hi = max(low, target.start), min(low + target.step, target.end)
            if lo >= hi:
                continue
            inside = events[bisect_left(times, lo) : bisect_left(times, hi)]
            res = residual(want, bucket_of(want.time, inside), types)
            mine = [e for e in inside if id(e) not in self.decided and not within(e.t, processed)]
            open_known += mine
            if "model-usages" in types and res.models:
                self.settle_unheld_models(res, inside, lo, hi)
            work.append((i, res, mine, subtract(lo, hi, holes)))
        # Known events of buckets with no room for filler events are the only ones that can carry their users'
        # discounts there: they go first.
        if "usages" in types:
            for api in (False, True):
                self.settle_discounts(work, need, types, api)
        for _, res, mine, _ in sorted(work, key=lambda w: bool(w[3])):
            self.settle_known(res, mine, need, types)
        for i, res, _, free in work:
            if free:
                before = len(groups)
                counted = any(a < page.end and page.after < b for page in self.pages for a, b in free)
                made = self.fill_bucket(res, i, groups, types, counted)
                self.place(made, free)
                for group in groups[before:]:
                    group.free = free
        self.assign_users(groups, need, types)
        self.place_quality_gate(target, need, open_known, processed, holes)
        self.decided.update(id(e) for e in open_known)


def _plain(e: Event) -> Event:
    """A plain copy of an event, hidden fields cleared (a generated event's ids derived once)."""
    copy = Event(**{f.name: getattr(e, f.name) for f in fields(Event)})
    copy.discount = copy.qg_cost = 0
    copy.nsfw = copy.verdict = None
    return copy


def synthesize(
    targets: list[Target],
    known: list[Event],
    *,
    people: list[str],
    api_users: list[str],
    models: list[str],
    nsfw_labels: list[str],
    covered: list[tuple[int, int]],
    projects: list[str],
    new_user: Callable[[bool], str],
    pages: Sequence[PageTarget] = (),
    seed: int = 0,
) -> Synthesis:
    """Return events whose bodies reproduce every target: `known` with hidden fields set, then filler events (and
    the free events that keep each captured page past the first at its offset: `pages`)."""
    del models  # the targets name the models they need
    mine = [_plain(e) for e in known]
    solver = _Solver(mine, people, api_users, nsfw_labels, covered, projects, new_user, seed)
    solver.pages = list(pages)
    solver.solve(targets)
    solver.fill_pages()
    return Synthesis(mine + solver.fillers, solver.problems)
