"""The HTTP surface: routes, auth, JSON errors, the OpenAPI document, determinism across processes."""

from __future__ import annotations

import base64
import subprocess
import sys
import textwrap

import httpx
import pytest

from tests.conftest import BASIC, NOW, LiveServer


def basic(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def assert_error(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) >= {"reason", "message", "code", "traceId"}
    assert body["reason"] == body["message"]
    assert isinstance(body["traceId"], str) and body["traceId"]
    return body


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/v1/usages", id="v1"),
        pytest.param("/usages", id="no-prefix"),
        pytest.param("/v1/usages/", id="trailing-slash"),
    ],
)
def test_usages_answers_on_every_alias_with_the_same_bytes(client: httpx.Client, path: str) -> None:
    reference = client.get("/v1/usages", params={"type": "consumption"})
    response = client.get(path, params={"type": "consumption"})
    assert response.status_code == 200
    assert response.content == reference.content


def test_parameter_order_does_not_change_the_bytes(client: httpx.Client) -> None:
    a = client.get("/v1/usages?timeRange=last-day&type=usages,consumption&dropZeroPoints=true")
    b = client.get("/v1/usages?dropZeroPoints=true&type=consumption&type=usages&timeRange=last-day")
    assert a.status_code == b.status_code == 200
    assert a.content == b.content


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        pytest.param({}, "Missing credentials", id="missing"),
        pytest.param({"Authorization": "Basic not-base64!"}, "Malformed", id="bad-base64"),
        pytest.param({"Authorization": "Basic " + base64.b64encode(b"only-key").decode()}, "Malformed", id="no-colon"),
        pytest.param({"Authorization": "Basic " + base64.b64encode(b":secret").decode()}, "Malformed", id="empty-key"),
        pytest.param({"Authorization": "Basic " + base64.b64encode(b"key:").decode()}, "Malformed", id="empty-secret"),
        pytest.param({"Authorization": "Bearer a b"}, "Malformed", id="bearer-with-space"),
        pytest.param({"Authorization": "Digest abc"}, "Unsupported", id="other-scheme"),
        pytest.param(basic("api_oldPipeline0000000001", "old-pipeline-secret"), "inactive", id="inactive-key"),
        pytest.param(basic("api_leakedKey000000000001", "leaked-secret"), "deleted", id="deleted-key"),
        pytest.param(basic("api_ciRenderBot00000000001", "wrong-secret"), "Invalid", id="wrong-secret"),
    ],
)
def test_bad_credentials_get_401(live_server: LiveServer, headers: dict[str, str], fragment: str) -> None:
    response = httpx.get(live_server.url + "/v1/usages", headers=headers)
    body = assert_error(response, 401)
    assert fragment in str(body["reason"])
    assert body["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(BASIC, id="any-basic"),
        pytest.param({"Authorization": "Bearer some.jwt.token"}, id="any-bearer"),
        pytest.param(basic("api_ciRenderBot00000000001", "ci-render-secret"), id="declared-active-key"),
    ],
)
def test_good_credentials_are_accepted(live_server: LiveServer, headers: dict[str, str]) -> None:
    response = httpx.get(live_server.url + "/v1/usages", params={"type": "consumption"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


def test_the_sdk_test_credentials_work(live_server: LiveServer) -> None:
    from scenario_sdk import Scenario

    with Scenario(
        base_url=live_server.base_url,
        api_key="My API Key",
        api_secret="My API Secret",
        _strict_response_validation=True,
        max_retries=0,
    ) as sdk:
        assert sdk.usages.list(type=["consumption"]).consumption


def test_unknown_path_is_a_json_404_before_auth(live_server: LiveServer) -> None:
    body = assert_error(httpx.get(live_server.url + "/v1/nothing-here"), 404)
    assert body["code"] == "NOT_FOUND"


def test_wrong_method_is_a_json_405_before_auth(live_server: LiveServer) -> None:
    body = assert_error(httpx.post(live_server.url + "/v1/usages"), 405)
    assert body["code"] == "METHOD_NOT_ALLOWED"


def test_auth_comes_before_parameter_checks(live_server: LiveServer) -> None:
    assert_error(httpx.get(live_server.url + "/v1/usages?timeRange=bad"), 401)


def test_trace_ids_are_unique(live_server: LiveServer) -> None:
    ids = {httpx.get(live_server.url + "/v1/usages").json()["traceId"] for _ in range(5)}
    assert len(ids) == 5


def test_internal_errors_are_json_without_traceback(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    import mockserver.api.usages as usages

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(usages, "render_usages", explode)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as http:
            return await http.get("/v1/usages", headers=BASIC)

    response = asyncio.run(call())
    body = assert_error(response, 500)
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert body["code"] == "INTERNAL_ERROR"


def test_openapi_document_needs_no_credentials(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert "/v1/usages" in document["paths"]
    assert set(document["components"]["securitySchemes"]) == {"basicAuth", "bearerAuth"}


_RENDER = textwrap.dedent(
    """
    import asyncio, sys
    import httpx
    from mockserver.api import build_app
    from mockserver.settings import Settings

    async def main():
        app = build_app(Settings(now={now}, log_requests=False))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as http:
            response = await http.get("/v1/usages", params={{"timeRange": "last-thirty-one-days"}},
                                      headers={{"Authorization": "Basic YTpi"}})
        sys.stdout.buffer.write(response.content)

    asyncio.run(main())
    """
)


def test_same_request_gives_the_same_bytes_in_two_fresh_processes(client: httpx.Client) -> None:
    script = _RENDER.format(now=NOW)
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            check=True,
            timeout=120,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 10_000
    # ... and the same bytes as the long-running server.
    assert client.get("/v1/usages", params={"timeRange": "last-thirty-one-days"}).content == outputs[0]
