"""`serve --state` and `--workers`: the store is checked at start, and controls that a fleet cannot share are
refused with a 409 instead of reaching one process only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver.cli import main
from tests.conftest import BASIC, free_port, serve_process, stop_process

CHANGES = [
    pytest.param("POST", "/__admin/faults", {"status": 503}, "faults", id="add-fault"),
    pytest.param("DELETE", "/__admin/faults", None, "faults", id="clear-faults"),
    pytest.param("DELETE", "/__admin/faults/1", None, "faults", id="remove-fault"),
    pytest.param("POST", "/__admin/clock", {"advance": "1h"}, "clock", id="advance-clock"),
    pytest.param("POST", "/__admin/clock", {"freeze": True}, "clock", id="freeze-clock"),
    pytest.param("PUT", "/__admin/scenarios/default", {"name": "empty-team"}, "default scenario", id="default"),
    pytest.param("POST", "/__admin/reset", None, "reset", id="reset"),
    pytest.param("DELETE", "/__admin/journal", None, "journal", id="clear-journal"),
    pytest.param("POST", "/__admin/scenarios/reload", None, "reload", id="reload"),
]


@pytest.fixture(scope="module")
def two_workers() -> Iterator[str]:
    process, url = serve_process("--workers", "2", "--quiet")
    yield url
    stop_process(process)


@pytest.mark.parametrize(("method", "path", "body", "area"), CHANGES)
def test_two_workers_without_state_refuse_run_time_changes(
    two_workers: str, method: str, path: str, body: object, area: str
) -> None:
    answer = httpx.request(method, two_workers + path, json=body)
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()
    assert error["code"] == "STATE_NOT_SHARED" and error["traceId"]
    change = "a reload of the scenarios" if area == "reload" else f"change of the {area}"
    assert "2 worker processes" in error["message"] and change in error["message"]
    assert "--state redis://" in error["message"]


def test_two_workers_without_state_still_answer_reads(two_workers: str) -> None:
    assert httpx.get(two_workers + "/v1/usages?type=consumption", headers=BASIC).status_code == 200
    for path in ("/__admin/faults", "/__admin/clock", "/__admin/journal", "/__admin/scenarios"):
        assert httpx.get(two_workers + path).status_code == 200, path


def test_one_process_without_state_keeps_every_control() -> None:
    process, url = serve_process("--quiet")
    try:
        added = httpx.post(url + "/__admin/faults", json={"status": 503, "calls": [1]})
        cleared = httpx.delete(url + "/__admin/faults")
    finally:
        stop_process(process)
    assert added.status_code == 201 and cleared.status_code == 200


def test_serve_with_an_unreachable_store_exits_1_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    assert main(["serve", "--port", str(free_port()), "--state", url]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"mockserver: cannot reach the state store {url}: ")
    assert "Traceback" not in err and "listening" not in err


def test_an_unreachable_store_is_shown_without_its_password(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"redis://user:s3cret@127.0.0.1:{free_port()}/0"
    assert main(["serve", "--port", str(free_port()), "--state", url]) == 1
    err = capsys.readouterr().err
    assert "s3cret" not in err and "redis://user:***@127.0.0.1:" in err


@pytest.mark.parametrize(
    ("argv", "env", "fragment"),
    [
        pytest.param(["--state", "http://x:1"], {}, "expected a Redis URL such as redis://", id="scheme"),
        pytest.param(["--state", "redis://h:6379/x"], {}, "the database of a Redis URL is a number", id="db"),
        pytest.param([], {"MOCK_STATE": "localhost:6379"}, "found 'localhost:6379'", id="env"),
        pytest.param(["--state-namespace", "a b"], {}, "expected 1-64 letters", id="namespace"),
        pytest.param([], {"MOCK_STATE_NAMESPACE": "a b"}, "expected 1-64 letters", id="namespace-env"),
    ],
)
def test_serve_refuses_a_state_url_or_namespace_it_cannot_use(
    argv: list[str], env: dict[str, str], fragment: str, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *argv])
    assert exit_info.value.code == 2
    assert fragment in capsys.readouterr().err


def test_serve_with_a_reachable_store_says_so(redis_url: str) -> None:
    process, url = serve_process("--state", redis_url, "--state-namespace", "fleet-a")
    try:
        assert httpx.get(url + "/v1/usages", headers=BASIC).status_code == 200
    finally:
        err = stop_process(process)
    assert f"state: {redis_url} (namespace fleet-a)" in err


def test_the_state_settings_reach_the_workers(redis_url: str) -> None:
    process, url = serve_process("--workers", "2", "--quiet", env={"MOCK_STATE": redis_url})
    try:
        answer = httpx.get(url + "/v1/usages?type=consumption", headers=BASIC)
        refused = httpx.post(url + "/__admin/faults", json={"status": 503})
    finally:
        stop_process(process)
    assert answer.status_code == 200
    # Nothing is shared through the store yet: the message says so, not "pass --state".
    assert refused.status_code == 201  # the store shares the fault rules with every worker
