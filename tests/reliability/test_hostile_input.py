"""Hostile input: huge or repeated query parameters, header values aimed at files or logs, credentials that must not
be recorded, and scenario files built to exhaust the loader (through `mockserver validate` and live reload).

Everything is answered quickly with the API's JSON error body (for bytes HTTP itself forbids, the HTTP server's own
JSON 400 `INVALID_REQUEST`), never a 5xx or a traceback; every log line stays one line of printable text.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.cli import main
from mockserver.scenario.budget import MAX_BYTES, MAX_WRITTEN
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, start_server
from tests.reliability.rawhttp import get_line, raw_request

QUICK_S = 1.0  # an answer to a hostile request
LOADER_S = 5.0  # a verdict on a hostile scenario file
KNOWN = "default, edge-cases, empty-team, heavy-usage, revoked-keys, workflow-jobs"
REQUEST_LOG = "mockserver.requests"
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server, thread, url = start_server(Settings(now=NOW, log_requests=True))
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=REQUEST_LOG)
    return caplog


def log_lines(caplog: pytest.LogCaptureFixture, count: int) -> list[str]:
    """The request log lines, once at least `count` were written (the line follows the response)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [r.getMessage() for r in caplog.records if r.name == REQUEST_LOG]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


def assert_printable(lines: list[str]) -> None:
    for line in lines:
        assert not UNPRINTABLE.search(line), f"a control character reached the log: {line!r}"


# --- huge and repeated query parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(b"userId=" + b"u" * 100_000, id="100KB-value"),
        pytest.param(b"&".join([b"x%d=1" % i for i in range(13_000)]), id="13000-names"),
        pytest.param(b"&".join([b"type=quality-gate-usages"] * 5_000), id="5000-repeated-type-120KB"),
    ],
)
def test_a_100kb_query_string_is_refused_quickly(server_url: str, query: bytes) -> None:
    assert len(query) >= 100_000
    status, _, body, elapsed = raw_request(server_url, get_line(b"/v1/usages?" + query))
    assert status in (400, 414)
    assert elapsed < QUICK_S
    assert b"Traceback" not in body


def test_a_100kb_query_string_gets_the_json_error_body(server_url: str) -> None:
    status, headers, body, _ = raw_request(server_url, get_line(b"/v1/usages?userId=" + b"u" * 100_000))
    assert status == 414
    assert b"content-type: application/json" in headers.lower()
    error = httpx.Response(status, content=body).json()
    assert set(error) >= {"reason", "message", "code", "traceId"}
    assert error["code"] == "URI_TOO_LONG"


@pytest.mark.parametrize(
    "query",
    [
        # each under the 64 KB that a request target can have (see the test above)
        pytest.param([("type", "usages")] * 5_000, id="5000-type"),
        pytest.param([("type", "nope")] * 5_000, id="5000-unknown-type"),
        pytest.param([("userIds", "a,b")] * 4_000, id="4000-userIds"),
        pytest.param([("activityOffset", "100")] * 3_000, id="3000-activityOffset"),
        pytest.param([("type", ",".join(["usages"] * 5_000))], id="5000-comma-separated"),
        pytest.param([("startDate", "2026-11-01"), ("endDate", "2026-11-02")] * 1_500, id="1500-date-pairs"),
        pytest.param([("timeRange", "last-day")] * 3_000, id="3000-timeRange"),
    ],
)
def test_thousands_of_repeated_parameters_are_answered_quickly(
    server_url: str, query: list[tuple[str, str]], request_log: pytest.LogCaptureFixture
) -> None:
    started = time.perf_counter()
    response = httpx.get(server_url + "/v1/usages", params=query, headers=BASIC, timeout=10)
    assert time.perf_counter() - started < QUICK_S
    assert response.status_code in (200, 400, 414)
    assert response.headers["content-type"] == "application/json"
    lines = log_lines(request_log, 1)
    assert lines and all(len(line) < 1000 for line in lines), "a log line is bounded, whatever the query"


# --- header values aimed at files and logs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(b"../../etc/passwd", id="dot-dot"),
        pytest.param(b"/etc/passwd", id="absolute"),
        pytest.param(b"..%2f..%2fetc%2fpasswd", id="percent-encoded"),
        pytest.param(b"default.yaml", id="file-name"),
        pytest.param(b"default/../default", id="dot-dot-inside"),
        pytest.param(b"\\\\server\\share", id="windows-share"),
        pytest.param("café".encode(), id="utf-8"),
        pytest.param(b"\xff\xfe", id="not-utf-8"),
        pytest.param(b"a" * 8_000, id="8KB"),
    ],
)
def test_scenario_header_values_are_names_looked_up_in_memory_only(
    server_url: str, name: bytes, request_log: pytest.LogCaptureFixture
) -> None:
    before = httpx.get(server_url + "/__admin/scenarios").json()
    status, _, body, elapsed = raw_request(
        server_url, get_line(b"/v1/usages?type=consumption", b"X-Mock-Scenario: " + name)
    )
    assert status == 404 and elapsed < QUICK_S
    error = httpx.Response(status, content=body).json()
    assert error["code"] == "UNKNOWN_SCENARIO"
    assert error["reason"].endswith(f"known scenarios: {KNOWN}")
    assert len(error["reason"]) < 300, "the name is shown cut"
    assert "root:" not in body.decode("utf-8", "replace"), "no file content"
    assert httpx.get(server_url + "/__admin/scenarios").json() == before, "nothing was loaded or recorded"
    assert_printable(log_lines(request_log, 1))


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b"X-Mock-Scenario: default\x00../../etc/passwd", id="scenario-NUL"),
        pytest.param(b"X-Mock-Scenario: default\r../../etc/passwd", id="scenario-bare-CR"),
        pytest.param(b"X-Mock-Scenario: default\n\x00", id="scenario-bare-LF-NUL"),
        pytest.param(b"X-Mock-Scenario: \x1b[2J\x1b[31mred", id="scenario-terminal-escapes"),
        pytest.param(b"X-Mock-Fault: 500\x00", id="fault-NUL"),
        pytest.param(b"Authorization: Basic dGVzdDp0ZXN0\x00", id="authorization-NUL"),
    ],
)
def test_control_bytes_in_header_values_are_refused(
    server_url: str, header: bytes, request_log: pytest.LogCaptureFixture, caplog: pytest.LogCaptureFixture
) -> None:
    status, headers, body, elapsed = raw_request(server_url, get_line(b"/v1/usages?type=consumption", header))
    assert status in (400, 404) and elapsed < QUICK_S  # the HTTP parser's 400, or the JSON 404 of an unknown name
    assert b"content-type: application/json" in headers.lower()
    assert httpx.Response(status, content=body).json()["code"] in ("INVALID_REQUEST", "UNKNOWN_SCENARIO")
    time.sleep(0.05)
    assert_printable([r.getMessage() for r in caplog.records])


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b"X-Mock-Fault: ../../etc/passwd", id="fault-path"),
        pytest.param(b"X-Mock-Fault: " + b"5" * 10_000, id="fault-10KB"),
        pytest.param(b"X-Mock-Fault: 500; body=%0d%0aInjected", id="fault-crlf-encoded"),
        pytest.param(b"X-Mock-Latency: 999999999999s", id="latency-huge"),
        pytest.param(b"X-Mock-Latency: ../../1s", id="latency-path"),
    ],
)
def test_malformed_control_headers_are_a_json_400(
    server_url: str, header: bytes, request_log: pytest.LogCaptureFixture
) -> None:
    status, _, body, elapsed = raw_request(server_url, get_line(b"/v1/usages?type=consumption", header))
    assert status == 400 and elapsed < QUICK_S
    assert httpx.Response(status, content=body).json()["code"]
    lines = log_lines(request_log, 1)
    assert_printable(lines)
    assert all(len(line) < 1000 for line in lines)


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(b"/v1/usages?type=usages%0d%0aINJECTED%20200%0a%00", id="query-crlf-nul"),
        pytest.param(b"/v1/usages%0d%0aGET%20/fake%20200", id="path-crlf"),
        pytest.param(b"/v1/usages%00/../../etc/passwd", id="path-nul"),
        pytest.param(b"/v1/usages?type=%1b%5b2J%1b%5b31m", id="query-escapes"),
        pytest.param(b"/v1/usages?type=\x1b[2J", id="raw-escape-in-query"),
    ],
)
def test_crlf_and_control_characters_in_the_target_stay_inside_one_log_line(
    server_url: str, target: bytes, request_log: pytest.LogCaptureFixture
) -> None:
    status, headers, body, elapsed = raw_request(server_url, get_line(target))
    assert status in (200, 400, 404) and elapsed < QUICK_S
    assert b"content-type: application/json" in headers.lower()
    if httpx.Response(status, content=body).json().get("code") == "INVALID_REQUEST":
        return  # the HTTP parser refused the bytes: nothing reached the app, nothing was logged
    lines = log_lines(request_log, 1)
    assert lines
    assert_printable(lines)


# --- credentials ----------------------------------------------------------------------------------------------------

SECRET = "s3cr3t-Zq8vXw"


def _credential_requests() -> list[tuple[dict[str, str], list[tuple[str, str]]]]:
    basic = base64.b64encode(f"api_someKey:{SECRET}-basic".encode()).decode()
    declared = base64.b64encode(f"api_ciRenderBot00000000001:{SECRET}-wrong".encode()).decode()
    return [
        ({"Authorization": f"Basic {basic}"}, [("type", "consumption")]),
        ({"Authorization": f"Basic {declared}"}, [("type", "consumption")]),  # a declared key, wrong secret: 401
        ({"Authorization": f"Bearer {SECRET}-bearer"}, [("type", "consumption")]),
        ({"Authorization": f"Basic {SECRET}-not-base64"}, []),  # malformed: 401
        ({"Authorization": f"Bearer {SECRET}-bearer", "X-Api-Key": f"{SECRET}-header"}, []),
        ({"Authorization": f"Bearer {SECRET}-bearer", "Cookie": f"session={SECRET}-cookie"}, []),
        ({"Authorization": f"Bearer {SECRET}-bearer", "X-Mock-Scenario": "no-such"}, []),  # 404
        ({"Authorization": f"Bearer {SECRET}-bearer"}, [("timeRange", "bad")]),  # 400
    ]


def test_credentials_never_reach_the_journal_nor_the_log_nor_an_error_body(
    server_url: str, request_log: pytest.LogCaptureFixture
) -> None:
    httpx.post(server_url + "/__admin/reset")
    requests = _credential_requests()
    statuses = set()
    for headers, query in requests:
        response = httpx.get(server_url + "/v1/usages", params=query, headers=headers, timeout=30)
        statuses.add(response.status_code)
        assert SECRET not in response.text
        assert headers["Authorization"].split(" ", 1)[1] not in response.text
    assert statuses == {200, 400, 401, 404}
    journal = httpx.get(server_url + "/__admin/journal").text
    assert journal.count('"status"') >= len(requests), "every request is in the journal"
    lines = log_lines(request_log, len(requests))
    assert len(lines) >= len(requests)
    for text in [journal, *lines]:
        assert SECRET not in text
        assert base64.b64encode(SECRET.encode()).decode()[:8] not in text


def test_credentials_in_the_query_string_never_reach_the_log(
    server_url: str, request_log: pytest.LogCaptureFixture
) -> None:
    query = [("type", "consumption"), ("apiSecret", SECRET), ("token", SECRET), ("api_key", SECRET)]
    assert httpx.get(server_url + "/v1/usages", params=query, headers=BASIC).status_code == 200
    journal = httpx.get(server_url + "/__admin/journal").text
    assert SECRET not in journal
    assert all(SECRET not in line for line in log_lines(request_log, 1))


# --- hostile scenario files -----------------------------------------------------------------------------------------


def _nested_flow(depth: int) -> str:
    return "nsfwLabels: " + "[" * depth + "]" * depth + "\n"


def _nested_blocks(depth: int) -> str:
    return "team:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(depth)) + " " * (depth + 1) + "b: 1\n"


def _billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "name: bomb\n" + "\n".join(lines) + "\nnsfwLabels: *a9\n"


HOSTILE = [
    pytest.param(_billion_laughs(), "alias expansion", id="billion-laughs"),
    pytest.param("a: &a [*a]\nnsfwLabels: *a\n", "", id="recursive-alias"),
    pytest.param("name: !!python/object/apply:os.system ['touch {marker}']\n", "unsupported tag", id="python-apply"),
    pytest.param("name: !!python/object/new:os.system ['touch {marker}']\n", "unsupported tag", id="python-new"),
    pytest.param("name: !!python/name:os.system\n", "unsupported tag", id="python-name"),
    pytest.param("description: !!binary aGVsbG8=\n", "unsupported tag", id="binary-tag"),
    pytest.param(_nested_flow(10_000), "nested", id="10000-deep-lists"),
    pytest.param("team: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", "nested", id="10000-deep-mappings"),
    pytest.param(_nested_blocks(2_500), "nested", id="2500-deep-blocks"),
    pytest.param("description: " + "x" * 20_000_000 + "\n", "file too large", id="20MB"),
    pytest.param("people: " + "9" * 5_000 + "\n", "", id="5000-digit-integer"),
    pytest.param("name: a\x00b\n", "unacceptable character", id="NUL-in-yaml"),
]


def _hostile_file(directory: Path, name: str, text: str) -> tuple[Path, Path]:
    marker = directory / "pwned"
    path = directory / name
    path.write_text(text.replace("{marker}", str(marker)), encoding="utf-8")
    return path, marker


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_hostile_scenario_files_are_clean_validate_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path, marker = _hostile_file(tmp_path, "hostile.yaml", text)
    started = time.perf_counter()
    code = main(["validate", str(path)])
    elapsed = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert code == 1
    assert elapsed < LOADER_S
    assert "Traceback" not in out + err
    lines = out.splitlines()
    assert 1 <= len(lines) <= 5, lines[:10]
    for line in lines:
        assert line.startswith(f"{path}:") and re.match(r"^\S+:\d+:\d+: \S+: ", line), line[:300]
        assert len(line) < 500, "a problem is one short line, whatever the file holds"
    assert expected in out
    assert not marker.exists(), "a YAML tag ran code"


def test_aliases_of_a_long_string_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "amplified.yaml"
    path.write_text("description: &x " + "a" * 100_000 + "\nnsfwLabels: [" + ", ".join(["*x"] * 1_000) + "]\n")
    assert path.stat().st_size < 110_000
    assert main(["validate", str(path)]) == 1
    assert "too large" in capsys.readouterr().out


@pytest.mark.slow
def test_a_huge_flow_list_is_refused_within_the_time_bound(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("nsfwLabels: [" + ", ".join(["x"] * (MAX_WRITTEN + 10)) + "]\n")
    assert path.stat().st_size < MAX_BYTES, "refused for its values, not its size"
    started = time.perf_counter()
    assert main(["validate", str(path)]) == 1
    assert "document too large" in capsys.readouterr().out
    assert time.perf_counter() - started < LOADER_S


@pytest.fixture(scope="module")
def reload_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("reload")
    (directory / "alpha.yaml").write_text("name: alpha\nseed: 1\npeople: 2\nteam: {id: team_alpha}\n")
    return directory


@pytest.fixture(scope="module")
def reload_url(reload_dir: Path) -> Iterator[str]:
    settings = Settings(scenarios_dir=reload_dir, scenario="alpha", now=NOW, log_requests=False, reload=True)
    server, thread, url = start_server(settings)
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_hostile_scenario_files_on_live_reload_keep_the_last_good_world(
    reload_url: str, reload_dir: Path, text: str, expected: str
) -> None:
    """A hostile edit becomes a scenario error in the admin listing; the last good world keeps serving."""

    def errors() -> list[dict[str, object]]:
        return list(httpx.get(reload_url + "/__admin/scenarios").json()["errors"])

    good = (reload_dir / "alpha.yaml").read_text()
    path, marker = _hostile_file(reload_dir, "alpha.yaml", text)
    try:
        started = time.monotonic()
        while not errors() and time.monotonic() - started < LOADER_S + 2:
            time.sleep(0.05)
        [error] = errors()
        problems = [str(p) for p in error["problems"]]  # type: ignore[attr-defined]
        assert 1 <= len(problems) <= 5 and expected in " ".join(problems)
        assert all("\n" not in p and len(p) < 500 for p in problems)
        response = httpx.get(reload_url + "/v1/usages", params={"type": "consumption"}, headers=BASIC, timeout=30)
        assert response.status_code == 200
        assert httpx.get(reload_url + "/__admin/scenarios").json()["scenarios"][0]["team"] == "team_alpha"
        assert not marker.exists()
    finally:
        path.write_text(good)
        deadline = time.monotonic() + LOADER_S + 5
        while errors() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert not errors()
