"""The contract models of the teams, limits, projects and collections endpoints against the 2.4.0 contracts:
each exported JSON Schema matches `response_200` structurally, and a realistic body round-trips through the
model and is accepted by the SDK's own response type with strict validation (what the SDK's client does)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from scenario_sdk._models import validate_type
from scenario_sdk.pagination import SyncCollectionsCursor, SyncProjectsCursor
from scenario_sdk.types import collection_list_response as sdk_collection_list
from scenario_sdk.types import project_list_response as sdk_project_list
from scenario_sdk.types.collection_retrieve_response import CollectionRetrieveResponse as SdkCollectionRetrieve
from scenario_sdk.types.project_retrieve_response import ProjectRetrieveResponse as SdkProjectRetrieve
from scenario_sdk.types.team_list_response import TeamListResponse as SdkTeamList
from scenario_sdk.types.team_retrieve_limits_response import TeamRetrieveLimitsResponse as SdkTeamLimits
from scenario_sdk.types.team_retrieve_response import TeamRetrieveResponse as SdkTeamRetrieve

from mockserver.contract.collections import CollectionListResponse, CollectionRetrieveResponse
from mockserver.contract.projects import ProjectListResponse, ProjectRetrieveResponse
from mockserver.contract.read_enums import (
    INVITATION_STATUSES,
    IP_DETECTION_ENFORCEMENTS,
    KEY_SCOPES,
    MEMBER_KEY_STATUSES,
    PAYMENT_STATUSES,
    PLANS,
    SUBSCRIPTION_STATUSES,
    TEAM_ROLES,
    TEAM_TYPES,
)
from mockserver.contract.teams import (
    KeyProject,
    PlanLimits,
    TeamKey,
    TeamLimitsResponse,
    TeamListResponse,
    TeamRetrieveResponse,
)
from mockserver.contract.usages import response_json_schema
from mockserver.contract.versions import contracts_dir
from tests.contract.test_models import compare, node_at, normalise

Schema = dict[str, Any]

MODELS: dict[str, type[BaseModel]] = {
    "teams-list": TeamListResponse,
    "teams-retrieve": TeamRetrieveResponse,
    "teams-retrieve-limits": TeamLimitsResponse,
    "projects-list": ProjectListResponse,
    "projects-retrieve": ProjectRetrieveResponse,
    "collections-list": CollectionListResponse,
    "collections-retrieve": CollectionRetrieveResponse,
}

# The type the SDK's client validates each 200 body with (`cast_to`, or the page type of a cursor list).
SDK_TYPES: dict[str, Any] = {
    "teams-list": SdkTeamList,
    "teams-retrieve": SdkTeamRetrieve,
    "teams-retrieve-limits": SdkTeamLimits,
    "projects-list": SyncProjectsCursor[sdk_project_list.ProjectListResponse],
    "projects-retrieve": SdkProjectRetrieve,
    "collections-list": SyncCollectionsCursor[sdk_collection_list.CollectionListResponse],
    "collections-retrieve": SdkCollectionRetrieve,
}

ENDPOINTS = sorted(MODELS)


def _endpoints_dir() -> Path | None:
    """The endpoint contracts: shipped beside the usages ones, else the reference material above the checkout."""
    shipped = contracts_dir() / "endpoints"
    if shipped.is_dir():
        return shipped
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / "contracts" / "endpoints"
        if candidate.is_dir():
            return candidate
    return None


def load_endpoint(name: str) -> Schema:
    """Load the 2.4.0 contract of one endpoint (`teams-list`, ...), or skip when there is no reference material."""
    folder = _endpoints_dir()
    if folder is None or not (folder / f"{name}-2.4.0.json").is_file():
        pytest.skip(f"no endpoint contract {name!r} (looked in {contracts_dir() / 'endpoints'} and ../shared)")
    contract: Schema = json.loads((folder / f"{name}-2.4.0.json").read_text(encoding="utf-8"))
    return contract


# --- the models match the contracts -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_model_matches_the_contract(name: str) -> None:
    reference = load_endpoint(name)["response_200"]
    exported = response_json_schema(MODELS[name])
    difference = compare(reference, exported)
    assert difference is None, f"{name}: {difference}"
    assert normalise(reference, reference) == normalise(exported, exported)
    assert response_json_schema(MODELS[name], mode="serialization") == exported


@pytest.mark.parametrize("name", ENDPOINTS)
def test_model_matches_the_sdks_own_response_type(name: str) -> None:
    # The same check against the installed SDK's pydantic types: needs no reference material, so it runs anywhere.
    sdk_schema = SDK_TYPES[name].model_json_schema(by_alias=True)
    difference = compare(sdk_schema, response_json_schema(MODELS[name]))
    assert difference is None, f"{name}: {difference}"


def test_contracts_name_the_calls_the_models_answer() -> None:
    calls = {name: load_endpoint(name)["sdk_call"] for name in ENDPOINTS}
    assert calls == {
        "collections-list": "client.collections.list",
        "collections-retrieve": "client.collections.retrieve",
        "projects-list": "client.projects.list",
        "projects-retrieve": "client.projects.retrieve",
        "teams-list": "client.teams.list",
        "teams-retrieve": "client.teams.retrieve",
        "teams-retrieve-limits": "client.teams.retrieve_limits",
    }


# --- the comparer finds a changed contract ------------------------------------------------------------------


def _drop_required(path: str, field: str) -> Any:
    def mutate(schema: Schema) -> None:
        node_at(schema, path)["required"].remove(field)

    return mutate


def _drop_root_required(field: str) -> Any:
    def mutate(schema: Schema) -> None:
        schema["required"].remove(field)

    return mutate


def _remove_enum_value(path: str, value: str) -> Any:
    def mutate(schema: Schema) -> None:
        node_at(schema, path)["enum"].remove(value)

    return mutate


def _retype(path: str, field: str, new: Schema) -> Any:
    def mutate(schema: Schema) -> None:
        node_at(schema, path)["properties"][field] = new

    return mutate


MUTATIONS = [
    pytest.param(
        "teams-list",
        _drop_required("teams[]", "context"),
        "teams[]: required differs: extra {'context'}",
        id="teams-list-required",
    ),
    pytest.param(
        "teams-list",
        _remove_enum_value("teams[].context.userRole", "key"),
        "teams[].context.userRole: enum differs: extra {'key'}",
        id="teams-list-enum",
    ),
    pytest.param(
        "teams-retrieve",
        _drop_required("team.keys[]", "scope"),
        "team.keys[]: required differs: extra {'scope'}",
        id="teams-retrieve-required",
    ),
    pytest.param(
        "teams-retrieve",
        _remove_enum_value("team.keys[].apiKeyStatus", "inactive"),
        "team.keys[].apiKeyStatus: enum differs: extra {'inactive'}",
        id="teams-retrieve-enum",
    ),
    pytest.param(
        "teams-retrieve-limits",
        _drop_required("limits", "OTPSessions"),
        "limits: required differs: extra {'OTPSessions'}",
        id="limits-required",
    ),
    pytest.param(
        "teams-retrieve-limits",
        _remove_enum_value("plan", "cu-team-v2"),
        "plan: enum differs: extra {'cu-team-v2'}",
        id="limits-enum",
    ),
    pytest.param(
        "projects-list",
        _drop_required("projects[].keys[]", "role"),
        "projects[].keys[]: required differs: extra {'role'}",
        id="projects-list-required",
    ),
    pytest.param(
        "projects-list",
        _remove_enum_value("projects[].keys[].scope", "project"),
        "projects[].keys[].scope: enum differs: extra {'project'}",
        id="projects-list-enum",
    ),
    pytest.param(
        "projects-retrieve",
        _drop_required("project", "privacyMode"),
        "project: required differs: extra {'privacyMode'}",
        id="projects-retrieve-required",
    ),
    pytest.param(
        "projects-retrieve",
        _retype("project.users[]", "role", {"enum": ["admin", "editor", "reader"], "type": "string"}),
        "project.users[].role: enum differs: expected {'admin', 'editor', 'reader'}, got no enum",
        id="projects-retrieve-enum",
    ),
    pytest.param(
        "collections-list",
        _drop_root_required("collections"),
        "(root): required differs: extra {'collections'}",
        id="collections-list-required",
    ),
    pytest.param(
        "collections-list",
        _retype("collections[]", "assetCount", {"type": "string"}),
        "collections[].assetCount: type differs: expected 'string', got 'number'",
        id="collections-list-type",
    ),
    pytest.param(
        "collections-retrieve",
        _drop_required("collection.thumbnail", "url"),
        "collection.thumbnail: required differs: extra {'url'}",
        id="collections-retrieve-required",
    ),
    pytest.param(
        "collections-retrieve",
        _retype("collection", "name", {"enum": ["Favourites"], "type": "string"}),
        "collection.name: enum differs: expected {'Favourites'}, got no enum",
        id="collections-retrieve-enum",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "message"), MUTATIONS)
def test_comparer_reports_a_mutated_contract(name: str, mutate: Any, message: str) -> None:
    mutated = copy.deepcopy(load_endpoint(name)["response_200"])
    mutate(mutated)
    assert compare(mutated, response_json_schema(MODELS[name])) == message


# --- enums --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "path", "values"),
    [
        pytest.param("teams-retrieve", "team.plan", PLANS, id="plans"),
        pytest.param("teams-retrieve", "team.type", TEAM_TYPES, id="team-types"),
        pytest.param("teams-retrieve", "team.users[].role", TEAM_ROLES, id="team-roles"),
        pytest.param("teams-retrieve", "team.invitations[].status", INVITATION_STATUSES, id="invitation-statuses"),
        pytest.param("teams-retrieve", "team.paymentStatus", PAYMENT_STATUSES, id="payment-statuses"),
        pytest.param("teams-retrieve", "team.subscriptionStatus", SUBSCRIPTION_STATUSES, id="subscription-statuses"),
        pytest.param("teams-list", "teams[].ipDetectionEnforcement", IP_DETECTION_ENFORCEMENTS, id="ip-detection"),
        pytest.param("projects-retrieve", "project.keys[].apiKeyStatus", MEMBER_KEY_STATUSES, id="key-statuses"),
        pytest.param("projects-retrieve", "project.keys[].scope", KEY_SCOPES, id="key-scopes"),
    ],
)
def test_enum_tuples_are_the_contract_enums(name: str, path: str, values: tuple[str, ...]) -> None:
    reference = load_endpoint(name)["response_200"]
    assert set(node_at(reference, path)["enum"]) == set(values)
    assert len(values) == len(set(values))


# --- realistic bodies: our models and the SDK's strict validation agree -------------------------------------

T0 = "2026-11-02T09:15:27.412Z"
T1 = "2026-11-30T12:00:00.000Z"
AVATAR = {"assetId": "asset_av1", "url": "https://cdn.example.com/asset_av1.png"}
TEAM_PROJECTS = [
    {"id": "proj_main", "createdAt": T0, "name": "Main", "updatedAt": T1, "avatar": AVATAR},
    {"id": "proj_lab", "createdAt": T0, "name": "Lab", "updatedAt": T1, "disableIpDetection": True},
]
TEAM_CORE = {
    "id": "team_acme",
    "createdAt": T0,
    "name": "Acme",
    "plan": "cu-team",
    "projects": TEAM_PROJECTS,
    "type": "shared",
    "updatedAt": T1,
    "defaultUserMaxConsumption": 5000,
    "ipDetectionEnforcement": "active-fail-open",
    "qualityGateAutoDetect": False,
}
TEAM_KEY = {
    "id": "apiu_ci",
    "apiKeyId": "api_ci",
    "apiKeyStatus": "active",
    "createdAt": T0,
    "name": "ci-bot",
    "scope": "team",
    "updatedAt": T1,
    "authorId": "user_ada",
    "consumption": 812.5,
    "lastUsedAt": T1,
    "maxConsumption": 2000,
    "role": "team.read;team.usage.read",
}
PROJECT_KEY = {
    "id": "apiu_lab",
    "apiKeyId": "api_lab",
    "apiKeyStatus": "inactive",
    "createdAt": T0,
    "name": "lab-key",
    "scope": "project",
    "updatedAt": T1,
    "consumption": 0,
    "ownerId": "proj_lab",
    "projects": [{"projectId": "proj_lab", "role": "editor"}],
}
PROJECT = {
    "id": "proj_lab",
    "createdAt": T0,
    "keys": [{**PROJECT_KEY, "role": "editor"}],
    "name": "Lab",
    "privacyMode": False,
    "teamId": "team_acme",
    "updatedAt": T1,
    "users": [
        {
            "id": "user_ada",
            "createdAt": T0,
            "email": "ada@acme.test",
            "role": "admin",
            "updatedAt": T1,
            "avatar": AVATAR,
            "consumption": 120.25,
        },
        {"id": "user_bob", "createdAt": T0, "email": "bob@acme.test", "role": "asset.read;model.read", "updatedAt": T1},
    ],
    "consumption": 120.25,
    "disableIpDetection": True,
}
COLLECTION = {
    "id": "coll_favs",
    "assetCount": 3,
    "createdAt": T0,
    "itemCount": 4,
    "modelCount": 1,
    "name": "Favourites",
    "ownerId": "proj_main",
    "updatedAt": T1,
    "thumbnail": {"assetId": "asset_1", "url": "https://cdn.example.com/asset_1.png"},
}

EXAMPLES: dict[str, Schema] = {
    "teams-list": {
        "teams": [
            {
                **TEAM_CORE,
                "context": {"invitationsCount": 1, "keysCount": 2, "userRole": "admin", "usersCount": 3},
                "avatar": AVATAR,
                "byok": {"markupMultiplier": 1.2, "updatedAt": T1, "updatedBy": "Ada"},
            }
        ]
    },
    "teams-retrieve": {
        "team": {
            **TEAM_CORE,
            "invitations": [
                {
                    "createdAt": T1,
                    "email": "cy@acme.test",
                    "role": "member",
                    "status": "pending",
                    "url": "https://app.example.com/invite/abc",
                    "projectIds": ["proj_main"],
                }
            ],
            "keys": [TEAM_KEY, PROJECT_KEY],
            "paymentStatus": "succeeded",
            "searchHost": "search.example.com",
            "searchIndexes": {
                kind: {"private": f"team_acme-{kind}-private", "public": f"{kind}-public"}
                for kind in ("assets", "models", "workflows")
            },
            "users": [
                {
                    "id": "user_ada",
                    "createdAt": T0,
                    "email": "ada@acme.test",
                    "role": "admin",
                    "updatedAt": T1,
                    "avatar": AVATAR,
                    "consumption": 120.25,
                    "maxConsumption": 5000,
                },
                {"id": "user_bob", "createdAt": T0, "email": "bob@acme.test", "role": "member", "updatedAt": T1},
            ],
            "settings": {"homepage": {"sections": [{"type": "hero", "title": "Acme"}]}},
            "subscriptionStatus": "active",
        }
    },
    "teams-retrieve-limits": {
        "limits": {
            "apiKeys": 20,
            "canvasAssetLayers": 50,
            "canvasAssets": 1000,
            "collections": 100,
            "creativeUnits": 15000,
            "defaultSeats": 3,
            "downloadAssets": 100,
            "downloadModel": 10,
            "inferenceBatchSize": 16,
            "maxCooldown": 60,
            "maxTrainingDatasets": 50,
            "minCooldown": 5,
            "models": 200,
            "OTPSessions": 5,
            "parallelCustomJobs": 4,
            "parallelInferences": 8,
            "parallelTraining": 2,
            "parallelWorkflowRuns": 4,
            "premiumGenerationSamples": 100,
            "projects": 10,
            "scalingFactor": 1,
            "seats": 5,
            "snapshotsRetention": 30,
            "upload": 500,
        },
        "oneShotCreativeUnits": [
            {
                "amount": 1000,
                "createdAt": T0,
                "expiration": "2027-11-02T09:15:27.412Z",
                "remaining": 640.5,
                "updatedAt": T1,
            }
        ],
        "period": {"start": "2026-11-01T00:00:00.000Z", "end": "2026-12-01T00:00:00.000Z"},
        "plan": "cu-team",
        "values": {
            "apiKeys": 2,
            "canvasAssets": 12,
            "collections": 1,
            "creativeUnits": 932.75,
            "projects": 2,
            "seats": 2,
        },
    },
    "projects-list": {
        "projects": [PROJECT, {**PROJECT, "id": "proj_main", "name": "Main", "keys": [], "privacyMode": True}],
        "nextPaginationToken": "opaque-token-1",
    },
    "projects-retrieve": {
        "project": {
            **PROJECT,
            "description": "# Lab\nExperiments.",
            "descriptionDate": T1,
            "maxConsumption": 3000,
            "qualityGateAutoDetect": True,
            "settings": {"homepage": {"sections": []}},
        }
    },
    "collections-list": {"collections": [COLLECTION, {**COLLECTION, "id": "coll_empty", "thumbnail": None}]},
    "collections-retrieve": {"collection": COLLECTION},
}


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("name", ENDPOINTS)
def test_example_round_trips_and_the_sdk_accepts_it_strictly(name: str) -> None:
    body = EXAMPLES[name]
    dumped = MODELS[name].model_validate(body).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped == _without_nulls(body)
    validate_type(type_=SDK_TYPES[name], value=dumped)  # what `_strict_response_validation=True` does


@pytest.mark.parametrize("name", ENDPOINTS)
def test_the_contract_schema_accepts_the_example(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(load_endpoint(name)["response_200"]).validate(EXAMPLES[name])


# The main object of each body (where in the body, where in the schema): every key the model requires there is
# also required by the SDK.
ITEMS: dict[str, tuple[tuple[str | int, ...], str]] = {
    "teams-list": (("teams", 0), "teams[]"),
    "teams-retrieve": (("team",), "team"),
    "teams-retrieve-limits": (("limits",), "limits"),
    "projects-list": (("projects", 0), "projects[]"),
    "projects-retrieve": (("project",), "project"),
    "collections-list": (("collections", 0), "collections[]"),
    "collections-retrieve": (("collection",), "collection"),
}


def _node(body: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        body = body[key]
    return body


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_missing_required_key_is_rejected_by_the_model_and_the_sdk(name: str) -> None:
    body_path, schema_path = ITEMS[name]
    required = sorted(node_at(response_json_schema(MODELS[name]), schema_path)["required"])
    assert len(required) >= 4, name
    for key in required:
        body = copy.deepcopy(EXAMPLES[name])
        del _node(body, body_path)[key]
        with pytest.raises(ValidationError, match=key):
            MODELS[name].model_validate(body)
        with pytest.raises(ValidationError, match=key):
            validate_type(type_=SDK_TYPES[name], value=body)


def test_an_unknown_enum_value_is_rejected_by_the_model_and_the_sdk() -> None:
    body = copy.deepcopy(EXAMPLES["teams-retrieve"])
    body["team"]["keys"][0]["apiKeyStatus"] = "deleted"  # `/usages` knows it; a team's keys never show it
    with pytest.raises(ValidationError, match="apiKeyStatus"):
        TeamRetrieveResponse.model_validate(body)
    with pytest.raises(ValidationError, match="apiKeyStatus"):
        validate_type(type_=SdkTeamRetrieve, value=body)


def test_unknown_keys_are_kept() -> None:
    body = copy.deepcopy(EXAMPLES["collections-retrieve"])
    body["collection"]["newField"] = {"x": 1}
    dumped = CollectionRetrieveResponse.model_validate(body).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped["collection"]["newField"] == {"x": 1}


def test_models_are_built_by_python_name() -> None:
    wire = EXAMPLES["teams-retrieve-limits"]["limits"]
    limits = PlanLimits(**{name: wire[field.alias] for name, field in PlanLimits.model_fields.items()})
    assert limits.otp_sessions == 5
    assert limits.model_dump(by_alias=True) == wire
    key = TeamKey(
        id="apiu_ci",
        api_key_id="api_ci",
        api_key_status="active",
        created_at=T0,
        name="ci-bot",
        scope="project",
        updated_at=T1,
        projects=[KeyProject(project_id="proj_lab", role="reader")],
    )
    assert key.model_dump(by_alias=True, exclude_none=True)["projects"] == [{"projectId": "proj_lab", "role": "reader"}]
