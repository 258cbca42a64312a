"""The query of `GET /v1/usages`: `parse_usage_query` unit by unit, the 400s over HTTP, and the lenient setting
that never answers 400 (API-FACTS "Decisions for the mock" and "Precise semantics")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.contract.query import DATE_PATTERN, UsageQuery, parse_date, parse_usage_query
from mockserver.errors import QueryError
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, LiveServer, start_server

DAY = 86_400_000
ALL_TYPES = frozenset(
    {"usages", "activity", "consumption", "model-usages", "asset-usages", "nsfw-usages", "quality-gate-usages"}
)
PARAMETERS = (
    "timeRange",
    "startDate",
    "endDate",
    "type",
    "activityOffset",
    "dropZeroPoints",
    "userId",
    "userIds",
    "projectIds",
    "teamId",
)


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def parse(query: str, *, lenient: bool = False) -> UsageQuery:
    return parse_usage_query(httpx.QueryParams(query).multi_items(), lenient=lenient)


# -- queries that are a 400 (and that a lenient server takes as if the bad values were absent) ----------------------
BAD = [
    pytest.param("startDate=2026-05-01", id="start-without-end"),
    pytest.param("endDate=2026-05-01", id="end-without-start"),
    pytest.param("startDate=2026-05-01&endDate=", id="end-empty"),
    pytest.param("startDate=2026-13-01&endDate=2026-05-01", id="month-13"),
    pytest.param("startDate=2026-04-01&endDate=2026-02-30", id="february-30"),
    pytest.param("startDate=yesterday&endDate=2026-05-01", id="start-yesterday"),
    pytest.param("startDate=2026-05-01&endDate=tomorrow", id="end-tomorrow"),
    pytest.param("startDate=2026-05-01T25:00&endDate=2026-05-02", id="hour-25"),
    pytest.param("startDate=2026-05-01T10:60&endDate=2026-05-02", id="minute-60"),
    pytest.param("startDate=2026-05-01T10:00:00%2B25:00&endDate=2026-05-02", id="offset-25h"),
    pytest.param("startDate=01/05/2026&endDate=2026-05-02", id="not-iso"),
    pytest.param("startDate=2026-5-1&endDate=2026-05-02", id="unpadded"),
    pytest.param("startDate=1777593600000&endDate=2026-05-02", id="epoch-ms"),
    pytest.param("startDate=2026-05-02&endDate=2026-05-01", id="start-after-end"),
    pytest.param("startDate=2026-05-01T12:00Z&endDate=2026-05-01T12:00Z", id="start-equals-end"),
    pytest.param("startDate=2026-05-01T12:00Z&endDate=2026-05-01T11:59:59.999Z", id="start-after-end-by-1ms"),
    pytest.param("startDate=2026-01-01&endDate=2026-05-01", id="121-days"),
    pytest.param("startDate=2026-01-01T00:00Z&endDate=2026-05-01T00:00:00.001Z", id="120-days-and-1ms"),
    pytest.param("timeRange=last-year", id="unknown-time-range"),
    pytest.param("timeRange=LAST-DAY", id="time-range-upper-case"),
    pytest.param("timeRange=last-day&startDate=2026-05-01", id="time-range-and-one-date"),
    pytest.param("timeRange=last-year&startDate=2026-05-01", id="unknown-time-range-and-one-date"),
]
# The date forms API-FACTS accepts, and anything else is a 400: these are something else.
NOT_ISO_FORMS = [
    pytest.param("2026-05-01\n", id="trailing-newline"),
    pytest.param("2026-05-01T10:00Z\n", id="instant-trailing-newline"),
    pytest.param("\u0662\u0660\u0662\u0666-05-01", id="arabic-indic-digits"),
    pytest.param("\uff12\uff10\uff12\uff16-05-01", id="fullwidth-digits"),
]


@pytest.mark.parametrize("query", BAD)
def test_bad_query_raises(query: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert caught.value.status == 400 and caught.value.code == "INVALID_PARAMETER"
    assert caught.value.message


@pytest.mark.parametrize("query", BAD)
def test_lenient_drops_what_would_be_a_400(query: str) -> None:
    parsed = parse(query, lenient=True)
    assert parsed.start is None and parsed.end is None
    assert parsed.time_range in (None, "last-day")


_FORM = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?"
    r"(?:[Zz]|[+ -]([0-9]{2}):([0-9]{2}))?)?"
)


def _accepted_form(text: str) -> bool:
    """API-FACTS' forms, judged without regular-expression arithmetic: a real day of 1970..9999, a real time."""
    match = _FORM.fullmatch(text)
    if match is None:
        return False
    year, month, day, hour, minute, second, off_h, off_m = (int(g or 0) for g in match.groups())
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return year >= 1970 and off_h <= 23 and off_m <= 59


def _parses(text: str) -> bool:
    try:
        parse_date(text, is_end=False)
    except ValueError:
        return False
    return True


_DIGITS = st.integers(0, 99).map("{:02d}".format)
NEAR_DATES = st.builds(
    "{}-{}-{}{}".format,
    st.sampled_from([1900, 1969, 1970, 1972, 2000, 2024, 2026, 2100, 2400, 9999]).map("{:04d}".format),
    st.integers(0, 13).map("{:02d}".format),
    st.integers(0, 32).map("{:02d}".format),
    st.one_of(
        st.just(""),
        st.builds(
            "T{}:{}{}{}{}".format,
            st.integers(0, 25).map("{:02d}".format),
            st.integers(0, 61).map("{:02d}".format),
            st.one_of(st.just(""), st.integers(0, 61).map(":{:02d}".format)),
            st.one_of(st.just(""), st.text("0123456789", max_size=11).map(".{}".format)),
            st.one_of(
                st.sampled_from(["", "Z", "z", "x"]),
                st.builds("{}{}:{}".format, st.sampled_from("+- "), _DIGITS, _DIGITS),
            ),
        ),
    ),
)


@settings(max_examples=1000, derandomize=True, database=None)
@given(text=st.one_of(NEAR_DATES, st.from_regex(DATE_PATTERN, fullmatch=True)))
def test_the_documented_date_pattern_is_exactly_what_parses(text: str) -> None:
    # The OpenAPI document gives `startDate`/`endDate` this pattern: it must accept every date the server takes, no
    # more and no less (schemathesis draws values from it and expects them answered, others refused).
    accepted = _accepted_form(text)
    assert bool(re.fullmatch(DATE_PATTERN, text)) is accepted
    assert _parses(text) is accepted


@pytest.mark.parametrize("text", NOT_ISO_FORMS)
def test_only_iso_forms_are_dates(text: str) -> None:
    with pytest.raises(QueryError):
        parse_usage_query([("startDate", text), ("endDate", "2026-05-02")])
    with pytest.raises(QueryError):
        parse_usage_query([("startDate", "2026-04-30"), ("endDate", text)])


def test_no_parameters_is_the_default_query() -> None:
    assert parse("") == UsageQuery()
    assert parse("").window(NOW, "last-seven-days") == (NOW - 7 * DAY, NOW)
    assert parse("").types == ALL_TYPES


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        pytest.param("startDate=2026-05-01&endDate=2026-05-01", "2026-05-01", "2026-05-02", id="one-day"),
        pytest.param("startDate=2026-05-01&endDate=2026-05-03", "2026-05-01", "2026-05-04", id="three-days"),
        pytest.param("startDate=2026-12-31&endDate=2026-12-31", "2026-12-31", "2027-01-01", id="new-year"),
        pytest.param("startDate=2028-02-29&endDate=2028-02-29", "2028-02-29", "2028-03-01", id="leap-day"),
        pytest.param(
            "startDate=2026-05-01T10:15&endDate=2026-05-01T11:00", "2026-05-01T10:15", "2026-05-01T11:00", id="minutes"
        ),
        pytest.param(
            "startDate=2026-05-01T10:15:30.5Z&endDate=2026-05-01T11:00:00.250Z",
            "2026-05-01T10:15:30.500",
            "2026-05-01T11:00:00.250",
            id="fractions",
        ),
        pytest.param(
            "startDate=2026-05-01T12:00%2B02:00&endDate=2026-05-01T12:00-01:30",
            "2026-05-01T10:00",
            "2026-05-01T13:30",
            id="offsets",
        ),
        pytest.param(
            "startDate=2026-05-01T12:00+02:00&endDate=2026-05-02", "2026-05-01T10:00", "2026-05-03", id="unencoded-plus"
        ),
        pytest.param("startDate=2026-01-01&endDate=2026-04-30", "2026-01-01", "2026-05-01", id="exactly-120-days"),
    ],
)
def test_dates(query: str, start: str, end: str) -> None:
    parsed = parse(query)
    assert (parsed.start, parsed.end) == (ms(start), ms(end))
    assert parsed.window(NOW, "last-seven-days") == (ms(start), ms(end))


@pytest.mark.parametrize("time_range", ["last-year", "last-day", "", "%00"])
def test_time_range_is_ignored_when_both_dates_are_given(time_range: str) -> None:
    parsed = parse(f"timeRange={time_range}&startDate=2026-05-01&endDate=2026-05-01")
    assert parsed.time_range is None and (parsed.start, parsed.end) == (ms("2026-05-01"), ms("2026-05-02"))


def test_empty_time_range_is_the_default() -> None:
    assert parse("timeRange=") == UsageQuery()
    assert parse("timeRange=&startDate=&endDate=") == UsageQuery()


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        pytest.param("0", 0, id="0"),
        pytest.param("100", 100, id="100"),
        pytest.param("100.0", 100, id="100.0"),
        pytest.param("250.9", 250, id="truncated"),
        pytest.param("1e2", 100, id="exponent"),
        pytest.param("", 0, id="empty"),
        pytest.param("abc", 0, id="abc"),
        pytest.param("-5", 0, id="negative"),
        pytest.param("-0.5", 0, id="negative-fraction"),
        pytest.param("nan", 0, id="nan"),
        pytest.param("inf", 0, id="inf"),
        pytest.param("1e400", 0, id="overflow"),
        pytest.param("1_0", 0, id="python-digit-separator"),
        pytest.param("\u0661\u0660", 0, id="arabic-indic-digits"),
    ],
)
def test_activity_offset(text: str, offset: int) -> None:
    assert parse_usage_query([("activityOffset", text)]).activity_offset == offset


@pytest.mark.parametrize(
    ("query", "drop"),
    [
        ("", False),
        ("dropZeroPoints", True),
        ("dropZeroPoints=", True),
        ("dropZeroPoints=true", True),
        ("dropZeroPoints=1", True),
        ("dropZeroPoints=yes", True),
        ("dropZeroPoints=on", True),
        ("dropZeroPoints=false", False),
        ("dropZeroPoints=0", False),
        ("dropZeroPoints=no", False),
        ("dropZeroPoints=off", False),
    ],
)
def test_drop_zero_points(query: str, drop: bool) -> None:
    assert parse(query).drop_zero_points is drop


@pytest.mark.parametrize(
    ("query", "types"),
    [
        ("type=usages", {"usages"}),
        ("type=usages%2Cactivity", {"usages", "activity"}),
        ("type=usages,bogus", {"usages"}),
        ("type=bogus", ALL_TYPES),
        ("type=", ALL_TYPES),
        ("type=,", ALL_TYPES),
        ("type=slop-usages", ALL_TYPES),
    ],
)
def test_types(query: str, types: set[str]) -> None:
    assert parse(query).types == types


def test_filters() -> None:
    parsed = parse("userId=u1&userIds=u1,u2&projectIds=p1,p2&teamId=team_x")
    assert parsed.user_ids == {"u1"}
    assert parsed.project_ids == {"p1", "p2"}
    assert parsed.team_id == "team_x"
    assert parse("userId=u1&userIds=u2").user_ids == frozenset()
    assert parse("userIds=&projectIds=&teamId=") == UsageQuery()


def test_equal_queries_compare_equal() -> None:
    assert parse("type=usages,activity&timeRange=last-day") == parse("timeRange=last-day&type=activity,usages")


# -- over HTTP -------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, headers=BASIC, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def lenient() -> Iterator[httpx.Client]:
    """A second live server, with `lenient` on."""
    server, thread, url = start_server(Settings(now=NOW, lenient=True, log_requests=False))
    try:
        with httpx.Client(base_url=url + "/v1", headers=BASIC, timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)


def assert_error_body(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].split(";")[0] == "application/json"
    body = response.json()
    assert {"reason", "message", "code", "traceId"} <= set(body), body
    assert isinstance(body["reason"], str) and body["reason"] and body["message"] == body["reason"]
    assert isinstance(body["traceId"], str) and body["traceId"]
    return body


@pytest.mark.parametrize("query", BAD)
def test_bad_query_is_a_json_400(http: httpx.Client, query: str) -> None:
    body = assert_error_body(http.get("/usages?" + query + "&type=activity"), 400)
    assert body["code"] == "INVALID_PARAMETER"


@pytest.mark.parametrize("text", [NOT_ISO_FORMS[0], NOT_ISO_FORMS[2]])
def test_not_iso_date_is_a_json_400(http: httpx.Client, text: str) -> None:
    assert_error_body(http.get("/usages", params={"startDate": text, "endDate": "2026-05-02"}), 400)


def test_trace_ids_are_unique(http: httpx.Client) -> None:
    traces = {http.get("/usages?timeRange=nope").json()["traceId"] for _ in range(3)}
    assert len(traces) == 3


def test_message_names_the_problem(http: httpx.Client) -> None:
    assert "timeRange" in http.get("/usages?timeRange=last-year").json()["message"]
    assert "120 days" in http.get("/usages?startDate=2026-01-01&endDate=2026-05-01").json()["message"]


@pytest.mark.parametrize("time_range", ["last-year", "last-hour", ""])
def test_time_range_ignored_over_http_when_both_dates_are_given(http: httpx.Client, time_range: str) -> None:
    dates = "startDate=2026-11-20&endDate=2026-11-21&type=usages,consumption"
    with_range = http.get(f"/usages?timeRange={time_range}&{dates}")
    assert with_range.status_code == 200
    assert with_range.content == http.get(f"/usages?{dates}").content


def test_empty_time_range_is_the_default_over_http(http: httpx.Client) -> None:
    default = http.get("/usages?type=usages,activity").content
    assert http.get("/usages?timeRange=&type=usages,activity").content == default
    assert http.get("/usages?timeRange=last-seven-days&type=usages,activity").content == default


def test_date_only_end_date_covers_that_day(http: httpx.Client) -> None:
    response = http.get("/usages?startDate=2026-11-28&endDate=2026-11-28&type=usages")
    assert response.status_code == 200
    points = response.json()["usages"][0]["points"]
    assert response.json()["usages"][0]["granularity"] == "15m"
    assert len(points) == 96
    assert (points[0]["time"], points[-1]["time"]) == ("2026-11-28T00:00:00.000Z", "2026-11-28T23:45:00.000Z")
    explicit = http.get("/usages?startDate=2026-11-28T00:00:00.000Z&endDate=2026-11-29T00:00:00.000Z&type=usages")
    assert explicit.content == response.content


def test_date_only_end_date_counts_the_events_of_that_day(http: httpx.Client) -> None:
    day = http.get("/usages?startDate=2026-11-27&endDate=2026-11-27&type=consumption").json()
    halves = [
        http.get(f"/usages?startDate={s}&endDate={e}&type=consumption").json()
        for s, e in (("2026-11-27T00:00Z", "2026-11-27T12:00Z"), ("2026-11-27T12:00Z", "2026-11-28T00:00Z"))
    ]
    assert day["consumption"], "expected activity on a Friday"
    total = sum(row["value"] for row in day["consumption"])
    assert total == pytest.approx(sum(row["value"] for half in halves for row in half["consumption"]))


@pytest.mark.parametrize("query", BAD)
def test_lenient_server_never_answers_400(lenient: httpx.Client, query: str) -> None:
    response = lenient.get("/usages?" + query + "&type=usages,consumption")
    assert response.status_code == 200, response.text[:300]
    # The bad values count as absent: the default window, or the valid timeRange that came with them.
    time_range = "timeRange=last-day&" if "timeRange=last-day" in query else ""
    assert response.content == lenient.get(f"/usages?{time_range}type=usages,consumption").content


def test_lenient_server_keeps_good_values(lenient: httpx.Client, http: httpx.Client) -> None:
    query = "/usages?startDate=2026-11-20&endDate=2026-11-21&type=usages,activity&activityOffset=5"
    assert lenient.get(query).content == http.get(query).content


# -- random queries --------------------------------------------------------------------------------------------------
TEXT = st.text(max_size=40) | st.sampled_from(
    ["", "last-day", "2026-11-20", "2026-11-20T10:00Z", "0", "-1", "nan", "true", "usages,activity", ",", "%", "+"]
)
NAMES = st.sampled_from(PARAMETERS) | st.text(max_size=12)
GARBAGE = st.lists(st.tuples(NAMES, TEXT), max_size=12)


@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=GARBAGE)
def test_garbage_queries_give_200_or_a_json_400(http: httpx.Client, items: list[tuple[str, str]]) -> None:
    response = http.get("/usages", params=[*items, ("type", "consumption")])
    assert response.status_code in (200, 400), f"{items!r} -> {response.status_code} {response.text[:300]}"
    if response.status_code == 400:
        assert_error_body(response, 400)
    else:
        assert response.headers["content-type"].split(";")[0] == "application/json"
        assert "entities" in response.json()


@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=GARBAGE)
def test_garbage_queries_on_a_lenient_server_give_200(lenient: httpx.Client, items: list[tuple[str, str]]) -> None:
    response = lenient.get("/usages", params=[*items, ("type", "consumption")])
    assert response.status_code == 200, f"{items!r} -> {response.status_code} {response.text[:300]}"


@pytest.mark.slow
@settings(
    max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(items=GARBAGE)
def test_many_garbage_queries_never_give_a_5xx(http: httpx.Client, items: list[tuple[str, str]]) -> None:
    response = http.get("/usages", params=items)
    assert response.status_code in (200, 400), f"{items!r} -> {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].split(";")[0] == "application/json"
