"""`check_decisions` on real mock answers (every applicable decision agrees) and on answers doctored to break each
decision (that decision differs, with evidence naming the place); an uncertain instant accepts what it explains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockserver.proxy.capture import Capture
from mockserver.proxy.decisions import DECISIONS, check_decisions, instant_bounds
from tests.conftest import NOW, NOW_TEXT
from tests.proxy.conftest import READ_PATHS, USAGES_QUERIES, Mock, doctored

USAGES_DECISIONS = {
    "granularity",
    "bucket-alignment",
    "density",
    "zero-filled-rows",
    "activity-paging",
    "consumption-order",
    "consumption-total",
    "non-negative",
    "api-key-share",
    "creative-unit-totals",
    "entities-coverage",
    "entities-sorted",
    "timestamps",
}


def verdicts(capture: Capture) -> dict[str, str]:
    return {f.decision: f.verdict for f in check_decisions(capture)}


def finding(capture: Capture, decision: str) -> Any:
    (found,) = [f for f in check_decisions(capture) if f.decision == decision]
    return found


@pytest.mark.parametrize("query", USAGES_QUERIES)
def test_plain_usages_answers_agree_with_every_decision_that_applies(mock: Mock, query: str) -> None:
    capture = mock.capture(f"/v1/usages?{query}")
    found = verdicts(capture)
    expected = USAGES_DECISIONS - ({"density"} if "dropZeroPoints" in query else set())
    expected |= {"drop-zero-points"} if "dropZeroPoints" in query else set()
    assert found.keys() == expected
    assert set(found.values()) == {"agrees"}, [f for f in check_decisions(capture) if f.verdict != "agrees"]


def test_plain_read_answers_and_errors_agree(mock: Mock) -> None:
    for target in (*READ_PATHS, *mock.retrieve_targets()):
        found = verdicts(mock.capture(target))
        assert "envelope" in found and not found.keys() & USAGES_DECISIONS, target
        assert set(found.values()) == {"agrees"}, (target, check_decisions(mock.capture(target)))
    assert verdicts(mock.capture("/v1/jobs")).keys() == {"envelope", "page-size", "pagination-token", "list-order"}
    for target in ("/v1/jobs/job_unknown", "/v1/usages?timeRange=forever", "/v1/usages?startDate=2026-01-01"):
        assert verdicts(mock.capture(target)) == {"error-body": "agrees"}, target


def test_the_instant_is_the_capture_time_else_the_date_header_else_unknown() -> None:
    timed = Capture(path="/v1/usages", time=NOW, elapsed_ms=40)
    assert instant_bounds(timed) == (NOW - 1040, NOW + 1040)
    dated = Capture(path="/v1/usages", response_headers={"date": "Mon, 30 Nov 2026 14:37:12 GMT"})
    low, high = instant_bounds(dated)
    assert low <= NOW - 345 and high >= NOW
    assert instant_bounds(Capture(path="/v1/usages")) == (float("-inf"), float("inf"))


def test_an_unknown_instant_accepts_any_consistent_window_and_a_wrong_one_differs(mock: Mock) -> None:
    capture = doctored(mock.capture("/v1/usages?timeRange=last-hour"), "untimed")
    assert capture.response_headers.pop("x-mock-now") == NOW_TEXT  # a mockserver upstream says its instant
    capture.time = None
    capture.response_headers.pop("date", None)
    assert verdicts(capture)["density"] == "agrees"
    capture.time = NOW + 2 * 3_600_000  # two hours later: the points are an old window
    density = finding(capture, "density")
    assert density.verdict == "differs" and "no instant" in density.evidence


def _shift_point(body: dict[str, Any]) -> None:
    body["usages"][0]["points"][3]["time"] = body["usages"][0]["points"][3]["time"].replace(
        ":00:00.000Z", ":01:00.000Z"
    )


def _drop_point(body: dict[str, Any]) -> None:
    del body["assetUsages"][2]["points"][5]


def _drop_row(body: dict[str, Any]) -> None:
    body["usages"] = [row for row in body["usages"] if row["usageName"] != "upscale"]


def _break_verdict_total(body: dict[str, Any]) -> None:
    total = next(row for row in body["qualityGateUsages"] if row["verdict"] == "total")
    total["points"][4]["count"] += 1


def _swap_consumption(body: dict[str, Any]) -> None:
    rows = body["consumption"]
    rows[0], rows[1] = rows[1], rows[0]


def _break_total(body: dict[str, Any]) -> None:
    body["consumption"][2]["total"] += 5


def _negative_cost(body: dict[str, Any]) -> None:
    body["modelUsages"][0]["points"][1]["cost"] = -3


def _share_over_total(body: dict[str, Any]) -> None:
    point = body["usages"][0]["points"][2]
    point["apiKey"] = str(int(point["value"]) + 1)


def _cu_mismatch(body: dict[str, Any]) -> None:
    row = next(row for row in body["usages"] if row["usageName"] == "creative-unit-cost")
    row["points"][0]["value"] = str(float(row["points"][0]["value"]) + 7)


def _forget_user(body: dict[str, Any]) -> None:
    user = body["activity"][0]["userId"]
    body["entities"]["users"] = [u for u in body["entities"]["users"] if u["id"] != user]


def _unsort_jobs(body: dict[str, Any]) -> None:
    body["entities"]["jobs"].reverse()


def _seconds_only(body: dict[str, Any]) -> None:
    body["activity"][4]["time"] = body["activity"][4]["time"][:19] + "Z"


def _unsort_activity(body: dict[str, Any]) -> None:
    body["activity"].reverse()


def _wrong_granularity(body: dict[str, Any]) -> None:
    body["usages"][5]["granularity"] = "5m"


BREAKS = [
    pytest.param("", _wrong_granularity, "granularity", "$.usages[5].granularity", id="granularity"),
    pytest.param("", _shift_point, "bucket-alignment", "$.usages[0].points[3].time", id="misaligned-point"),
    pytest.param("", _drop_point, "density", "$.assetUsages[2]", id="missing-point"),
    pytest.param("", _drop_row, "zero-filled-rows", "upscale", id="missing-row"),
    pytest.param("", _break_verdict_total, "zero-filled-rows", "pass+warn+fail", id="verdict-total"),
    pytest.param("", _unsort_activity, "activity-paging", "is newer than", id="activity-order"),
    pytest.param("", _swap_consumption, "consumption-order", "$.consumption[1]", id="unsorted-consumption"),
    pytest.param("", _break_total, "consumption-total", "$.consumption[2]", id="consumption-total"),
    pytest.param("", _negative_cost, "non-negative", "$.modelUsages[0].points[1].cost", id="negative"),
    pytest.param("", _share_over_total, "api-key-share", "$.usages[0].points[2]", id="api-key-share"),
    pytest.param("", _cu_mismatch, "creative-unit-totals", "creative-unit-cost", id="cu-totals"),
    pytest.param("", _forget_user, "entities-coverage", "$.activity[0].userId", id="missing-entity"),
    pytest.param("", _unsort_jobs, "entities-sorted", "$.entities.jobs", id="unsorted-entities"),
    pytest.param("", _seconds_only, "timestamps", "$.activity[4].time", id="timestamp"),
]


@pytest.mark.parametrize(("query", "edit", "decision", "named"), BREAKS)
def test_a_doctored_usages_answer_differs_from_its_decision_with_evidence(
    mock: Mock, query: str, edit: Callable[[dict[str, Any]], None], decision: str, named: str
) -> None:
    capture = doctored(mock.capture(f"/v1/usages?{query}"), f"broken-{decision}.json")
    edit(capture.body)
    found = finding(capture, decision)
    assert found.verdict == "differs"
    assert named in found.evidence
    assert found.capture == f"broken-{decision}.json"


def test_drop_zero_points_differs_on_an_all_zero_point(mock: Mock) -> None:
    capture = doctored(mock.capture("/v1/usages?timeRange=last-day&dropZeroPoints"), "zero-point")
    row = body_row(capture.body, "assetUsages", "kind", "3d")
    row["points"].append({"time": capture.body["usages"][0]["points"][0]["time"], "count": 0, "countApiKey": 0})
    found = finding(capture, "drop-zero-points")
    assert found.verdict == "differs" and "all zero" in found.evidence
    plain = mock.capture("/v1/usages?timeRange=last-day&dropZeroPoints=off")
    assert "drop-zero-points" not in verdicts(plain) and verdicts(plain)["density"] == "agrees"


def body_row(body: dict[str, Any], series: str, key: str, name: str) -> dict[str, Any]:
    row: dict[str, Any] = next(r for r in body[series] if r[key] == name)
    return row


def test_a_doctored_read_answer_differs(mock: Mock) -> None:
    short = doctored(mock.capture("/v1/jobs?pageSize=3"), "short-page")
    short.body["jobs"].pop()
    assert finding(short, "pagination-token").verdict == "differs"
    reversed_page = doctored(mock.capture("/v1/jobs?pageSize=3"), "reversed")
    reversed_page.body["jobs"].reverse()
    assert finding(reversed_page, "list-order").verdict == "differs"
    oversized = doctored(mock.capture("/v1/jobs"), "oversized")
    oversized.body["jobs"].append(oversized.body["jobs"][-1])
    assert "more than the page size 50" in finding(oversized, "page-size").evidence
    no_envelope = doctored(mock.capture(mock.retrieve_targets()[2]), "no-envelope")
    no_envelope.body = {"data": no_envelope.body["project"]}
    assert finding(no_envelope, "envelope").verdict == "differs"


@pytest.mark.parametrize(
    ("status", "body", "text", "headers", "named"),
    [
        pytest.param(400, {"reason": "bad", "message": "bad", "code": "X"}, None, {}, "traceId", id="no-trace-id"),
        pytest.param(401, {"message": "nope"}, None, {}, "reason", id="gateway-style"),
        pytest.param(
            400, {"reason": "a", "message": "b", "code": "X", "traceId": "t"}, None, {}, "not the text", id="two-texts"
        ),
        pytest.param(
            429,
            {"reason": "cooldown", "message": "cooldown", "code": "RATE_LIMITED", "traceId": "t"},
            None,
            {"retry-after": "3"},
            "remainingSeconds",
            id="429-without-seconds",
        ),
        pytest.param(
            429,
            {"reason": "c", "message": "c", "code": "RATE_LIMITED", "traceId": "t", "remainingSeconds": 3},
            None,
            {},
            "Retry-After",
            id="429-without-header",
        ),
        pytest.param(502, None, "<html>Bad gateway</html>", {}, "not a JSON object", id="not-json"),
    ],
)
def test_a_bad_error_body_differs(
    status: int, body: Any, text: str | None, headers: dict[str, str], named: str
) -> None:
    capture = Capture(path="/v1/usages", status=status, body=body, text=text, response_headers=headers, source="e")
    assert [(f.decision, f.verdict) for f in check_decisions(capture)] == [("error-body", "differs")]
    assert named in check_decisions(capture)[0].evidence


def test_every_decision_is_described() -> None:
    assert len(DECISIONS) == 19
    assert all(text for text in DECISIONS.values())
