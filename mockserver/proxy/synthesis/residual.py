"""What a bucket still misses: residual series totals, the people's or the API-key part of a total, and the time
intervals left open to filler events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockserver.world.aggregate import CU_DISCOUNT_ROW, CU_ROW, Bucket

BILLING = (CU_ROW, CU_DISCOUNT_ROW)
ZERO = (0, 0, 0)


# -- intervals --------------------------------------------------------------------------------------------------


def subtract(lo: int, hi: int, holes: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [lo, hi) outside every interval of `holes`."""
    parts = [(lo, hi)]
    for a, b in holes:
        parts = [piece for x, y in parts for piece in ((x, min(y, a)), (max(x, b), y)) if piece[0] < piece[1]]
    return parts


def within(t: int, intervals: Sequence[tuple[int, int]]) -> bool:
    return any(a <= t < b for a, b in intervals)


# -- residuals --------------------------------------------------------------------------------------------------


def minus(want: dict[Any, list[int]], have: dict[Any, list[int]], width: int) -> dict[Any, list[int]]:
    zero = [0] * width
    out = {}
    for key in set(want) | set(have):
        diff = [a - b for a, b in zip(want.get(key, zero), have.get(key, zero), strict=True)]
        if any(diff):
            out[key] = diff
    return out


def residual(want: Bucket, have: Bucket, types: frozenset[str]) -> Bucket:
    """What the events still have to add to `have` to make `want`, in the series of `types` (others: nothing)."""
    r = Bucket(want.time)
    if "usages" in types:
        r.usage = minus(want.usage, have.usage, 6)
    if "model-usages" in types:
        r.models = minus(want.models, have.models, 5)
    if "asset-usages" in types:
        r.assets = minus(want.assets, have.assets, 2)
    if "nsfw-usages" in types:
        r.nsfw = minus(want.nsfw, have.nsfw, 2)
    if "quality-gate-usages" in types:
        r.verdicts = minus(want.verdicts, have.verdicts, 2)
    return r


def part_of(totals: list[int] | None, i_all: int, i_api: int, api: bool) -> int:
    """The API-key part (`api`) or the people's part of a total whose API-key part is at `i_api`."""
    if totals is None:
        return 0
    return totals[i_api] if api else totals[i_all] - totals[i_api]


def take(totals: list[int] | None, amount: int, i_all: int, i_api: int, api: bool) -> None:
    if totals is None:
        return
    totals[i_all] -= amount
    if api:
        totals[i_api] -= amount
