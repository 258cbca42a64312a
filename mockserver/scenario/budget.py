"""The budget of a world and of one response: every size limit of a scenario, in one table (README "Limits").

A world is checked against it when its scenario is loaded (`check_budget`, so `validate` and `serve` refuse the
same files); a response's points are counted before it is rendered (`mockserver.world.report`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockserver.contract.enums import ASSET_KINDS, QUALITY_GATE_VERDICTS, USAGE_NAMES
from mockserver.contract.query import MAX_RANGE_MS

if TYPE_CHECKING:  # the models take their bounds from here
    from mockserver.scenario.model import GeneratorSpec, Scenario

# --- a file (the loader stops reading past these) ----------------------------------------------------------------
MAX_BYTES = 5 * 1024 * 1024
MAX_WRITTEN = 500_000  # values written in the file (checked while parsing: an imported world can be large)
MAX_NODES = 600_000  # values produced once aliases are expanded ("billion laughs" stops here)
MAX_DEPTH = 64  # nesting levels, with or without aliases (a recursive alias stops here too)
MAX_TEXT = 5 * 1024 * 1024  # characters of all values together once aliases are expanded

# --- values -------------------------------------------------------------------------------------------------------
MAX_RELATIVE_DAYS = 36_525  # relative times reach at most a century from the clock (every instant: 1970..9999)
MAX_GENERATOR_DAYS = 3650  # how far back a generator's activity may start
MAX_SPIKE_FACTOR = 100
MAX_COST_SCALE = 1_000_000
MAX_ITERATIONS = 1000  # of a for-each flow node

# --- the world budget (measured: the worst world it admits renders its longest window in about 10 s CPU) -------
# Generated events in one UTC day, over every generator: perWorkingDay x max(1, weekendFactor) x its largest spike.
MAX_EVENTS_PER_DAY = 25_000
# Generated events a single request can make the world generate: those of the longest window (120 days).
MAX_EVENTS_PER_WINDOW = 650_000
MAX_GENERATORS = 100  # each one is drawn from every hour
MAX_PEOPLE = 10_000
MAX_API_KEYS = 1_000
MAX_PROJECTS = 1_000
MAX_MODELS = 1_000  # one modelUsages row each
MAX_COLLECTIONS = 1_000
MAX_NSFW_LABELS = 1_000  # one nsfwUsages row each
MAX_ASSETS = 100_000  # the counts of `assets` summed
MAX_JOBS = 10_000
MAX_EXPLICIT_EVENTS = 10_000  # activity.events
MAX_RECORDED_EVENTS = 100_000  # recorded.events (an imported world: its captured and filler events)

# --- one response -----------------------------------------------------------------------------------------------
# Points summed over every series row (dense: zero points included). The real gateway refuses bodies over 6 MB
# (about 60,000 points: heavy-usage's 7-day body); a point serialises to 60-160 bytes.
MAX_RESPONSE_POINTS = 500_000
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
LONGEST_WINDOW_MS = MAX_RANGE_MS  # the longest window a request can ask for (a 120-day custom range)

# Rows a response has whatever the world: one per usage name, asset kind and quality-gate verdict.
FIXED_ROWS = {
    "usages": len(USAGE_NAMES),
    "asset-usages": len(ASSET_KINDS),
    "quality-gate-usages": len(QUALITY_GATE_VERDICTS),
}

_DAY = 86_400_000
HOURLY_PEAK_SHARE = 12 / 143  # the busiest hour's share of a day (max of world.timeline.HOURLY_PROFILE; a test checks)
# The entity limits by field: (limit, noun).
ENTITY_LIMITS: dict[str, tuple[int, str]] = {
    "projects": (MAX_PROJECTS, "projects"),
    "people": (MAX_PEOPLE, "people"),
    "apiKeys": (MAX_API_KEYS, "API keys"),
    "models": (MAX_MODELS, "models"),
    "collections": (MAX_COLLECTIONS, "collections"),
    "nsfwLabels": (MAX_NSFW_LABELS, "NSFW labels"),
    "jobs": (MAX_JOBS, "jobs"),
    "activity.events": (MAX_EXPLICIT_EVENTS, "explicit events"),
    "recorded.events": (MAX_RECORDED_EVENTS, "recorded events"),
    "activity.generators": (MAX_GENERATORS, "generators"),
}
MAX_EVENTS_PER_HOUR = math.ceil(MAX_EVENTS_PER_DAY * HOURLY_PEAK_SHARE)  # implied by the daily limit (documented)


def series_rows(models: int, labels: int, types: Collection[str] | None = None) -> int:
    """The series rows of a response with these types (None: every type) in a world of `models` and `labels`."""
    rows = dict(FIXED_ROWS, **{"model-usages": models, "nsfw-usages": labels})
    return sum(count for name, count in rows.items() if types is None or name in types)


def most_buckets(length: int, step: int) -> int:
    """The most buckets of `step` ms a window of `length` ms can overlap (its start one ms after a boundary)."""
    return (length - 2) // step + 2 if length >= 2 else 1


def points_over(points: int) -> str | None:
    """Why a response of `points` points is refused, or None when it fits."""
    if points <= MAX_RESPONSE_POINTS:
        return None
    return f"over the limit of {MAX_RESPONSE_POINTS} points per response"


@dataclass(frozen=True)
class _Peak:
    """A generator's busiest day (an upper bound) and what makes it so."""

    per_day: float
    why: str


def _peak(generator: GeneratorSpec) -> _Peak:
    factors = []
    weekend = max(1.0, generator.weekend_factor)
    if weekend > 1:
        factors.append(f"x {_number(weekend)} on weekends")
    spike = max((spike.factor for spike in generator.spikes), default=1.0)
    if spike > 1:
        factors.append(f"x {_number(spike)} on a spike day")
    else:
        spike = 1.0
    return _Peak(generator.per_working_day * weekend * spike, ", ".join(factors))


def _window_events(generator: GeneratorSpec) -> float:
    """At most how many events of a generator lie in one window of the longest length a request can ask for."""
    days = min(math.ceil(generator.days) + 1, LONGEST_WINDOW_MS // _DAY + 1)  # + 1: a window straddles days
    weeks, rest = divmod(days, 7)
    per_day, weekend = generator.per_working_day, generator.weekend_factor
    # The most working days a run of `days` days can hold (the most weekend days when those are busier).
    most_weekend = 2 * weeks + min(rest, 2)
    working = 5 * weeks + min(rest, 5) if weekend <= 1 else days - most_weekend
    base = per_day * (working + (days - working) * weekend)
    # A spike multiplies one day (the last one given for a day wins); count each as if on the busiest day.
    spiked = {spike.day: spike.factor for spike in generator.spikes}
    extra = sum(per_day * max(1.0, weekend) * (factor - 1) for factor in spiked.values() if factor > 1)
    return base + extra


def _number(value: float) -> str:
    """A number as a message shows it: whole when it is, short when it is huge (or beyond a float)."""
    if not math.isfinite(value):
        return "over 1e308"
    if abs(value) >= 1e15:
        return f"{value:.3g}"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _rounded(value: float) -> str:
    return _number(round(value) if abs(value) < 1e15 else value)


def _count(value: Sequence[object] | int) -> int:
    return value if isinstance(value, int) else len(value)


def check_budget(scenario: Scenario, granularity: Sequence[tuple[int, str, int]] | None) -> list[tuple[str, str]]:
    """The problems of a scenario over the world budget, as (field path, message) pairs.

    `granularity` is the world's table as (longest window ms, name, bucket ms), None when it is not valid.
    """
    problems: list[tuple[str, str]] = []
    values = {
        "projects": scenario.projects,
        "people": scenario.people,
        "apiKeys": scenario.api_keys,
        "models": scenario.models,
        "collections": scenario.collections,
        "nsfwLabels": scenario.nsfw_labels,
        "jobs": scenario.jobs,
        "activity.events": scenario.activity.events,
        "activity.generators": scenario.activity.generators,
    }
    for field, value in values.items():
        limit, noun = ENTITY_LIMITS[field]
        count = _count(value)
        if count > limit:
            written = "" if isinstance(value, int) else " listed"
            problems.append((field, f"{count} {noun}{written} is over the limit of {limit} {noun} per world"))
    assets = sum(asset.count for asset in scenario.assets)
    if assets > MAX_ASSETS:
        problems.append(("assets", f"{assets} assets (the counts summed) is over the limit of {MAX_ASSETS} per world"))
    problems += _check_events(scenario.activity.generators)
    rows_known = not any(field in ("models", "nsfwLabels") for field, _ in problems)
    if granularity is not None and rows_known:
        problems += _check_granularity(scenario, granularity)
    return problems


def _check_events(generators: Sequence[GeneratorSpec]) -> list[tuple[str, str]]:
    problems = []
    limit = f"the limit of {MAX_EVENTS_PER_DAY} events per day"
    peaks = [_peak(generator) for generator in generators]
    for g, (generator, peak) in enumerate(zip(generators, peaks, strict=True)):
        if peak.per_day > MAX_EVENTS_PER_DAY:
            found = f"{_number(generator.per_working_day)} events per working day"
            if peak.why:
                found += f" ({peak.why}: up to {_rounded(peak.per_day)} in a day)"
            problems.append((f"activity.generators[{g}].perWorkingDay", f"{found} is over {limit}"))
    total = sum(peak.per_day for peak in peaks)
    if not problems and total > MAX_EVENTS_PER_DAY:
        problems.append(
            (
                "activity.generators",
                f"the generators together make up to {_rounded(total)} events in a day (weekend factors and "
                f"spikes included), over {limit}",
            )
        )
    window = sum(_window_events(generator) for generator in generators)
    if not problems and window > MAX_EVENTS_PER_WINDOW:
        field = "activity.generators" if len(generators) > 1 else "activity.generators[0].days"
        days = LONGEST_WINDOW_MS // _DAY
        problems.append(
            (
                field,
                f"up to {_rounded(window)} generated events in a {days}-day window (the longest a request can "
                f"ask for) is over the limit of {MAX_EVENTS_PER_WINDOW}; lower perWorkingDay or days",
            )
        )
    return problems


def _check_granularity(scenario: Scenario, table: Sequence[tuple[int, str, int]]) -> list[tuple[str, str]]:
    """Each step's longest window (the last step's: every window up to the longest) must fit one response."""
    problems = []
    rows = series_rows(_count(scenario.models), len(scenario.nsfw_labels))
    written = scenario.settings.granularity is not None
    shortest = 0
    for i, (longest, name, step) in enumerate(table):
        last = i == len(table) - 1
        length = LONGEST_WINDOW_MS if last else min(longest, LONGEST_WINDOW_MS)
        if length > shortest:
            buckets = most_buckets(length, step)
            over = points_over(buckets * rows)
            if over:
                field = f"settings.granularity[{i}]" if written else "models"
                problems.append(
                    (
                        field,
                        f"windows of up to {_duration(length)} at {name} have up to {buckets} points in each of "
                        f"the world's {rows} series rows: {buckets * rows} points is {over}"
                        + ("; use a coarser granularity for long windows" if written else ""),
                    )
                )
                if not written:
                    break  # one line is enough: the rows are what to reduce
        shortest = max(shortest, longest)
    return problems


def _duration(ms: int) -> str:
    for unit, size in (("d", _DAY), ("h", 3_600_000), ("m", 60_000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"
