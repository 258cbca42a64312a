"""The solver of `mockserver import`: the mock's own worlds, rendered and solved back, must come out exact."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from mockserver.contract.query import UsageQuery, parse_date
from mockserver.proxy.synthesis import SERIES_TYPES, Synthesis, Target, synthesize, target_from_body
from mockserver.world.aggregate import CU_ROW, ROW_INDEX, Bucket, bucket_of
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import DAY, floor_to, format_ms
from mockserver.world.report import buckets_for, build_report, consumption_rows, window_of
from mockserver.world.timeline import Event
from mockserver.world.world import World
from mockserver.worlds import build_world_from_file

NOW = 1_796_049_432_345  # 2026-11-30T14:37:12.345Z, off a minute boundary (as tests/conftest.py)
SCENARIOS = Path(__file__).parents[2] / "scenarios"
TYPES = frozenset(SERIES_TYPES)


def _queries(now: int = NOW) -> list[UsageQuery]:
    """Overlapping windows at four granularities: last hour (1m), day (15m), seven days (1h), 30 days (1d)."""
    return [
        UsageQuery(time_range="last-hour", types=TYPES),
        UsageQuery(time_range="last-day", types=TYPES),
        UsageQuery(time_range="last-seven-days", types=TYPES),
        # Dates only, as a dashboard asks: a 30-day window holding the seven days, into tomorrow.
        UsageQuery(start=floor_to(now, DAY) - 29 * DAY, end=floor_to(now, DAY) + DAY, types=TYPES),
    ]


def _plain(e: Event) -> Event:
    """A copy of an event as a capture shows it: hidden fields cleared."""
    fields = {name: getattr(e, name) for name in Event.__dataclass_fields__}
    fields.update(discount=0, qg_cost=0, nsfw=None, verdict=None)
    return Event(**fields)


def _captured(
    world: World, now: int = NOW, queries: list[UsageQuery] | None = None
) -> tuple[list[Target], list[Event], list[tuple[int, int]], dict[str, object]]:
    targets = []
    for i, query in enumerate(_queries(now) if queries is None else queries):
        start, end, _, step, first, count = window_of(world, query, now)
        body = orjson.loads(orjson.dumps(build_report(world, query, now)))
        targets.append(target_from_body(f"capture-{i}.json", body, start, min(end, now + 1), step, first, count))
    week = list(world.events(now - 7 * DAY, now))
    known = [_plain(e) for e in week[-200:]]
    covered = [(known[0].t, now + 1)] if known else []
    names: dict[str, object] = {
        "people": [p.id for p in world.people],
        "api_users": [k.user_id for k in world.keys],
        "models": [m.id for m in world.models],
        "nsfw_labels": list(world.nsfw_labels),
        "projects": [p.id for p in world.projects],
    }
    return targets, known, covered, names


def _no_new_user(api: bool) -> str:
    raise AssertionError(f"new_user({api}) called although the world has users of that kind")


def _solve(
    world: World,
    new_user: Callable[[bool], str] = _no_new_user,
    now: int = NOW,
    queries: list[UsageQuery] | None = None,
) -> tuple[list[Target], Synthesis, float]:
    targets, known, covered, names = _captured(world, now, queries)
    began = time.perf_counter()
    result = synthesize(targets, known, covered=covered, new_user=new_user, seed=world.seed, **names)  # type: ignore[arg-type]
    return targets, result, time.perf_counter() - began


def _reproduced(target: Target, events: list[Event]) -> tuple[list[Bucket], list[dict[str, object]]]:
    buckets = []
    for i in range(target.count):
        low = target.first + i * target.step
        lo, hi = max(low, target.start), min(low + target.step, target.end)
        buckets.append(bucket_of(format_ms(low), (e for e in events if lo <= e.t < hi)))
    return buckets, consumption_rows(buckets)


def _series(bucket: Bucket, types: frozenset[str] = TYPES) -> tuple[object, ...]:
    """A bucket's points in the series of `types` (the others empty, as a body without them)."""
    kept = zip(SERIES_TYPES, (bucket.usage, bucket.models, bucket.assets, bucket.nsfw, bucket.verdicts), strict=False)
    return (bucket.time, *(points if name in types else {} for name, points in kept))


def _assert_exact(
    world: World, targets: list[Target], result: Synthesis, now: int = NOW, queries: list[UsageQuery] | None = None
) -> None:
    assert result.problems == []
    for query, target in zip(_queries(now) if queries is None else queries, targets, strict=True):
        truth = buckets_for(world, query, target.first, target.step, target.count, target.start, target.end)
        types = target.types
        assert [_series(b, types) for b in target.buckets] == [_series(b, types) for b in truth], "target_from_body"
        buckets, consumption = _reproduced(target, result.events)
        assert [_series(b, types) for b in buckets] == [_series(b, types) for b in target.buckets], target.source
        body = orjson.loads(orjson.dumps(build_report(world, query, now)))
        assert orjson.loads(orjson.dumps(consumption)) == body["consumption"], target.source


def _assert_well_formed(world: World, result: Synthesis, known: list[Event], covered: list[tuple[int, int]]) -> None:
    """Filler events lie outside the covered time, at distinct instants, and are events the mock could serve."""
    fillers = result.events[len(known) :]
    assert [(e.t, e.action, e.user) for e in result.events[: len(known)]] == [(e.t, e.action, e.user) for e in known]
    times = [e.t for e in result.events]
    assert len(set(times)) == len(times)
    api_users = {k.user_id for k in world.keys}
    people = {p.id for p in world.people}
    for e in fillers:
        assert not any(lo <= e.t < hi for lo, hi in covered), e
        assert e.usage_row == CATALOG[e.action].usage_row, e
        assert (e.user in api_users) if e.api else (e.user in people), e
        assert (e.job is None) == (e.job_type is None), e
        assert e.cost >= 0 and e.discount >= 0 and e.qg_cost >= 0, e
        assert e.asset is not None if e.created else True, e


@pytest.mark.parametrize("name", ["default", "workflow-jobs", "edge-cases", "revoked-keys", "empty-team"])
def test_a_world_rendered_and_solved_back_gives_the_same_series(name: str) -> None:
    world = build_world_from_file(SCENARIOS / f"{name}.yaml", now=NOW)
    targets, result, _ = _solve(world)
    _assert_exact(world, targets, result)
    _, known, covered, _ = _captured(world)
    _assert_well_formed(world, result, known, covered)


@pytest.mark.slow
def test_a_heavy_world_rendered_and_solved_back_gives_the_same_series() -> None:
    world = build_world_from_file(SCENARIOS / "heavy-usage.yaml", now=NOW)
    targets, result, _ = _solve(world)
    _assert_exact(world, targets, result)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default", "workflow-jobs", "edge-cases", "revoked-keys"])
@pytest.mark.parametrize("hours", [37, 74, 111, 148, 185])
def test_other_instants_solve_back_exactly_too(name: str, hours: int) -> None:
    now = NOW - hours * 3_600_000 - hours * 3_337
    world = build_world_from_file(SCENARIOS / f"{name}.yaml", now=now)
    targets, result, _ = _solve(world, now=now)
    _assert_exact(world, targets, result, now)


def test_a_custom_window_over_the_week_caps_the_discounts_the_week_deals() -> None:
    """The week (hourly) is solved first; the discount it gives a user where the custom window (daily, 11-01 to
    11-27) also lies must fit that user's row there, or the custom window gets it dealt to the wrong users."""
    world = build_world_from_file(SCENARIOS / "workflow-jobs.yaml", now=NOW)
    queries = [
        UsageQuery(time_range="last-seven-days", types=TYPES),
        UsageQuery(
            start=parse_date("2026-11-01", is_end=False), end=parse_date("2026-11-27", is_end=True), types=TYPES
        ),
    ]
    targets, result, _ = _solve(world, queries=queries)
    _assert_exact(world, targets, result, queries=queries)


@pytest.mark.parametrize("name", ["default", "workflow-jobs", "edge-cases", "revoked-keys"])
def test_a_window_without_model_usages_leaves_the_models_to_the_window_that_has_them(name: str) -> None:
    """A month (daily, every series) and a week without model-usages (hourly, solved first): the week's fillers and
    known discounts must still fit the month's model points, and the month must not add CU where the week holds."""
    world = build_world_from_file(SCENARIOS / f"{name}.yaml", now=NOW)
    queries = [
        UsageQuery(time_range="last-thirty-one-days", types=TYPES),
        UsageQuery(time_range="last-seven-days", types=frozenset({"consumption", "usages"})),
    ]
    targets, _, _, names = _captured(world, queries=queries)
    known = [_plain(e) for e in list(world.events(NOW - 31 * DAY, NOW))[-100:]]  # one page of activity
    covered = [(known[0].t, NOW + 1)]
    result = synthesize(targets, known, covered=covered, new_user=_no_new_user, seed=world.seed, **names)  # type: ignore[arg-type]
    _assert_exact(world, targets, result, queries=queries)
    _assert_well_formed(world, result, known, covered)


def test_the_same_inputs_give_the_same_events() -> None:
    world = build_world_from_file(SCENARIOS / "default.yaml", now=NOW)
    _, first, _ = _solve(world)
    _, second, _ = _solve(build_world_from_file(SCENARIOS / "default.yaml", now=NOW))
    assert first.events == second.events


def test_a_count_no_event_can_explain_is_a_problem_naming_capture_row_and_bucket() -> None:
    """A fully covered bucket of the last hour gets one more upscale than its known events have."""
    world = build_world_from_file(SCENARIOS / "default.yaml", now=NOW)
    targets, known, covered, names = _captured(world)
    hour = targets[0]
    bucket = hour.buckets[-2]  # a whole minute, inside the covered time
    row = bucket.usage.setdefault(ROW_INDEX["upscale"], [0, 0, 0, 0, 0, 0])
    row[0] += 1
    result = synthesize(targets, known, covered=covered, new_user=_no_new_user, seed=world.seed, **names)  # type: ignore[arg-type]
    assert result.problems == [
        f"capture-0.json: usages['upscale'] at {bucket.time}: captured minus reproduced is [1, 0, 0, 0, 0, 0] "
        "(the bucket has no uncovered time for filler events)"
    ]
    assert len(result.events) > len(known)


def test_an_api_key_share_with_no_api_key_user_asks_for_one() -> None:
    asked: list[bool] = []

    def new_user(api: bool) -> str:
        asked.append(api)
        return "apiu_new" if api else "person_new"

    step = 3_600_000
    bucket = Bucket(format_ms(0))
    bucket.usage[ROW_INDEX["upscale"]] = [1, 1, 2000, 0, 2000, 0]
    bucket.usage[CU_ROW] = [2000, 2000, 0, 0, 0, 0]
    target = Target("c.json", 0, step, step, 0, 1, [bucket], frozenset({"usages"}), None)
    result = synthesize(
        [target],
        [],
        people=["p1"],
        api_users=[],
        models=[],
        nsfw_labels=[],
        covered=[],
        projects=["proj"],
        new_user=new_user,
    )
    assert result.problems == []
    assert asked == [True]
    [event] = result.events
    assert (event.action, event.user, event.api, event.cost) == ("upscale", "apiu_new", True, 2000)
