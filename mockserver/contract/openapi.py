"""The OpenAPI 3.1 document of the mock's API (`GET /v1/usages` and the read endpoints), built from the contract models.

It says what the server accepts, the lenient forms the API documents included, so a client or a fuzzer reading it
finds the server in agreement (tests/reliability/test_schemathesis.py)."""

from __future__ import annotations

import copy
import functools
import importlib
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from mockserver.contract.enums import TIME_RANGES, USAGE_TYPES
from mockserver.contract.errors import ErrorBody
from mockserver.contract.query import DATE_PATTERN
from mockserver.contract.usages import UsageListResponse

if TYPE_CHECKING:
    from mockserver.contract.read_openapi import ErrorResponse

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
    # The read endpoints' response models load here, with the first document (see contract/lists.py).
    from mockserver.contract.read_openapi import READ_RESPONSES, read_paths

    models: list[type[BaseModel]] = [UsageListResponse, ErrorBody, *READ_RESPONSES.values()]
    refs, schema_root = models_json_schema(
        [(model, "serialization") for model in models], by_alias=True, ref_template=REF_TEMPLATE
    )
    schemas = schema_root.get("$defs", {})
    usages_ref = refs[(UsageListResponse, "serialization")]
    error_ref = refs[(ErrorBody, "serialization")]

    def error(description: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": dict(error_ref)}}}

    read = read_paths({name: refs[(model, "serialization")] for name, model in READ_RESPONSES.items()}, error)
    for item in read.values():
        item["get"]["responses"].update(_common_errors(error))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Scenario API (mockserver)",
            "version": _package_version(),
            "description": (
                "A deterministic mock of Scenario.com's usage-analytics endpoint and of the read endpoints an "
                "integration calls beside it (teams, limits, projects, jobs, assets, models, collections), "
                "following the contract of scenario-sdk 2.4.0. Behaviour the vendor does not document is the "
                "mock's own choice. Every path also answers without its `/v1` prefix (as the SDK's own generated "
                "tests call it); only the `/v1` paths are listed."
            ),
        },
        "paths": {"/v1/usages": {"get": _list_usages_operation(usages_ref, error)}, **read},
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "API key as user name and API secret as password, both non-empty. " + _ACCEPTED,
                },
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A user's access token (one word). " + _ACCEPTED,
                },
            },
        },
    }


# How the mock treats credentials (API-FACTS, "Decisions for the mock"), said in both schemes. Not `{}` in
# `security`: anonymous calls are refused.
_ACCEPTED = (
    "The mock requires credentials on every call (none, or malformed ones, get a 401) and by default accepts any "
    "well-formed credentials that the scenario does not declare, so that any client can talk to it; a scenario with "
    "`settings.acceptOnlyDeclaredKeys: true` accepts only its declared keys (anything else is a 401), as the real "
    "API does. A declared key with the wrong secret, or whose status is `inactive` or `deleted`, is always a 401."
)


def _common_errors(error: ErrorResponse) -> dict[str, Any]:
    """The error responses every operation shares (fresh objects on each call)."""
    too_many = error("Rate limited; retry after the number of seconds in `Retry-After`.")
    too_many["headers"] = {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 0},
        }
    }
    not_allowed = error("A method other than GET or HEAD.")
    not_allowed["headers"] = {
        "Allow": {"description": "The methods the path answers.", "schema": {"type": "string"}, "required": True}
    }
    return {
        "405": not_allowed,
        "414": error("The request target (path and query) is too long; the server answers this itself."),
        "429": too_many,
        "431": error("The request headers are too large or too many; the server answers this itself."),
        "500": error("The server failed (or a fault was injected)."),
        "503": error("The server cannot answer now (or a fault was injected)."),
    }


def _list_usages_operation(usages_ref: dict[str, Any], error: ErrorResponse) -> dict[str, Any]:
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
            "400": error(
                "A query parameter is invalid: a date outside its `pattern`, one date without the other, "
                "`startDate` not before `endDate`, a window over 120 days, an unknown `timeRange` without both "
                "dates. Never sent by a server started with `--lenient`."
            ),
            "401": error(
                "Credentials are missing or malformed, or refused: see the security schemes for which are accepted."
            ),
            "404": error("Unknown path, or an unknown scenario named by `X-Mock-Scenario`."),
            **_common_errors(error),
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

    def date(name: str, description: str) -> dict[str, Any]:
        # An empty value is the parameter left out (`allowEmptyValue`): `startDate=&endDate=` is no custom window.
        schema = {"type": "string", "pattern": DATE_PATTERN}
        return _query(name, description + " " + _DATE_FORMS, schema, allowEmptyValue=True)

    return [
        _query(
            "timeRange",
            "Window ending now. Ignored, whatever its value, when both `startDate` and `endDate` are given; "
            "empty means absent; the mock defaults to `last-seven-days`.",
            {"type": "string", "enum": list(TIME_RANGES)},
            allowEmptyValue=True,
        ),
        date("startDate", "Start of a custom window, inclusive; needs `endDate`."),
        date(
            "endDate",
            "End of a custom window, exclusive; a date alone means the end of that day. Needs `startDate`, which "
            "must be before it; the window is at most 120 days.",
        ),
        _query(
            "type",
            "Sections to return, comma-separated (repeating the parameter works too). Lenient as the API documents "
            "it: unknown values are ignored, and none known (or empty) means all.",
            {
                "type": "array",
                "items": {
                    "anyOf": [
                        {"type": "string", "enum": list(USAGE_TYPES)},
                        {"type": "string", "description": "Any other value is ignored."},
                    ]
                },
            },
            style="form",
            explode=False,
        ),
        _query(
            "activityOffset",
            "Index of the first activity event returned (pages of 100). Lenient as the API documents it: a finite "
            "number >= 0 is truncated to an integer, anything else (negative, not a number, empty) means 0.",
            # A number >= 0, or any other text (0): on the wire, every value is text.
            {"type": ["number", "string"], "minimum": 0},
            allowEmptyValue=True,
        ),
        _query(
            "dropZeroPoints",
            "Drop points whose figures are all zero from the series. Present with any value enables it, an empty "
            "value and a bare `?dropZeroPoints` included; only `false`, `0`, `no` and `off` (any case, spaces "
            "around ignored) disable it, as does leaving it out.",
            {"type": ["boolean", "string"]},
            allowEmptyValue=True,
        ),
        _query("userId", "Only this user's data (a person's id or an API key's `apiu_` id).", string()),
        _query("userIds", "Only these users' data, comma-separated.", string()),
        _query("projectIds", "Only these projects' data, comma-separated.", string()),
        _query("teamId", "The team to report on; defaults to the caller's team.", string()),
    ]


_DATE_FORMS = (
    "Forms: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM`, optionally `:SS` and a fraction of 1 to 9 digits (read to the "
    "millisecond), then `Z`/`z`, `+HH:MM`/`-HH:MM` (a space stands for an unencoded `+`) or nothing (UTC); a real "
    "calendar day of the years 1970 to 9999 (the `pattern`), and the instant must lie in "
    "1970-01-01T00:00Z..10000-01-01T00:00Z. Anything else is a 400."
)
