"""Fault rules as a scenario file declares them (its `faults:` list) and the admin API installs them: the model.

A `FaultRule` says which requests it matches and the response (or sequence of responses) they get; it is data.
`mockserver.controls.faults` interprets it: matching, call counting, seeded draws, the registry and the headers.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, ValidationError, WithJsonSchema, field_validator, model_validator

from mockserver.contract.endpoints import ENDPOINT_NAMES, EndpointName
from mockserver.scenario.spec import Spec
from mockserver.world.clock import resolve_time

MAX_LATENCY_MS = 60_000.0
MAX_DRIBBLE_MS = 30_000.0
MAX_SEQUENCE = 1000
MAX_HEADER_LENGTH = 200  # the longest latency text (and `X-Mock-Fault` / `X-Mock-Latency` header) read

FaultKind = Literal["error", "reset", "close", "empty", "malformed", "truncated", "html", "dribble", "body", "pass"]
KINDS: tuple[str, ...] = get_args(FaultKind)
Then = Literal["pass", "repeat-last", "cycle"]

# `250`, `250ms`, `1.5s`, `100-300ms`, `0.1s-0.3s`
_AMOUNT = r"(\d+(?:\.\d+)?)\s*(ms|s)?"
_LATENCY = re.compile(rf"^\s*{_AMOUNT}\s*(?:-\s*{_AMOUNT})?\s*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")

LATENCY_FORMS = "`250ms`, `250` (ms), `1.5s` or a range `100-300ms`, at most 60s"


def _ms(amount: str, unit: str | None) -> float:
    return float(amount) * (1000 if unit == "s" else 1)


def parse_latency(text: str) -> float | LatencyRange:
    """Parse `250ms`, `250`, `1.5s` or `100-300ms` into milliseconds; ValueError naming the accepted forms."""
    match = _LATENCY.match(text) if len(text) <= MAX_HEADER_LENGTH else None
    if match is None:
        raise ValueError(f"latency {text[:MAX_HEADER_LENGTH]!r} is not one of {LATENCY_FORMS}")
    low, low_unit, high, high_unit = match.groups()
    if high is None:
        value = _ms(low, low_unit)
        if value > MAX_LATENCY_MS:
            raise ValueError(f"latency {text!r} is over 60s; accepted: {LATENCY_FORMS}")
        return value
    # In `100-300ms` the unit of the upper bound applies to both.
    low_ms, high_ms = _ms(low, low_unit or high_unit), _ms(high, high_unit)
    try:
        return LatencyRange(min=low_ms, max=high_ms)
    except ValidationError:
        raise ValueError(f"latency range {text!r} needs 0 <= min <= max <= 60s; accepted: {LATENCY_FORMS}") from None


class LatencyRange(Spec):
    """A latency drawn uniformly between `min` and `max` milliseconds (seeded)."""

    min: float = Field(ge=0, le=MAX_LATENCY_MS)
    max: float = Field(ge=0, le=MAX_LATENCY_MS)

    @model_validator(mode="after")
    def _ordered(self) -> LatencyRange:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class LatencyNormal(Spec):
    """A latency drawn from a normal distribution, cut to [0, 60 s] (seeded)."""

    mean: float = Field(ge=0, le=MAX_LATENCY_MS)
    stddev: float = Field(ge=0, le=MAX_LATENCY_MS)


def _latency_text(value: Any) -> Any:
    return parse_latency(value) if isinstance(value, str) else value


_MS = {"type": "number", "minimum": 0, "maximum": MAX_LATENCY_MS}
_LATENCY_SCHEMA = {
    "description": "Milliseconds: a number, `{min, max}`, `{mean, stddev}`, or text such as `250ms`, `100-300ms`.",
    "anyOf": [
        _MS,
        {"type": "string", "pattern": _LATENCY.pattern},
        {
            "type": "object",
            "properties": {"min": _MS, "max": _MS},
            "required": ["min", "max"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"mean": _MS, "stddev": _MS},
            "required": ["mean", "stddev"],
            "additionalProperties": False,
        },
    ],
}
# The text forms are parsed before validation, so the schema (for editors) is written out rather than derived.
Latency = Annotated[
    Annotated[float, Field(ge=0, le=MAX_LATENCY_MS)] | LatencyRange | LatencyNormal,
    BeforeValidator(_latency_text),
    WithJsonSchema(_LATENCY_SCHEMA),
]


class FaultResponse(Spec):
    """How to answer one request: an error with the API's body, a broken response, or the normal one (`pass`)."""

    kind: FaultKind = Field(
        "pass",
        description=(
            "error: the API's JSON error body with `status`; reset: drop the connection (RST) with no response; "
            "close: close it with no response; empty: an empty body; malformed: the real answer cut to invalid JSON; "
            "truncated: headers with the full Content-Length, half the body, then the connection closes; "
            "html: a non-JSON gateway page; dribble: the real answer in `chunks` pieces `intervalMs` apart; "
            "body: exactly `body` as JSON with `status` (default 200), whatever the world holds; "
            "pass: the normal answer (after `latency`). Default: error when `status` is given, else pass."
        ),
    )
    status: int | None = Field(
        None, ge=200, le=599, description="Default: 500 for error, 502 for html, 200 for empty, else the real one."
    )
    message: str | None = Field(None, max_length=1000, description="The error text (`reason` and `message`).")
    code: str | None = Field(None, pattern=r"^[A-Z0-9_]{1,64}$", description="The error body's `code`.")
    body: dict[str, Any] | None = Field(
        None, description="error: replaces the error body, e.g. `{message: Bad gateway}`; body: the JSON answered."
    )
    retry_after: float | None = Field(None, alias="retryAfter", ge=0, le=86_400, description="`Retry-After`, s.")
    retry_after_ms: float | None = Field(None, alias="retryAfterMs", ge=0, le=86_400_000)
    remaining_seconds: int | None = Field(
        None, alias="remainingSeconds", ge=0, description="Error body field (default on a 429: from the retry delay)."
    )
    should_retry: bool | None = Field(None, alias="shouldRetry", description="Sends `x-should-retry: true|false`.")
    headers: dict[str, str] = Field(default_factory=dict, max_length=20, description="More response headers.")
    latency: Latency | None = None
    chunks: int = Field(10, ge=1, le=1000, description="dribble: the number of pieces.")
    interval_ms: float = Field(100, alias="intervalMs", ge=0, le=MAX_DRIBBLE_MS, description="dribble: pause, ms.")

    @model_validator(mode="before")
    @classmethod
    def _default_kind(cls, data: Any) -> Any:
        has_status = isinstance(data, dict) and data.get("status") is not None
        if has_status and "kind" not in data and not data.get("sequence"):
            return {**data, "kind": "error"}
        return data

    @field_validator("headers")
    @classmethod
    def _header_names(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if len(value) > 1000 or any(c in value for c in "\r\n\0"):
                raise ValueError(f"the value of header {name!r} must be one line of at most 1000 characters")
        return headers

    @model_validator(mode="after")
    def _consistent(self) -> FaultResponse:
        if self.kind == "error" and self.status is not None and self.status < 400:
            raise ValueError(f"an error needs a status from 400 to 599, not {self.status}")
        if self.kind == "body" and self.body is None:
            raise ValueError("kind body needs the `body` to answer with")
        if self.kind == "dribble" and (self.chunks - 1) * self.interval_ms > MAX_DRIBBLE_MS:
            raise ValueError("a dribble lasts at most 30 s: (chunks - 1) * intervalMs must be <= 30000")
        return self


# In a sequence, `503` stands for `{status: 503}` and `reset` for `{kind: reset}`.
SequenceItem = Annotated[int, Field(ge=400, le=599)] | FaultKind | FaultResponse


def _expand(item: SequenceItem) -> FaultResponse:
    if isinstance(item, FaultResponse):
        return item
    if isinstance(item, int):
        return FaultResponse.model_validate({"kind": "error", "status": item})
    return FaultResponse.model_validate({"kind": item})


class CallRange(Spec):
    """The matching calls a rule applies to, counted from 1: `from` to `to`, both included."""

    # `default=` by name: type checkers read a default from that keyword only (PEP 681), so `CallRange()` checks.
    from_: int = Field(default=1, alias="from", ge=1)
    to: int | None = Field(default=None, ge=1)

    def __contains__(self, n: object) -> bool:
        return isinstance(n, int) and n >= self.from_ and (self.to is None or n <= self.to)


_RESPONSE_FIELDS = frozenset(FaultResponse.model_fields)


class FaultRule(FaultResponse):
    """A fault rule: which requests it matches, and the response (or the sequence of responses) they get.

    Calls are counted per rule among the requests that match its endpoint, query, API key, scenario and time;
    `calls` picks some of them, `probability` (with `seed`) some of those; the n-th call the rule fires on gets the
    n-th element of `sequence`, and after the last one `then` says what happens.
    """

    name: str | None = Field(None, max_length=100)
    path: str = Field(
        "/v1/usages",
        max_length=200,
        description=(
            "The endpoint: a path (`/v1/usages` also matches `/usages/`; `/v1/jobs/job_abc` that job only) or a "
            "template whose `{name}` segments match any id (`/v1/jobs/{id}`)."
        ),
    )
    endpoint: EndpointName | None = Field(
        None,
        description=(
            "The endpoint by SDK call name instead of `path`: " + ", ".join(f"`{n}`" for n in ENDPOINT_NAMES) + "; "
            "matches that route with or without `/v1`, whatever the id."
        ),
    )
    query: dict[str, str | int | float | None] = Field(
        default_factory=dict, description="Query parameters that must be present (an item of a comma list counts)."
    )
    api_key: str | None = Field(None, alias="apiKey", description="Only requests with this API key (or bearer token).")
    scenario: str | None = Field(None, max_length=128, description="Only requests served by this scenario.")
    calls: CallRange | list[Annotated[int, Field(ge=1)]] | None = Field(
        None, description="Which matching calls: `{from: 2, to: 3}` or a list such as `[1, 3]`."
    )
    after: str | None = Field(None, description="Only once the world's clock is at or after this instant.")
    before: str | None = Field(None, description="Only while the world's clock is before this instant.")
    probability: float = Field(1.0, ge=0, le=1, description="The chance a selected call gets the fault (seeded).")
    seed: int = Field(0, description="Seeds the probability and latency draws; `reset` starts them over.")
    sequence: list[SequenceItem] | None = Field(
        None, min_length=1, max_length=MAX_SEQUENCE, description="Responses for the 1st, 2nd, ... call it fires on."
    )
    then: Then | None = Field(None, description="After the sequence: pass (default), repeat-last or cycle.")

    @field_validator("after", "before")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        if value is not None:
            resolve_time(value, 0)
        return value

    @model_validator(mode="after")
    def _either_path_or_endpoint(self) -> FaultRule:
        if self.endpoint is not None and "path" in self.model_fields_set:
            raise ValueError(
                f"give either a path or an endpoint, not both (path {self.path!r}, endpoint {self.endpoint!r})"
            )
        return self

    @model_validator(mode="after")
    def _either_response_or_sequence(self) -> FaultRule:
        if self.sequence is not None:
            given = sorted(self.model_fields_set & _RESPONSE_FIELDS)
            if given:
                raise ValueError(f"give either a response or a sequence, not both (found {', '.join(given)})")
        elif self.then is not None:
            raise ValueError("`then` applies to a sequence")
        return self

    def responses(self) -> list[FaultResponse]:
        """The responses the rule gives, in order (shorthands expanded)."""
        return [_expand(item) for item in self.sequence] if self.sequence is not None else [self]
