"""The team's plan and billing periods: the limits of each plan, the period holding an instant, one-shot purchases.

Pure data built from the scenario's `billing` block; what was consumed comes from the events (`world.team`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.scenario.model import BillingSpec
from mockserver.world.clock import DAY, civil_from_days, floor_to, format_ms, parse_duration, resolve_time

DEFAULT_PLAN = "cu-team"
DEFAULT_ONE_SHOT_LIFE = "365d"

# What every plan allows, before the figures that set plans apart (`PLANS`); ours: the real tables are not public.
_BASE_LIMITS: dict[str, float] = {
    "canvasAssetLayers": 50,
    "canvasAssets": 100,
    "downloadAssets": 100,
    "downloadModel": 10,
    "inferenceBatchSize": 8,
    "maxCooldown": 60,
    "maxTrainingDatasets": 10,
    "minCooldown": 5,
    "OTPSessions": 5,
    "parallelCustomJobs": 2,
    "parallelInferences": 4,
    "parallelTraining": 1,
    "parallelWorkflowRuns": 2,
    "premiumGenerationSamples": 100,
    "scalingFactor": 1,
    "snapshotsRetention": 30,
    "upload": 1000,
}
# Per plan: creativeUnits, seats (also defaultSeats), apiKeys, projects, collections, models, and a scale of the
# parallel limits.
_PLAN_TABLE: dict[str, tuple[float, float, float, float, float, float, float]] = {
    "free": (100, 1, 1, 1, 5, 5, 1),
    "essential": (500, 1, 2, 2, 20, 10, 1),
    "cu-basic": (1_000, 1, 2, 3, 20, 10, 1),
    "cu-creator": (3_000, 1, 5, 5, 50, 25, 1),
    "pro": (5_000, 3, 10, 10, 100, 50, 2),
    "cu-pro": (7_500, 3, 10, 10, 100, 50, 2),
    "cu-pro-q3-25": (7_500, 3, 10, 10, 100, 50, 2),
    "premium": (15_000, 5, 20, 20, 200, 100, 2),
    "cu-max": (30_000, 5, 25, 25, 250, 100, 3),
    "cu-team": (50_000, 10, 50, 50, 500, 200, 4),
    "cu-team-v2": (75_000, 15, 50, 50, 500, 200, 4),
    "enterprise": (250_000, 50, 200, 200, 2_000, 1_000, 8),
}
PLANS: tuple[str, ...] = tuple(_PLAN_TABLE)


@dataclass(frozen=True, slots=True)
class OneShot:
    """A purchase of Compute Units, valid from `created_at` until `expiration` (epoch ms)."""

    amount: float
    created_at: int
    expiration: int
    remaining: float | None  # None: the amount, less the period's use beyond the plan (see `one_shot_view`)


@dataclass(frozen=True, slots=True)
class Billing:
    """The plan, its Compute Units per period, the day periods start, purchases and the default member cap."""

    plan: str = DEFAULT_PLAN
    creative_units: float = _PLAN_TABLE[DEFAULT_PLAN][0]
    start_day: int = 1  # 1: calendar months
    one_shot: tuple[OneShot, ...] = ()
    default_max_consumption: float | None = None

    def period_at(self, now: int) -> tuple[int, int]:
        """The billing period `[start, end)` holding `now`: from `start_day` 00:00 UTC to that day a month later."""
        year, month, day = civil_from_days(floor_to(now, DAY) // DAY)
        if day < self.start_day:
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        start = _utc(year, month, self.start_day)
        end = _utc(year + (month == 12), month % 12 + 1, self.start_day)
        return start, end

    def limits(self, counts: Mapping[str, float]) -> dict[str, float]:
        """The plan's `limits`, each counted limit at least what the team has (`counts`: apiKeys, seats, ...)."""
        _, seats, api_keys, projects, collections, models, scale = _PLAN_TABLE[self.plan]
        limits = dict(_BASE_LIMITS)
        for name in ("parallelCustomJobs", "parallelInferences", "parallelTraining", "parallelWorkflowRuns"):
            limits[name] = _BASE_LIMITS[name] * scale
        limits |= {
            "creativeUnits": number(self.creative_units),
            "defaultSeats": seats,
            "seats": max(seats, counts.get("seats", 0)),
            "apiKeys": max(api_keys, counts.get("apiKeys", 0)),
            "projects": max(projects, counts.get("projects", 0)),
            "collections": max(collections, counts.get("collections", 0)),
            "models": models,
        }
        return dict(sorted(limits.items()))

    def one_shot_at(self, now: int, charged: float) -> list[dict[str, Any]]:
        """The purchases bought by `now` and not yet expired, soonest expiration first, with what remains.

        A purchase without a set `remaining` pays for the period's use beyond the plan (`charged` over
        `creative_units`), the soonest to expire first.
        """
        live = sorted(
            (p for p in self.one_shot if p.created_at <= now < p.expiration), key=lambda p: (p.expiration, p.created_at)
        )
        over = max(0.0, charged - self.creative_units)
        rows = []
        for purchase in live:
            remaining = purchase.remaining
            used = purchase.created_at
            if remaining is None:
                drawn = min(purchase.amount, over)
                over -= drawn
                remaining = purchase.amount - drawn
                if drawn:
                    used = now
            rows.append(
                {
                    "amount": number(purchase.amount),
                    "createdAt": format_ms(purchase.created_at),
                    "expiration": format_ms(purchase.expiration),
                    "remaining": number(round(remaining, 3)),
                    "updatedAt": format_ms(used),
                }
            )
        return rows


def number(value: float) -> int | float:
    """A scenario's number as the API shows it: an integer when whole (YAML `2500` is parsed as 2500.0)."""
    return int(value) if float(value).is_integer() else value


def build_billing(spec: BillingSpec, anchor: int) -> Billing:
    """The billing of a scenario's `billing` block (relative times count from `anchor`)."""
    purchases = []
    for item in spec.one_shot:
        bought = resolve_time(item.at, anchor)
        if item.expiration is not None:
            expiration = resolve_time(item.expiration, anchor)
        else:
            expiration = bought + parse_duration(item.expires_in or DEFAULT_ONE_SHOT_LIFE)
        purchases.append(OneShot(item.amount, bought, expiration, item.remaining))
    return Billing(
        plan=spec.plan,
        creative_units=spec.creative_units if spec.creative_units is not None else _PLAN_TABLE[spec.plan][0],
        start_day=spec.start_day or 1,
        one_shot=tuple(purchases),
        default_max_consumption=spec.default_max_consumption,
    )


def _utc(year: int, month: int, day: int) -> int:
    """Epoch ms of `year-month-day` 00:00 UTC (Howard Hinnant's days-from-civil)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - 719468) * DAY
