"""Error bodies as the API sends them: `{"reason", "message", "code", "traceId"}`, always JSON."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from mockserver.errors import RequestError, UnavailableError

_CODES = {
    400: "INVALID_PARAMETER",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    414: "URI_TOO_LONG",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


def error_code(status: int) -> str:
    return _CODES.get(status, "ERROR")


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON error response with a fresh trace id."""
    body: dict[str, Any] = {
        "reason": message,
        "message": message,
        "code": code or error_code(status),
        "traceId": uuid.uuid4().hex,
    }
    if extra:
        body.update(extra)
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type="application/json")


def request_error_response(error: RequestError) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, UnavailableError) else None
    return error_response(error.status, error.message, code=error.code, extra=error.extra, headers=headers)
