"""The state of one run of the solver, shared by its steps: the events so far, the ids and times handed out, and
what the windows still to solve allow each user and model."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from mockserver.generate.ids import make_id, stable_seed
from mockserver.proxy.synthesis.actions import UPLOAD_ACTIONS
from mockserver.proxy.synthesis.flow import INF
from mockserver.proxy.synthesis.residual import ZERO, minus, part_of, take
from mockserver.proxy.synthesis.target import PageTarget, Target
from mockserver.world.aggregate import KIND_INDEX, Bucket, bucket_of
from mockserver.world.catalog import CATALOG
from mockserver.world.timeline import Event


class SolverState:
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
        self.open_created = {id(e) for e in known if e.action in UPLOAD_ACTIONS and e.asset and not e.created}
        self.times: set[int] = {e.t for e in known}
        self.problems: list[str] = []
        self.later: list[tuple[int, int, dict[str, list[int]]]] = []
        self.solved: list[tuple[int, int, frozenset[str]]] = []  # the windows solved so far, with their series
        self.solved_targets: list[Target] = []
        # The windows still to solve that have model-usages: (target, its buckets' models still missing).
        self.later_models: list[tuple[Target, list[dict[str, list[int]]]]] = []
        self.pages: list[PageTarget] = []  # the captured pages past the first: their offsets count events

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

    # -- the events so far, and what the windows still need ------------------------------------------------
    def all_events(self) -> list[Event]:
        return sorted(self.known + self.fillers, key=lambda e: e.t)

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
            out.append(minus(want.models, bucket_of(want.time, inside).models, 5))
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
        return min((part_of(cell, 1, 4, e.api) for cell in self.later_model_cells(e)), default=INF)

    def room(self, t: int, user: str, dim: int, need: dict[str, list[int]]) -> int:
        """What `user` may still get of `dim` at time `t`: this window's need, bounded by the later windows'."""
        return min(need.get(user, ZERO)[dim], self.later_room(t, user, dim))

    def later_room(self, t: int, user: str, dim: int) -> int:
        """What `user` may still get of `dim` at time `t` by the later windows that hold `t` alone."""
        room = INF
        for lo, hi, later in self.later:
            if lo <= t < hi:
                room = min(room, later.get(user, ZERO)[dim])
        return room

    def later_region(self, t: int) -> tuple[int, ...]:
        """The later windows that hold `t`, as indices into `self.later`."""
        return tuple(i for i, (lo, hi, _) in enumerate(self.later) if lo <= t < hi)

    def account(self, t: int, user: str, dim: int, amount: int) -> None:
        """Count `amount` of `dim` given to `user` at `t` in the later windows that hold `t`."""
        for lo, hi, later in self.later:
            if lo <= t < hi:
                later.setdefault(user, [0, 0, 0])[dim] -= amount

    def open_uploads(self, res: Bucket, events: Iterable[Event]) -> None:
        """Known upload events (`asset`) whose asset may be new or an existing one: created where counts ask."""
        for e in sorted(events, key=lambda e: e.t):
            if id(e) in self.open_created and not e.created and e.asset_kind in KIND_INDEX:
                counts = res.assets.get(KIND_INDEX[e.asset_kind])
                if part_of(counts, 0, 1, e.api) > 0:
                    e.created = True
                    take(counts, 1, 0, 1, e.api)
                    self.open_created.discard(id(e))
