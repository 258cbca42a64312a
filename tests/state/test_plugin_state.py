"""The pytest plugin's state options: `mockserver_state` / `mockserver_state_namespace` (or MOCK_STATE...)."""

from __future__ import annotations

import pytest

from tests.conftest import free_port, serve_process, stop_process

pytest_plugins = ["pytester"]

CHECK = """
def test_state(mockserver_settings):
    assert mockserver_settings.state == {state!r}
    assert mockserver_settings.state_namespace == {namespace!r}

def test_served(mockserver):
    assert mockserver.sdk().usages.list().to_dict() is not None

def test_use_world_is_refused_with_shared_state(mockserver):
    import pytest
    with pytest.raises(pytest.UsageError, match="scenario file of the fleet"):
        mockserver.use_world({{"name": "drawn"}})
"""


def test_ini_options_name_the_store(pytester: pytest.Pytester, redis_url: str) -> None:
    pytester.makeini(f"[pytest]\nmockserver_state = {redis_url}\nmockserver_state_namespace = suite-1\n")
    pytester.makepyfile(test_inner=CHECK.format(state=redis_url, namespace="suite-1"))
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=3)


def test_the_environment_names_the_store(
    pytester: pytest.Pytester, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCK_STATE", redis_url)
    monkeypatch.delenv("MOCK_STATE_NAMESPACE", raising=False)
    pytester.makepyfile(test_inner=CHECK.format(state=redis_url, namespace="mockserver"))
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=3)


def test_an_unreachable_store_fails_the_session_in_one_line(pytester: pytest.Pytester) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    pytester.makeini(f"[pytest]\nmockserver_state = {url}\n")
    pytester.makepyfile(test_inner="def test_served(mockserver):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*mockserver_state: cannot reach the state store {url}: *"])


def test_a_bad_state_url_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmockserver_state = localhost:6379\n")
    pytester.makepyfile(test_inner="def test_served(mockserver_settings):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*mockserver_state *: expected a Redis URL such as redis://*"])


FLEET = """
import os

import httpx

OTHER = os.environ["OTHER_PROCESS"]
AUTH = ("test-key", "test-secret")


def test_controls_reach_the_other_process(mockserver):
    mockserver.fault(endpoint="usages.list", sequence=[503])
    mockserver.clock.set("2027-01-15T08:00:00Z")
    mockserver.use("empty-team")
    assert httpx.get(OTHER + "/v1/usages", auth=AUTH).status_code == 503
    assert httpx.get(OTHER + "/v1/usages", auth=AUTH).status_code == 200
    clock = httpx.get(OTHER + "/__admin/clock", params={"scenario": "default"}).json()["clocks"][0]
    assert clock["now"] == "2027-01-15T08:00:00.000Z"
    assert httpx.get(OTHER + "/__admin/scenarios").json()["default"] == "empty-team"
    # The fixture's journal is the fleet's: the other process's requests, naming it.
    entries = mockserver.requests(endpoint="usages.list")
    assert [e.status for e in entries] == [503, 200]
    assert len({e.process for e in entries}) == 1 and entries[0].process
    mockserver.assert_called(2, endpoint="usages.list")


def test_the_next_test_starts_clean_everywhere(mockserver):
    assert httpx.get(OTHER + "/v1/usages", auth=AUTH).status_code == 200
    assert httpx.get(OTHER + "/__admin/scenarios").json()["default"] == "default"
    assert len(mockserver.requests()) == 1


def test_the_fixture_clients_can_go_to_the_fleet_address(mockserver):
    assert mockserver.url == OTHER
    mockserver.fault(endpoint="teams.list", status=503)
    assert mockserver.http().get("/v1/teams").status_code == 503
"""


def test_the_fixture_drives_a_fleet_through_the_store(
    pytester: pytest.Pytester, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, url = serve_process("--state", redis_url, "--quiet")
    monkeypatch.setenv("OTHER_PROCESS", url)
    try:
        pytester.makeini(f"[pytest]\nmockserver_state = {redis_url}\nmockserver_url = {url}\n")
        pytester.makepyfile(test_inner=FLEET)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    finally:
        stop_process(process)
    result.assert_outcomes(passed=3)
