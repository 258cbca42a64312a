"""The pytest plugin, exercised the way users meet it: inner test files run by `pytester`."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INNER_TESTS = """
import asyncio

import pytest
from scenario_sdk import APIStatusError


def test_base_url_and_strict_client(mockserver):
    assert mockserver.base_url.endswith("/v1")
    usage = mockserver.client.usages.list(type=["consumption"])
    assert usage.consumption


@pytest.mark.mockserver(scenario="empty-team")
def test_marker_picks_the_scenario(mockserver):
    assert mockserver.scenario == "empty-team"
    assert mockserver.client.usages.list(type=["activity"]).activity == []


def test_default_is_back_after_the_marked_test(mockserver):
    assert mockserver.scenario == "default"


def test_use_switches_scenario(mockserver):
    mockserver.use("revoked-keys")
    users = mockserver.client.usages.list(type=["consumption"]).entities.users
    assert {u.api_key_status for u in users if u.is_api_key} >= {"inactive", "deleted"}


def test_clock_moves_the_windows(mockserver):
    mockserver.clock.set("2026-11-30T12:00:00Z")
    first = mockserver.client.usages.list(time_range="last-hour", type=["usages"]).usages[0].points[0].time
    mockserver.clock.advance("2h")
    later = mockserver.client.usages.list(time_range="last-hour", type=["usages"]).usages[0].points[0].time
    assert first == "2026-11-30T11:00:00.000Z"
    assert later == "2026-11-30T13:00:00.000Z"


def test_faults_and_journal(mockserver):
    mockserver.fault(sequence=[{"status": 503}, {"status": 503}], then="pass")
    client = mockserver.sdk(max_retries=2)
    assert client.usages.list(type=["consumption"]).consumption
    assert [e.retry_count for e in mockserver.requests()] == [0, 1, 2]
    assert [e.status for e in mockserver.requests()] == [503, 503, 200]
    mockserver.assert_called(3)


def test_no_fault_leaks_from_the_previous_test(mockserver):
    assert mockserver.requests() == []
    assert mockserver.client.usages.list(type=["consumption"]).consumption


def test_errors_reach_the_client(mockserver):
    mockserver.fault(status=500, shouldRetry=False)
    with pytest.raises(APIStatusError) as info:
        mockserver.sdk(max_retries=2).usages.list()
    assert info.value.status_code == 500
    mockserver.assert_called(1)


def test_in_process_client(mockserver):
    async def call():
        async with mockserver.asgi_client() as http:
            advanced = await http.post("/__admin/clock", json={"advance": "1h"})  # the admin API works in-process
            assert advanced.status_code == 200, advanced.text
            return await http.get("/v1/usages", params={"type": "consumption"})

    response = asyncio.run(call())
    assert response.status_code == 200 and response.json()["consumption"]


def test_async_sdk(mockserver):
    async def call():
        async with mockserver.async_sdk() as client:
            return await client.usages.list(type=["consumption"])

    assert asyncio.run(call()).consumption


@pytest.mark.mockserver(contract="2.0.0")
def test_marker_pins_the_contract(mockserver):
    body = mockserver.http().get("/v1/usages").json()
    assert "slopUsages" in body and "qualityGateUsages" not in body


def test_contract_is_back_to_newest(mockserver):
    assert "qualityGateUsages" in mockserver.http().get("/v1/usages").json()


def test_a_failed_verification_reads_well(mockserver):
    mockserver.client.usages.list(type=["activity"])
    mockserver.assert_called(2, query={"type": "consumption"})
"""


def test_plugin_fixtures_marker_and_reset(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=12, failed=1)
    output = result.stdout.str()
    # The failing verification says what was expected and lists the similar requests seen.
    assert "test_a_failed_verification_reads_well" in output
    assert "type=activity" in output
    assert "VerificationError" in output or "AssertionError" in output


def test_ini_options_and_settings_override(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        mockserver_scenario = workflow-jobs
        mockserver_now = 2026-11-30T12:00:00Z
        """
    )
    pytester.makepyfile(
        test_ini="""
        def test_ini(mockserver):
            assert mockserver.scenario == "workflow-jobs"
            assert mockserver.clock.now() == 1796040000000  # 2026-11-30T12:00:00Z
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_settings_fixture_can_be_overridden_with_own_scenarios(pytester: pytest.Pytester) -> None:
    pytester.mkdir("my-scenarios").joinpath("mine.yaml").write_text("name: mine\nseed: 3\npeople: 2\n")
    pytester.makeconftest(
        """
        import pytest
        from pathlib import Path
        from mockserver.settings import Settings

        @pytest.fixture(scope="session")
        def mockserver_settings():
            return Settings(scenarios_dir=Path("my-scenarios"), scenario="mine", log_requests=False)
        """
    )
    pytester.makepyfile(
        test_own="""
        def test_own(mockserver):
            assert mockserver.scenario == "mine"
            assert mockserver.client.usages.list(type=["activity"]).activity == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_bad_marker_arguments_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.mockserver(senario="default")
        def test_bad(mockserver):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert "senario" in result.stdout.str() + result.stderr.str()
    assert result.ret != 0


def test_faults_by_endpoint_and_assert_polled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_read="""
        import pytest
        from mockserver.controls.journal import VerificationError


        def test_jobs_retrieve_answers_503_twice_then_passes(mockserver):
            mockserver.fault(endpoint="jobs.retrieve", sequence=[503, 503])
            http = mockserver.http()
            assert [http.get("/v1/jobs/job_a").status_code for _ in range(2)] == [503, 503]
            http.get("/jobs/job_a")
            mockserver.assert_called(3, endpoint="jobs.retrieve")
            assert [e.fault is not None for e in mockserver.requests(endpoint="jobs.retrieve")] == [True, True, False]


        def test_assert_polled_is_on_the_fixture(mockserver):
            with pytest.raises(VerificationError, match="never called"):
                mockserver.assert_polled("job_a", until="success", max_interval="2s")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)


def test_serve_body_and_use_world_last_one_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_served="""
        import pytest
        from scenario_sdk import APIResponseValidationError

        from mockserver.errors import ScenarioError

        BODY = {"consumption": "not a list"}  # not a valid usages body: only what the test served


        def test_serve_body_answers_exactly_that_body(mockserver):
            teams = mockserver.http().get("/v1/teams").json()
            team_id = teams["teams"][0]["id"]
            body = mockserver.http().get(f"/v1/teams/{team_id}").json()
            body["team"]["name"] = "Served by the test"
            mockserver.serve_body(body, endpoint="teams.retrieve")
            assert mockserver.client.teams.retrieve(team_id).team.name == "Served by the test"
            assert mockserver.client.teams.retrieve("team_other").team.name == "Served by the test"
            assert mockserver.http().get("/v1/teams").json() == teams  # only the endpoint it names


        def test_serve_body_status_and_bytes(mockserver):
            mockserver.serve_body(BODY, status=202)
            response = mockserver.http().get("/v1/usages?timeRange=last-day")
            assert (response.status_code, response.json()) == (202, BODY)
            assert response.headers["content-type"] == "application/json"
            mockserver.serve_body(BODY)  # replaces the 202
            with pytest.raises(APIResponseValidationError):  # the SDK parses what was served, strictly
                mockserver.client.usages.list()
            assert len(mockserver.faults.describe()) == 1


        def test_serve_body_refuses_what_is_not_a_json_object(mockserver):
            with pytest.raises(TypeError, match="a JSON object"):
                mockserver.serve_body([1, 2])
            with pytest.raises(TypeError, match="not JSON"):
                mockserver.serve_body({"when": {1, 2}})
            assert mockserver.faults.describe() == []


        def test_the_served_body_is_gone_in_the_next_test(mockserver):
            assert "consumption" in mockserver.http().get("/v1/usages?type=consumption").json()


        def test_use_world_serves_a_document(mockserver):
            name = mockserver.use_world({"name": "default", "seed": 7, "team": {"name": "Document team"}, "people": 2})
            assert name == "default" and mockserver.scenario == "default"
            teams = mockserver.client.teams.list().teams
            assert [t.name for t in teams] == ["Document team"]
            usage = mockserver.client.usages.list(type=["consumption"])
            assert usage.consumption is not None


        def test_use_world_with_a_new_name_is_the_default(mockserver):
            mockserver.use_world({"name": "drawn-world", "team": {"name": "Drawn team"}})
            assert mockserver.scenario == "drawn-world"
            assert mockserver.client.teams.list().teams[0].name == "Drawn team"


        def test_the_files_world_is_back_in_the_next_test(mockserver):
            assert mockserver.scenario == "default"
            assert mockserver.client.teams.list().teams[0].name != "Document team"
            assert "drawn-world" not in mockserver.app.state.worlds.worlds


        def test_use_world_reads_a_world_of_declared_keys_with_its_key(mockserver):
            mockserver.use_world({
                "name": "locked",
                "settings": {"acceptOnlyDeclaredKeys": True},
                "apiKeys": [
                    {"id": "api_gone", "status": "deleted", "secret": "s1"},
                    {"id": "api_reader", "status": "active", "secret": "s2"},
                ],
            })
            assert mockserver.credentials == ("api_reader", "s2")
            assert mockserver.client.usages.list(type=["consumption"]).consumption is not None
            assert mockserver.http(auth=("someone", "else")).get("/v1/usages").status_code == 401


        def test_credentials_are_back_in_the_next_test(mockserver):
            assert mockserver.credentials == ("mockserver-key", "mockserver-secret")


        def test_a_bad_document_names_the_field(mockserver):
            with pytest.raises(ScenarioError, match=r"<use_world>:\\d+:\\d+: people: "):
                mockserver.use_world({"name": "bad", "people": "many"})
            assert mockserver.scenario == "default"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=10)
