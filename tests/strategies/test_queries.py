"""`usage_queries()`: valid queries are served (200, a body the strict SDK parses), invalid ones get the API's JSON 400,
and no query gives a 5xx; on a shipped world, over a real server."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from scenario_sdk._models import validate_type
from scenario_sdk.types.usage_list_response import UsageListResponse

from mockserver.settings import Settings
from mockserver.strategies import usage_queries
from tests.conftest import BASIC, NOW, serving

QUICK = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
ERROR_KEYS = {"reason", "message", "code", "traceId"}
WORLDS = ["default", "edge-cases", "empty-team"]


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
