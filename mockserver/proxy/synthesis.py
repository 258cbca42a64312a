"""The solver of `mockserver import`: events whose served series give back captured `/v1/usages` bodies exactly.

Known events (the captured activity) get their hidden fields (discount, quality-gate verdict and CU, nsfw label);
everything else the series and consumption rows show is carried by invented filler events, placed only where no
captured activity listed every event. Pure: the same inputs give the same events.

Targets are solved finest buckets first; a coarser target's residual goes into its time that no finer window holds,
except its model points there when the finer windows had no model-usages: their fillers' CU is dealt again to models.
In each target: known discounts by two max-flows (rows to models in a bucket, or to the later windows' model points,
then cells to users over the window, within what every later window still allows each user);
each bucket's filler events planned row by row (an exact search over whole models, else flows, else best fit), in
groups of one (bucket, kind of user, row, model) whose CU may be split among its events; then the groups' CU poured
into users, and repaired (a discount max-flow, chains of part moves and swaps, an exhaustive re-deal for small
cases) until every user's window totals hold, bounded by what the later (coarser) windows still allow them.
`check` then recomputes every target from the events: whatever is not exact is a problem, never silently wrong.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS, USAGE_NAMES
from mockserver.generate.ids import make_id, stable_seed
from mockserver.world.aggregate import CU_DISCOUNT_ROW, CU_ROW, KIND_INDEX, ROW_INDEX, Bucket, bucket_of, cu_text
from mockserver.world.catalog import CATALOG, ActionInfo
from mockserver.world.clock import format_ms
from mockserver.world.timeline import Event

SERIES_TYPES = ("usages", "model-usages", "asset-usages", "nsfw-usages", "quality-gate-usages", "consumption")
_BILLING = (CU_ROW, CU_DISCOUNT_ROW)
_INF = 1 << 62
_ZERO = (0, 0, 0)
# Actions of the filler events that count in no usage row: CU alone, CU on a model, a job of a model, a created asset.
_ROWLESS = "oscu"
_ROWLESS_MODEL = "update-model"
_ROWLESS_JOB = "download-model"
_ROWLESS_ASSET = "asset"
_UPLOAD_ACTIONS = frozenset({"asset"})


@dataclass
class Target:
    """One captured /usages body, reduced to what the events must reproduce."""

    source: str  # the capture file, for messages
    start: int  # the window [start, end) in epoch ms, clipped to now + 1 (no events after now)
    end: int
    step: int  # buckets: `count` buckets of `step` ms from `first` (report.window_of)
    first: int
    count: int
    buckets: list[Bucket]  # the captured totals per bucket
    types: frozenset[str]  # the series the body has (SERIES_TYPES)
    consumption: dict[str, tuple[int, int, int]] | None  # user -> (value, discount, quality-gate) milli-CU


@dataclass
class Synthesis:
    """The events that reproduce the targets, and what could not be reproduced exactly."""

    events: list[Event]  # the known events (hidden fields assigned) followed by the filler events
    problems: list[str] = field(default_factory=list)


# -- parsing a body ---------------------------------------------------------------------------------------------


def _milli(value: Any) -> int:
    """A CU amount of a body (a JSON number or a decimal string) as integer milli-CU."""
    try:
        return int((Decimal(str(value)) * 1000).to_integral_value())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def target_from_body(
    source: str, body: dict[str, Any], start: int, end: int, step: int, first: int, count: int
) -> Target:
    """Parse a `/v1/usages` body back into per-bucket totals: the inverse of `build_report` for its series."""
    buckets = [Bucket(format_ms(first + i * step)) for i in range(count)]
    index = {b.time: i for i, b in enumerate(buckets)}
    types: set[str] = set()

    def points(series: str, rows: Iterable[dict[str, Any]], name: str) -> Iterable[tuple[Any, Bucket, dict[str, Any]]]:
        for row in rows:
            for point in row.get("points", ()):
                i = index.get(point.get("time"))
                if i is None:
                    raise ValueError(f"{series}[{row.get(name)!r}]: a point at {point.get('time')!r}, not a bucket")
                yield row.get(name), buckets[i], point

    if "usages" in body:
        types.add("usages")
        for name, bucket, p in points("usages", body["usages"], "usageName"):
            r = ROW_INDEX[name]
            if r in _BILLING:
                totals = [_milli(p["value"]), _milli(p["apiKey"]), 0, 0, 0, 0]
            else:
                totals = [int(p["value"]), int(p["apiKey"])]
                totals += [_milli(p[k]) for k in ("cost", "discount", "apiKeyCost", "apiKeyDiscount")]
            if any(totals):
                bucket.usage[r] = totals
    if "modelUsages" in body:
        types.add("model-usages")
        for model, bucket, p in points("modelUsages", body["modelUsages"], "modelId"):
            totals = [_milli(p["cost"]), _milli(p["discount"]), int(p["jobs"])]
            totals += [_milli(p["apiKeyCost"]), _milli(p["apiKeyDiscount"])]
            if any(totals):
                bucket.models[model] = totals
    for key, series, table, name in (
        ("assetUsages", "asset-usages", "assets", "kind"),
        ("nsfwUsages", "nsfw-usages", "nsfw", "label"),
        ("qualityGateUsages", "quality-gate-usages", "verdicts", "verdict"),
    ):
        if key not in body:
            continue
        types.add(series)
        for row, bucket, p in points(key, body[key], name):
            if p["count"] or p["countApiKey"]:
                if table == "assets":
                    row = KIND_INDEX[row]
                elif table == "verdicts":
                    row = QUALITY_GATE_VERDICTS.index(row)
                getattr(bucket, table)[row] = [int(p["count"]), int(p["countApiKey"])]
    consumption = None
    if "consumption" in body:
        types.add("consumption")
        consumption = {
            row["userId"]: (
                _milli(row["value"]),
                _milli(row["discount"]),
                _milli((row.get("costDetails") or {}).get("quality-gate", 0)),
            )
            for row in body["consumption"]
        }
    return Target(source, start, end, step, first, count, buckets, frozenset(types), consumption)


# -- intervals --------------------------------------------------------------------------------------------------


def _subtract(lo: int, hi: int, holes: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [lo, hi) outside every interval of `holes`."""
    parts = [(lo, hi)]
    for a, b in holes:
        parts = [piece for x, y in parts for piece in ((x, min(y, a)), (max(x, b), y)) if piece[0] < piece[1]]
    return parts


def _inside(t: int, intervals: Sequence[tuple[int, int]]) -> bool:
    return any(a <= t < b for a, b in intervals)


# -- residuals --------------------------------------------------------------------------------------------------


def _minus(want: dict[Any, list[int]], have: dict[Any, list[int]], width: int) -> dict[Any, list[int]]:
    zero = [0] * width
    out = {}
    for key in set(want) | set(have):
        diff = [a - b for a, b in zip(want.get(key, zero), have.get(key, zero), strict=True)]
        if any(diff):
            out[key] = diff
    return out


def _residual(want: Bucket, have: Bucket, types: frozenset[str]) -> Bucket:
    """What the events still have to add to `have` to make `want`, in the series of `types` (others: nothing)."""
    r = Bucket(want.time)
    if "usages" in types:
        r.usage = _minus(want.usage, have.usage, 6)
    if "model-usages" in types:
        r.models = _minus(want.models, have.models, 5)
    if "asset-usages" in types:
        r.assets = _minus(want.assets, have.assets, 2)
    if "nsfw-usages" in types:
        r.nsfw = _minus(want.nsfw, have.nsfw, 2)
    if "quality-gate-usages" in types:
        r.verdicts = _minus(want.verdicts, have.verdicts, 2)
    return r


def _part(totals: list[int] | None, i_all: int, i_api: int, api: bool) -> int:
    """The API-key part (`api`) or the people's part of a total whose API-key part is at `i_api`."""
    if totals is None:
        return 0
    return totals[i_api] if api else totals[i_all] - totals[i_api]


# -- filler actions ---------------------------------------------------------------------------------------------


def _row_actions() -> dict[str, ActionInfo]:
    """The action of the filler events of each usage row: the row's own action, else the first one mapping to it."""
    chosen: dict[str, ActionInfo] = {}
    for name in sorted(CATALOG):
        info = CATALOG[name]
        if info.usage_row is not None:
            chosen.setdefault(info.usage_row, info)
    for row in chosen:
        if row in CATALOG and CATALOG[row].usage_row == row:
            chosen[row] = CATALOG[row]
    return chosen


ROW_ACTIONS = _row_actions()
_USES_MODEL = {
    ROW_INDEX[row]: any(info.uses_model for info in CATALOG.values() if info.usage_row == row) for row in ROW_ACTIONS
}


class _Solver:
    """One run of `synthesize`: the events so far, the targets' order, the ids and times handed out."""

    def __init__(
        self,
        known: list[Event],
        people: list[str],
        api_users: list[str],
        nsfw_labels: list[str],
        covered: list[tuple[int, int]],
        projects: list[str],
        new_user: Callable[[bool], str],
        seed: int,
    ) -> None:
        self.known = known
        self.known_ids = {id(e) for e in known}
        self.fillers: list[Event] = []
        self.people = list(people)
        self.api_users = list(api_users)
        self.api_set = set(api_users)
        self.nsfw_labels = nsfw_labels
        self.covered = sorted(covered)
        self.projects = projects or ["proj_imported"]
        self.new_user = new_user
        self.seed = seed
        self.decided: set[int] = set()  # ids of the known events whose hidden fields are settled
        # Known uploads: an `asset` event creates its asset (an upload) or acts on an existing one; the activity
        # does not say which, the asset counts do.
        self.open_created = {id(e) for e in known if e.action in _UPLOAD_ACTIONS and e.asset and not e.created}
        self.times: set[int] = {e.t for e in known}
        self.problems: list[str] = []
        self.later: list[tuple[int, int, dict[str, list[int]]]] = []
        self.solved: list[tuple[int, int, frozenset[str]]] = []  # the windows solved so far, with their series
        self.solved_targets: list[Target] = []
        # The windows still to solve that have model-usages: (target, its buckets' models still missing).
        self.later_models: list[tuple[Target, list[dict[str, list[int]]]]] = []

    # -- helpers --------------------------------------------------------------------------------------------
    def is_api(self, user: str) -> bool:
        return user in self.api_set or user.startswith("apiu_")

    def default_user(self, api: bool) -> str:
        pool = self.api_users if api else self.people
        if not pool:
            user = self.new_user(api)
            pool.append(user)
            if api:
                self.api_set.add(user)
        return pool[0]

    def filler(self, action: str, api: bool, **fields: Any) -> Event:
        info = CATALOG[action]
        i = len(self.fillers)
        event = Event(
            t=0,
            seq=0,
            action=action,
            usage_row=info.usage_row,
            user="",
            api=api,
            project=self.projects[i % len(self.projects)],
            key=stable_seed(self.seed, "filler", i),
            **fields,
        )
        self.fillers.append(event)
        return event

    def give_job(self, event: Event) -> None:
        info = CATALOG[event.action]
        event.job = make_id("job_", self.seed, "filler", event.key)
        event.job_type = info.job_type or "custom"
        event.job_status = "success"

    def create_asset(self, event: Event, kind: str) -> None:
        info = CATALOG[event.action]
        event.asset = make_id("asset_", self.seed, "filler", event.key)
        event.asset_kind = kind
        same = info.asset_kind == kind
        event.asset_source = info.asset_source if same and info.asset_source else "uploaded"
        event.asset_type = info.asset_type if same and info.asset_type else "uploaded"
        event.created = True

    def place(self, events: list[Event], free: list[tuple[int, int]]) -> None:
        """Give `events` distinct times spread over the `free` intervals, none taken by another event."""
        total = sum(b - a for a, b in free)
        n = len(events)
        for i, event in enumerate(events):
            offset = (2 * i + 1) * total // (2 * n)
            a, b = free[-1]
            for a, b in free:  # the interval holding the offset is used after the loop
                if offset < b - a:
                    break
                offset -= b - a
            t = a + min(offset, b - a - 1)
            # Step over times already taken, wrapping inside the interval; a full interval keeps its last time.
            for _ in range(b - a):
                if t not in self.times:
                    break
                t = t + 1 if t + 1 < b else a
            self.times.add(t)
            event.t = t

    # -- the run --------------------------------------------------------------------------------------------
    def all_events(self) -> list[Event]:
        return sorted(self.known + self.fillers, key=lambda e: e.t)

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

    def window_need(self, target: Target, events: list[Event], times: list[int]) -> dict[str, list[int]]:
        """Per user, what a window still needs of (value, discount, quality gate); {} without consumption."""
        if target.consumption is None:
            return {}
        need = {u: list(v) for u, v in target.consumption.items()}
        for e in events[bisect_left(times, target.start) : bisect_left(times, target.end)]:
            row = need.setdefault(e.user, [0, 0, 0])
            row[0] -= e.cost
            row[1] -= e.discount
            row[2] -= e.qg_cost
        return need

    def models_need(self, target: Target, events: list[Event], times: list[int]) -> list[dict[str, list[int]]]:
        """Per bucket of a window, what its models still miss of the events so far."""
        out = []
        for i, want in enumerate(target.buckets):
            low = target.first + i * target.step
            lo, hi = max(low, target.start), min(low + target.step, target.end)
            inside = events[bisect_left(times, lo) : bisect_left(times, hi)] if lo < hi else []
            out.append(_minus(want.models, bucket_of(want.time, inside).models, 5))
        return out

    def later_model_cells(self, e: Event) -> Iterator[list[int] | None]:
        """The totals of `e`'s model in the buckets of the later model-usages windows that hold `e`."""
        for tg, need in self.later_models:
            if tg.start <= e.t < tg.end and e.model is not None:
                yield need[(e.t - tg.first) // tg.step].get(e.model)

    def later_model_key(self, e: Event) -> tuple[tuple[int, int], ...]:
        """The buckets of the later model-usages windows that hold `e`, as (window, bucket) indices."""
        return tuple(
            (k, (e.t - tg.first) // tg.step) for k, (tg, _) in enumerate(self.later_models) if tg.start <= e.t < tg.end
        )

    def later_model_room(self, e: Event) -> int:
        """The discount `e` may still take by the later windows' model-usages (its model's point there)."""
        return min((_part(cell, 1, 4, e.api) for cell in self.later_model_cells(e)), default=_INF)

    def room(self, t: int, user: str, dim: int, need: dict[str, list[int]]) -> int:
        """What `user` may still get of `dim` at time `t`: this window's need, bounded by the later windows'."""
        return min(need.get(user, _ZERO)[dim], self.later_room(t, user, dim))

    def later_room(self, t: int, user: str, dim: int) -> int:
        """What `user` may still get of `dim` at time `t` by the later windows that hold `t` alone."""
        room = _INF
        for lo, hi, later in self.later:
            if lo <= t < hi:
                room = min(room, later.get(user, _ZERO)[dim])
        return room

    def later_region(self, t: int) -> tuple[int, ...]:
        """The later windows that hold `t`, as indices into `self.later`."""
        return tuple(i for i, (lo, hi, _) in enumerate(self.later) if lo <= t < hi)

    def account(self, t: int, user: str, dim: int, amount: int) -> None:
        """Count `amount` of `dim` given to `user` at `t` in the later windows that hold `t`."""
        for lo, hi, later in self.later:
            if lo <= t < hi:
                later.setdefault(user, [0, 0, 0])[dim] -= amount

    def solve_target(self, target: Target, processed: list[tuple[int, int]]) -> None:
        events = self.all_events()
        times = [e.t for e in events]
        types = target.types
        holes = sorted(processed + self.covered)
        need = self.window_need(target, events, times)
        open_known: list[Event] = []  # known events this target settles
        groups: list[_Group] = []
        work = []
        for i, want in enumerate(target.buckets):
            low = target.first + i * target.step
            lo, hi = max(low, target.start), min(low + target.step, target.end)
            if lo >= hi:
                continue
            inside = events[bisect_left(times, lo) : bisect_left(times, hi)]
            res = _residual(want, bucket_of(want.time, inside), types)
            mine = [e for e in inside if id(e) not in self.decided and not _inside(e.t, processed)]
            open_known += mine
            if "model-usages" in types and res.models:
                self.settle_unheld_models(res, inside, lo, hi)
            work.append((i, res, mine, _subtract(lo, hi, holes)))
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
                made = self.fill_bucket(res, i, groups, types)
                self.place(made, free)
                for group in groups[before:]:
                    group.free = free
        self.assign_users(groups, need, types)
        self.place_quality_gate(target, need, open_known, processed, holes)
        self.decided.update(id(e) for e in open_known)

    def open_uploads(self, res: Bucket, events: Iterable[Event]) -> None:
        """Known upload events (`asset`) whose asset may be new or an existing one: created where counts ask."""
        for e in sorted(events, key=lambda e: e.t):
            if id(e) in self.open_created and not e.created and e.asset_kind in KIND_INDEX:
                counts = res.assets.get(KIND_INDEX[e.asset_kind])
                if _part(counts, 0, 1, e.api) > 0:
                    e.created = True
                    _take(counts, 1, 0, 1, e.api)
                    self.open_created.discard(id(e))

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
                or not _USES_MODEL.get(ROW_INDEX[e.usage_row], False)
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
            goals = {m: (_part(res.models[m], 0, 3, api), _part(res.models[m], 1, 4, api)) for m in models}
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
        free = _subtract(lo, hi, holes)
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
                e = self.filler(_ROWLESS_JOB, False, model=m)
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
            res = _residual(want, bucket_of(want.time, inside), extra_types)
            if not (res.assets or res.nsfw or res.verdicts):
                continue

            def held(t: int, series: str) -> bool:
                return any(a <= t < b and series in types for a, b, types in solved)

            holes = sorted(self.covered + [(a, b) for a, b, types in solved if types & extra_types])
            free = _subtract(lo, hi, holes)
            made: list[Event] = []
            self.open_uploads(res, (e for e in inside if not held(e.t, "asset-usages")))
            for api in (False, True):
                for k, counts in sorted(res.assets.items()):
                    for _ in range(max(_part(counts, 0, 1, api), 0)):
                        if free:
                            e = self.filler(_ROWLESS_ASSET, api)
                            e.user = self.default_user(api)
                            self.create_asset(e, ASSET_KINDS[k])
                            made.append(e)
                pool = [e for e in inside if e.api == api] + [e for e in made if e.api == api]
                for label, counts in sorted(res.nsfw.items()):
                    n = _part(counts, 0, 1, api)
                    for e in sorted(pool, key=lambda e: (not e.created, e.t)):
                        if n <= 0:
                            break
                        if e.nsfw is None and not held(e.t, "nsfw-usages"):
                            e.nsfw = label
                            n -= 1
                for v in (1, 2, 3):
                    n = _part(res.verdicts.get(v), 0, 1, api)
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

    # -- known events ---------------------------------------------------------------------------------------
    def settle_known(self, res: Bucket, mine: list[Event], need: dict[str, list[int]], types: frozenset[str]) -> None:
        """Give the bucket's known events discounts, nsfw labels and verdicts, as far as the residual asks."""
        constrained = "consumption" in types
        # Discounts go to charged events and refunds first (as the API gives them), then to any event.
        # What the CU discount row holds beyond the usage rows: all that events of no row may take.
        rowless = {
            api: _part(res.usage.get(CU_DISCOUNT_ROW), 0, 1, api)
            - sum(_part(t, 3, 5, api) for r, t in res.usage.items() if r not in _BILLING)
            for api in (False, True)
        }
        for e in sorted(mine, key=lambda e: (not (e.cost or e.action == "refunds"), e.t)):
            room = [self.user_room(need, e.user, 1, constrained), self.later_room(e.t, e.user, 1)]
            cu = res.usage.get(CU_DISCOUNT_ROW)
            room.append(_part(cu, 0, 1, e.api) if "usages" in types else _INF)
            row = res.usage.get(ROW_INDEX[e.usage_row]) if e.usage_row is not None else None
            if e.usage_row is not None and "usages" in types:
                room.append(_part(row, 3, 5, e.api))
            elif "usages" in types:
                room.append(rowless[e.api])
            model = res.models.get(e.model) if e.model is not None else None
            if e.model is not None and "model-usages" in types:
                room.append(_part(model, 1, 4, e.api))
            if "model-usages" not in types:
                room.append(self.later_model_room(e))
            amount = min(room)
            if amount <= 0:
                continue
            e.discount = amount
            _take(cu, amount, 0, 1, e.api)
            _take(row, amount, 3, 5, e.api)
            _take(model, amount, 1, 4, e.api)
            if e.usage_row is None:
                rowless[e.api] -= amount
            if e.user in need:
                need[e.user][1] -= amount
            self.account(e.t, e.user, 1, amount)
            for cell in self.later_model_cells(e):
                _take(cell, amount, 1, 4, e.api)
        self.open_uploads(res, mine)
        for e in sorted(mine, key=lambda e: (not e.created, e.t)):
            if e.nsfw is None:
                for label, counts in sorted(res.nsfw.items()):
                    if _part(counts, 0, 1, e.api) > 0:
                        e.nsfw = label
                        _take(counts, 1, 0, 1, e.api)
                        break
        verdict_events = sorted(mine, key=lambda e: (not (e.created and CATALOG[e.action].quality_gate), e.t))
        for e in verdict_events:
            if e.verdict is None:
                for v in (1, 2, 3):
                    found = res.verdicts.get(v)
                    if _part(found, 0, 1, e.api) > 0:
                        e.verdict = QUALITY_GATE_VERDICTS[v]
                        _take(found, 1, 0, 1, e.api)
                        _take(res.verdicts.get(0), 1, 0, 1, e.api)
                        break

    def settle_discounts(
        self,
        work: list[tuple[int, Bucket, list[Event], list[tuple[int, int]]]],
        need: dict[str, list[int]],
        types: frozenset[str],
        api: bool,
    ) -> None:
        """Give known events their discounts by two max-flows: in each bucket, the rows' discount to the models
        (cells of one row and one model); then over the window, the cells to their events' users, or to filler
        events where the bucket has room for them."""
        constrained = "consumption" in types
        # Without model-usages a cell's model is free: any model takes any of its row's discount.
        by_model = "model-usages" in types
        # Without model-usages here, a later window's model-usages still bound what each model's events may take.
        modeled = by_model or bool(self.later_models)
        spots: list[tuple[int, Bucket, int | None, str | None, dict[str, list[Event]], bool]] = []
        later_caps: dict[tuple[Any, ...], int] = {}
        flow = _Flow()
        for b, (_, res, mine, free) in enumerate(work):
            known = [e for e in mine if e.api == api]
            if not known:
                continue
            rows: dict[int | None, int] = {r: _part(t, 3, 5, api) for r, t in res.usage.items() if r not in _BILLING}
            rows[None] = _part(res.usage.get(CU_DISCOUNT_ROW), 0, 1, api) - sum(rows.values())
            models = {m: _part(t, 1, 4, api) for m, t in res.models.items()}
            if any(v < 0 for v in rows.values()) or any(v < 0 for v in models.values()):
                continue  # the known events already exceed the bucket: `check` reports it
            keys: dict[tuple[int | None, str | None], dict[str, list[Event]]] = {}
            for e in known:
                key = (ROW_INDEX[e.usage_row] if e.usage_row is not None else None, e.model if modeled else None)
                keys.setdefault(key, {}).setdefault(e.user, []).append(e)
            fillable = set()
            if free:
                for r in [None, *(r for r in rows if r is not None and _part(res.usage[r], 0, 1, api) > 0)]:
                    for m in [None, *models]:
                        fillable.add((r, m))
            for r, amount in rows.items():
                if amount > 0:
                    flow.add("S", ("row", b, r), amount)
            if by_model:
                for m, amount in models.items():
                    if amount > 0:
                        flow.add(("model", b, m), "T", amount)
                spare = sum(rows.values()) - sum(models.values())
                if spare > 0:
                    flow.add(("model", b, None), "T", spare)
            else:
                flow.add(("model", b, None), "T", _INF)
            for r, m in sorted(set(keys) | fillable, key=str):
                users = keys.get((r, m), {})
                flow.add(("row", b, r), ("cell", b, r, m), _INF)
                if by_model or m is None:
                    flow.add(("cell", b, r, m), ("model", b, m), _INF)
                else:
                    first = min((e for events in users.values() for e in events), key=lambda e: e.t)
                    cap = self.later_model_room(first)
                    sink = ("later", m, *self.later_model_key(first))
                    later_caps[sink] = cap
                    flow.add(("cell", b, r, m), sink, _INF)
                spots.append((b, res, r, m, users, (r, m) in fillable))
        for sink, cap in sorted(later_caps.items(), key=str):
            if cap > 0:
                flow.add(sink, "T", cap)
        flow.run("S", "T")
        cells: list[tuple[Bucket, int | None, str | None, int, dict[str, list[Event]], bool]] = []
        for b, res, r, m, users, fill in spots:
            amount = flow.flow(("row", b, r), ("cell", b, r, m))
            if amount > 0:
                cells.append((res, r, m, amount, users, fill))
        if not cells:
            return
        # A user's discount is bounded by this window's need and, in each region of time the later windows
        # cut, by the least they still allow there (exact when the regions share no later window).
        flow = _Flow()
        regions: dict[tuple[str, tuple[int, ...]], int] = {}
        for c, (_, _, _, amount, users, fill) in enumerate(cells):
            flow.add("S", c, amount)
            for user, events in users.items():
                for region in sorted({self.later_region(e.t) for e in events}):
                    # Without model-usages here, one event's model takes the discount: as the later windows let it.
                    fits = [self.later_model_room(e) for e in events if self.later_region(e.t) == region]
                    flow.add(c, ("region", user, region), _INF if by_model else max(max(fits), 0))
                    cap = min((self.later[i][2].get(user, _ZERO)[1] for i in region), default=_INF)
                    regions[user, region] = max(cap, 0)
            if fill:
                flow.add(c, "T", _INF)
        for (user, region), cap in regions.items():
            if cap:
                flow.add(("region", user, region), ("user", user), cap)
        for user in sorted({u for cell in cells for u in cell[4]}):
            room = max(need.get(user, [0, 0, 0])[1], 0) if constrained else _INF
            if room:
                flow.add(("user", user), "T", room)
        flow.run("S", "T")
        # Cells of buckets with no room for fillers first: where the later windows' caps clip, the others can
        # still leave the discount to fillers.
        for c, (res, r, m, _, users, _) in sorted(enumerate(cells), key=lambda item: item[1][5]):
            for user, events in sorted(users.items()):
                by_region: dict[tuple[int, ...], list[Event]] = {}
                for e in events:
                    by_region.setdefault(self.later_region(e.t), []).append(e)
                for region, held in sorted(by_region.items()):
                    amount = flow.flow(c, ("region", user, region))
                    if amount <= 0:
                        continue
                    # Without model-usages here, the event's model must still fit the later windows' model points.
                    e = max(
                        held,
                        key=lambda e: (
                            by_model or self.later_model_room(e) >= amount,
                            e.cost > 0 or e.action == "refunds",
                            -e.t,
                        ),
                    )
                    # Regions sharing a later window may together exceed it: the flow is clipped to what is left.
                    amount = min(amount, self.later_room(e.t, user, 1), _INF if by_model else self.later_model_room(e))
                    if amount > 0:
                        self.give_discount(e, amount, res, r, m, need)

    def give_discount(
        self, e: Event, amount: int, res: Bucket, r: int | None, m: str | None, need: dict[str, list[int]]
    ) -> None:
        """Add `amount` to a known event's discount, taken from its bucket's residual and its user's needs."""
        e.discount += amount
        _take(res.usage.get(CU_DISCOUNT_ROW), amount, 0, 1, e.api)
        if r is not None:
            _take(res.usage.get(r), amount, 3, 5, e.api)
        if m is not None:
            _take(res.models.get(m), amount, 1, 4, e.api)
        if e.user in need:
            need[e.user][1] -= amount
        self.account(e.t, e.user, 1, amount)
        for cell in self.later_model_cells(e):
            _take(cell, amount, 1, 4, e.api)

    def user_room(self, need: dict[str, list[int]], user: str, i: int, constrained: bool) -> int:
        if not constrained:
            return _INF
        return need.get(user, [0, 0, 0])[i]

    # -- filler events --------------------------------------------------------------------------------------
    def fill_bucket(self, res: Bucket, bucket: int, groups: list[_Group], types: frozenset[str]) -> list[Event]:
        """Invent the events of one bucket's residual (users still open: `assign_users` picks them)."""
        made: list[Event] = []
        rows = {api: _rows_of(res, api) for api in (False, True)}
        needs = {
            api: {m: [max(_part(t, 0, 3, api), 0), max(_part(t, 1, 4, api), 0)] for m, t in res.models.items()}
            for api in (False, True)
        }
        jobs = {m: max(t[2], 0) for m, t in res.models.items()}
        plans = {}
        for api in (False, True):
            plan = _allocate_exact(rows[api], needs[api], jobs)
            if plan is not None:
                plans[api] = plan
        if len(plans) < 2:
            rest = {api: rows[api] for api in (False, True) if api not in plans}
            plans |= _allocate_by_flow(rest, {api: needs[api] for api in rest}, jobs)
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
                e = self.filler(_ROWLESS_JOB, False, model=model)
                self.give_job(e)
                groups.append(_Group(bucket, False, [e], unlimited=True))
                made.append(e)
        for api in (False, True):
            made += self.mark_assets(res, bucket, api, [e for e in made if e.api == api], groups)
        return made

    def fill_class(
        self,
        res: Bucket,
        bucket: int,
        api: bool,
        groups: list[_Group],
        rows: list[tuple[int, int, int, int]],
        need: dict[str, list[int]],
        plan: list[list[tuple[str | None, int, int, int]]] | None,
    ) -> list[Event]:
        made: list[Event] = []
        cu_cost = _part(res.usage.get(CU_ROW), 0, 1, api) - sum(r[2] for r in rows)
        cu_disc = _part(res.usage.get(CU_DISCOUNT_ROW), 0, 1, api) - sum(r[3] for r in rows)
        if plan is None:  # no plan by flows: best fit, its parts dealt the row's fillers
            plan = [
                [(m, c, d, len(events)) for (m, c, d), events in zip(alloc, _share(list(range(n)), alloc), strict=True)]
                for (_, n, _, _), alloc in zip(rows, _allocate(rows, need), strict=True)
            ]
        for (r, _, _, _), parts in zip(rows, plan, strict=True):
            for m, c, d, k in parts:
                events = [self.filler(ROW_ACTIONS[USAGE_NAMES[r]].name, api, model=m) for _ in range(k)]
                made += events
                groups.append(_Group(bucket, api, events, carried=(c, d)))
        # What the models still need beyond the rows: model events of no row; then CU of no row and no model.
        for m in sorted(need):
            c, d = need[m]
            if c > 0 or d > 0:
                c, d = max(c, 0), max(d, 0)
                e = self.filler(_ROWLESS_MODEL, api, model=m, cost=c, discount=d)
                made.append(e)
                groups.append(_Group(bucket, api, [e], carried=(c, d), unlimited=True))
                cu_cost -= c
                cu_disc -= d
        if cu_cost > 0 or cu_disc > 0:
            c, d = max(cu_cost, 0), max(cu_disc, 0)
            e = self.filler(_ROWLESS, api, cost=c, discount=d)
            made.append(e)
            groups.append(_Group(bucket, api, [e], carried=(c, d), unlimited=True))
        return made

    def mark_assets(self, res: Bucket, bucket: int, api: bool, made: list[Event], groups: list[_Group]) -> list[Event]:
        """Created assets, nsfw labels and verdicts on the bucket's fillers, with more events where they run out."""
        extra: list[Event] = []
        for k, counts in sorted(res.assets.items()):
            kind = ASSET_KINDS[k]
            n = _part(counts, 0, 1, api)
            for e in sorted(made, key=lambda e: CATALOG[e.action].asset_kind != kind):
                if n <= 0:
                    break
                if not e.created and CATALOG[e.action].asset_kind in (kind, None):
                    self.create_asset(e, kind)
                    n -= 1
            for _ in range(max(n, 0)):
                e = self.filler(_ROWLESS_ASSET, api)
                self.create_asset(e, kind)
                extra.append(e)
        pool = made + extra
        for label, counts in sorted(res.nsfw.items()):
            n = _part(counts, 0, 1, api)
            for e in sorted(pool, key=lambda e: not e.created):
                if n <= 0:
                    break
                if e.nsfw is None:
                    e.nsfw = label
                    n -= 1
            for _ in range(max(n, 0)):
                e = self.filler(_ROWLESS, api, nsfw=label)
                extra.append(e)
                pool.append(e)
        for v in (1, 2, 3):
            n = _part(res.verdicts.get(v), 0, 1, api)
            for e in sorted(pool, key=lambda e: not (e.created and CATALOG[e.action].quality_gate)):
                if n <= 0:
                    break
                if e.verdict is None:
                    e.verdict = QUALITY_GATE_VERDICTS[v]
                    n -= 1
            for _ in range(max(n, 0)):
                e = self.filler(_ROWLESS, api, verdict=QUALITY_GATE_VERDICTS[v])
                extra.append(e)
                pool.append(e)
        if extra:
            groups.append(_Group(bucket, api, extra))
        return extra

    # -- users ----------------------------------------------------------------------------------------------
    def assign_users(self, groups: list[_Group], need: dict[str, list[int]], types: frozenset[str]) -> None:
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

    def rebalance_discounts(self, groups: list[_Group], need: dict[str, list[int]], api: bool) -> None:
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
        dealt: list[tuple[_Group, dict[str, list[int]]]] = []
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
        self, groups: list[_Group], allowed: dict[int, list[str]], users: list[str], goal: dict[str, int]
    ) -> list[tuple[_Group, dict[str, list[int]]]]:
        """The groups' (in `allowed`) parts with their discounts dealt by max-flow to `goal`; [] if not exact."""
        flow = _Flow()
        total = 0
        for i, who in allowed.items():
            amount = sum(part[1] for part in groups[i].parts.values())
            total += amount
            flow.add("S", i, amount)
            for u in who:
                flow.add(i, ("user", u), _INF)
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

    def pour(self, group: _Group, amount: list[int], need: dict[str, list[int]]) -> None:
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

    def repair(self, groups: list[_Group], dim: int, need: dict[str, list[int]], api: bool) -> None:
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
                        give = min(amount, part[dim], self.room(t, x, dim, {x: [_INF] * 3}))
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

    def exchange(self, groups: list[_Group], need: dict[str, list[int]], api: bool) -> None:
        """Hand whole parts from one user to another, or swap two users' parts, while that brings users closer to
        their totals (what `repair` cannot do: the parts of groups whose every filler has its user)."""

        def off(u: str, delta: Sequence[int] = (0, 0)) -> int:
            return abs(need[u][0] + delta[0]) + abs(need[u][1] + delta[1])

        for _ in range(4 * len(need) + 4):
            bad = sorted(u for u, v in need.items() if (v[0] or v[1]) and self.is_api(u) == api)
            if len(bad) < 2:
                return
            holdings: dict[str, list[tuple[_Group, list[int]]]] = {u: [] for u in bad}
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

    def augment(self, groups: list[_Group], need: dict[str, list[int]], api: bool) -> bool:
        """Pass one user's excess along a chain of part moves and swaps to a user short of it; False if none."""
        users = sorted(u for u in need if self.is_api(u) == api)
        holdings: dict[str, list[tuple[_Group, tuple[int, int]]]] = {u: [] for u in users}
        by_value: dict[tuple[int, int], list[tuple[_Group, str]]] = {}
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
        holdings: dict[str, list[tuple[_Group, tuple[int, int]]]],
        by_value: dict[tuple[int, int], list[tuple[_Group, str]]],
        users: list[str],
    ) -> list[tuple[_Group, str, str, tuple[int, int]]] | None:
        """A shortest chain of changes moving `excess` from `start` to one of the `short` users (depth <= 3)."""
        Change = tuple[_Group, str, str, tuple[int, int]]
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

    def later_ok_amounts(self, changes: list[tuple[_Group, str, str, tuple[int, int]]]) -> bool:
        """Whether these changes (group, giver, taker, amount) leave no later window's user with more than it has."""
        for lo, hi, later in self.later:
            delta: dict[str, list[int]] = {}
            for group, giver, taker, amount in changes:
                if lo <= group.events[0].t < hi:
                    for i in (0, 1):
                        delta.setdefault(taker, [0, 0])[i] += amount[i]
                        delta.setdefault(giver, [0, 0])[i] -= amount[i]
            for user, d in delta.items():
                have = later.get(user, _ZERO)
                if any(d[i] > 0 and have[i] - d[i] < 0 for i in (0, 1)):
                    return False
        return True

    def repack(self, groups: list[_Group], need: dict[str, list[int]], api: bool) -> None:
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

    def later_ok(self, changes: list[tuple[_Group, str, str]]) -> bool:
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
                have = later.get(user, _ZERO)
                if any(d[i] > 0 and have[i] - d[i] < 0 for i in (0, 1)):
                    return False
        return True

    @staticmethod
    def _best_exchange(
        bad: list[str],
        holdings: dict[str, list[tuple[_Group, list[int]]]],
        off: Callable[..., int],
        allowed: Callable[[list[tuple[_Group, str, str]]], bool],
    ) -> list[tuple[_Group, str, str]] | None:
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

    def spread(self, group: _Group) -> None:
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
        mine = [e for e in self.fillers if target.start <= e.t < target.end and not _inside(e.t, processed)]
        candidates = open_known + mine
        unbounded = {u: [_INF] * 3 for u in need}
        free = _subtract(target.start, target.end, holes)
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
                e = self.filler(_ROWLESS, self.is_api(user), qg_cost=gate)
                e.user = user
                self.place([e], roomy[:1])
                self.account(e.t, user, 2, gate)
                gate = 0
            elif theirs:
                theirs[0].qg_cost += gate  # more than a later window allows: `check` reports it
                gate = 0
            need[user][2] = gate

    # -- checking -------------------------------------------------------------------------------------------
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
            diff = _residual(want, got, target.types)
            if not any((diff.usage, diff.models, diff.assets, diff.nsfw, diff.verdicts)):
                continue
            why = (
                "the bucket has no uncovered time for filler events"
                if lo < hi and not _subtract(lo, hi, holes)
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


def _allocate(
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
            if free and not _USES_MODEL.get(r, True):
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


def _rows_of(res: Bucket, api: bool) -> list[tuple[int, int, int, int]]:
    """The usage rows a bucket's fillers of one kind (API key or not) must add: (row, count, cost, discount)."""
    rows = []
    for r in sorted(res.usage):
        n = _part(res.usage[r], 0, 1, api) if r not in _BILLING else 0
        if n > 0:
            totals = res.usage[r]
            rows.append((r, n, _part(totals, 2, 4, api), _part(totals, 3, 5, api)))
    return rows


def _allocate_exact(
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
        for picked, left in subsets(n, (cost, disc), 0, [], not _USES_MODEL.get(r, True)):
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


def _allocate_by_flow(
    rows: dict[bool, list[tuple[int, int, int, int]]],
    needs: dict[bool, dict[str, list[int]]],
    jobs: dict[str, int],
) -> dict[bool, list[list[tuple[str | None, int, int, int]]]]:
    """Plan a bucket's row fillers by flows: first how many of each row's fillers run a job of each model (the
    models' job counts, shared by both kinds of user), then each row's CU over those (row, model) cells and its
    model-less fillers. A kind whose CU flow falls short gets no plan (best fit then); `needs` is updated for
    the kinds planned."""
    count = _Flow()
    for api, kind in rows.items():
        for r, n, _, _ in kind:
            count.add("S", ("row", api, r), n)
    classes = {m: sum(1 for api in rows if any(needs[api][m])) for m in jobs}
    for m, j in jobs.items():
        count.add(("model", m), "T", max(j, classes[m]))

    def link(uses_model: bool) -> None:
        for api, kind in rows.items():
            for r, _, _, _ in kind:
                if _USES_MODEL.get(r, True) == uses_model:
                    for m in jobs:
                        if ("row", api, r) in count.index and (("row", api, r), ("cell", api, m)) not in count.edges:
                            count.add(("row", api, r), ("cell", api, m), _INF)

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
            count.add(("cell", api, m), ("model", m), _INF)
    count.run("S", "T")
    plans: dict[bool, list[list[tuple[str | None, int, int, int]]]] = {}
    for api, kind in rows.items():
        cells = {(r, m): count.flow(("row", api, r), ("cell", api, m)) for r, _, _, _ in kind for m in jobs}
        amounts = []
        for dim in (0, 1):
            flow = _Flow()
            for r, n, *amount in kind:
                if amount[dim] > 0:
                    flow.add("S", ("row", r), amount[dim])
                for m in jobs:
                    if cells[(r, m)] > 0:
                        flow.add(("row", r), ("model", m), _INF)
                if n > sum(cells[(r, m)] for m in jobs):
                    flow.add(("row", r), "none", _INF)
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


def _share(slots: list[Any], alloc: list[tuple[str | None, int, int]]) -> list[list[Any]]:
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


def _deal(
    items: list[tuple[_Group, tuple[int, int]]], users: list[str], goal: dict[str, list[int]], budget: int = 200_000
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


def _cu3(values: Sequence[int]) -> str:
    return "(" + ", ".join(cu_text(v) for v in values) + ")"


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
            flow = _Flow()
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


def _take(totals: list[int] | None, amount: int, i_all: int, i_api: int, api: bool) -> None:
    if totals is None:
        return
    totals[i_all] -= amount
    if api:
        totals[i_api] -= amount


class _Flow:
    """A max-flow network (Dinic) with integer capacities, its nodes any hashable values."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.adjacent: list[list[int]] = []
        self.to: list[int] = []
        self.cap: list[int] = []
        self.edges: dict[tuple[Any, Any], int] = {}

    def node(self, name: Any) -> int:
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.adjacent)
            self.adjacent.append([])
        return i

    def add(self, a: Any, b: Any, capacity: int) -> None:
        i, j = self.node(a), self.node(b)
        self.edges[(a, b)] = len(self.to)
        self.adjacent[i].append(len(self.to))
        self.to.append(j)
        self.cap.append(capacity)
        self.adjacent[j].append(len(self.to))
        self.to.append(i)
        self.cap.append(0)

    def flow(self, a: Any, b: Any) -> int:
        """The flow on the edge a -> b (0 if there is none)."""
        e = self.edges.get((a, b))
        return 0 if e is None else self.cap[e ^ 1]

    def run(self, source: Any, sink: Any) -> int:
        if source not in self.index or sink not in self.index:
            return 0
        s, t = self.index[source], self.index[sink]
        total = 0
        while True:
            level = [-1] * len(self.adjacent)
            level[s] = 0
            queue = [s]
            for i in queue:
                for e in self.adjacent[i]:
                    if self.cap[e] > 0 and level[self.to[e]] < 0:
                        level[self.to[e]] = level[i] + 1
                        queue.append(self.to[e])
            if level[t] < 0:
                return total
            pointer = [0] * len(self.adjacent)
            while True:
                pushed = self._push(s, t, _INF, level, pointer)
                if not pushed:
                    break
                total += pushed

    def _push(self, start: int, t: int, limit: int, level: list[int], pointer: list[int]) -> int:
        # Iterative DFS along the level graph: a path from `start` to `t`, then its bottleneck.
        path: list[int] = []
        i = start
        while True:
            if i == t:
                amount = min([limit, *(self.cap[e] for e in path)])
                for e in path:
                    self.cap[e] -= amount
                    self.cap[e ^ 1] += amount
                return amount
            edges = self.adjacent[i]
            while pointer[i] < len(edges):
                e = edges[pointer[i]]
                if self.cap[e] > 0 and level[self.to[e]] == level[i] + 1:
                    break
                pointer[i] += 1
            else:
                if not path:
                    return 0
                level[i] = -1  # a dead end: no path through it in this phase
                e = path.pop()
                i = self.to[e ^ 1]
                pointer[i] += 1
                continue
            path.append(e)
            i = self.to[e]


@dataclass
class _Group:
    """Filler events of one bucket that share what they count in (row, model, API key or not): their CU may be
    split among them in any way, one user each; `unlimited` groups (no usage row) may grow more events."""

    bucket: int
    api: bool
    events: list[Event]
    carried: tuple[int, int] = (0, 0)  # the CU charged and waived the group carries
    unlimited: bool = False
    parts: dict[str, list[int]] = field(default_factory=dict)  # user -> (charged, waived) of the group's CU
    free: list[tuple[int, int]] = field(default_factory=list)  # the bucket's time open to filler events


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
    seed: int = 0,
) -> Synthesis:
    """Return events whose bodies reproduce every target: `known` with hidden fields set, then filler events."""
    del models  # the targets name the models they need
    mine = [_plain(e) for e in known]
    solver = _Solver(mine, people, api_users, nsfw_labels, covered, projects, new_user, seed)
    solver.solve(targets)
    return Synthesis(mine + solver.fillers, solver.problems)
