"""The solver's step that invents filler events: each bucket's residual planned row by row, in groups whose CU may
be split among their events (users still open)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS, USAGE_NAMES
from mockserver.proxy.synthesis.actions import FREE, ROW_ACTIONS, ROWLESS, ROWLESS_ASSET, ROWLESS_JOB, ROWLESS_MODEL
from mockserver.proxy.synthesis.plan import allocate, allocate_by_flow, allocate_exact, rows_of, share
from mockserver.proxy.synthesis.residual import part_of, subtract
from mockserver.proxy.synthesis.state import SolverState
from mockserver.proxy.synthesis.target import PageTarget
from mockserver.world.aggregate import CU_DISCOUNT_ROW, CU_ROW, Bucket
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import format_ms
from mockserver.world.timeline import Event


@dataclass
class Group:
    """Filler events of one bucket that share what they count in (row, model, API key or not): their CU may be
    split among them in any way, one user each; `unlimited` groups (no usage row) may grow more events."""

    bucket: int
    api: bool
    events: list[Event]
    carried: tuple[int, int] = (0, 0)  # the CU charged and waived the group carries
    unlimited: bool = False
    parts: dict[str, list[int]] = field(default_factory=dict)  # user -> (charged, waived) of the group's CU
    free: list[tuple[int, int]] = field(default_factory=list)  # the bucket's time open to filler events


class FillerEvents(SolverState):
    """Invent the filler events of each bucket."""

    def fill_bucket(
        self, res: Bucket, bucket: int, groups: list[Group], types: frozenset[str], counted: bool = False
    ) -> list[Event]:
        """Invent the events of one bucket's residual (users still open: `assign_users` picks them); `counted`: a
        captured page's offset counts the bucket's events (`PageTarget`), so none is added that can be spared."""
        made: list[Event] = []
        rows = {api: rows_of(res, api) for api in (False, True)}
        needs = {
            api: {m: [max(part_of(t, 0, 3, api), 0), max(part_of(t, 1, 4, api), 0)] for m, t in res.models.items()}
            for api in (False, True)
        }
        jobs = {m: max(t[2], 0) for m, t in res.models.items()}
        plans = {}
        for api in (False, True):
            plan = allocate_exact(rows[api], needs[api], jobs)
            if plan is not None:
                plans[api] = plan
        if len(plans) < 2:
            rest = {api: rows[api] for api in (False, True) if api not in plans}
            plans |= allocate_by_flow(rest, {api: needs[api] for api in rest}, jobs)
        for api in (False, True):
            made += self.fill_class(res, bucket, api, groups, rows[api], needs[api], plans.get(api))
        # Jobs have no API-key split: give them to the fillers that have the model, then (where a page counts the
        # events) to fillers that other groups have to spare (`lend`), then to job-only events.
        short: dict[str, int] = {}
        for model, totals in sorted(res.models.items()):
            count = totals[2]
            for e in made:
                if count <= 0:
                    break
                if e.model == model and e.job is None:
                    self.give_job(e)
                    count -= 1
            short[model] = count
        for model, count in short.items():
            if counted:
                count = self.lend(model, count, [g for g in groups if g.bucket == bucket and not g.unlimited])
            for _ in range(count):
                e = self.filler(ROWLESS_JOB, False, model=model)
                self.give_job(e)
                groups.append(Group(bucket, False, [e], unlimited=True))
                made.append(e)
        for api in (False, True):
            made += self.mark_assets(res, bucket, api, [e for e in made if e.api == api], groups)
        return made

    def fill_class(
        self,
        res: Bucket,
        bucket: int,
        api: bool,
        groups: list[Group],
        rows: list[tuple[int, int, int, int]],
        need: dict[str, list[int]],
        plan: list[list[tuple[str | None, int, int, int]]] | None,
    ) -> list[Event]:
        made: list[Event] = []
        cu_cost = part_of(res.usage.get(CU_ROW), 0, 1, api) - sum(r[2] for r in rows)
        cu_disc = part_of(res.usage.get(CU_DISCOUNT_ROW), 0, 1, api) - sum(r[3] for r in rows)
        if plan is None:  # no plan by flows: best fit, its parts dealt the row's fillers
            plan = [
                [(m, c, d, len(events)) for (m, c, d), events in zip(alloc, share(list(range(n)), alloc), strict=True)]
                for (_, n, _, _), alloc in zip(rows, allocate(rows, need), strict=True)
            ]
        for (r, _, _, _), parts in zip(rows, plan, strict=True):
            for m, c, d, k in parts:
                events = [self.filler(ROW_ACTIONS[USAGE_NAMES[r]].name, api, model=m) for _ in range(k)]
                made += events
                groups.append(Group(bucket, api, events, carried=(c, d)))
        # What the models still need beyond the rows: model events of no row; then CU of no row and no model.
        for m in sorted(need):
            c, d = need[m]
            if c > 0 or d > 0:
                c, d = max(c, 0), max(d, 0)
                e = self.filler(ROWLESS_MODEL, api, model=m, cost=c, discount=d)
                made.append(e)
                groups.append(Group(bucket, api, [e], carried=(c, d), unlimited=True))
                cu_cost -= c
                cu_disc -= d
        if cu_cost > 0 or cu_disc > 0:
            c, d = max(cu_cost, 0), max(cu_disc, 0)
            e = self.filler(ROWLESS, api, cost=c, discount=d)
            made.append(e)
            groups.append(Group(bucket, api, [e], carried=(c, d), unlimited=True))
        return made

    def lend(self, model: str, count: int, groups: list[Group]) -> int:
        """Give `model`'s jobs still to give to the bucket's job-less fillers that can take them without changing
        any number; return how many are left.

        First the fillers of groups that carry no CU, of a model's action: a model and a job there count in the
        model's jobs only. Then fillers moved into a group of `model` of the same row and kind of user from another
        group that keeps one (a group's CU may be split among its events in any way, so no row, CU total or other
        model changes). Moving narrows the donor's split among users: done only where a page counts events."""
        for group in groups:
            if group.carried != (0, 0):
                continue
            for e in group.events:
                if count <= 0:
                    return 0
                if e.job is None and CATALOG[e.action].uses_model:
                    e.model = model
                    self.give_job(e)
                    count -= 1
        for taker in groups:
            if count <= 0:
                break
            if not taker.events or taker.events[0].model != model:
                continue
            action = taker.events[0].action
            for donor in groups:
                if donor is taker or not donor.events or donor.api != taker.api:
                    continue
                if donor.events[0].action != action or donor.events[0].model == model:
                    continue
                while count > 0 and len(donor.events) > 1:
                    spare = next((e for e in reversed(donor.events) if e.job is None), None)
                    if spare is None:
                        break
                    donor.events.remove(spare)
                    taker.events.append(spare)
                    spare.model = model
                    self.give_job(spare)
                    count -= 1
        return count

    def mark_assets(self, res: Bucket, bucket: int, api: bool, made: list[Event], groups: list[Group]) -> list[Event]:
        """Created assets, nsfw labels and verdicts on the bucket's fillers, with more events where they run out."""
        extra: list[Event] = []
        for k, counts in sorted(res.assets.items()):
            kind = ASSET_KINDS[k]
            n = part_of(counts, 0, 1, api)
            for e in sorted(made, key=lambda e: CATALOG[e.action].asset_kind != kind):
                if n <= 0:
                    break
                if not e.created and CATALOG[e.action].asset_kind in (kind, None):
                    self.create_asset(e, kind)
                    n -= 1
            for _ in range(max(n, 0)):
                e = self.filler(ROWLESS_ASSET, api)
                self.create_asset(e, kind)
                extra.append(e)
        pool = made + extra
        for label, counts in sorted(res.nsfw.items()):
            n = part_of(counts, 0, 1, api)
            for e in sorted(pool, key=lambda e: not e.created):
                if n <= 0:
                    break
                if e.nsfw is None:
                    e.nsfw = label
                    n -= 1
            for _ in range(max(n, 0)):
                e = self.filler(ROWLESS, api, nsfw=label)
                extra.append(e)
                pool.append(e)
        for v in (1, 2, 3):
            n = part_of(res.verdicts.get(v), 0, 1, api)
            for e in sorted(pool, key=lambda e: not (e.created and CATALOG[e.action].quality_gate)):
                if n <= 0:
                    break
                if e.verdict is None:
                    e.verdict = QUALITY_GATE_VERDICTS[v]
                    n -= 1
            for _ in range(max(n, 0)):
                e = self.filler(ROWLESS, api, verdict=QUALITY_GATE_VERDICTS[v])
                extra.append(e)
                pool.append(e)
        if extra:
            groups.append(Group(bucket, api, extra))
        return extra

    def fill_pages(self) -> None:
        """Free events newer than each captured page past the first, so that as many come before it as its offset.

        They go after the page's first item, where no captured listing shows every event: they count in no series
        and cost nothing, so every captured number stays as the other targets made it."""
        for page in self.pages:
            newer = sum(1 for e in self.known + self.fillers if page.after < e.t < page.end)
            if newer > page.offset:
                newer -= self.move_out(page, newer - page.offset)
            first = format_ms(page.after)
            if newer > page.offset:
                self.problems.append(
                    f"{page.source}: its page at activityOffset {page.offset} needs exactly {page.offset} newer "
                    f"events in its window, but the other captures (their series, consumption and listings) need "
                    f"{newer} after its first item at {first}"
                )
                continue
            if newer == page.offset:
                continue
            free = subtract(page.after + 1, page.end, self.covered)
            if not free:
                self.problems.append(
                    f"{page.source}: its page at activityOffset {page.offset} needs {page.offset} newer events in "
                    f"its window; there are {newer}, and no time after its first item at {first} is open for more "
                    "(the window ends there, or a captured listing shows every event there)"
                )
                continue
            made = [self.filler(FREE, False) for _ in range(page.offset - newer)]
            user = self.default_user(False)
            for e in made:
                e.user = user
            self.place(made, free)

    def move_out(self, page: PageTarget, excess: int) -> int:
        """Move up to `excess` filler events from after the page's first item to where every target counts them
        the same (the same bucket of each window holding them, in none of the others), outside every page's count
        and every listing; return how many moved.

        A coarse bucket that straddles the page does not say how many of its events were newer than the page: the
        solver spreads them over the bucket's open time, the page's offset says how many."""
        regions = [(p.after + 1, p.end) for p in self.pages]
        moved = 0
        for e in sorted(self.fillers, key=lambda e: -e.t):
            if moved >= excess:
                break
            if not page.after < e.t < page.end:
                continue
            lo, hi = -(2**62), 2**62
            holes = list(self.covered) + regions
            for target in self.solved_targets:
                if target.start <= e.t < target.end:
                    low = target.first + (e.t - target.first) // target.step * target.step
                    lo, hi = max(lo, low, target.start), min(hi, low + target.step, target.end)
                else:
                    holes.append((target.start, target.end))
            free = subtract(lo, hi, sorted(holes)) if lo < hi < 2**62 else []
            if free:
                self.place([e], free)
                moved += 1
        return moved
