"""The solver's step for the known events (the captured activity): their discounts, nsfw labels and verdicts, as far
as each bucket's residual and the users' window totals ask."""

from __future__ import annotations

from typing import Any

from mockserver.contract.enums import QUALITY_GATE_VERDICTS
from mockserver.proxy.synthesis.flow import INF, Flow
from mockserver.proxy.synthesis.residual import BILLING, ZERO, part_of, take
from mockserver.proxy.synthesis.state import SolverState
from mockserver.world.aggregate import CU_DISCOUNT_ROW, ROW_INDEX, Bucket
from mockserver.world.catalog import CATALOG
from mockserver.world.timeline import Event


class KnownEvents(SolverState):
    """Settle the hidden fields of the known events."""

    def settle_known(self, res: Bucket, mine: list[Event], need: dict[str, list[int]], types: frozenset[str]) -> None:
        """Give the bucket's known events discounts, nsfw labels and verdicts, as far as the residual asks."""
        constrained = "consumption" in types
        # Discounts go to charged events and refunds first (as the API gives them), then to any event.
        # What the CU discount row holds beyond the usage rows: all that events of no row may take.
        rowless = {
            api: part_of(res.usage.get(CU_DISCOUNT_ROW), 0, 1, api)
            - sum(part_of(t, 3, 5, api) for r, t in res.usage.items() if r not in BILLING)
            for api in (False, True)
        }
        for e in sorted(mine, key=lambda e: (not (e.cost or e.action == "refunds"), e.t)):
            room = [self.user_room(need, e.user, 1, constrained), self.later_room(e.t, e.user, 1)]
            cu = res.usage.get(CU_DISCOUNT_ROW)
            room.append(part_of(cu, 0, 1, e.api) if "usages" in types else INF)
            row = res.usage.get(ROW_INDEX[e.usage_row]) if e.usage_row is not None else None
            if e.usage_row is not None and "usages" in types:
                room.append(part_of(row, 3, 5, e.api))
            elif "usages" in types:
                room.append(rowless[e.api])
            model = res.models.get(e.model) if e.model is not None else None
            if e.model is not None and "model-usages" in types:
                room.append(part_of(model, 1, 4, e.api))
            if "model-usages" not in types:
                room.append(self.later_model_room(e))
            amount = min(room)
            if amount <= 0 or amount >= INF:  # nothing captured shows a discount here (an activity-only body)
                continue
            e.discount = amount
            take(cu, amount, 0, 1, e.api)
            take(row, amount, 3, 5, e.api)
            take(model, amount, 1, 4, e.api)
            if e.usage_row is None:
                rowless[e.api] -= amount
            if e.user in need:
                need[e.user][1] -= amount
            self.account(e.t, e.user, 1, amount)
            for cell in self.later_model_cells(e):
                take(cell, amount, 1, 4, e.api)
        self.open_uploads(res, mine)
        for e in sorted(mine, key=lambda e: (not e.created, e.t)):
            if e.nsfw is None:
                for label, counts in sorted(res.nsfw.items()):
                    if part_of(counts, 0, 1, e.api) > 0:
                        e.nsfw = label
                        take(counts, 1, 0, 1, e.api)
                        break
        verdict_events = sorted(mine, key=lambda e: (not (e.created and CATALOG[e.action].quality_gate), e.t))
        for e in verdict_events:
            if e.verdict is None:
                for v in (1, 2, 3):
                    found = res.verdicts.get(v)
                    if part_of(found, 0, 1, e.api) > 0:
                        e.verdict = QUALITY_GATE_VERDICTS[v]
                        take(found, 1, 0, 1, e.api)
                        take(res.verdicts.get(0), 1, 0, 1, e.api)
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
        flow = Flow()
        for b, (_, res, mine, free) in enumerate(work):
            known = [e for e in mine if e.api == api]
            if not known:
                continue
            rows: dict[int | None, int] = {r: part_of(t, 3, 5, api) for r, t in res.usage.items() if r not in BILLING}
            rows[None] = part_of(res.usage.get(CU_DISCOUNT_ROW), 0, 1, api) - sum(rows.values())
            models = {m: part_of(t, 1, 4, api) for m, t in res.models.items()}
            if any(v < 0 for v in rows.values()) or any(v < 0 for v in models.values()):
                continue  # the known events already exceed the bucket: `check` reports it
            keys: dict[tuple[int | None, str | None], dict[str, list[Event]]] = {}
            for e in known:
                key = (ROW_INDEX[e.usage_row] if e.usage_row is not None else None, e.model if modeled else None)
                keys.setdefault(key, {}).setdefault(e.user, []).append(e)
            fillable = set()
            if free:
                for r in [None, *(r for r in rows if r is not None and part_of(res.usage[r], 0, 1, api) > 0)]:
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
                flow.add(("model", b, None), "T", INF)
            for r, m in sorted(set(keys) | fillable, key=str):
                users = keys.get((r, m), {})
                flow.add(("row", b, r), ("cell", b, r, m), INF)
                if by_model or m is None:
                    flow.add(("cell", b, r, m), ("model", b, m), INF)
                else:
                    first = min((e for events in users.values() for e in events), key=lambda e: e.t)
                    cap = self.later_model_room(first)
                    sink = ("later", m, *self.later_model_key(first))
                    later_caps[sink] = cap
                    flow.add(("cell", b, r, m), sink, INF)
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
        flow = Flow()
        regions: dict[tuple[str, tuple[int, ...]], int] = {}
        for c, (_, _, _, amount, users, fill) in enumerate(cells):
            flow.add("S", c, amount)
            for user, events in users.items():
                for region in sorted({self.later_region(e.t) for e in events}):
                    # Without model-usages here, one event's model takes the discount: as the later windows let it.
                    fits = [self.later_model_room(e) for e in events if self.later_region(e.t) == region]
                    flow.add(c, ("region", user, region), INF if by_model else max(max(fits), 0))
                    cap = min((self.later[i][2].get(user, ZERO)[1] for i in region), default=INF)
                    regions[user, region] = max(cap, 0)
            if fill:
                flow.add(c, "T", INF)
        for (user, region), cap in regions.items():
            if cap:
                flow.add(("region", user, region), ("user", user), cap)
        for user in sorted({u for cell in cells for u in cell[4]}):
            room = max(need.get(user, [0, 0, 0])[1], 0) if constrained else INF
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
                    amount = min(amount, self.later_room(e.t, user, 1), INF if by_model else self.later_model_room(e))
                    if amount > 0:
                        self.give_discount(e, amount, res, r, m, need)

    def give_discount(
        self, e: Event, amount: int, res: Bucket, r: int | None, m: str | None, need: dict[str, list[int]]
    ) -> None:
        """Add `amount` to a known event's discount, taken from its bucket's residual and its user's needs."""
        e.discount += amount
        take(res.usage.get(CU_DISCOUNT_ROW), amount, 0, 1, e.api)
        if r is not None:
            take(res.usage.get(r), amount, 3, 5, e.api)
        if m is not None:
            take(res.models.get(m), amount, 1, 4, e.api)
        if e.user in need:
            need[e.user][1] -= amount
        self.account(e.t, e.user, 1, amount)
        for cell in self.later_model_cells(e):
            take(cell, amount, 1, 4, e.api)

    def user_room(self, need: dict[str, list[int]], user: str, i: int, constrained: bool) -> int:
        if not constrained:
            return INF
        return need.get(user, [0, 0, 0])[i]
