"""`usage_queries()`: valid queries are served (200, a body the strict SDK parses), invalid ones get the API's JSON 400,
and no query gives a 5xx; on a shipped world, over a real server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from scenario_sdk._models import validate_type
from scenario_sdk.types.usage_list_response import UsageListResponse

from mockserver.contract.query import KNOWN_PARAMETERS, parse_usage_query
from mockserver.errors import QueryError
from mockserver.settings import Settings
from mockserver.strategies import usage_queries
from tests.conftest import BASIC, NOW, serving

QUICK = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
ERROR_KEYS = {"reason", "message", "code", "traceId"}
WORLDS = ["default", "edge-cases", "empty-team", "heavy-usage", "revoked-keys", "workflow-jobs"]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with (
        serving(Settings(now=NOW, log_requests=False)) as url,
        httpx.Client(base_url=url, headers=BASIC, timeout=60) as client,
    ):
        yield client


def _get(http: httpx.Client, query: str, world: str) -> httpx.Response:
    return http.get(f"/v1/usages?{query}", headers={"X-Mock-Scenario": world})


def _assert_served(response: httpx.Response, query: str) -> None:
    assert response.status_code == 200, f"{query}: {response.status_code} {response.text[:500]}"
    validate_type(type_=UsageListResponse, value=response.json())  # what `_strict_response_validation=True` does


def _assert_refused(response: httpx.Response, query: str) -> None:
    assert response.status_code == 400, f"{query}: {response.status_code} {response.text[:500]}"
    body = response.json()
    assert set(body) >= ERROR_KEYS, body
    assert body["code"] == "INVALID_PARAMETER", body


@QUICK
@given(query=usage_queries(valid=True))
def test_valid_queries_are_served(http: httpx.Client, query: str) -> None:
    _assert_served(_get(http, query, "default"), query)


@QUICK
@given(query=usage_queries(valid=False))
def test_invalid_queries_get_the_json_400(http: httpx.Client, query: str) -> None:
    _assert_refused(_get(http, query, "default"), query)


@QUICK
@given(query=usage_queries())
def test_no_query_gives_a_5xx(http: httpx.Client, query: str) -> None:
    response = _get(http, query, "edge-cases")
    assert response.status_code in (200, 400), f"{query}: {response.status_code} {response.text[:500]}"
    if response.status_code == 400:
        assert set(response.json()) >= ERROR_KEYS


@QUICK
@given(query=usage_queries())
def test_queries_are_url_encoded(query: str) -> None:
    assert "?" not in query and "#" not in query and " " not in query
    assert query.isascii() and query.isprintable()
    assert all(name for name, _ in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))


# Why a query is refused, by the start of the API's message; each one occurs among a few hundred invalid queries.
REFUSALS = (
    "startDate and endDate must be given together",
    "startDate is not an ISO 8601 date",
    "endDate is not an ISO 8601 date",
    "startDate must be before endDate",
    "the range between startDate and endDate must not exceed 120 days",
    "startDate and endDate must lie between",
    "timeRange must be one of",
)
# What valid queries hold, each worth sending at least once.
VALID_SHAPES: dict[str, Callable[[list[tuple[str, str]]], bool]] = {
    "no parameter at all": lambda items: not items,
    "a time range": lambda items: any(n == "timeRange" for n, _ in items),
    "a date-only window": lambda items: any(n == "startDate" and len(v) == 10 for n, v in items),
    "a window with an offset": lambda items: any(n.endswith("Date") and v[-6] in "+-" for n, v in items if len(v) > 16),
    "a window in Z": lambda items: any(n.endswith("Date") and v.endswith(("Z", "z")) for n, v in items),
    "a window with a fraction": lambda items: any(n.endswith("Date") and "." in v for n, v in items),
    "repeated types": lambda items: sum(n == "type" for n, _ in items) > 1,
    "comma-separated types": lambda items: any(n == "type" and "," in v for n, v in items),
    "a repeated timeRange": lambda items: sum(n == "timeRange" for n, _ in items) > 1,
    "an unknown parameter": lambda items: any(n not in KNOWN_PARAMETERS for n, _ in items),
    "dropZeroPoints": lambda items: any(n == "dropZeroPoints" for n, _ in items),
    "an activityOffset": lambda items: any(n == "activityOffset" for n, _ in items),
    "a user filter": lambda items: any(n in ("userId", "userIds") for n, _ in items),
}
EDGES = settings(
    max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def test_every_refusal_occurs() -> None:
    seen: Counter[str] = Counter()

    @EDGES
    @given(query=usage_queries(valid=False))
    def refuse(query: str) -> None:
        with pytest.raises(QueryError) as caught:
            parse_usage_query(parse_qsl(query, keep_blank_values=True))
        seen.update(reason for reason in REFUSALS if caught.value.message.startswith(reason))

    refuse()
    assert all(seen[reason] for reason in REFUSALS), f"refusals drawn: {dict(seen)}"


def test_every_valid_shape_occurs() -> None:
    seen: Counter[str] = Counter()

    @EDGES
    @given(query=usage_queries(valid=True))
    def serve(query: str) -> None:
        items = parse_qsl(query, keep_blank_values=True)
        parse_usage_query(items)
        seen.update(name for name, holds in VALID_SHAPES.items() if holds(items))

    serve()
    assert all(seen[name] for name in VALID_SHAPES), f"shapes drawn: {dict(seen)}"


@pytest.mark.slow
@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("valid", [pytest.param(True, id="valid"), pytest.param(False, id="invalid")])
def test_many_queries_to_shipped_worlds(http: httpx.Client, world: str, valid: bool) -> None:
    @SLOW
    @given(query=usage_queries(valid))
    def check(query: str) -> None:
        response = _get(http, query, world)
        (_assert_served if valid else _assert_refused)(response, query)

    check()
