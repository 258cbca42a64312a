"""The OpenAPI 3.1 document of the mock's API (`GET /v1/usages`), built from the contract models."""

from __future__ import annotations

import copy
import functools
import importlib
from typing import Any

from pydantic.json_schema import models_json_schema

from mockserver.contract.enums import TIME_RANGES, USAGE_TYPES
from mockserver.contract.errors import ErrorBody
from mockserver.contract.usages import UsageListResponse

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
_FALLBACK_VERSION = "0.1.0"


def build_openapi(server_url: str | None = None) -> dict[str, Any]:
    """Return the OpenAPI document, optionally with `servers` set to `server_url`; a fresh copy each call."""
    document = copy.deepcopy(_document())
    if server_url is not None:
        document["servers"] = [{"url": server_url}]
    return document


def _package_version() -> str:
    version = getattr(importlib.import_module("mockserver"), "__version__", _FALLBACK_VERSION)
    return str(version)


@functools.lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    # Built once per process; callers only ever see deep copies (see build_openapi), so it is never mutated.
    refs, schema_root = models_json_schema(
        [(UsageListResponse, "serialization"), (ErrorBody, "serialization")],
        by_alias=True,
        ref_template=REF_TEMPLATE,
    )
    schemas = schema_root.get("$defs", {})
    usages_ref = refs[(UsageListResponse, "serialization")]
    error_ref = refs[(ErrorBody, "serialization")]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Scenario usages API (mockserver)",
            "version": _package_version(),
            "description": (
                "A deterministic mock of Scenario.com's usage-analytics endpoint, following the contract of "
                "scenario-sdk 2.4.0. Behaviour the vendor does not document is the mock's own choice."
            ),
        },
        "paths": {"/v1/usages": {"get": _list_usages_operation(usages_ref, error_ref)}},
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "API key as user name and API secret as password.",
                },
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A user's access token."},
            },
        },
    }


def _list_usages_operation(usages_ref: dict[str, Any], error_ref: dict[str, Any]) -> dict[str, Any]:
    def error(description: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": dict(error_ref)}}}

    too_many = error("Rate limited; retry after the number of seconds in `Retry-After`.")
    too_many["headers"] = {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 0},
        }
    }
    return {
        "operationId": "listUsages",
        "summary": "List usage series, consumption and activity of a team",
        "tags": ["usages"],
        "parameters": _query_parameters(),
        # Either scheme is enough: each entry of `security` is an alternative.
        "security": [{"basicAuth": []}, {"bearerAuth": []}],
        "responses": {
            "200": {
                "description": "The sections asked for with `type`, plus the entities they reference.",
                "content": {"application/json": {"schema": dict(usages_ref)}},
            },
            "400": error("A query parameter is invalid (dates, range length, `timeRange`)."),
            "401": error("Credentials are missing, malformed, unknown or revoked."),
            "404": error("Unknown path."),
            "429": too_many,
            "500": error("The server failed (or a fault was injected)."),
        },
    }


def _query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


def _query_parameters() -> list[dict[str, Any]]:
    def string() -> dict[str, Any]:
        # A fresh dict per parameter: deepcopy keeps shared objects shared, and callers may edit their copy.
        return {"type": "string"}

    return [
        _query(
            "timeRange",
            "Window ending now. Ignored when both `startDate` and `endDate` are given; "
            "the mock defaults to `last-seven-days`.",
            {"type": "string", "enum": list(TIME_RANGES)},
        ),
        _query(
            "startDate",
            "Start of a custom window (ISO 8601 date or date-time, UTC when no offset); needs `endDate`.",
            string(),
        ),
        _query(
            "endDate",
            "End of a custom window, exclusive; a date alone means the end of that day. Needs `startDate`; "
            "the window is at most 120 days.",
            string(),
        ),
        _query(
            "type",
            "Sections to return, comma-separated; unknown values are ignored, and none known means all.",
            {"type": "array", "items": {"type": "string", "enum": list(USAGE_TYPES)}},
            style="form",
            explode=False,
        ),
        _query(
            "activityOffset",
            "Index of the first activity event returned (pages of 100); invalid or negative values mean 0.",
            {"type": "number"},
        ),
        _query(
            "dropZeroPoints",
            "Drop points whose figures are all zero from the series; present without a value means true.",
            {"type": "boolean"},
            allowEmptyValue=True,
        ),
        _query("userId", "Only this user's data (a person's id or an API key's `apiu_` id).", string()),
        _query("userIds", "Only these users' data, comma-separated.", string()),
        _query("projectIds", "Only these projects' data, comma-separated.", string()),
        _query("teamId", "The team to report on; defaults to the caller's team.", string()),
    ]
