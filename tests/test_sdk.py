"""The official SDK (`scenario_sdk`) against the real server: strict and loose validation, sync, async over httpx
and async over aiohttp. Every response must parse, with the granularity and point counts of API-FACTS."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from scenario_sdk import AsyncScenario, DefaultAioHttpClient, Scenario
from scenario_sdk.types import UsageListResponse

from tests.conftest import BASIC, NOW, LiveServer

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY

TIME_RANGES = {
    "last-hour": HOUR,
    "last-day": DAY,
    "last-three-days": 3 * DAY,
    "last-seven-days": 7 * DAY,
    "last-thirty-one-days": 31 * DAY,
}
TYPES = ["usages", "activity", "consumption", "model-usages", "asset-usages", "nsfw-usages", "quality-gate-usages"]
# The response attribute (SDK name) each `type` fills.
TYPE_ATTRIBUTES = {
    "usages": "usages",
    "activity": "activity",
    "consumption": "consumption",
    "model-usages": "api_model_usages",
    "asset-usages": "asset_usages",
    "nsfw-usages": "nsfw_usages",
    "quality-gate-usages": "quality_gate_usages",
}
SERIES_ATTRIBUTES = ("usages", "api_model_usages", "asset_usages", "nsfw_usages", "quality_gate_usages")
# API-FACTS "Decisions for the mock": (longest window, granularity, bucket).
GRANULARITY_TABLE = (
    (HOUR, "1m", MINUTE),
    (6 * HOUR, "5m", 5 * MINUTE),
    (DAY, "15m", 15 * MINUTE),
    (2 * DAY, "30m", 30 * MINUTE),
    (7 * DAY, "1h", HOUR),
    (62 * DAY, "1d", DAY),
)
TIME_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
NUMBER_TEXT = re.compile(r"^\d+(\.\d+)?$")
PROJECTS = ("proj_northwindCharacters01", "proj_northwindEnvironments1", "proj_northwindMarketing0001")
UNKNOWN_USER, UNKNOWN_PROJECT, UNKNOWN_TEAM = "user_doesNotExist0000000", "proj_doesNotExist00000000", "team_unknown"


# -- expectations computed from the rules, independently of the server -------------------------------------------
def to_dt(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def to_ms(dt: datetime) -> int:
    return (dt - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def iso(ms: int) -> str:
    return to_dt(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def granularity_of(length: int) -> tuple[str, int]:
    for longest, name, step in GRANULARITY_TABLE:
        if length <= longest:
            return name, step
    return "7d", WEEK


def bucket_start(ms: int, step: int) -> int:
    if step == WEEK:  # weekly buckets start on Mondays 00:00 UTC
        dt = to_dt(ms)
        monday = (dt - timedelta(days=dt.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        return to_ms(monday)
    return ms - ms % step


def expected_times(start: int, end: int) -> tuple[str, list[str]]:
    """Granularity and bucket times of the dense series of the window `[start, end)`."""
    name, step = granularity_of(end - start)
    t = bucket_start(start, step)
    times = []
    while t < end:
        times.append(iso(t))
        t += step
    return name, times


def window_of(params: dict[str, Any]) -> tuple[int, int]:
    if "start_date" in params:
        return parse_bound(params["start_date"], end=False), parse_bound(params["end_date"], end=True)
    return NOW - TIME_RANGES[params.get("time_range", "last-seven-days")], NOW


def parse_bound(text: str, *, end: bool) -> int:
    if len(text) == 10:  # date only: the start of the day, or of the next day for an end
        return to_ms(datetime.fromisoformat(text).replace(tzinfo=UTC) + timedelta(days=1 if end else 0))
    return to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))


def custom(length: int, *, end: int = NOW) -> dict[str, str]:
    return {"start_date": iso(end - length), "end_date": iso(end)}


# -- the cases -------------------------------------------------------------------------------------------------------
# `{person}`, `{other}` and `{key_user}` stand for ids read from the live world (see the `ids` fixture).
CASES = [
    pytest.param({}, id="no-parameters"),
    *(pytest.param({"time_range": r}, id=f"time-range-{r}") for r in TIME_RANGES),
    *(pytest.param({"type": [t], "time_range": "last-day"}, id=f"type-{t}") for t in TYPES),
    pytest.param({"type": list(TYPES)}, id="type-all-together"),
    pytest.param({"type": ["usages", "consumption"], "time_range": "last-hour"}, id="type-usages-consumption"),
    pytest.param(custom(HOUR), id="custom-1h"),
    pytest.param(custom(6 * HOUR), id="custom-6h"),
    pytest.param(custom(DAY), id="custom-1d"),
    pytest.param(custom(2 * DAY), id="custom-2d"),
    pytest.param(custom(7 * DAY), id="custom-7d"),
    pytest.param(custom(30 * DAY), id="custom-30d"),
    pytest.param(custom(62 * DAY), id="custom-62d"),
    pytest.param(custom(63 * DAY), id="custom-63d"),
    pytest.param(custom(120 * DAY), id="custom-120d"),
    pytest.param(
        {"start_date": "2026-11-30T13:00:00.000Z", "end_date": "2026-11-30T14:00:00.000Z"}, id="custom-1h-aligned"
    ),
    pytest.param(
        {"start_date": "2026-11-29T14:00:00+02:00", "end_date": "2026-11-30T12:00:00+02:00"}, id="custom-22h-offset"
    ),
    pytest.param(
        {"start_date": "2026-11-30T12:00:00.000Z", "end_date": "2026-12-01T12:00:00.000Z"}, id="custom-into-the-future"
    ),
    pytest.param({"start_date": "2026-08-02", "end_date": "2026-11-29"}, id="custom-date-only-120d"),
    pytest.param({"start_date": "2026-11-29", "end_date": "2026-11-29"}, id="custom-date-only-one-day"),
    pytest.param({"drop_zero_points": True, "time_range": "last-day"}, id="drop-zero-points-true"),
    pytest.param({"drop_zero_points": False, "time_range": "last-day"}, id="drop-zero-points-false"),
    pytest.param({"activity_offset": 0, "type": ["activity", "consumption"]}, id="offset-0"),
    pytest.param({"activity_offset": 100, "type": ["activity", "consumption"]}, id="offset-100"),
    pytest.param({"activity_offset": 250, "type": ["activity", "consumption"]}, id="offset-250"),
    pytest.param({"activity_offset": 100.0, "time_range": "last-three-days"}, id="offset-100.0"),
    pytest.param({"user_id": "{person}", "time_range": "last-day"}, id="user-id-person"),
    pytest.param({"user_id": "{key_user}", "time_range": "last-thirty-one-days"}, id="user-id-api-key"),
    pytest.param({"user_ids": "{person},{other}", "time_range": "last-day"}, id="user-ids-two"),
    pytest.param(
        {"user_id": "{person}", "user_ids": "{person},{other}", "time_range": "last-day"}, id="user-id-and-user-ids"
    ),
    pytest.param({"user_ids": UNKNOWN_USER, "time_range": "last-day"}, id="user-ids-unknown"),
    pytest.param({"project_ids": PROJECTS[0], "time_range": "last-day"}, id="project-ids-one"),
    pytest.param({"project_ids": ",".join(PROJECTS[1:]), "time_range": "last-day"}, id="project-ids-two"),
    pytest.param({"project_ids": UNKNOWN_PROJECT, "time_range": "last-day"}, id="project-ids-unknown"),
    pytest.param({"team_id": UNKNOWN_TEAM, "time_range": "last-day"}, id="team-id-unknown"),
    pytest.param(
        {
            "user_id": "{person}",
            "project_ids": PROJECTS[0],
            "type": ["activity", "consumption"],
            "time_range": "last-thirty-one-days",
            "drop_zero_points": True,
        },
        id="filters-combined",
    ),
]
# Async, aiohttp and loose validation share the SDK's parser: a representative subset is enough for them.
SUBSET = {
    "no-parameters",
    "time-range-last-hour",
    "time-range-last-thirty-one-days",
    "type-activity",
    "type-all-together",
    "custom-1h",
    "custom-63d",
    "custom-date-only-120d",
    "drop-zero-points-true",
    "offset-100",
    "user-ids-two",
    "project-ids-one",
    "team-id-unknown",
}
SUBSET_CASES = [case for case in CASES if case.id in SUBSET]


@pytest.fixture(scope="module")
def ids(live_server: LiveServer) -> dict[str, str]:
    """Real user ids of the world: its two busiest people and the CI bot's API-key user."""
    with httpx.Client(base_url=live_server.base_url, headers=BASIC, timeout=30) as http:
        body = http.get("/usages", params={"timeRange": "last-thirty-one-days", "type": "consumption"}).json()
    users = {u["id"]: u for u in body["entities"]["users"]}
    people = [row["userId"] for row in body["consumption"] if not users[row["userId"]]["isApiKey"]]
    key_user = next(u["id"] for u in users.values() if u.get("apiKeyId") == "api_ciRenderBot00000000001")
    return {"person": people[0], "other": people[1], "key_user": key_user}


def resolve(params: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    return {k: v.format(**ids) if isinstance(v, str) else v for k, v in params.items()}


@pytest.fixture(scope="module")
def sdk(live_server: LiveServer) -> Iterator[Scenario]:
    with Scenario(
        base_url=live_server.base_url, api_key="k", api_secret="s", max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


@pytest.fixture(scope="module")
def loose_sdk(live_server: LiveServer) -> Iterator[Scenario]:
    with Scenario(base_url=live_server.base_url, api_key="k", api_secret="s", max_retries=0) as client:
        yield client


# -- checks ----------------------------------------------------------------------------------------------------------
# The numeric fields of the points of each series (SDK names).
POINT_FIELDS = {
    "usages": ("value", "api_key", "cost", "discount", "api_key_cost", "api_key_discount"),
    "api_model_usages": ("cost", "discount", "jobs", "api_key_cost", "api_key_discount"),
    "asset_usages": ("count", "count_api_key"),
    "nsfw_usages": ("count", "count_api_key"),
    "quality_gate_usages": ("count", "count_api_key"),
}


def numbers(point: Any, attribute: str) -> list[float]:
    """The numeric fields of a series point (the strings of `usages` points read as numbers)."""
    values = (getattr(point, f) for f in POINT_FIELDS[attribute])
    return [float(v) for v in values if v is not None]


def summarize(response: UsageListResponse) -> dict[str, Any]:
    """What a check needs from a parsed response, read through the SDK's attributes."""
    summary: dict[str, Any] = {
        "present": sorted(t for t, a in TYPE_ATTRIBUTES.items() if getattr(response, a) is not None)
    }
    for attribute in SERIES_ATTRIBUTES:
        rows = getattr(response, attribute)
        if rows is not None:
            summary[attribute] = [[(p.time, numbers(p, attribute)) for p in row.points] for row in rows]
    if response.usages is not None:
        summary["granularity"] = sorted({row.granularity for row in response.usages})
        summary["usage_names"] = [row.usage_name for row in response.usages]
    if response.activity is not None:
        summary["activity"] = [(a.time, a.user_id, a.project_id, a.action) for a in response.activity]
    if response.consumption is not None:
        summary["consumption"] = [(c.user_id, c.value, c.discount, c.total) for c in response.consumption]
    entities = response.entities
    assert entities is not None, "entities missing from a 200 response"
    summary["entities"] = {
        name: sorted(e.id for e in getattr(entities, name))
        for name in ("assets", "collections", "jobs", "models", "users")
    }
    return summary


def check_response(response: UsageListResponse, params: dict[str, Any]) -> dict[str, Any]:
    """Check what the SDK parsed against the query's rules; return the summary for comparisons."""
    assert isinstance(response, UsageListResponse)
    summary = summarize(response)
    asked = [t for t in params.get("type", TYPES) if t in TYPES] or TYPES
    assert summary["present"] == sorted(asked), f"types present {summary['present']} for type={asked}"
    for name in ("assets", "collections", "jobs", "models", "users"):
        assert isinstance(getattr(response.entities, name), list), f"entities.{name} missing"

    start, end = window_of(params)
    granularity, times = expected_times(start, end)
    drop = bool(params.get("drop_zero_points"))
    if response.usages is not None:
        assert summary["granularity"] == [granularity], f"window {iso(start)}..{iso(end)}"
        assert len(summary["usage_names"]) == 22 and len(set(summary["usage_names"])) == 22
        for row in response.usages:
            for p in row.points:
                assert isinstance(p.value, str) and NUMBER_TEXT.match(p.value), p
                assert isinstance(p.api_key, str) and NUMBER_TEXT.match(p.api_key), p
    expected_rows = {"api_model_usages": 10, "asset_usages": 8, "nsfw_usages": 4, "quality_gate_usages": 4}
    for attribute in SERIES_ATTRIBUTES:
        if attribute not in summary:
            continue
        rows = summary[attribute]
        if attribute in expected_rows:
            assert len(rows) == expected_rows[attribute], f"{attribute}: {len(rows)} rows"
        for points in rows:
            point_times = [t for t, _ in points]
            assert all(TIME_FORMAT.match(t) for t in point_times)
            if drop:
                assert set(point_times) <= set(times) and point_times == sorted(point_times)
                assert all(any(v != 0 for v in values) for _, values in points), f"{attribute}: zero point kept"
            else:
                assert point_times == times, f"{attribute}: {len(point_times)} points, expected {len(times)}"
    if response.activity is not None:
        assert len(response.activity) <= 100
        activity_times = [a.time for a in response.activity]
        assert activity_times == sorted(activity_times, reverse=True), "activity is not newest first"
        assert all(iso(start) <= t < iso(end) for t in activity_times)

    users = set(filter(None, (params.get("user_id"), *(params.get("user_ids") or "").split(","))))
    if params.get("user_id") and params.get("user_ids"):
        users = {params["user_id"]} & set(params["user_ids"].split(","))
    if users:
        assert {a[1] for a in summary.get("activity", [])} <= users
        assert {c[0] for c in summary.get("consumption", [])} <= users
    if params.get("project_ids"):
        assert {a[2] for a in summary.get("activity", [])} <= set(params["project_ids"].split(","))
    if (
        params.get("team_id") == UNKNOWN_TEAM
        or params.get("user_ids") == UNKNOWN_USER
        or (params.get("project_ids") == UNKNOWN_PROJECT)
    ):  # selects nothing: every row zero-filled
        assert summary.get("activity", []) == [] and summary.get("consumption", []) == []
        for attribute in SERIES_ATTRIBUTES:
            for points in summary.get(attribute, []):
                assert all(v == 0 for _, values in points for v in values)
    return summary


# -- sync, strict: the full matrix -----------------------------------------------------------------------------------
@pytest.mark.parametrize("params", CASES)
def test_sync_strict_parses(sdk: Scenario, ids: dict[str, str], params: dict[str, Any]) -> None:
    params = resolve(params, ids)
    check_response(sdk.usages.list(**params), params)


@pytest.mark.parametrize("params", SUBSET_CASES)
def test_sync_loose_parses_like_strict(
    sdk: Scenario, loose_sdk: Scenario, ids: dict[str, str], params: dict[str, Any]
) -> None:
    params = resolve(params, ids)
    loose = check_response(loose_sdk.usages.list(**params), params)
    assert loose == summarize(sdk.usages.list(**params))


@pytest.mark.parametrize(
    ("time_range", "granularity", "count"),
    [
        pytest.param("last-hour", "1m", 61, id="last-hour"),
        pytest.param("last-day", "15m", 97, id="last-day"),
        pytest.param("last-three-days", "1h", 73, id="last-three-days"),
        pytest.param("last-seven-days", "1h", 169, id="last-seven-days"),
        pytest.param("last-thirty-one-days", "1d", 32, id="last-thirty-one-days"),
    ],
)
def test_time_range_granularity_and_point_count(sdk: Scenario, time_range: Any, granularity: str, count: int) -> None:
    response = sdk.usages.list(time_range=time_range, type=["usages", "model-usages", "quality-gate-usages"])
    assert response.usages is not None and response.api_model_usages is not None
    assert {row.granularity for row in response.usages} == {granularity}
    assert {len(row.points) for row in response.usages} == {count}
    assert {len(row.points) for row in response.api_model_usages} == {count}
    assert response.usages[0].points[-1].time == iso(NOW - NOW % granularity_of(TIME_RANGES[time_range])[1])


@pytest.mark.parametrize(
    ("params", "granularity", "count"),
    [
        pytest.param(custom(HOUR), "1m", 61, id="1h"),
        pytest.param(custom(6 * HOUR), "5m", 73, id="6h"),
        pytest.param(custom(DAY), "15m", 97, id="1d"),
        pytest.param(custom(2 * DAY), "30m", 97, id="2d"),
        pytest.param(custom(7 * DAY), "1h", 169, id="7d"),
        pytest.param(custom(30 * DAY), "1d", 31, id="30d"),
        pytest.param(custom(62 * DAY), "1d", 63, id="62d"),
        pytest.param(custom(63 * DAY), "7d", 10, id="63d"),
        pytest.param(custom(120 * DAY), "7d", 19, id="120d"),
        pytest.param({"start_date": "2026-08-02", "end_date": "2026-11-29"}, "7d", 18, id="date-only-120d"),
        pytest.param(
            {"start_date": "2026-11-30T13:00:00.000Z", "end_date": "2026-11-30T14:00:00.000Z"},
            "1m",
            60,
            id="1h-aligned",
        ),
    ],
)
def test_custom_range_granularity_and_point_count(
    sdk: Scenario, params: dict[str, str], granularity: str, count: int
) -> None:
    response = sdk.usages.list(**params, type=["usages", "asset-usages"])
    assert response.usages is not None and response.asset_usages is not None
    assert {row.granularity for row in response.usages} == {granularity}
    assert {len(row.points) for row in response.usages + response.asset_usages} == {count}  # type: ignore[operator]
    if granularity == "7d":
        assert all(to_dt(parse_bound(p.time, end=False)).weekday() == 0 for p in response.usages[0].points)


def test_offset_pages_follow_each_other(sdk: Scenario) -> None:
    first = sdk.usages.list(type=["activity"], time_range="last-seven-days")
    second = sdk.usages.list(type=["activity"], time_range="last-seven-days", activity_offset=100)
    floated = sdk.usages.list(type=["activity"], time_range="last-seven-days", activity_offset=100.0)
    assert first.activity is not None and second.activity is not None and floated.activity is not None
    assert len(first.activity) == len(second.activity) == 100
    assert first.activity[-1].time >= second.activity[0].time
    assert floated.to_dict() == second.to_dict()


def test_drop_zero_points_with_the_sdk(sdk: Scenario) -> None:
    dense = sdk.usages.list(time_range="last-hour", drop_zero_points=False)
    dropped = sdk.usages.list(time_range="last-hour", drop_zero_points=True)
    for attribute in SERIES_ATTRIBUTES:
        dense_rows, dropped_rows = getattr(dense, attribute), getattr(dropped, attribute)
        assert len(dense_rows) == len(dropped_rows), f"{attribute}: rows lost"
        for d, k in zip(dense_rows, dropped_rows, strict=True):
            kept = [p.to_dict() for p in d.points if any(v != 0 for v in numbers(p, attribute))]
            assert [p.to_dict() for p in k.points] == kept
    assert any(row.points == [] for row in dropped.usages or []), "expected some rows kept with points: []"


# -- raw httpx: the forms the SDK cannot send --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raw(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, headers=BASIC, timeout=30) as http:
        yield http


def zero_point_count(body: dict[str, Any]) -> int:
    zero = 0
    for key in ("usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages"):
        for row in body[key]:
            for p in row["points"]:
                zero += all(float(v) == 0 for k, v in p.items() if k != "time")
    return zero


@pytest.mark.parametrize(
    ("query", "drops"),
    [
        pytest.param("dropZeroPoints", True, id="bare"),
        pytest.param("dropZeroPoints=", True, id="empty"),
        pytest.param("dropZeroPoints=true", True, id="true"),
        pytest.param("dropZeroPoints=1", True, id="1"),
        pytest.param("dropZeroPoints=yes", True, id="yes"),
        pytest.param("dropZeroPoints=on", True, id="on"),
        pytest.param("dropZeroPoints=false", False, id="false"),
        pytest.param("dropZeroPoints=0", False, id="0"),
        pytest.param("dropZeroPoints=no", False, id="no"),
        pytest.param("dropZeroPoints=off", False, id="off"),
        pytest.param("timeRange=last-day", False, id="absent"),
    ],
)
def test_drop_zero_points_forms(raw: httpx.Client, query: str, drops: bool) -> None:
    response = raw.get(f"/usages?{query}&timeRange=last-day" if "timeRange" not in query else f"/usages?{query}")
    assert response.status_code == 200
    body = response.json()
    UsageListResponse.model_validate(body)  # what a strict SDK would do
    rows = {k: len(body[k]) for k in ("usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages")}
    assert rows == {"usages": 22, "modelUsages": 10, "assetUsages": 8, "nsfwUsages": 4, "qualityGateUsages": 4}
    if drops:
        assert zero_point_count(body) == 0
        assert any(row["points"] == [] for row in body["usages"] + body["assetUsages"]), "no row kept empty"
    else:
        assert zero_point_count(body) > 0
        assert {len(row["points"]) for row in body["usages"] + body["modelUsages"]} == {97}


@pytest.mark.parametrize("offset", ["abc", "-5", "nan", "1e400", "-1e400", "", "-0.5"])
def test_bad_activity_offset_is_zero(raw: httpx.Client, offset: str) -> None:
    base = raw.get("/usages", params={"timeRange": "last-three-days", "type": "activity"})
    response = raw.get("/usages", params={"timeRange": "last-three-days", "type": "activity", "activityOffset": offset})
    assert response.status_code == 200
    UsageListResponse.model_validate(response.json())
    assert response.content == base.content


def test_fractional_offset_is_truncated(raw: httpx.Client) -> None:
    params = {"timeRange": "last-three-days", "type": "activity"}
    truncated = raw.get("/usages", params={**params, "activityOffset": "100.9"})
    assert truncated.content == raw.get("/usages", params={**params, "activityOffset": "100"}).content


# -- async over httpx, and async over aiohttp ------------------------------------------------------------------------
def async_client(base_url: str, kind: str) -> AsyncScenario:
    """A strict async client over httpx (the SDK's default) or over aiohttp."""
    http_client = DefaultAioHttpClient() if kind == "aiohttp" else None
    return AsyncScenario(
        base_url=base_url,
        api_key="k",
        api_secret="s",
        max_retries=0,
        http_client=http_client,
        _strict_response_validation=True,
    )


async def list_async(base_url: str, kind: str, params: dict[str, Any]) -> UsageListResponse:
    async with async_client(base_url, kind) as client:
        return await client.usages.list(**params)


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
@pytest.mark.parametrize("params", SUBSET_CASES)
def test_async_strict_parses(live_server: LiveServer, ids: dict[str, str], kind: str, params: dict[str, Any]) -> None:
    params = resolve(params, ids)
    check_response(asyncio.run(list_async(live_server.base_url, kind, params)), params)


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
def test_async_concurrent_requests_match_sync(live_server: LiveServer, sdk: Scenario, kind: str) -> None:
    ranges = ("last-hour", "last-day", "last-thirty-one-days")
    queries: list[dict[str, Any]] = [{"time_range": r, "type": ["usages", "consumption"]} for r in ranges]

    async def run() -> list[UsageListResponse]:
        async with async_client(live_server.base_url, kind) as client:
            return await asyncio.gather(*(client.usages.list(**q) for q in queries))

    for query, response in zip(queries, asyncio.run(run()), strict=True):
        assert summarize(response) == summarize(sdk.usages.list(**query))
