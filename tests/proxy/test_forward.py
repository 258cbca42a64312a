"""The forwarding proxy: a real mockserver behind `mockserver proxy` (the SDK gets the upstream's bytes), misbehaving
upstreams written here as tiny socket servers (504 and 502 JSON errors), captures, logs and the CLI."""

from __future__ import annotations

import base64
import contextlib
import gzip
import logging
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from scenario_sdk import Scenario

from mockserver.api.server import server_config
from mockserver.cli import main
from mockserver.errors import CaptureError
from mockserver.proxy.capture import Capture, read_capture
from mockserver.proxy.forward import (
    ProxySettings,
    build_proxy_app,
    check_upstream,
    proxy_server_options,
    target_path,
)
from mockserver.settings import Settings
from tests.conftest import NOW, basic_header, free_port, start_server, stop_process

KEY, SECRET = "api_ciRenderBot00000000001", "ci-render-secret"  # a key the default scenario declares
AUTH = basic_header(KEY, SECRET)
ENCODED = AUTH["Authorization"].removeprefix("Basic ")
QUERY_SECRET = "query-secret-never-shown"


# -- servers ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server, thread, url = start_server(Settings(now=NOW, log_requests=False))
    yield url
    server.should_exit = True
    thread.join(10)


@contextlib.contextmanager
def proxying(settings: ProxySettings, observers: Sequence[Any] = ()) -> Iterator[str]:
    """A real uvicorn server of the proxy app for the block, as `mockserver proxy` runs it: its URL."""
    port = free_port()
    config = server_config(build_proxy_app(settings, observers=observers), "127.0.0.1", port, Settings())
    config.server_header = config.date_header = False  # as proxy_server_options() says
    assert proxy_server_options()["server_header"] is False
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the proxy did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def proxy(upstream: str) -> Iterator[str]:
    with proxying(ProxySettings(upstream, log_requests=True)) as url:
        yield url


class RawUpstream:
    """An upstream on 127.0.0.1 that reads each request head, then does `behave(self, conn)`: answer, hang, reset."""

    def __init__(self, behave: Callable[[RawUpstream, socket.socket], None], *, read_head: bool = True) -> None:
        self.behave = behave
        self.read_head = read_head  # False: `behave` as soon as a connection is accepted (a TLS client says no head)
        self.heads: list[bytes] = []
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while self.read_head and b"\r\n\r\n" not in head and len(head) < 65_536:
                    chunk = conn.recv(65_536)
                    if not chunk:
                        return
                    head += chunk
                self.heads.append(head)
                self.behave(self, conn)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@contextlib.contextmanager
def raw_upstream(behave: Callable[[RawUpstream, socket.socket], None], read_head: bool = True) -> Iterator[RawUpstream]:
    server = RawUpstream(behave, read_head=read_head)
    try:
        yield server
    finally:
        server.close()


def answering(response: bytes) -> Callable[[RawUpstream, socket.socket], None]:
    def behave(server: RawUpstream, conn: socket.socket) -> None:
        conn.sendall(response)

    return behave


def hanging(server: RawUpstream, conn: socket.socket) -> None:
    server.stop.wait(10)


def resetting(server: RawUpstream, conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close() sends a TCP RST


def closing(server: RawUpstream, conn: socket.socket) -> None:
    conn.shutdown(socket.SHUT_RDWR)


def wait_for_files(directory: Path, count: int) -> list[Path]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        files = sorted(directory.glob("*.json"))
        if len(files) >= count:
            return files
        time.sleep(0.02)
    raise AssertionError(f"expected {count} capture files in {directory}, found {sorted(directory.iterdir())}")


def without_date(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.multi_items() if k != "date"]


# -- the URL rule ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("upstream", "path", "expected"),
    [
        pytest.param("https://api.cloud.scenario.com/v1", b"/v1/usages", b"/v1/usages", id="base-v1"),
        pytest.param("https://api.cloud.scenario.com/v1/", b"/usages", b"/v1/usages", id="base-v1-slash-no-prefix"),
        pytest.param("http://127.0.0.1:4010", b"/v1/jobs/job_1", b"/v1/jobs/job_1", id="no-path-means-v1"),
        pytest.param("http://127.0.0.1:4010", b"/teams/", b"/v1/teams/", id="trailing-slash-kept"),
        pytest.param("https://gw.example/x/v1", b"/v1/teams/t/limits", b"/x/v1/teams/t/limits", id="deep"),
        pytest.param("https://gw.example/api", b"/v1/usages", b"/api/usages", id="base-replaces-v1"),
        pytest.param("http://h", b"/v1/assets/a%2Fb", b"/v1/assets/a%2Fb", id="raw-path-kept"),
    ],
)
def test_a_path_below_v1_goes_under_the_upstream_base(upstream: str, path: bytes, expected: bytes) -> None:
    assert target_path(httpx.URL(check_upstream(upstream)), path) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("ftp://x/v1", "expected an http:// or https:// URL", id="scheme"),
        pytest.param("api.cloud.scenario.com", "expected an http:// or https:// URL", id="no-scheme"),
        pytest.param("https://k:s@api.cloud.scenario.com/v1", "may not hold credentials", id="userinfo"),
        pytest.param("https://api.cloud.scenario.com/v1?x=1", "may not have a query", id="query"),
        pytest.param("http://[::1/v1", "not a URL", id="unparsable"),
    ],
)
def test_an_upstream_url_is_checked(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ProxySettings(text)


# -- a mockserver upstream -------------------------------------------------------------------------------------------
def test_the_sdk_through_the_proxy_gets_the_upstreams_bytes(upstream: str, proxy: str) -> None:
    with Scenario(
        base_url=proxy + "/v1", api_key=KEY, api_secret=SECRET, max_retries=0, _strict_response_validation=True
    ) as sdk:
        team = sdk.teams.list().teams[0]
        project = sdk.projects.list().projects[0]
        job = sdk.jobs.list().jobs[0]
        calls = [
            sdk.usages.with_raw_response.list(),
            sdk.usages.with_raw_response.list(type=["consumption", "model-usages"], time_range="last-day"),
            sdk.usages.with_raw_response.list(type=["activity"], drop_zero_points=True),
            sdk.teams.with_raw_response.list(),
            sdk.teams.with_raw_response.retrieve(team.id),
            sdk.teams.with_raw_response.retrieve_limits(team.id),
            sdk.projects.with_raw_response.list(),
            sdk.projects.with_raw_response.retrieve(project.id),
            sdk.jobs.with_raw_response.list(),
            sdk.jobs.with_raw_response.retrieve(job.job_id),
            sdk.assets.with_raw_response.list(),
            sdk.models.with_raw_response.list(),
            sdk.collections.with_raw_response.list(),
        ]
    with httpx.Client(base_url=upstream, timeout=30) as straight:
        for raw in calls:
            raw.parse()  # strict validation
            request = raw.http_response.request
            assert request.url.netloc.decode() == proxy.removeprefix("http://")
            direct = straight.get(request.url.raw_path.decode("ascii"), headers=AUTH)
            assert raw.http_response.status_code == direct.status_code == 200, request.url
            assert raw.http_response.content == direct.content, request.url
            assert without_date(raw.http_response.headers) == without_date(direct.headers), request.url


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("/v1/usages?timeRange=last-day&type=consumption", id="v1"),
        pytest.param("/usages?type=activity", id="no-v1"),
        pytest.param("/v1/usages/?type=usages", id="trailing-slash"),
        pytest.param("/v1/teams/", id="list-trailing-slash"),
        pytest.param("/v1/models?pageSize=3", id="models"),
        pytest.param("/v1/collections", id="collections"),
        pytest.param("/assets?pageSize=2", id="assets-no-v1"),
    ],
)
def test_raw_bytes_and_headers_are_the_upstreams(upstream: str, proxy: str, target: str) -> None:
    through, direct = httpx.get(proxy + target, headers=AUTH), httpx.get(upstream + target, headers=AUTH)
    assert through.status_code == direct.status_code == 200, through.text
    assert through.content == direct.content
    assert without_date(through.headers) == without_date(direct.headers)
    assert through.headers["server"] == "uvicorn"  # the upstream's, once: the proxy adds no Server of its own


def test_head_is_forwarded_as_head(upstream: str, proxy: str) -> None:
    through, direct = httpx.head(proxy + "/v1/teams", headers=AUTH), httpx.head(upstream + "/v1/teams", headers=AUTH)
    assert through.status_code == direct.status_code == 200
    assert through.content == b""
    assert without_date(through.headers) == without_date(direct.headers)


def test_credentials_reach_the_upstream(upstream: str, proxy: str) -> None:
    assert httpx.get(proxy + "/v1/teams", headers=AUTH).status_code == 200
    wrong = httpx.get(proxy + "/v1/teams", headers=basic_header(KEY, "not-its-secret"))
    assert (wrong.status_code, wrong.json()["message"]) == (401, "Invalid credentials")  # the upstream checked it
    missing = httpx.get(proxy + "/v1/teams")
    assert missing.status_code == 401 and missing.json()["message"].startswith("Missing credentials")


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("/v1/jobs/job_notThere", id="404-unknown-id"),
        pytest.param("/v1/usages?timeRange=last-year", id="400-bad-query"),
        pytest.param("/v1/usages?startDate=garbage", id="400-dates"),
        pytest.param("/v1/teams/team_notThere/limits", id="404-limits"),
    ],
)
def test_an_error_of_the_upstream_passes_through(upstream: str, proxy: str, target: str) -> None:
    through, direct = httpx.get(proxy + target, headers=AUTH), httpx.get(upstream + target, headers=AUTH)
    assert 400 <= through.status_code == direct.status_code < 500
    assert without_date(through.headers) == without_date(direct.headers)
    trace = through.json().pop("traceId")  # fresh per request: the rest is the same bytes
    assert through.content == direct.content.replace(direct.json()["traceId"].encode(), trace.encode())


def test_the_proxys_own_errors_are_the_apis_json(proxy: str) -> None:
    for method, target, status, code in [
        ("POST", "/v1/usages", 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/v1/jobs/job_1", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/v1/nope", 404, "NOT_FOUND"),
        ("GET", "/v1/jobs/job_1/", 404, "NOT_FOUND"),  # a retrieve has no trailing-slash form, as in the mock
        ("GET", "/openapi.json", 404, "NOT_FOUND"),
    ]:
        response = httpx.request(method, proxy + target, headers=AUTH)
        body = response.json()
        assert (response.status_code, body["code"]) == (status, code), (method, target)
        assert set(body) == {"reason", "message", "code", "traceId"}
    health = httpx.get(proxy + "/__admin/health")
    assert health.status_code == 200 and health.json()["status"] == "ok" and health.json()["proxy"] is True


# -- captures, observers and the log ---------------------------------------------------------------------------------
def test_record_writes_one_capture_per_exchange_in_time_order_without_credentials(
    upstream: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    targets = [
        "/v1/usages?type=consumption",
        "/v1/teams",
        "/v1/jobs/job_notThere",
        f"/v1/usages?apiSecret={QUERY_SECRET}&type=usages",
        "/projects",
    ]
    with proxying(ProxySettings(upstream, record=tmp_path / "captures")) as proxy:
        answers = []
        for target in targets:
            answers.append(httpx.get(proxy + target, headers={**AUTH, "Cookie": "session=cookie-value"}))
            time.sleep(0.002)  # distinct milliseconds
        files = wait_for_files(tmp_path / "captures", len(targets))
    assert len(files) == len(targets)
    captures = [read_capture(file) for file in files]
    assert [c.path for c in captures] == [t.split("?")[0] for t in targets]  # name order is request order
    times = [c.time for c in captures]
    assert all(t is not None for t in times) and times == sorted(times)
    for capture, answer in zip(captures, answers, strict=True):
        assert capture.status == answer.status_code
        assert capture.body == answer.json()
        assert capture.upstream == upstream and capture.error is None
        assert capture.request_headers["host"] == upstream.removeprefix("http://")
        assert "authorization" not in capture.request_headers and "cookie" not in capture.request_headers
        assert capture.elapsed_ms is not None and capture.elapsed_ms > 0
    assert captures[3].query == "apiSecret=***&type=usages"
    assert captures[0].endpoint == "usages.list" and captures[4].endpoint == "projects.list"
    for file in files:
        text = file.read_text()
        assert SECRET not in text and ENCODED not in text and QUERY_SECRET not in text and "cookie-value" not in text
    # Every line but the test's own httpx client's (which logs the URLs it asks the proxy for).
    logged = "\n".join(r.getMessage() for r in caplog.records if not (r.name == "httpx" and proxy in r.getMessage()))
    assert "GET /v1/usages?type=consumption 200" in logged and "GET /v1/jobs/job_notThere 404" in logged
    assert "apiSecret=***" in logged
    assert SECRET not in logged and ENCODED not in logged and QUERY_SECRET not in logged


def test_observers_run_after_the_answer_and_their_errors_are_logged(
    upstream: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Capture] = []
    answered = threading.Event()

    def failing(capture: Capture) -> None:
        raise RuntimeError("observer bug")

    async def slow(capture: Capture) -> None:
        assert answered.wait(5), "the observer ran before the client had its answer"
        seen.append(capture)

    with proxying(ProxySettings(upstream, log_requests=False), observers=[failing, slow]) as proxy:
        before = int(time.time() * 1000)
        response = httpx.get(proxy + "/v1/teams?pageSize=1", headers=AUTH)
        answered.set()
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
    assert response.status_code == 200
    assert len(seen) == 1 and seen[0].query == "pageSize=1" and seen[0].body == response.json()
    assert seen[0].time is not None and before <= seen[0].time <= before + 5000
    assert "observer bug" in caplog.text


# -- upstreams that misbehave ----------------------------------------------------------------------------------------
def check_error(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = orjson.loads(response.content)
    assert body["code"] == {502: "BAD_GATEWAY", 504: "GATEWAY_TIMEOUT"}[status]
    assert body["message"] == body["reason"] and body["traceId"]
    for fragment in fragments:
        assert fragment in body["message"], body["message"]
    return body


def test_an_upstream_that_hangs_is_a_504(tmp_path: Path) -> None:
    with (
        raw_upstream(hanging) as server,
        proxying(ProxySettings(server.url, timeout=0.5, record=tmp_path)) as proxy,
    ):
        started = time.monotonic()
        response = httpx.get(proxy + "/v1/usages", headers=AUTH, timeout=10)
        took = time.monotonic() - started
        (file,) = wait_for_files(tmp_path, 1)
    check_error(response, 504, f"upstream {server.url} did not answer within 0.5 s")
    assert 0.4 < took < 5
    capture = read_capture(file)
    assert (capture.status, capture.error) == (504, response.json()["message"])


def trickling(server: RawUpstream, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
    for _ in range(50):  # a byte every 0.1 s: each read is quick, the whole body never comes in time
        if server.stop.wait(0.1):
            return
        conn.sendall(b" ")


def test_an_upstream_that_trickles_its_body_is_a_504() -> None:
    with raw_upstream(trickling) as server, proxying(ProxySettings(server.url, timeout=0.5)) as proxy:
        started = time.monotonic()
        response = httpx.get(proxy + "/v1/usages", headers=AUTH, timeout=10)
        took = time.monotonic() - started
    check_error(response, 504, f"upstream {server.url} did not answer within 0.5 s")
    assert 0.4 < took < 3


@pytest.mark.parametrize(
    ("behave", "fragment"),
    [
        pytest.param(resetting, "reset the connection", id="reset"),
        pytest.param(closing, "closed the connection without a complete answer", id="closed"),
        pytest.param(answering(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"), "", id="cut-short"),
        pytest.param(answering(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), "", id="not-http"),
    ],
)
def test_an_upstream_that_breaks_the_exchange_is_a_502(
    behave: Callable[[RawUpstream, socket.socket], None], fragment: str
) -> None:
    with raw_upstream(behave) as server, proxying(ProxySettings(server.url, timeout=5)) as proxy:
        response = httpx.get(proxy + "/v1/teams", headers=AUTH, timeout=10)
    check_error(response, 502, f"upstream {server.url}", fragment)


def test_nothing_listening_is_a_502() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with proxying(ProxySettings(url + "/v1", timeout=5)) as proxy:
        response = httpx.get(proxy + "/v1/teams", headers=AUTH, timeout=10)
    check_error(response, 502, f"upstream {url} refused the connection")


def test_a_tls_failure_is_a_502() -> None:
    plain = answering(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    with raw_upstream(plain, read_head=False) as server:
        url = server.url.replace("http://", "https://")
        with proxying(ProxySettings(url, timeout=5)) as proxy:
            response = httpx.get(proxy + "/v1/teams", headers=AUTH, timeout=10)
    body = check_error(response, 502, f"TLS with upstream {url} failed")
    assert SECRET not in body["message"] and ENCODED not in body["message"]


HTML = b"<html><body><h1>502 Bad Gateway</h1>cloudflare</body></html>"


def test_an_html_answer_is_a_502_and_is_recorded_as_received(tmp_path: Path) -> None:
    answer = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
    answer = answer % len(HTML) + b"Connection: close\r\n\r\n" + HTML
    with raw_upstream(answering(answer)) as server, proxying(ProxySettings(server.url, record=tmp_path)) as proxy:
        response = httpx.get(proxy + "/v1/usages", headers=AUTH, timeout=10)
        (file,) = wait_for_files(tmp_path, 1)
    body = check_error(response, 502, f"upstream {server.url} answered 503 text/html, not JSON")
    assert (body["upstreamStatus"], body["upstreamContentType"]) == (503, "text/html; charset=utf-8")
    capture = read_capture(file)
    assert (capture.status, capture.text, capture.error) == (503, HTML.decode(), body["message"])
    assert capture.response_headers["content-type"] == "text/html; charset=utf-8"


def http_answer(status: str, body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        pytest.param(
            http_answer("200 OK", b'{"assets": [1,', "Content-Type: application/json"),
            "answered 200 application/json whose body is not JSON",
            id="json-cut-short",
        ),
        pytest.param(
            http_answer("200 OK", b"", "Content-Type: application/json"),
            "answered 200 with an empty body, not JSON",
            id="json-empty",
        ),
        pytest.param(
            http_answer("200 OK", b"", "Content-Type: application/json", "Content-Encoding: gzip"),
            "answered 200 with an empty body, not JSON",
            id="gzip-empty",
        ),
        pytest.param(
            http_answer(
                "200 OK",
                gzip.compress(b'{"assets": [', mtime=0),
                "Content-Type: application/json",
                "Content-Encoding: gzip",
            ),
            "answered 200 application/json whose body is not JSON",
            id="gzip-cut-short",
        ),
        pytest.param(
            http_answer("503 Service Unavailable", b"upstream overloaded", "Content-Type: application/json"),
            "answered 503 application/json whose body is not JSON",
            id="error-not-json",
        ),
    ],
)
def test_an_answer_labelled_json_that_is_not_json_is_a_502_recorded_as_received(
    answer: bytes, fragment: str, tmp_path: Path
) -> None:
    status = int(answer.split(b" ", 2)[1])
    with raw_upstream(answering(answer)) as server, proxying(ProxySettings(server.url, record=tmp_path)) as proxy:
        response = httpx.get(proxy + "/v1/assets", headers=AUTH, timeout=10)
        (file,) = wait_for_files(tmp_path, 1)
        report = httpx.get(proxy + "/__admin/proxy/report", timeout=10).json()
    body = check_error(response, 502, f"upstream {server.url}", fragment)
    assert (body["upstreamStatus"], body["upstreamContentType"]) == (status, "application/json")
    capture = read_capture(file)
    raw = answer.split(b"\r\n\r\n", 1)[1]
    content = gzip.decompress(raw) if raw and b"gzip" in answer.split(b"\r\n\r\n")[0] else raw
    assert (capture.status, capture.body, capture.text, capture.error) == (
        status,
        None,
        content.decode(),
        body["message"],
    )
    (listed,) = report["nonJson"]
    assert (listed["capture"], listed["status"], listed["excerpt"]) == (str(file), status, content.decode())


@pytest.mark.parametrize(
    ("method", "answer"),
    [
        pytest.param("GET", http_answer("204 No Content", b""), id="204"),
        pytest.param("GET", http_answer("404 Not Found", b"", "Content-Type: application/json"), id="empty-404"),
        pytest.param("GET", http_answer("503 Service Unavailable", b""), id="empty-503"),
        pytest.param("GET", http_answer("301 Moved Permanently", b"", "Location: http://elsewhere.invalid/"), id="301"),
        pytest.param(
            "HEAD", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n", id="head"
        ),
    ],
)
def test_an_answer_without_a_body_passes_unchanged(method: str, answer: bytes) -> None:
    status = int(answer.split(b" ", 2)[1])
    with raw_upstream(answering(answer)) as server, proxying(ProxySettings(server.url)) as proxy:
        response = httpx.request(method, proxy + "/v1/teams", headers=AUTH, timeout=10)
    assert (response.status_code, response.content) == (status, b"")


def test_record_into_a_file_or_where_nothing_can_be_written_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = [
        (afile, f"--record: {afile} exists and is not a directory"),
        (afile / "captures", f"--record: cannot create the directory {afile / 'captures'}: Not a directory"),
        (Path("/proc/mockserver-captures"), "--record: cannot create the directory /proc/mockserver-captures: "),
    ]
    if os.geteuid() != 0:  # root writes into a read-only directory
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        cases.append((locked, f"--record: cannot write into {locked}: Permission denied"))
    for record, message in cases:
        argv = ["proxy", "--upstream", "http://127.0.0.1:9", "--port", str(free_port()), "--record", str(record)]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    assert afile.read_text() == "x"


def test_query_headers_and_bytes_pass_unchanged_hop_by_hop_headers_do_not() -> None:
    payload = gzip.compress(b'{"teams": []}', mtime=0)
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\nConnection: close, X-Hop-Answer\r\nX-Hop-Answer: 1\r\nKeep-Alive: timeout=5\r\n"
        b"Proxy-Authenticate: Basic\r\nTrailer: X-Checksum\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
        b"X-Request-Id: req-1\r\n\r\n"
    ) % len(payload) + payload
    query = "b=2&a=1&types[]=x&q=%2F%20+&empty&x=caf%C3%A9&teamId=team_1"
    with raw_upstream(answering(answer)) as server, proxying(ProxySettings(server.url + "/v1")) as proxy:
        headers = {
            **AUTH,
            "Accept-Encoding": "gzip",
            "Connection": "keep-alive, X-Hop-Request",
            "X-Hop-Request": "1",
            "TE": "trailers",
            "Proxy-Authorization": "Basic proxy-credentials",
            "X-Keep": "kept",
        }
        target = f"{proxy}/v1/teams?{query}"
        with httpx.Client(timeout=10) as client, client.stream("GET", target, headers=headers) as r:
            raw = b"".join(r.iter_raw())
            status, received = r.status_code, r.headers
    assert (status, raw) == (200, payload)  # not decompressed on the way
    assert received["content-encoding"] == "gzip" and received["content-length"] == str(len(payload))
    assert received.get_list("set-cookie") == ["a=1", "b=2"] and received["x-request-id"] == "req-1"
    for hop in ("x-hop-answer", "keep-alive", "proxy-authenticate", "trailer", "transfer-encoding"):
        assert hop not in received, hop
    (head,) = server.heads
    line, *fields = head.decode("latin-1").split("\r\n\r\n")[0].split("\r\n")
    assert line == f"GET /v1/teams?{query} HTTP/1.1"
    sent = {name.lower(): value.strip() for name, _, value in (f.partition(":") for f in fields)}
    assert sent["host"] == server.url.removeprefix("http://")
    assert sent["authorization"] == AUTH["Authorization"] and sent["x-keep"] == "kept"
    assert sent["accept-encoding"] == "gzip"
    for hop in ("x-hop-request", "te", "proxy-authorization", "connection"):
        assert hop not in sent, hop


def test_a_chunked_answer_arrives_whole_with_its_length() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    answer += b'Connection: close\r\n\r\n5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n'
    with raw_upstream(answering(answer)) as server, proxying(ProxySettings(server.url)) as proxy:
        response = httpx.get(proxy + "/v1/teams", headers=AUTH, timeout=10)
    assert (response.status_code, response.content) == (200, b'{"a":1}')
    assert response.headers["content-length"] == "7" and "transfer-encoding" not in response.headers


# -- the command line ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["proxy", "--upstream", "ftp://example.com"], id="scheme"),
        pytest.param(["proxy", "--upstream", "https://k:s@api.cloud.scenario.com/v1"], id="credentials"),
        pytest.param(["proxy", "--upstream", "http://127.0.0.1:4010", "--timeout", "0"], id="timeout"),
        pytest.param(["proxy", "--upstream", "http://127.0.0.1:4010", "--port", "70000"], id="port"),
        pytest.param(["proxy", "report"], id="report-without-paths"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "mockserver proxy" in capsys.readouterr().err


def test_upstream_is_required_to_serve(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy"]) == 2
    assert "--upstream URL is required" in capsys.readouterr().err


@pytest.fixture
def fake_report(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """`mockserver.proxy.report` as the CLI uses it (the real one is another module's): the paths it was given."""
    calls: list[list[Path]] = []

    class FakeReport:
        def to_json(self) -> dict[str, Any]:
            return {"exchanges": len(calls[-1])}

        def to_markdown(self) -> str:
            return f"# Proxy report\n\n{len(calls[-1])} exchanges\n"

    def report_from_captures(paths: list[Path]) -> FakeReport:
        calls.append(paths)
        for path in paths:
            read_capture(path)
        return FakeReport()

    module = types.ModuleType("mockserver.proxy.report")
    module.report_from_captures = report_from_captures  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mockserver.proxy.report", module)
    return calls


def test_proxy_report_prints_markdown_or_json(
    tmp_path: Path, fake_report: list[list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("b.json", "a.json"):
        (tmp_path / name).write_text('{"query": "type=usages", "body": {}}')
    (tmp_path / "notes.txt").write_text("not a capture")
    assert main(["proxy", "report", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "# Proxy report\n\n2 exchanges\n"
    assert fake_report[-1] == [tmp_path / "a.json", tmp_path / "b.json"]
    assert main(["proxy", "report", str(tmp_path / "a.json"), "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out) == {"exchanges": 1}


def test_proxy_report_errors(tmp_path: Path, fake_report: list[list[Path]], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "report", str(tmp_path)]) == 2
    assert "no capture (*.json) in" in capsys.readouterr().err
    assert main(["proxy", "report", str(tmp_path / "missing")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("[1]")
    assert main(["proxy", "report", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json: $: expected a JSON object" in err
    assert issubclass(CaptureError, Exception)


def test_mockserver_proxy_runs_as_a_command(upstream: str, tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "proxy", "--upstream", upstream + "/v1", "--port", str(port)]
    process = subprocess.Popen([*command, "--record", str(tmp_path)], stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline and process.poll() is None, "the proxy did not start"
            try:
                if httpx.get(url + "/__admin/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        through = httpx.get(url + "/v1/teams", headers=AUTH, timeout=10)
        direct = httpx.get(upstream + "/v1/teams", headers=AUTH, timeout=10)
        assert through.status_code == 200 and through.content == direct.content
        wait_for_files(tmp_path, 1)
    finally:
        err = stop_process(process)  # SIGINT, then a kill after 20 s
    assert f"proxy listening on {url}/v1 -> {upstream}/v1" in err
    assert "GET /v1/teams 200" in err
    assert SECRET not in err and ENCODED not in err
    assert base64.b64decode(ENCODED).decode() not in err
