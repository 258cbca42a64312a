"""The OpenAPI operations of the read endpoints (teams, limits, projects, jobs, assets, models, collections): paths,
parameters and errors from their 2.4.0 contracts (`published/endpoints/`), 200 bodies from the contract models."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mockserver.contract.ai_models import ModelListResponse, ModelRetrieveResponse
from mockserver.contract.assets import AssetListResponse, AssetRetrieveResponse
from mockserver.contract.collections import CollectionListResponse, CollectionRetrieveResponse
from mockserver.contract.jobs import JobListResponse, JobRetrieveResponse
from mockserver.contract.lists import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MIN_PAGE_SIZE
from mockserver.contract.projects import ProjectListResponse, ProjectRetrieveResponse
from mockserver.contract.query import DATE_PATTERN
from mockserver.contract.teams import TeamLimitsResponse, TeamListResponse, TeamRetrieveResponse

# The endpoints follow the 2.4.0 contract whatever contract `/usages` is pinned to: always the shipped copies.
ENDPOINT_CONTRACTS_DIR = Path(__file__).resolve().parent / "published" / "endpoints"
READ_RESPONSES: dict[str, type[BaseModel]] = {
    "teams.list": TeamListResponse,
    "teams.retrieve": TeamRetrieveResponse,
    "teams.retrieve_limits": TeamLimitsResponse,
    "projects.list": ProjectListResponse,
    "projects.retrieve": ProjectRetrieveResponse,
    "jobs.list": JobListResponse,
    "jobs.retrieve": JobRetrieveResponse,
    "assets.list": AssetListResponse,
    "assets.retrieve": AssetRetrieveResponse,
    "models.list": ModelListResponse,
    "models.retrieve": ModelRetrieveResponse,
    "collections.list": CollectionListResponse,
    "collections.retrieve": CollectionRetrieveResponse,
}
DATE_PARAMETERS = frozenset({"createdAfter", "createdBefore", "updatedAfter", "updatedBefore"})
ErrorResponse = Callable[[str], dict[str, Any]]


def load_endpoint_contracts() -> dict[str, dict[str, Any]]:
    """The contract of every read endpoint by SDK call name (`jobs.retrieve`), in the order of READ_RESPONSES."""
    found = {}
    for path in ENDPOINT_CONTRACTS_DIR.glob("*-2.4.0.json"):
        contract: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        found[contract["sdk_call"].removeprefix("client.")] = contract
    return {name: found[name] for name in READ_RESPONSES}


def read_paths(refs: dict[str, dict[str, Any]], error: ErrorResponse) -> dict[str, dict[str, Any]]:
    """The `paths` entries of the read endpoints under `/v1`; `refs` maps a call name to its 200 schema's `$ref`."""
    return {
        "/v1" + contract["path"]: {"get": _operation(name, contract, refs[name], error)}
        for name, contract in load_endpoint_contracts().items()
    }


def _operation_id(name: str) -> str:
    words = name.replace(".", "_").split("_")
    return words[0] + "".join(word.capitalize() for word in words[1:])


def _operation(name: str, contract: dict[str, Any], ref: dict[str, Any], error: ErrorResponse) -> dict[str, Any]:
    resource = name.partition(".")[0]
    is_list = contract["pagination"] is not None
    team_data = resource == "teams"
    parameters = [_path_parameter(p, resource) for p in contract["path_parameters"]]
    parameters += [_query_parameter(n, spec) for n, spec in sorted(contract["query"].items())]
    responses: dict[str, Any] = {
        "200": {"description": _ok(name, is_list), "content": {"application/json": {"schema": dict(ref)}}},
        "400": error(
            "A query parameter is invalid: outside its schema (an enum value, a date, `pageSize` outside "
            f"{MIN_PAGE_SIZE}..{MAX_PAGE_SIZE}), a `paginationToken` this server did not make for this list and "
            "query, or parameters that the contract says do not go together. A server started with `--lenient` "
            "reads a malformed value as absent instead."
            if contract["query"]
            else "Never sent: this endpoint takes no query parameter (unknown ones are ignored)."
        ),
        "401": error("Credentials are missing or malformed, or refused: see the security schemes."),
        "403": error(
            "The key's scope does not cover this: team data (`/teams...`) needs a team-scoped key."
            if team_data
            else "The key's scope does not cover this: a project-scoped key reads its projects' content only."
        ),
        "404": error(
            "Unknown path, or an unknown scenario named by `X-Mock-Scenario`."
            if is_list
            else f"No {resource[:-1]} with this id in the world (a server started with `--lenient` answers a "
            "generated one carrying the id instead); or an unknown path or scenario."
        ),
    }
    return {
        "operationId": _operation_id(name),
        "summary": f"`client.{name}()` of scenario-sdk 2.4.0",
        "tags": [resource],
        "parameters": parameters,
        "security": [{"basicAuth": []}, {"bearerAuth": []}],
        "responses": responses,
    }


def _ok(name: str, is_list: bool) -> str:
    if name == "teams.list":
        return "The caller's teams (no pagination)."
    if is_list:
        return (
            "One page, newest first; `nextPaginationToken` is absent on the last page. The token pins the instant "
            "and the query of the first page, so a walk never skips nor repeats an item."
        )
    return "The entity, as the world holds it at the served instant (it agrees with `/v1/usages`)."


def _path_parameter(name: str, resource: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {resource[:-1]} id.",
        "schema": {"type": "string", "minLength": 1},
    }


def _query_parameter(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    description = spec.get("description", "").strip()
    extra: dict[str, Any] = {}
    if "array_of" in spec:
        schema: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": list(spec["array_of"]["enum"])}}
        extra = {"style": "form", "explode": False}
        description += " Comma-separated (repeating the parameter works too)."
    elif "enum" in spec:
        schema = {"type": "string", "enum": list(spec["enum"])}
    elif name == "pageSize":
        schema = {"type": "integer", "minimum": MIN_PAGE_SIZE, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}
        # Ours for every list (READ-API-FACTS), whatever default and maximum the contract's text says.
        description = (
            f"The number of items to return: {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE} "
            "(the mock's choice for every list)."
        )
    elif spec.get("type") == "bool":
        schema = {"type": "boolean"}
        description += " `true`/`false` (or `1`/`0`)."
    elif spec.get("type") == "int":
        schema = {"type": "integer"}
    elif name in DATE_PARAMETERS:
        schema = {"type": "string", "pattern": DATE_PATTERN}
        description += " An ISO 8601 date or instant, read as `/v1/usages` reads `startDate`."
    else:
        schema = {"type": "string"}
    if name == "paginationToken":
        description = (
            "The `nextPaginationToken` of the previous page (opaque). A token this server did not make, or made for "
            "another list or query, is a 400."
        )
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema, **extra}
