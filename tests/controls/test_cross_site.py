"""Cross-site requests and DNS rebinding: what a web page can make a browser send to the sandbox, and nothing more.

Each request below is what a browser sends on its own, without a CORS preflight: `fetch(..., {mode: "no-cors"})`
with a string body (`text/plain`), a `<form method=post>` (url-encoded or multipart), `navigator.sendBeacon`,
a sandboxed iframe (`Origin: null`), and a page of a rebound DNS name (same-origin for the browser, foreign `Host`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mockserver.cli import main
from mockserver.settings import Settings, shipped_scenarios_dir
from tests.conftest import BASIC, NOW, NOW_TEXT, free_port, serving

EVIL = "http://evil.example"
FAULT = b'{"status": 503, "shouldRetry": false}'  # JSON-looking, sent as text/plain


@dataclass
class Running:
    url: str  # http://127.0.0.1:PORT
    port: int

    def host(self, name: str) -> str:
        return f"{name}:{self.port}"


@contextlib.contextmanager
def running(settings: Settings) -> Iterator[Running]:
    with serving(settings) as url:
        yield Running(url, int(url.rsplit(":", 1)[1]))


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    directory = tmp_path_factory.mktemp("scenarios")
    shutil.copy(shipped_scenarios_dir() / "empty-team.yaml", directory / "default.yaml")
    (directory / "default.yaml").write_text((directory / "default.yaml").read_text().replace("empty-team", "default"))
    return Settings(now=NOW, log_requests=False, scenarios_dir=directory)


@pytest.fixture(scope="module")
def server(scenarios: Settings) -> Iterator[Running]:
    with running(scenarios) as started:
        yield started


@pytest.fixture
def http(server: Running) -> Iterator[httpx.Client]:
    """A client of the server as a test or a tool calls it: no Origin, no Sec-Fetch-* headers."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.delete("/__admin/faults").raise_for_status()
        client.post("/__admin/reset").raise_for_status()
        yield client


def browser(origin: str | None, *, site: str = "cross-site", mode: str = "no-cors", **more: str) -> dict[str, str]:
    """The headers a browser adds by itself to a request a page of `origin` makes (no custom header); with no
    origin, what a browser too old to send Origin (and Sec-Fetch-*) sends."""
    if origin is None:
        return {name: value for name, value in more.items() if not name.startswith("Sec-Fetch-")}
    return {"Origin": origin, "Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode, "Sec-Fetch-Dest": "empty", **more}


def refused(response: httpx.Response, *statuses: int) -> dict[str, object]:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    body: dict[str, object] = response.json()
    assert set(body) >= {"reason", "message", "code", "traceId"}
    assert not any(name.lower().startswith("access-control-") for name in response.headers), "no CORS grant"
    return body


def assert_unharmed(http: httpx.Client) -> None:
    """No fault rule was installed and the API answers normally."""
    assert http.get("/__admin/faults").json()["rules"] == []
    assert http.get("/v1/usages", params={"type": "consumption"}, headers=BASIC).status_code == 200


# -- state-changing requests a page can send without a preflight ------------------------------------------------------
def test_a_text_plain_fetch_from_another_site_installs_no_fault(http: httpx.Client) -> None:
    headers = browser(EVIL, **{"Content-Type": "text/plain;charset=UTF-8"})
    body = refused(http.post("/__admin/faults", content=FAULT, headers=headers), 403)
    assert body["code"] == "FORBIDDEN"
    assert EVIL in str(body["message"]) and "Origin" in str(body["message"])
    assert_unharmed(http)


def test_a_text_plain_post_without_origin_is_refused_for_its_content_type(http: httpx.Client) -> None:
    """What an old browser that sends no Origin would send: refused because only JSON changes state."""
    body = refused(http.post("/__admin/faults", content=FAULT, headers={"Content-Type": "text/plain"}), 415)
    assert "Content-Type: application/json" in str(body["message"])
    assert_unharmed(http)


@pytest.mark.parametrize(
    ("path", "content_type", "content"),
    [
        pytest.param(
            "/__admin/clock", "application/x-www-form-urlencoded", b"now=2030-01-01T00%3A00%3A00Z", id="clock"
        ),
        pytest.param("/__admin/reset", "application/x-www-form-urlencoded", b"", id="reset"),
        pytest.param(
            "/__admin/faults",
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="status"\r\n\r\n503\r\n--x--\r\n',
            id="faults-multipart",
        ),
    ],
)
@pytest.mark.parametrize("origin", [pytest.param(EVIL, id="cross-site"), pytest.param(None, id="no-origin")])
def test_a_form_post_from_another_site_changes_nothing(
    http: httpx.Client, path: str, content_type: str, content: bytes, origin: str | None
) -> None:
    http.get("/v1/usages", params={"type": "consumption"}, headers=BASIC).raise_for_status()
    clock = http.get("/__admin/clock").json()
    form = browser(origin, mode="navigate", **{"Content-Type": content_type, "Sec-Fetch-Dest": "document"})
    refused(http.post(path, content=content, headers=form), 403 if origin else 415)
    assert http.get("/__admin/clock").json() == clock, "the clock did not move"
    assert http.get("/__admin/journal").json()["total"] == 1, "the journal was not reset"
    assert_unharmed(http)


def test_a_sandboxed_frame_origin_null_is_refused(http: httpx.Client) -> None:
    headers = browser("null", **{"Content-Type": "text/plain;charset=UTF-8"})
    refused(http.post("/__admin/faults", content=FAULT, headers=headers), 403)
    refused(http.post("/__admin/reset", headers=browser("null")), 403)
    assert_unharmed(http)


def test_a_beacon_without_body_from_another_site_does_not_reset(http: httpx.Client) -> None:
    """`navigator.sendBeacon(url)`: a POST with no body and no Content-Type, but with the page's Origin."""
    http.get("/v1/usages", params={"type": "consumption"}, headers=BASIC).raise_for_status()
    refused(http.post("/__admin/reset", headers=browser(EVIL)), 403)
    refused(http.post("/__admin/scenarios/reload", headers=browser(EVIL)), 403)
    assert http.get("/__admin/journal").json()["total"] == 1


def test_another_port_of_localhost_is_another_origin(http: httpx.Client, server: Running) -> None:
    """A dev server on localhost:3000 is same-site with the sandbox, not same-origin."""
    headers = browser("http://localhost:3000", site="same-site", mode="cors", **{"Content-Type": "application/json"})
    refused(http.post("/__admin/faults", content=FAULT, headers={**headers, "Host": server.host("localhost")}), 403)
    assert_unharmed(http)


def test_a_preflight_grants_nothing(http: httpx.Client) -> None:
    preflight = {
        "Origin": EVIL,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    response = http.options("/__admin/faults", headers=preflight)
    assert response.status_code >= 400
    assert not any(name.lower().startswith("access-control-") for name in response.headers)


# -- what keeps working --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_the_dashboards_own_json_requests_work(http: httpx.Client, server: Running, name: str) -> None:
    own = f"http://{name}:{server.port}"
    headers = browser(own, site="same-origin", mode="cors", Host=server.host(name))
    json_headers = {**headers, "Content-Type": "application/json; charset=utf-8"}
    assert http.post("/__admin/faults", content=FAULT, headers=json_headers).status_code == 201
    assert http.delete("/__admin/faults", headers=json_headers).json() == {"rules": []}
    assert http.post("/__admin/clock", json={"advance": "1h"}, headers=headers).status_code == 200
    assert http.post("/__admin/reset", headers=headers).json() == {"reset": True}  # no body, same origin
    assert http.post("/__admin/reset", headers=json_headers).json() == {"reset": True}  # JSON type, empty body


def test_tools_without_origin_work_with_json_or_without_a_body(http: httpx.Client) -> None:
    """httpx `post(url)`, `curl -X POST`: no Origin, no body, no Content-Type."""
    assert http.post("/__admin/faults", json={"status": 503, "calls": [1]}).status_code == 201
    assert http.delete("/__admin/faults").json() == {"rules": []}
    assert http.post("/__admin/reset").json() == {"reset": True}
    assert http.post("/__admin/reset", headers={"Content-Length": "0"}).json() == {"reset": True}


def test_a_body_needs_the_json_content_type(http: httpx.Client) -> None:
    """A body without Content-Type (a browser sends a Blob or ArrayBuffer so) is refused: only JSON changes state."""
    body = refused(http.put("/__admin/scenarios/default", content=b'{"name": "default"}'), 415)
    assert "application/json" in str(body["message"])


# -- DNS rebinding: the Host header ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/__admin/journal", id="journal"),
        pytest.param("GET", "/__admin/scenarios", id="scenarios"),
        pytest.param("GET", "/__admin/faults", id="faults"),
        pytest.param("POST", "/__admin/reset", id="reset"),
        pytest.param("GET", "/", id="dashboard"),
        pytest.param("GET", "/__admin/ui/", id="dashboard-ui"),
        pytest.param("GET", "/__admin/ui/static/app.js", id="dashboard-asset"),
    ],
)
def test_a_rebound_name_gets_a_json_403(http: httpx.Client, server: Running, method: str, path: str) -> None:
    """The page is same-origin for the browser (its DNS name now points at 127.0.0.1); only its Host tells."""
    http.get("/v1/usages", params={"type": "consumption"}, headers=BASIC).raise_for_status()
    host = server.host("attacker.example")
    headers = {"Host": host, **browser(f"http://{host}", site="same-origin", mode="cors")}
    if method == "POST":
        headers["Content-Type"] = "application/json"
    body = refused(http.request(method, path, headers=headers), 403)
    assert "attacker.example" in str(body["message"]) and "--allow-host" in str(body["message"])
    assert "entries" not in body
    assert http.get("/__admin/journal").json()["total"] == 1


@pytest.mark.parametrize("path", ["/v1/usages", "/usages", "/openapi.json", "/__admin/health"])
def test_the_api_and_health_answer_any_host(http: httpx.Client, server: Running, path: str) -> None:
    response = http.get(path, headers={**BASIC, "Host": server.host("attacker.example")})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    ["127.0.0.1", "localhost", "LocalHost", "localhost.", "app.localhost", "[::1]", "10.1.2.3", "[fe80::1]"],
)
def test_loopback_names_and_ip_literals_are_served(http: httpx.Client, server: Running, name: str) -> None:
    assert http.get("/__admin/journal", headers={"Host": server.host(name)}).status_code == 200
    assert http.get("/", headers={"Host": name}).status_code == 200  # the port is not checked


@pytest.mark.parametrize(
    "name", ["localhost.attacker.example", "127.0.0.1.nip.io", "attacker.example", "mockserver", "", "a b"]
)
def test_other_names_are_refused(http: httpx.Client, server: Running, name: str) -> None:
    refused(http.get("/__admin/journal", headers={"Host": server.host(name) if name else ""}), 403)


def test_allowed_hosts_are_served(scenarios: Settings) -> None:
    settings = dataclasses.replace(scenarios, allow_hosts=("Attacker.Example", "mockserver"))
    with running(settings) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        for name in ("attacker.example", "mockserver", "127.0.0.1"):
            own = f"http://{server.host(name)}"
            headers = {"Host": server.host(name), **browser(own, site="same-origin", mode="cors")}
            assert http.get("/__admin/journal", headers=headers).status_code == 200
            assert http.post("/__admin/reset", headers=headers).status_code == 200
        refused(http.get("/__admin/journal", headers={"Host": server.host("other.example")}), 403)


def test_a_star_allows_any_host(scenarios: Settings) -> None:
    settings = dataclasses.replace(scenarios, allow_hosts=("*",))
    with running(settings) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.get("/__admin/journal", headers={"Host": "anything.example"}).status_code == 200
        # An allowed Host does not make another Origin welcome.
        headers = {"Host": "anything.example", **browser(EVIL, **{"Content-Type": "application/json"})}
        refused(http.post("/__admin/faults", content=FAULT, headers=headers), 403)


def test_the_admin_token_does_not_replace_the_host_check(scenarios: Settings) -> None:
    settings = dataclasses.replace(scenarios, admin_token="t0ken")
    with running(settings) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        headers = {"Authorization": "Bearer t0ken"}
        assert http.get("/__admin/journal", headers=headers).status_code == 200
        refused(http.get("/__admin/journal", headers={**headers, "Host": "attacker.example"}), 403)


# -- the command line -----------------------------------------------------------------------------------------------
FLAGS = ["--workers", "2", "--allow-host", "a.test", "--allow-host", "b.test"]


def test_serve_takes_allow_host_flags_over_the_environment() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--now", NOW_TEXT, "--quiet", *FLAGS],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MOCK_ALLOW_HOSTS": "env.test"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/__admin/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "server did not start"
            time.sleep(0.05)
        statuses = {
            name: httpx.get(url + "/__admin/scenarios", headers={"Host": name}, timeout=10).status_code
            for name in ("a.test", "b.test", "env.test", "c.test")
        }
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert statuses == {"a.test": 200, "b.test": 200, "env.test": 403, "c.test": 403}


def test_serve_reads_allowed_hosts_from_the_environment_and_allows_its_host(
    scenarios: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(app))
    monkeypatch.setattr("mockserver.cli.serve.check_address", lambda host, port: None)  # my-box.local does not resolve
    monkeypatch.setenv("MOCK_ALLOW_HOSTS", "mockserver, Other.Test,")
    argv = ["serve", "--quiet", "--host", "my-box.local", "--scenarios", str(scenarios.scenarios_dir)]
    assert main(argv) == 0
    assert served[0].state.settings.allow_hosts == ("mockserver", "other.test", "my-box.local")


@pytest.mark.parametrize("value", ["http://mockserver", "a/b", "user@host", "a b", ""])
def test_serve_refuses_a_malformed_allow_host(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--allow-host", value]) == 2
    assert "--allow-host" in capsys.readouterr().err
