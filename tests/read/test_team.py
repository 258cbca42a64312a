"""teams.list, teams.retrieve and projects.list/retrieve through the SDK (strict): bodies, membership, key scope, 404s.

Membership follows READ-API-FACTS: people who left are not members; deleted keys are gone from the team while
`/usages` still names them; a project key sees only its projects and gets a 403 on team data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import scenario_sdk
from scenario_sdk import Scenario

from mockserver.contract.projects import ProjectListResponse, ProjectRetrieveResponse
from mockserver.contract.teams import TeamListResponse, TeamRetrieveResponse
from mockserver.settings import Settings
from mockserver.world.clock import parse_instant
from tests.conftest import BASIC, NOW, NOW_TEXT, LiveServer, basic_header, serving

SHIPPED = ["default", "edge-cases", "empty-team", "heavy-usage", "revoked-keys", "workflow-jobs"]
AGENCY = ("api_marketingAgency000001", "agency-secret")  # default.yaml's key scoped to the Marketing project
MARKETING = "proj_northwindMarketing0001"


def sdk_for(base_url: str, scenario: str, key: str = "test-key", secret: str = "test-secret") -> Scenario:
    return Scenario(
        base_url=base_url,
        api_key=key,
        api_secret=secret,
        _strict_response_validation=True,
        max_retries=0,
        default_headers={"X-Mock-Scenario": scenario},
    )


@pytest.fixture
def sdk_of(live_server: LiveServer) -> Iterator[Any]:
    clients: list[Scenario] = []

    def make(scenario: str, key: str = "test-key", secret: str = "test-secret") -> Scenario:
        clients.append(sdk_for(live_server.base_url, scenario, key, secret))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def get(client: httpx.Client, path: str, scenario: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params, headers={"X-Mock-Scenario": scenario})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def usages_users(client: httpx.Client, scenario: str) -> list[dict[str, Any]]:
    body = get(client, "/v1/usages", scenario, timeRange="last-thirty-one-days", type="consumption")
    users: list[dict[str, Any]] = body["entities"]["users"]
    return users


# --- bodies ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SHIPPED)
def test_bodies_validate_with_the_contract_and_parse_strictly(client: httpx.Client, sdk_of: Any, scenario: str) -> None:
    teams = TeamListResponse.model_validate(get(client, "/v1/teams", scenario))
    (summary,) = teams.teams
    team = TeamRetrieveResponse.model_validate(get(client, f"/v1/teams/{summary.id}", scenario)).team
    assert summary.context.users_count == len(team.users)
    assert summary.context.keys_count == len(team.keys)
    assert summary.context.invitations_count == len(team.invitations)
    assert summary.context.user_role == "key"  # every caller is an API key
    projects = ProjectListResponse.model_validate(get(client, "/v1/projects", scenario)).projects
    assert [p.id for p in projects] == [p.id for p in team.projects]  # both newest first
    for project in projects:
        one = ProjectRetrieveResponse.model_validate(get(client, f"/v1/projects/{project.id}", scenario)).project
        assert one.team_id == summary.id and one.description is not None
        assert one.model_copy(update={"description": None, "description_date": None}) == project
    sdk = sdk_of(scenario)
    assert sdk.teams.list().teams[0].id == summary.id
    assert sdk.teams.retrieve(summary.id).team.name == team.name
    for project in sdk.projects.list(page_size=1):
        assert sdk.projects.retrieve(project.id).project.name == project.name


@pytest.mark.parametrize("scenario", SHIPPED)
def test_projects_walk_newest_first_once_with_any_page_size(sdk_of: Any, scenario: str) -> None:
    sdk = sdk_of(scenario)
    whole = [p.id for p in sdk.projects.list(page_size=100)]
    for size in (1, 2, 3):
        walked = list(sdk.projects.list(page_size=size))
        assert [p.id for p in walked] == whole
    created = [parse_instant(p.created_at) for p in sdk.projects.list()]
    assert created == sorted(created, reverse=True)


def test_the_same_request_gives_the_same_bytes(client: httpx.Client) -> None:
    team_id = get(client, "/v1/teams", "default")["teams"][0]["id"]
    for path in (f"/v1/teams/{team_id}", f"/v1/teams/{team_id}/limits", "/v1/projects", f"/projects/{MARKETING}"):
        first = client.get(path, headers={"X-Mock-Scenario": "default"})
        second = client.get(path, headers={"X-Mock-Scenario": "default"})
        assert first.status_code == 200 and first.content == second.content


# --- membership --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SHIPPED)
def test_members_are_the_people_who_have_not_left(client: httpx.Client, scenario: str) -> None:
    team_id = get(client, "/v1/teams", scenario)["teams"][0]["id"]
    team = get(client, f"/v1/teams/{team_id}", scenario)["team"]
    members = {u["id"] for u in team["users"]}
    for user in usages_users(client, scenario):
        if user["isApiKey"]:
            continue
        # /usages shows people who left by their id alone; everyone else with a name.
        assert (user["id"] in members) == ("fullName" in user), user["id"]
    assert len({u["email"] for u in team["users"]}) == len(team["users"])
    roles = [u["role"] for u in team["users"]]
    assert set(roles) <= {"admin", "member"}


def test_people_who_left_are_named_by_usages_but_are_not_members(client: httpx.Client) -> None:
    left = "edgeLeft0000000000000001"
    assert {"id": left, "isApiKey": False} in usages_users(client, "edge-cases")
    team_id = get(client, "/v1/teams", "edge-cases")["teams"][0]["id"]
    assert left not in {u["id"] for u in get(client, f"/v1/teams/{team_id}", "edge-cases")["team"]["users"]}


@pytest.mark.parametrize("scenario", SHIPPED)
def test_team_keys_are_the_active_and_inactive_keys_as_usages_names_them(client: httpx.Client, scenario: str) -> None:
    team_id = get(client, "/v1/teams", scenario)["teams"][0]["id"]
    keys = {k["apiKeyId"]: k for k in get(client, f"/v1/teams/{team_id}", scenario)["team"]["keys"]}
    for user in usages_users(client, scenario):
        if not user["isApiKey"]:
            continue
        if user["apiKeyStatus"] == "deleted":
            assert user["apiKeyId"] not in keys  # gone from the team, still named by /usages
        else:
            key = keys[user["apiKeyId"]]
            assert (key["id"], key["apiKeyStatus"]) == (user["id"], user["apiKeyStatus"])
    for key in keys.values():
        assert key["apiKeyStatus"] in ("active", "inactive")
        if "lastUsedAt" in key:  # the time of the key's last event, as /usages lists its activity
            activity = get(
                client,
                "/v1/usages",
                scenario,
                type="activity",
                userIds=key["id"],
                endDate=NOW_TEXT,
                startDate=key["lastUsedAt"][:10],
            )["activity"]
            assert activity and activity[0]["time"] == key["lastUsedAt"]


def test_revoked_keys_world_keeps_its_inactive_key_and_drops_the_deleted_one(client: httpx.Client) -> None:
    team_id = get(client, "/v1/teams", "revoked-keys")["teams"][0]["id"]
    keys = get(client, f"/v1/teams/{team_id}", "revoked-keys")["team"]["keys"]
    assert sorted((k["apiKeyId"], k["apiKeyStatus"]) for k in keys) == [
        ("api_revokedActive00000001", "active"),
        ("api_revokedInactive000001", "inactive"),
    ]
    assert all(k["lastUsedAt"] <= NOW_TEXT for k in keys)


# --- key scope ---------------------------------------------------------------------------------------------


def test_a_project_key_gets_403_on_team_data(sdk_of: Any, client: httpx.Client) -> None:
    sdk = sdk_of("default", *AGENCY)
    team_id = get(client, "/v1/teams", "default")["teams"][0]["id"]
    for call in (sdk.teams.list, lambda: sdk.teams.retrieve(team_id), lambda: sdk.teams.retrieve_limits(team_id)):
        with pytest.raises(scenario_sdk.PermissionDeniedError) as info:
            call()
        assert info.value.status_code == 403
    raw = client.get(f"/v1/teams/{team_id}", headers={**basic_header(*AGENCY), "X-Mock-Scenario": "default"})
    assert raw.status_code == 403 and set(raw.json()) >= {"reason", "message", "code"}


def test_a_project_key_sees_only_its_projects(sdk_of: Any) -> None:
    sdk = sdk_of("default", *AGENCY)
    assert [p.id for p in sdk.projects.list()] == [MARKETING]
    project = sdk.projects.retrieve(MARKETING).project
    (key,) = [k for k in project.keys if k.api_key_id == AGENCY[0]]
    assert (key.scope, key.role, key.owner_id) == ("project", "reader", MARKETING)
    for hidden in ("proj_northwindCharacters01", "proj_northwindEnvironments1"):
        with pytest.raises(scenario_sdk.NotFoundError):
            sdk.projects.retrieve(hidden)


def test_the_team_lists_the_project_key_with_its_projects(sdk_of: Any) -> None:
    sdk = sdk_of("default")
    team = sdk.teams.retrieve(sdk.teams.list().teams[0].id).team
    key = next(k for k in team.keys if k.api_key_id == AGENCY[0])
    assert key.scope == "project" and key.projects is not None
    assert [(p.project_id, p.role) for p in key.projects] == [(MARKETING, "reader")]
    assert key.consumption == 0 and key.last_used_at is None  # created, never used
    assert all(k.scope == "team" for k in team.keys if k.api_key_id != AGENCY[0])


# --- unknown ids -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/teams/team_unknown", "/v1/teams/team_unknown/limits", "/projects/proj_nope"])
def test_unknown_ids_are_json_404s(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"X-Mock-Scenario": "default"})
    assert response.status_code == 404
    body = response.json()
    assert set(body) >= {"reason", "message", "code", "traceId"}
    assert "not found" in body["message"]


def test_the_sdk_raises_not_found_for_an_unknown_team(sdk_of: Any) -> None:
    with pytest.raises(scenario_sdk.NotFoundError):
        sdk_of("default").teams.retrieve("team_unknown")


def test_lenient_answers_placeholder_ids_with_generated_entities() -> None:
    with serving(Settings(now=NOW, lenient=True, log_requests=False)) as url:
        with sdk_for(url + "/v1", "default") as sdk:
            team = sdk.teams.retrieve("teamId").team
            assert team.id == "teamId" and team.name == "Northwind Games"
            assert sdk.teams.retrieve_limits("teamId").plan == "cu-team"
            project = sdk.projects.retrieve("projectId").project
            assert project.id == "projectId" and project.users == [] and project.consumption == 0
            assert [p.id for p in sdk.projects.list(team_id="teamId")] == []
        with httpx.Client(base_url=url, headers=BASIC) as http:
            first = http.get("/v1/projects/projectId", headers={"X-Mock-Scenario": "default"})
            again = http.get("/v1/projects/projectId", headers={"X-Mock-Scenario": "default"})
            assert first.content == again.content
            ProjectRetrieveResponse.model_validate(first.json())
