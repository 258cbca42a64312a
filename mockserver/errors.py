"""The one exception hierarchy of mockserver.

MockServerError
├── ScenarioError      a scenario file is wrong (carries every problem, each with file:line:col)
├── SetupError         what the server is asked to serve cannot be served (no such scenario, no default)
├── StateError         the shared state store (`--state redis://...`) cannot be reached at start
├── CaptureError       a capture file (`proxy --record`, or written by hand) cannot be read; names file and path
└── RequestError       a request cannot be answered; carries the HTTP status and the API's error code
    ├── QueryError     400: malformed query parameters
    ├── AuthError      401: missing, malformed, unknown or revoked credentials
    ├── ForbiddenError 403: a project-scoped API key asking for team data
    ├── NotFoundError  404: unknown path, scenario or entity id
    ├── ConflictError  409: a run-time control this server cannot apply coherently (several workers, no --state)
    └── UnavailableError  503: the answer is not ready yet (a render past its deadline); says when to retry
        └── StoreUnavailableError  503: a control, while the shared state store does not answer
"""

from __future__ import annotations

from dataclasses import dataclass


class MockServerError(Exception):
    """Base class of every error raised by mockserver on purpose."""


@dataclass(frozen=True)
class ScenarioProblem:
    """One problem in a scenario file, located as precisely as the loader can."""

    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.field}: {self.message}"


class ScenarioError(MockServerError):
    """A scenario could not be loaded; `problems` lists every problem found, one per line in `str()`."""

    def __init__(self, problems: list[ScenarioProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SetupError(MockServerError):
    """The scenarios load, but the server cannot start as asked: e.g. no scenario to serve by default."""


class StateError(MockServerError):
    """The shared state store cannot be reached (at start: the CLI exits 1 with this one line)."""


class CaptureError(MockServerError):
    """A capture file is not what `mockserver import` and `proxy report` read: `file`, JSON `path`, `message`."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.message = message
        super().__init__(f"{file}: {path}: {message}" if path else f"{file}: {message}")


class RequestError(MockServerError):
    """A request that gets an error response: `status`, a machine `code` and a human `message`."""

    status = 500
    code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, object] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra or {}


class QueryError(RequestError):
    status = 400
    code = "INVALID_PARAMETER"


class AuthError(RequestError):
    status = 401
    code = "UNAUTHORIZED"


class ForbiddenError(RequestError):
    """403: e.g. a project-scoped API key asking for team data."""

    status = 403
    code = "FORBIDDEN"


class NotFoundError(RequestError):
    status = 404
    code = "NOT_FOUND"


class ConflictError(RequestError):
    """409: e.g. a run-time control on one of several workers that share no state store."""

    status = 409
    code = "CONFLICT"


class UnavailableError(RequestError):
    """503 with `Retry-After`: e.g. a render still running past the deadline (it lands in the cache)."""

    status = 503
    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StoreUnavailableError(UnavailableError):
    """503 on a control while the shared state store does not answer; API responses never raise it."""

    code = "STATE_STORE_UNAVAILABLE"
