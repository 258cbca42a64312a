"""The pytest plugin's state options: `mockserver_state` / `mockserver_state_namespace` (or MOCK_STATE...)."""

from __future__ import annotations

import pytest

from tests.conftest import free_port

pytest_plugins = ["pytester"]

CHECK = """
def test_state(mockserver_settings):
    assert mockserver_settings.state == {state!r}
    assert mockserver_settings.state_namespace == {namespace!r}

def test_served(mockserver):
    assert mockserver.sdk().usages.list().to_dict() is not None
"""


def test_ini_options_name_the_store(pytester: pytest.Pytester, redis_url: str) -> None:
    pytester.makeini(f"[pytest]\nmockserver_state = {redis_url}\nmockserver_state_namespace = suite-1\n")
    pytester.makepyfile(test_inner=CHECK.format(state=redis_url, namespace="suite-1"))
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=2)


def test_the_environment_names_the_store(
    pytester: pytest.Pytester, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCK_STATE", redis_url)
    monkeypatch.delenv("MOCK_STATE_NAMESPACE", raising=False)
    pytester.makepyfile(test_inner=CHECK.format(state=redis_url, namespace="mockserver"))
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=2)


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
