"""Consistency of a `GET /v1/usages` response (API-FACTS "Precise semantics"): every list derived from the same
events. Checked on real HTTP responses against the activity walked page by page, for fixed queries and for
random ones (hypothesis)."""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any, get_args

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scenario_sdk.types.usage_list_response import Usage

from mockserver.world.world import World
from tests.conftest import BASIC, NOW, LiveServer

Body = dict[str, Any]
Event = dict[str, Any]

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
PAGE = 100
TIME_RANGES = {
    "last-hour": HOUR,
    "last-day": DAY,
    "last-three-days": 3 * DAY,
    "last-seven-days": 7 * DAY,
    "last-thirty-one-days": 31 * DAY,
}
TYPES = ("usages", "activity", "consumption", "model-usages", "asset-usages", "nsfw-usages", "quality-gate-usages")
SERIES = ("usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages")
ENTITY_LISTS = ("assets", "collections", "jobs", "models", "users")
PROJECTS = ("proj_northwindCharacters01", "proj_northwindEnvironments1", "proj_northwindMarketing0001")
KEY_STATUSES = {
    "api_ciRenderBot00000000001": "active",
    "api_dashboardSync00000001": "active",
    "api_oldPipeline0000000001": "inactive",
    "api_leakedKey000000000001": "deleted",
}
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

# -- usage rows, from the rule text of API-FACTS "Usage rows" (not from the server's code) ---------------------------
USAGE_NAMES: tuple[str, ...] = get_args(Usage.model_fields["usage_name"].annotation)  # the vendor's contract
CU_COST, CU_DISCOUNT = "creative-unit-cost", "creative-unit-discount"
IMAGE_GENERATION = (
    "txt2img",
    "img2img",
    "inference",
    "controlnet*",
    "inpaint*",
    "*-ip-adapter",
    "*-texture",
    "generative-fill",
    "reframe",
)


def usage_row(action: str) -> str | None:
    """The `usageName` row an action counts toward, if any."""
    if action in (CU_COST, CU_DISCOUNT):
        return None
    if action in USAGE_NAMES:
        return action
    if any(fnmatchcase(action, pattern) for pattern in IMAGE_GENERATION):
        return "images-generation"
    if action in ("start-train", "train-succeeded"):
        return "models-training"
    return None


def test_usage_row_mapping_of_the_rule_text() -> None:
    assert len(USAGE_NAMES) == 22
    assert usage_row("upscale") == "upscale"
    assert usage_row("images-generation") == "images-generation"
    for action in ("txt2img", "img2img-texture", "controlnet-inpaint", "inpaint-ip-adapter", "reframe"):
        assert usage_row(action) == "images-generation"
    assert usage_row("texture") == "texture"
    assert usage_row("start-train") == usage_row("train-succeeded") == "models-training"
    assert usage_row(CU_COST) is usage_row(CU_DISCOUNT) is usage_row("update-asset") is None


# -- time ------------------------------------------------------------------------------------------------------------
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(milliseconds=1)


def iso(ms: int) -> str:
    return (EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_time(text: str) -> int:
    return to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))


def parse_bound(text: str, *, end: bool) -> int:
    if len(text) == 10:  # a date: its midnight, or the next midnight for an end
        return to_ms(datetime.fromisoformat(text).replace(tzinfo=UTC)) + (DAY if end else 0)
    return parse_time(text)


@dataclass(frozen=True)
class Window:
    """The half-open window of a query, its granularity and its bucket starts."""

    start: int
    end: int

    @property
    def granularity(self) -> tuple[str, int]:
        for longest, name, step in GRANULARITY_TABLE:
            if self.end - self.start <= longest:
                return name, step
        return "7d", WEEK

    @property
    def first(self) -> int:
        step = self.granularity[1]
        if step == WEEK:
            dt = EPOCH + timedelta(milliseconds=self.start)
            return to_ms((dt - timedelta(days=dt.weekday())).replace(hour=0, minute=0, second=0, microsecond=0))
        return self.start - self.start % step

    @property
    def times(self) -> list[str]:
        step = self.granularity[1]
        return [iso(t) for t in range(self.first, self.end, step)]

    def bucket(self, event: Event) -> str:
        step = self.granularity[1]
        return iso(self.first + (event["_t"] - self.first) // step * step)

    @classmethod
    def of(cls, params: dict[str, Any]) -> Window:
        if params.get("startDate") and params.get("endDate"):
            return cls(parse_bound(params["startDate"], end=False), parse_bound(params["endDate"], end=True))
        return cls(NOW - TIME_RANGES[params.get("timeRange") or "last-seven-days"], NOW)


# -- fetching --------------------------------------------------------------------------------------------------------
def get(http: httpx.Client, params: dict[str, Any]) -> Body:
    response = http.get("/v1/usages", params=params)
    assert response.status_code == 200, f"{params} -> {response.status_code} {response.text[:300]}"
    body: Body = response.json()
    return body


@dataclass
class Walk:
    """Every activity event of a query, newest first, walked 100 at a time; and the asset kinds of its pages."""

    events: list[Event]
    asset_kinds: dict[str, str]


def walk(http: httpx.Client, params: dict[str, Any]) -> Walk:
    """Walk all activity pages of `params` (with `type=activity`), checking each page's size and order."""
    events: list[Event] = []
    kinds: dict[str, str] = {}
    offset = 0
    while True:
        body = get(http, {**params, "type": "activity", "activityOffset": offset})
        page = body["activity"]
        assert len(page) <= PAGE, f"{len(page)} events on one page"
        for event in page:
            event["_t"] = parse_time(event["time"])
        if events and page:
            assert events[-1]["_t"] >= page[0]["_t"], f"page at offset {offset} is newer than the page before it"
        events.extend(page)
        kinds.update({asset["id"]: asset["kind"] for asset in body["entities"]["assets"]})
        if len(page) < PAGE:
            return Walk(events, kinds)
        offset += PAGE


class Oracle:
    """The world's unfiltered activity, walked one UTC day at a time (cached), filtered and cut here."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.days: dict[int, Walk] = {}

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example: keep it short
        return f"Oracle({len(self.days)} days walked)"

    def day(self, day: int) -> Walk:
        if day not in self.days:
            date = iso(day)[:10]
            self.days[day] = walk(self.http, {"startDate": date, "endDate": date})
        return self.days[day]

    def events(self, params: dict[str, Any]) -> Walk:
        """What the activity of `params` must be: newest first, in the window, not in the future, filtered."""
        window = Window.of(params)
        events: list[Event] = []
        kinds: dict[str, str] = {}
        if params.get("teamId"):
            return Walk(events, kinds)
        users = selected_users(params)
        projects = set(params["projectIds"].split(",")) if params.get("projectIds") else None
        day = min(window.end - 1, NOW) // DAY * DAY
        while day + DAY > window.start:
            piece = self.day(day)
            kinds.update(piece.asset_kinds)
            events.extend(
                e
                for e in piece.events
                if window.start <= e["_t"] < window.end
                and (users is None or e["userId"] in users)
                and (projects is None or e["projectId"] in projects)
            )
            day -= DAY
        return Walk(events, kinds)


def selected_users(params: dict[str, Any]) -> set[str] | None:
    users: set[str] | None = None
    for name in ("userId", "userIds"):
        if params.get(name):
            ids = set(params[name].split(","))
            users = ids if users is None else users & ids
    return users


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, headers=BASIC, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def oracle(http: httpx.Client) -> Oracle:
    return Oracle(http)


@pytest.fixture(scope="module")
def walks(http: httpx.Client) -> Callable[[dict[str, Any]], Walk]:
    cache: dict[tuple[tuple[str, Any], ...], Walk] = {}

    def walk_of(params: dict[str, Any]) -> Walk:
        key = tuple(sorted((k, v) for k, v in params.items() if k not in ("type", "activityOffset")))
        if key not in cache:
            cache[key] = walk(http, dict(key))
        return cache[key]

    return walk_of


@pytest.fixture(scope="module")
def ids(http: httpx.Client) -> dict[str, Any]:
    """Real ids of the world, read from a month of consumption."""
    body = get(http, {"timeRange": "last-thirty-one-days", "type": "consumption"})
    users = {u["id"]: u for u in body["entities"]["users"]}
    people = [r["userId"] for r in body["consumption"] if not users[r["userId"]]["isApiKey"]]
    keys = [r["userId"] for r in body["consumption"] if users[r["userId"]]["isApiKey"]]
    return {"people": people, "keys": keys, "person": people[0], "other": people[1], "key_user": keys[0]}


def fill(params: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    return {k: v.format(**ids) if isinstance(v, str) else v for k, v in params.items()}


# -- the rules -------------------------------------------------------------------------------------------------------
def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def check_entities(body: Body) -> None:
    """`entities` holds exactly what the page, `consumption` and `modelUsages` reference, each list sorted by id."""
    entities = body.get("entities")
    assert isinstance(entities, dict), "entities missing"
    for name in ENTITY_LISTS:
        assert isinstance(entities.get(name), list), f"entities.{name} missing"
        listed = [e["id"] for e in entities[name]]
        assert listed == sorted(listed), f"entities.{name} not sorted by id"
        assert len(set(listed)) == len(listed), f"entities.{name} has duplicates"
    page = body.get("activity", [])
    users = {e["userId"] for e in page} | {c["userId"] for c in body.get("consumption", [])}
    models = {e["data"]["modelId"] for e in page if "modelId" in e["data"]}
    models |= {m["modelId"] for m in body.get("modelUsages", [])}
    assets = {e["data"]["assetId"] for e in page if "assetId" in e["data"]}
    jobs = {e["data"]["jobId"] for e in page if "jobId" in e["data"]}
    collections = {e["data"]["collectionId"] for e in page if "collectionId" in e["data"]}
    # An included job may pull in the assets and models it references (never other jobs, nor avatars).
    job_assets: set[str] = set()
    job_models: set[str] = set()
    for job in entities["jobs"]:
        metadata = job.get("metadata") or {}
        job_assets.update(metadata.get("assetIds") or [])
        if metadata.get("outputModelId"):
            job_models.add(metadata["outputModelId"])
        for node in metadata.get("flow") or []:
            job_assets.update(a["assetId"] for a in node.get("assets") or [] if a.get("assetId"))
            if node.get("modelId"):
                job_models.add(node["modelId"])
    got = {name: {e["id"] for e in entities[name]} for name in ENTITY_LISTS}
    assert got["users"] == users, f"users: extra {got['users'] - users}, missing {users - got['users']}"
    assert got["jobs"] == jobs, f"jobs: extra {got['jobs'] - jobs}, missing {jobs - got['jobs']}"
    assert got["collections"] == collections, f"collections: got {got['collections']}, expected {collections}"
    assert models <= got["models"] <= models | job_models, (
        f"models: missing {models - got['models']}, unexplained {got['models'] - models - job_models}"
    )
    assert assets <= got["assets"] <= assets | job_assets, (
        f"assets: missing {assets - got['assets']}, unexplained {got['assets'] - assets - job_assets}"
    )


def check_users(body: Body) -> None:
    """API-key users are `apiu_` ids with `apiKeyId`/`apiKeyStatus` and nothing personal; `data.isApiKey` follows."""
    for user in body["entities"]["users"]:
        if user["id"].startswith("apiu_"):
            assert user["isApiKey"] is True, user
            assert user.get("apiKeyId") in KEY_STATUSES, user
            assert user.get("apiKeyStatus") == KEY_STATUSES[user["apiKeyId"]], user
            assert not {"fullName", "email", "avatar"} & set(user), f"API key with personal fields: {user}"
        else:
            assert user["isApiKey"] is False, user
            assert not {"apiKeyId", "apiKeyStatus"} & set(user), f"person with API-key fields: {user}"
    for event in body.get("activity", []):
        is_key = event["userId"].startswith("apiu_")
        assert (event["data"].get("isApiKey") is True) == is_key, f"data.isApiKey wrong on {event}"


def check_consumption(body: Body, events: list[Event]) -> None:
    """Per user: `value` = Σ `creativeUnitsCost`; `total` = value + discount; sorted; no zero or negative rows."""
    rows = body["consumption"]
    spent: dict[str, float] = defaultdict(float)
    for e in events:
        spent[e["userId"]] += e.get("creativeUnitsCost", 0)
    order = [(-r["value"], r["userId"]) for r in rows]
    assert order == sorted(order), "consumption not sorted by value desc, then userId"
    assert len({r["userId"] for r in rows}) == len(rows), "a user has two consumption rows"
    for r in rows:
        assert r["value"] >= 0 and r["discount"] >= 0 and r["total"] >= 0, f"negative amount: {r}"
        assert not (r["value"] == 0 and r["discount"] == 0), f"zero consumption row: {r}"
        assert close(r["total"], r["value"] + r["discount"]), f"total != value + discount: {r}"
        assert r["userId"] in spent, f"consumption row for a user without events: {r}"
        assert close(r["value"], spent[r["userId"]]), (
            f"{r['userId']}: value {r['value']}, events sum {spent[r['userId']]}"
        )
        details = r.get("costDetails") or {}
        assert all(v >= 0 for v in details.values()) and sum(details.values()) <= r["value"] + 1e-6, r
    missing = {u for u, v in spent.items() if v > 0} - {r["userId"] for r in rows}
    assert not missing, f"users who spent CU without a consumption row: {missing}"


def point_map(row: Body) -> dict[str, Body]:
    return {p["time"]: p for p in row["points"]}


def check_usages(body: Body, events: list[Event], window: Window) -> None:
    """Each row per bucket: `value` = events of the row, `apiKey` = those by API keys, costs their sums;
    the creative-unit rows hold the CU of every event; totals match `consumption`."""
    rows = {row["usageName"]: row for row in body["usages"]}
    assert sorted(rows) == sorted(USAGE_NAMES) and len(body["usages"]) == len(USAGE_NAMES)
    expected: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for e in events:
        cost, api = e.get("creativeUnitsCost", 0), e["data"].get("isApiKey") is True
        bucket = window.bucket(e)
        name = usage_row(e["action"])
        for key in ((name, bucket), (CU_COST, bucket)):
            if key[0] is None:
                continue
            counts = expected[key]
            if key[0] == CU_COST:
                counts[0] += cost
                counts[1] += cost if api else 0
            else:
                counts[0] += 1
                counts[1] += api
                counts[2] += cost
                counts[3] += cost if api else 0
    zero = {"value": "0", "apiKey": "0", "cost": 0, "discount": 0, "apiKeyCost": 0, "apiKeyDiscount": 0}
    for name, row in rows.items():
        assert row["granularity"] == window.granularity[0], f"{name}: granularity {row['granularity']}"
        points = point_map(row)
        for p in row["points"]:
            assert NUMBER_TEXT.match(p["value"]) and NUMBER_TEXT.match(p["apiKey"]), f"{name}: {p}"
            assert float(p["apiKey"]) <= float(p["value"]), f"{name}: apiKey > value: {p}"
            for a, b in (("apiKeyCost", "cost"), ("apiKeyDiscount", "discount")):
                if b in p:
                    assert 0 <= p[a] <= p[b] + 1e-9, f"{name}: {a} outside 0..{b}: {p}"
        if name == CU_DISCOUNT:
            continue  # the discount of an event is not in the activity; checked against consumption below
        for time in window.times:
            p = points.get(time, zero)
            value, api_value, cost, api_cost = expected[(name, time)]
            assert close(float(p["value"]), value), f"{name} at {time}: value {p['value']}, events give {value}"
            assert close(float(p["apiKey"]), api_value), (
                f"{name} at {time}: apiKey {p['apiKey']}, events give {api_value}"
            )
            if name != CU_COST:
                assert close(p.get("cost", 0), cost), f"{name} at {time}: cost {p.get('cost')}, events give {cost}"
                assert close(p.get("apiKeyCost", 0), api_cost), f"{name} at {time}: apiKeyCost"
    if "consumption" in body:
        total = {name: sum(float(p["value"]) for p in rows[name]["points"]) for name in (CU_COST, CU_DISCOUNT)}
        api = {name: sum(float(p["apiKey"]) for p in rows[name]["points"]) for name in (CU_COST, CU_DISCOUNT)}
        consumption = body["consumption"]
        assert close(total[CU_COST], sum(c["value"] for c in consumption)), "Σ creative-unit-cost != Σ value"
        assert close(total[CU_DISCOUNT], sum(c["discount"] for c in consumption)), (
            "Σ creative-unit-discount != Σ consumption.discount"
        )
        key_rows = [c for c in consumption if c["userId"].startswith("apiu_")]
        assert close(api[CU_COST], sum(c["value"] for c in key_rows)), "Σ creative-unit-cost apiKey"
        assert close(api[CU_DISCOUNT], sum(c["discount"] for c in key_rows)), "Σ creative-unit-discount apiKey"


def check_model_usages(body: Body, events: list[Event], window: Window) -> None:
    """Per model and bucket: `jobs` = events with the model and a job; `cost` = Σ their creativeUnitsCost."""
    expected: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for e in events:
        model = e["data"].get("modelId")
        if model is None:
            continue
        counts = expected[(model, window.bucket(e))]
        counts[0] += "jobId" in e["data"]
        counts[1] += e.get("creativeUnitsCost", 0)
        counts[2] += e.get("creativeUnitsCost", 0) if e["data"].get("isApiKey") else 0
    listed = {row["modelId"] for row in body["modelUsages"]}
    assert {model for model, _ in expected} <= listed, "an event's model has no modelUsages row"
    zero = {"cost": 0, "discount": 0, "jobs": 0, "apiKeyCost": 0, "apiKeyDiscount": 0}
    for row in body["modelUsages"]:
        points = point_map(row)
        for p in row["points"]:
            assert all(p[k] >= 0 for k in zero), f"{row['modelId']}: negative {p}"
            assert p["apiKeyCost"] <= p["cost"] + 1e-9 and p["apiKeyDiscount"] <= p["discount"] + 1e-9, p
        for time in window.times:
            p = points.get(time, zero)
            jobs, cost, api_cost = expected[(row["modelId"], time)]
            where = f"{row['modelId']} at {time}"
            assert p["jobs"] == jobs, f"{where}: jobs {p['jobs']}, events give {jobs}"
            assert close(p["cost"], cost), f"{where}: cost {p['cost']}, events give {cost}"
            assert close(p["apiKeyCost"], api_cost), f"{where}: apiKeyCost {p['apiKeyCost']}, events give {api_cost}"


def check_counted_assets(body: Body, events: list[Event], kinds: dict[str, str], window: Window) -> None:
    """Asset, NSFW and quality-gate counts per bucket are bounded by the events that carry an asset."""
    with_asset: Counter[tuple[str, str]] = Counter()
    with_asset_api: Counter[tuple[str, str]] = Counter()
    for e in events:
        if "assetId" in e["data"]:
            kind = kinds.get(e["data"]["assetId"], "?")
            for key in ((kind, window.bucket(e)), ("*", window.bucket(e))):
                with_asset[key] += 1
                with_asset_api[key] += e["data"].get("isApiKey") is True
    for series, key in (("assetUsages", "kind"), ("nsfwUsages", "label"), ("qualityGateUsages", "verdict")):
        if series not in body:
            continue
        per_bucket: Counter[str] = Counter()
        for row in body[series]:
            for p in row["points"]:
                assert 0 <= p["countApiKey"] <= p["count"], f"{series} {row[key]}: {p}"
                if series == "assetUsages":
                    bound = with_asset[(row[key], p["time"])]
                    assert p["count"] <= bound, (
                        f"assetUsages {row[key]} at {p['time']}: {p['count']} assets, "
                        f"only {bound} events with such an asset"
                    )
                    assert p["countApiKey"] <= with_asset_api[(row[key], p["time"])], p
                if series != "qualityGateUsages" or row[key] == "total":
                    per_bucket[p["time"]] += p["count"]
        for time, count in per_bucket.items():
            assert count <= with_asset[("*", time)], (
                f"{series} at {time}: {count} counted, only {with_asset[('*', time)]} events with an asset"
            )


def check_quality_gate(body: Body) -> None:
    """Rows `total`, `pass`, `warn`, `fail`; per bucket total = pass + warn + fail (also for API keys)."""
    rows = {row["verdict"]: point_map(row) for row in body["qualityGateUsages"]}
    assert sorted(rows) == ["fail", "pass", "total", "warn"] and len(body["qualityGateUsages"]) == 4
    times = set().union(*rows.values())
    zero = {"count": 0, "countApiKey": 0}
    for time in times:
        for field_name in ("count", "countApiKey"):
            parts = [rows[v].get(time, zero)[field_name] for v in ("pass", "warn", "fail")]
            total = rows["total"].get(time, zero)[field_name]
            assert total == sum(parts), f"quality gate at {time}: total {field_name} {total} != {parts}"


def check_dense(body: Body, window: Window) -> None:
    """Every row of every series has one point per bucket overlapping the window, at UTC-aligned bucket starts."""
    name, step = window.granularity
    times = window.times
    assert window.first <= window.start < window.first + step, "first bucket does not contain the window start"
    assert parse_time(times[-1]) < window.end <= parse_time(times[-1]) + step
    for series in SERIES:
        for row in body.get(series, []):
            got = [p["time"] for p in row["points"]]
            assert got == times, (
                f"{series} row {row}: {len(got)} points, expected {len(times)} ({times[0]}..{times[-1]} by {name})"
            )
            assert all(TIME_FORMAT.match(t) for t in got)


def numeric(point: Body) -> list[float]:
    return [float(v) for k, v in point.items() if k != "time"]


def check_dropped(dense: Body, dropped: Body) -> None:
    """With dropZeroPoints every row stays; its points are exactly the non-zero dense points, unchanged."""
    for series in SERIES:
        if series not in dense:
            continue
        assert len(dense[series]) == len(dropped[series]), f"{series}: rows lost"
        for d, k in zip(dense[series], dropped[series], strict=True):
            kept = [p for p in d["points"] if any(v != 0 for v in numeric(p))]
            label = {x: y for x, y in d.items() if x != "points"}
            assert {x: y for x, y in k.items() if x != "points"} == label
            assert k["points"] == kept, f"{series} row {label}: dropped points are not the non-zero dense points"
    rest = ("activity", "consumption", "entities")
    assert {k: dense.get(k) for k in rest} == {k: dropped.get(k) for k in rest}


def check_page(body: Body, expected: list[Event], offset: int) -> None:
    """The activity page is the 100 events from `offset` of everything the query covers, newest first."""
    want = [{k: v for k, v in e.items() if k != "_t"} for e in expected[offset : offset + PAGE]]
    got = body["activity"]
    assert len(got) == len(want), f"page at offset {offset}: {len(got)} events, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"event {offset + i}: got {g}, expected {w}"


def check_all(http: httpx.Client, oracle: Oracle, params: dict[str, Any]) -> None:
    """Every rule on one query; failures of all rules are reported together."""
    body = get(http, params)
    window = Window.of(params)
    truth = oracle.events(params)
    failures: list[str] = []

    def run(rule: str, check: Callable[[], None]) -> None:
        try:
            check()
        except AssertionError as exc:
            failures.append(f"{rule}: {exc}")

    types = set(body) - {"entities"}
    run("entities", lambda: check_entities(body))
    run("users", lambda: check_users(body))
    if "activity" in body:
        run("page", lambda: check_page(body, truth.events, int(params.get("activityOffset", 0))))
    if "consumption" in body:
        run("consumption", lambda: check_consumption(body, truth.events))
    if "usages" in body:
        run("usages", lambda: check_usages(body, truth.events, window))
    if "modelUsages" in body:
        run("modelUsages", lambda: check_model_usages(body, truth.events, window))
    run("asset counts", lambda: check_counted_assets(body, truth.events, truth.asset_kinds, window))
    if "qualityGateUsages" in body:
        run("qualityGateUsages", lambda: check_quality_gate(body))
    if params.get("dropZeroPoints"):
        dense = get(http, {k: v for k, v in params.items() if k != "dropZeroPoints"})
        run("dense", lambda: check_dense(dense, window))
        run("dropZeroPoints", lambda: check_dropped(dense, body))
    else:
        run("dense", lambda: check_dense(body, window))
    if params.get("teamId") == "team_unknown":
        run("unknown team", lambda: check_empty(body))
    assert types, "no type in a 200 response"
    assert not failures, f"query {params}:\n" + "\n".join(failures)


def check_empty(body: Body) -> None:
    assert body.get("activity", []) == [] and body.get("consumption", []) == []
    for series in SERIES:
        for row in body.get(series, []):
            assert all(v == 0 for p in row["points"] for v in numeric(p)), f"{series}: non-zero {row}"


# -- fixed queries ---------------------------------------------------------------------------------------------------
QUERIES = [
    pytest.param({}, id="default"),
    pytest.param({"timeRange": "last-hour"}, id="last-hour"),
    pytest.param({"timeRange": "last-day", "activityOffset": 100}, id="last-day-offset-100"),
    pytest.param({"timeRange": "last-three-days", "dropZeroPoints": "true"}, id="last-three-days-dropped"),
    pytest.param({"startDate": "2026-11-20", "endDate": "2026-11-24"}, id="dates-4-days"),
    pytest.param({"startDate": "2026-11-24T10:17:00.000Z", "endDate": "2026-11-24T12:00:00.000Z"}, id="partial-edges"),
    pytest.param({"userIds": "{person}", "timeRange": "last-three-days"}, id="user-ids-person"),
    pytest.param({"userId": "{key_user}", "timeRange": "last-seven-days"}, id="user-id-api-key"),
    pytest.param({"projectIds": PROJECTS[1], "timeRange": "last-day"}, id="project-ids"),
]


@pytest.mark.parametrize("params", QUERIES)
def test_entities_hold_exactly_what_the_response_references(
    http: httpx.Client, ids: dict[str, Any], params: dict[str, Any]
) -> None:
    body = get(http, fill(params, ids))
    check_entities(body)
    check_users(body)


@pytest.mark.parametrize("kind", TYPES)
def test_every_entity_list_is_present_for_each_type(http: httpx.Client, kind: str) -> None:
    body = get(http, {"type": kind, "timeRange": "last-day"})
    assert sorted(body) == sorted(
        {
            "entities",
            {
                "model-usages": "modelUsages",
                "asset-usages": "assetUsages",
                "nsfw-usages": "nsfwUsages",
                "quality-gate-usages": "qualityGateUsages",
            }.get(kind, kind),
        }
    )
    check_entities(body)


def test_entities_of_an_empty_response(http: httpx.Client) -> None:
    body = get(http, {"teamId": "team_unknown", "type": "activity,consumption"})
    assert body["entities"] == {name: [] for name in ENTITY_LISTS}


def test_api_key_users_over_the_month(http: httpx.Client, oracle: Oracle) -> None:
    params = {"timeRange": "last-thirty-one-days"}
    body = get(http, {**params, "type": "consumption"})
    check_users(body)
    statuses = {u["apiKeyId"]: u["apiKeyStatus"] for u in body["entities"]["users"] if u["isApiKey"]}
    assert statuses == KEY_STATUSES  # every key, the revoked ones included, worked within the month
    events = oracle.events(params).events
    assert len(events) > 1000
    for event in events:
        assert (event["data"].get("isApiKey") is True) == event["userId"].startswith("apiu_"), event


@pytest.mark.parametrize("params", QUERIES)
def test_consumption_is_the_sum_of_the_walked_activity(
    http: httpx.Client, walks: Callable[[dict[str, Any]], Walk], ids: dict[str, Any], params: dict[str, Any]
) -> None:
    params = fill(params, ids)
    body = get(http, {**params, "type": "consumption,usages"})
    events = walks(params).events
    check_consumption(body, events)
    check_usages(body, events, Window.of(params))


@pytest.mark.parametrize("params", QUERIES)
def test_series_match_the_walked_activity(
    http: httpx.Client, walks: Callable[[dict[str, Any]], Walk], ids: dict[str, Any], params: dict[str, Any]
) -> None:
    params = fill(params, ids)
    body = get(http, params)
    found = walks(params)
    window = Window.of(params)
    check_model_usages(body, found.events, window)
    check_counted_assets(body, found.events, found.asset_kinds, window)
    check_quality_gate(body)


@pytest.mark.parametrize("params", QUERIES)
def test_series_are_dense_and_dropping_keeps_the_non_zero_points(
    http: httpx.Client, ids: dict[str, Any], params: dict[str, Any]
) -> None:
    params = {k: v for k, v in fill(params, ids).items() if k != "dropZeroPoints"}
    dense = get(http, params)
    check_dense(dense, Window.of(params))
    check_dropped(dense, get(http, {**params, "dropZeroPoints": "true"}))


def test_user_filter(http: httpx.Client, ids: dict[str, Any]) -> None:
    body = get(http, {"userIds": ids["person"], "timeRange": "last-seven-days"})
    assert [c["userId"] for c in body["consumption"]] == [ids["person"]]
    assert body["activity"] and {e["userId"] for e in body["activity"]} == {ids["person"]}
    assert [u["id"] for u in body["entities"]["users"]] == [ids["person"]]


def test_user_id_and_user_ids_intersect(http: httpx.Client, ids: dict[str, Any]) -> None:
    both = get(http, {"userId": ids["person"], "userIds": f"{ids['person']},{ids['other']}", "type": "consumption"})
    assert [c["userId"] for c in both["consumption"]] == [ids["person"]]
    disjoint = get(http, {"userId": ids["person"], "userIds": ids["other"], "type": "consumption,activity"})
    assert disjoint["consumption"] == [] and disjoint["activity"] == []


def test_project_filter(http: httpx.Client) -> None:
    body = get(http, {"projectIds": PROJECTS[2], "timeRange": "last-seven-days", "type": "activity"})
    assert body["activity"] and {e["projectId"] for e in body["activity"]} == {PROJECTS[2]}
    two = get(http, {"projectIds": ",".join(PROJECTS[:2]), "timeRange": "last-seven-days", "type": "activity"})
    assert {e["projectId"] for e in two["activity"]} == set(PROJECTS[:2])


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"teamId": "team_unknown"}, id="team-unknown"),
        pytest.param({"userIds": "user_unknown000000000000"}, id="user-unknown"),
        pytest.param({"userId": "apiu_unknown000000000000"}, id="api-key-user-unknown"),
        pytest.param({"projectIds": "proj_unknown000000000000"}, id="project-unknown"),
    ],
)
def test_filters_that_select_nothing_give_zero_filled_rows(http: httpx.Client, params: dict[str, Any]) -> None:
    body = get(http, {**params, "timeRange": "last-day"})
    assert body["activity"] == [] and body["consumption"] == []
    check_empty(body)
    check_dense(body, Window.of({"timeRange": "last-day"}))
    assert [len(body[s]) for s in SERIES] == [22, 10, 8, 4, 4]
    assert body["entities"]["users"] == [] and body["entities"]["jobs"] == []


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"timeRange": "last-seven-days"}, id="last-seven-days"),
        pytest.param({"userIds": "{person}", "timeRange": "last-thirty-one-days"}, id="one-person-month"),
    ],
)
def test_activity_pages_concatenate(
    http: httpx.Client,
    walks: Callable[[dict[str, Any]], Walk],
    oracle: Oracle,
    ids: dict[str, Any],
    params: dict[str, Any],
) -> None:
    params = fill(params, ids)
    walked = walks(params).events
    assert len(walked) > 2 * PAGE
    times = [e["_t"] for e in walked]
    assert times == sorted(times, reverse=True), "activity is not newest first"
    first = get(http, {**params, "type": "activity"})["activity"]
    second = get(http, {**params, "type": "activity", "activityOffset": PAGE})["activity"]
    middle = get(http, {**params, "type": "activity", "activityOffset": 150})["activity"]
    assert len(first) == len(second) == len(middle) == PAGE
    strip = [{k: v for k, v in e.items() if k != "_t"} for e in walked]
    assert first + second == strip[: 2 * PAGE]
    assert middle == strip[150:250]
    # The same events again, from the activity of each UTC day.
    assert strip == [{k: v for k, v in e.items() if k != "_t"} for e in oracle.events(params).events]
    beyond = get(http, {**params, "type": "activity", "activityOffset": len(walked)})
    assert beyond["activity"] == []


# -- random queries --------------------------------------------------------------------------------------------------
# Each example costs several HTTP round trips and `check_all` already names the query and every broken rule:
# shrinking would multiply the run time for little gain.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
WINDOW_SCALES = (MINUTE, HOUR, 6 * HOUR, DAY, 2 * DAY, 3 * DAY, 7 * DAY, 31 * DAY, 62 * DAY, 120 * DAY)


@st.composite
def usage_queries(draw: st.DrawFn, ids: dict[str, Any], longest: int) -> dict[str, Any]:
    """A valid query: a time range or a window within the last 40 days, types, filters, offset, dropZeroPoints."""
    params: dict[str, Any] = {}
    how = draw(st.sampled_from(["timeRange", "window", "window", "window", "default"]))
    if how == "timeRange":
        params["timeRange"] = draw(st.sampled_from(sorted(TIME_RANGES)))
    elif how == "window":
        align = draw(st.sampled_from([1, MINUTE, HOUR, DAY]))
        start = NOW - draw(st.integers(0, 39)) * DAY - draw(st.integers(0, DAY - 1))
        scale = draw(st.sampled_from([s for s in WINDOW_SCALES if s <= longest]))
        end = start + draw(st.integers(scale // 2, scale))
        start -= start % align
        end -= end % align
        if end <= start:
            end = start + align
        if align == DAY and draw(st.booleans()):
            params["startDate"], params["endDate"] = iso(start)[:10], iso(end - DAY)[:10]
        else:
            params["startDate"], params["endDate"] = iso(start), iso(end)
    if draw(st.booleans()):
        params["type"] = ",".join(draw(st.sets(st.sampled_from(TYPES), min_size=1)) | {"activity"})
    pool = [*ids["people"], *ids["keys"], "user_unknown000000000000"]
    if draw(st.integers(0, 3)) == 0:
        params["userIds"] = ",".join(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)))
    if draw(st.integers(0, 5)) == 0:
        params["userId"] = draw(st.sampled_from(pool))
    if draw(st.integers(0, 3)) == 0:
        projects = [*PROJECTS, "proj_unknown000000000000"]
        params["projectIds"] = ",".join(draw(st.lists(st.sampled_from(projects), min_size=1, max_size=2, unique=True)))
    if draw(st.integers(0, 9)) == 0:
        params["teamId"] = "team_unknown"
    params["activityOffset"] = draw(st.sampled_from([0, 0, 100]) | st.integers(0, 400))
    if draw(st.booleans()):
        params["dropZeroPoints"] = "true"
    return params


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_queries_obey_every_rule(
    http: httpx.Client, oracle: Oracle, ids: dict[str, Any], data: st.DataObject
) -> None:
    check_all(http, oracle, data.draw(usage_queries(ids, longest=3 * DAY), label="query"))


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_wide_queries_obey_every_rule(
    http: httpx.Client, oracle: Oracle, ids: dict[str, Any], data: st.DataObject
) -> None:
    check_all(http, oracle, data.draw(usage_queries(ids, longest=120 * DAY), label="query"))


def test_pre_serialised_points_give_the_same_bytes_as_dicts() -> None:
    """The hot path (points as orjson fragments) and the adapter path (points as dicts) serialise identically."""
    import random
    from pathlib import Path

    import orjson

    from mockserver.contract.enums import USAGE_TYPES
    from mockserver.contract.query import UsageQuery
    from mockserver.world.report import build_report
    from mockserver.worlds import build_world_from_file

    rng = random.Random(7)
    for name in ("default", "edge-cases", "empty-team", "workflow-jobs"):
        world = build_world_from_file(Path("scenarios") / f"{name}.yaml", now=NOW)
        for _ in range(15):
            span = rng.choice([3_600_000, 86_400_000, 7 * 86_400_000, 40 * 86_400_000, 100 * 86_400_000])
            start = NOW - span - rng.randrange(86_400_000)
            query = UsageQuery(
                start=start,
                end=start + span,
                types=frozenset(rng.sample(USAGE_TYPES, rng.randint(1, len(USAGE_TYPES)))),
                drop_zero_points=rng.random() < 0.5,
            )
            dicts = orjson.dumps(build_report(world, query, NOW))
            assert orjson.dumps(build_report(world, query, NOW, raw=True)) == dicts, (name, query)


def test_chunks_serve_any_instant_and_window_edge_as_the_buckets_do() -> None:
    """Chunks of whole past buckets (the hot path) built at one instant serve earlier and later ones (growing as
    more buckets become past), and windows that reach past now, with the bytes the per-bucket path gives."""
    from pathlib import Path

    from mockserver.cache import CacheBudget
    from mockserver.worlds import build_world_from_file

    rng = random.Random(13)
    # With a budget this small, no window is served from chunks (`chunks.fits_chunks`): the per-bucket path then.
    for budget in (CacheBudget(), CacheBudget(256 * 1024)):
        _compare_windows(build_world_from_file(Path("scenarios/default.yaml"), now=NOW, budget=budget), rng)


def _compare_windows(world: World, rng: random.Random) -> None:
    import orjson

    from mockserver.contract.query import UsageQuery
    from mockserver.world.report import build_report

    for _ in range(40):
        now = NOW - rng.randrange(3 * 86_400_000)
        span = rng.choice([3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000, 40 * 86_400_000, 100 * 86_400_000])
        start = now - span + rng.randrange(-2 * 86_400_000, 2 * 86_400_000)
        query = UsageQuery(start=start, end=start + span, drop_zero_points=rng.random() < 0.5)
        dicts = orjson.dumps(build_report(world, query, now))
        assert orjson.dumps(build_report(world, query, now, raw=True)) == dicts, (now, query)


def test_kept_listings_follow_a_job_that_progresses_with_the_clock() -> None:
    """Activity listings are kept across renders; a job whose status moves with the clock is looked up at each."""
    from pathlib import Path

    import orjson

    from mockserver.contract.query import UsageQuery
    from mockserver.world.report import build_report
    from mockserver.worlds import build_world_from_file

    world = build_world_from_file(Path("scenarios/workflow-jobs.yaml"), now=NOW)
    (job,) = world.progressing_jobs()
    statuses = set()
    for seconds in (-40, 0, 60, 300, 0, -40):  # back and forth over the job's steps, listings kept all along
        now = NOW + seconds * 1000
        query = UsageQuery(start=now - 86_400_000, end=now + 1)
        body = orjson.dumps(build_report(world, query, now, raw=True))
        assert body == orjson.dumps(build_report(world, query, now))
        statuses |= {j["status"] for j in orjson.loads(body)["entities"]["jobs"] if j["id"] == job}
    assert statuses == {"queued", "warming-up", "in-progress", "success"}


def test_buckets_cut_by_a_window_are_shared_by_the_windows_covering_the_same_events() -> None:
    """A bucket cut by a window's edge is kept by the events it covers: edges every few minutes through the same
    hours (some between the same two events, some not) give the per-bucket path's bytes, in both granularities."""
    from pathlib import Path

    import orjson

    from mockserver.contract.query import UsageQuery
    from mockserver.world.report import build_report
    from mockserver.worlds import build_world_from_file

    world = build_world_from_file(Path("scenarios/heavy-usage.yaml"), now=NOW)
    for days in (2, 40):  # hourly and daily buckets
        for minutes in range(0, 180, 7):
            start = NOW - days * 86_400_000 + minutes * 60_000
            for end in (NOW - minutes * 60_000, NOW + 1):
                query = UsageQuery(start=start, end=end, types=frozenset({"usages", "model-usages", "consumption"}))
                body = orjson.dumps(build_report(world, query, NOW, raw=True))
                assert body == orjson.dumps(build_report(world, query, NOW)), (days, minutes, end)


def test_kept_activity_pages_serve_the_bytes_of_a_fresh_listing() -> None:
    """A listed page is kept by its newest event and its length: windows sharing the newest event but not their
    length, pages further back, and windows with too few events for a page give the per-event path's bytes."""
    from pathlib import Path

    import orjson

    from mockserver.contract.query import UsageQuery
    from mockserver.world.report import build_report
    from mockserver.worlds import build_world_from_file

    rng = random.Random(29)
    for name in ("default", "heavy-usage", "workflow-jobs"):
        world = build_world_from_file(Path("scenarios") / f"{name}.yaml", now=NOW)
        end = NOW - rng.randrange(86_400_000)
        for _ in range(12):
            start = end - rng.choice([60_000, 3_600_000, 5 * 3_600_000, 86_400_000, 7 * 86_400_000])
            query = UsageQuery(
                start=start,
                end=end if rng.random() < 0.7 else end - rng.randrange(3_600_000),
                types=frozenset({"activity", "consumption"}),
                activity_offset=rng.choice([0, 0, 100, 300]),
            )
            for _ in range(2):  # listed, then kept
                body = orjson.dumps(build_report(world, query, NOW, raw=True))
                assert body == orjson.dumps(build_report(world, query, NOW)), (name, query)


def test_an_hours_listings_stay_within_what_the_cache_accounts() -> None:
    """An hour's kept listings are re-accounted as they are filled in, and stop being kept past the pool's share."""
    from pathlib import Path

    from mockserver.cache import CacheBudget
    from mockserver.contract.query import UsageQuery
    from mockserver.world.activity import activity_page, listings
    from mockserver.worlds import build_world_from_file

    for limit in (24 * 1024 * 1024, 200_000):
        world = build_world_from_file(Path("scenarios/heavy-usage.yaml"), now=NOW, budget=CacheBudget(limit))
        pool = world.activity_cache.pool
        hour = NOW - NOW % 3_600_000 - 3_600_000
        for offset in range(0, 400, 100):  # pages walking back through one busy hour
            query = UsageQuery(start=hour, end=hour + 3_600_000, activity_offset=offset)
            listed = listings(world, activity_page(world, query, hour, hour + 3_600_000), NOW)
            kept = world.activity_cache.get(hour)
            if kept is not None:
                assert kept.size <= kept.accounted
                assert pool.bytes <= pool.limit
            assert len(listed) == len(activity_page(world, query, hour, hour + 3_600_000))


def test_cached_bucket_totals_equal_totals_computed_from_the_events() -> None:
    """Whole past buckets come from the world's bucket cache; a filter that keeps everyone bypasses it."""
    import random
    from pathlib import Path

    from mockserver.contract.query import UsageQuery
    from mockserver.world.report import build_report
    from mockserver.worlds import build_world_from_file

    rng = random.Random(11)
    world = build_world_from_file(Path("scenarios/default.yaml"), now=NOW)
    everyone = frozenset([p.id for p in world.people] + [k.user_id for k in world.keys])
    for _ in range(12):
        span = rng.choice([3_600_000, 86_400_000, 7 * 86_400_000, 31 * 86_400_000])
        start = NOW - span - rng.randrange(3 * 86_400_000)
        cached = UsageQuery(start=start, end=start + span)
        build_report(world, cached, NOW)  # fills the cache
        assert build_report(world, cached, NOW) == build_report(
            world, UsageQuery(start=start, end=start + span, user_ids=everyone), NOW
        )
