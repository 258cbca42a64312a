"""The solver's step that invents filler events: each bucket's residual planned row by row, in groups whose CU may
be split among their events (users still open)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS, USAGE_NAMES
from mockserver.proxy.synthesis.actions import ROW_ACTIONS, ROWLESS, ROWLESS_ASSET, ROWLESS_JOB, ROWLESS_MODEL
from mockserver.proxy.synthesis.plan import allocate, allocate_by_flow, allocate_exact, rows_of, share
from mockserver.proxy.synthesis.residual import part_of
from mockserver.proxy.synthesis.state import SolverState
from mockserver.world.aggregate import CU_DISCOUNT_ROW, CU_ROW, Bucket
from mockserver.world.catalog import CATALOG
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

    def fill_bucket(self, res: Bucket, bucket: int, groups: list[Group], types: frozenset[str]) -> list[Event]:
        """Invent the events of one bucket's residual (users still open: `assign_users` picks them)."""
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
        # Jobs have no API-key split: give them to the fillers that have the model, then to job-only events.
        for model, totals in sorted(res.models.items()):
            count = totals[2]
            for e in made:
                if count <= 0:
                    break
                if e.model == model and e.job is None:
                    self.give_job(e)
                    count -= 1
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
