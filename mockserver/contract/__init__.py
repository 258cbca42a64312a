"""The API contract as code: pydantic models of the `GET /v1/usages` responses and the OpenAPI document."""

from mockserver.contract.errors import ErrorBody
from mockserver.contract.openapi import build_openapi
from mockserver.contract.usages import UsageListResponse, response_json_schema

__all__ = ["ErrorBody", "UsageListResponse", "build_openapi", "response_json_schema"]
