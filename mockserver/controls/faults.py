"""Faults and latency: rules that decide, request by request, to answer with an error, a broken response or a delay.

A `FaultRule` matches requests (endpoint by path, path template or SDK call name, query, API key, scenario, which
calls, when on the world's clock, a seeded probability) and answers with one response or a sequence of them.
`Faults` holds the rules added at run time, the state of every rule (call counters, seeded rngs) and turns the
`X-Mock-Fault` / `X-Mock-Latency` headers into faults.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, ValidationError, WithJsonSchema, field_validator, model_validator

from mockserver.controls.journal import query_matches
from mockserver.controls.routes import ENDPOINT_NAMES, EndpointName, PathPattern, endpoint, endpoint_name
from mockserver.errors import QueryError
from mockserver.scenario.spec import Spec
from mockserver.world.clock import resolve_time

if TYPE_CHECKING:
    from mockserver.world.world import World

MAX_LATENCY_MS = 60_000.0
MAX_DRIBBLE_MS = 30_000.0
MAX_RULES = 1000
MAX_SEQUENCE = 1000
MAX_HEADER_LENGTH = 200
FAULT_HEADER = "x-mock-fault"
LATENCY_HEADER = "x-mock-latency"

FaultKind = Literal["error", "reset", "close", "empty", "malformed", "truncated", "html", "dribble", "body", "pass"]
KINDS: tuple[str, ...] = get_args(FaultKind)
# The kinds a header can force: an error is its status, and a body cannot travel in a header.
HEADER_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k not in ("error", "body"))
Then = Literal["pass", "repeat-last", "cycle"]

# `250`, `250ms`, `1.5s`, `100-300ms`, `0.1s-0.3s`
_AMOUNT = r"(\d+(?:\.\d+)?)\s*(ms|s)?"
_LATENCY = re.compile(rf"^\s*{_AMOUNT}\s*(?:-\s*{_AMOUNT})?\s*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")

LATENCY_FORMS = "`250ms`, `250` (ms), `1.5s` or a range `100-300ms`, at most 60s"
FAULT_FORMS = (
    "a status (`503`, `429; retry-after=2`, `429; retry-after-ms=1500`, `500; should-retry=false`) or a kind "
    f"({', '.join(HEADER_KINDS)}), optionally followed by `; name=value` parameters: "
    "retry-after, retry-after-ms, remaining-seconds, should-retry, status, chunks, interval-ms, code"
)


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


def sample_latency(latency: float | LatencyRange | LatencyNormal | None, rng: random.Random) -> float:
    """Milliseconds to wait for one request."""
    if latency is None:
        return 0.0
    if isinstance(latency, LatencyRange):
        return rng.uniform(latency.min, latency.max)
    if isinstance(latency, LatencyNormal):
        return min(max(rng.gauss(latency.mean, latency.stddev), 0.0), MAX_LATENCY_MS)
    return float(latency)


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

    from_: int = Field(1, alias="from", ge=1)
    to: int | None = Field(None, ge=1)

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


@dataclass(frozen=True)
class FaultAction:
    """What the middleware does to one request (latency already drawn)."""

    kind: str
    label: str  # for the journal and the log: what and why, e.g. `503 (rule 1, call 2)`
    status: int | None = None
    message: str | None = None
    code: str | None = None
    body: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # fields added to the error body
    headers: tuple[tuple[str, str], ...] = ()
    latency_ms: float = 0.0
    chunks: int = 10
    interval_ms: float = 100.0

    def error_message(self) -> str:
        if self.message is not None:
            return self.message
        if self.status == 429:
            return "cooldown"  # the vendor's own 429 reason
        try:
            phrase = HTTPStatus(self.status or 500).phrase
        except ValueError:
            phrase = "Error"
        return f"{phrase} (fault injected by mockserver)"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def build_action(response: FaultResponse, rng: random.Random, source: str) -> FaultAction:
    """Turn a response spec into an action: draw its latency, compose its headers and label."""
    latency_ms = sample_latency(response.latency, rng)
    headers: list[tuple[str, str]] = []
    extra: dict[str, Any] = {}
    delay_s: float | None = None
    if response.retry_after is not None:
        headers.append(("retry-after", _number(response.retry_after)))
        delay_s = response.retry_after
    if response.retry_after_ms is not None:
        headers.append(("retry-after-ms", _number(response.retry_after_ms)))
        delay_s = response.retry_after_ms / 1000
    if response.should_retry is not None:
        headers.append(("x-should-retry", "true" if response.should_retry else "false"))
    headers += [(name.lower(), value) for name, value in response.headers.items()]
    status = response.status
    if response.kind == "error":
        status = status or 500
    elif response.kind == "html":
        status = status or 502
    elif response.kind in ("empty", "body"):
        status = status or 200
    if response.remaining_seconds is not None:
        extra["remainingSeconds"] = response.remaining_seconds
    elif status == 429 and delay_s is not None:
        extra["remainingSeconds"] = math.ceil(delay_s)
    what = str(status) if response.kind == "error" else response.kind
    if response.kind not in ("error", "pass") and response.status is not None:
        what += f" {status}"
    if latency_ms:
        what += f" +{latency_ms:.0f}ms"
    return FaultAction(
        kind=response.kind,
        label=f"{what} ({source})",
        status=status,
        message=response.message,
        code=response.code,
        body=response.body,
        extra=extra,
        headers=tuple(headers),
        latency_ms=latency_ms,
        chunks=response.chunks,
        interval_ms=response.interval_ms,
    )


# -- header-forced faults --------------------------------------------------------------------------------------
_PARAMS = {
    "retry-after": "retryAfter",
    "retry-after-ms": "retryAfterMs",
    "remaining-seconds": "remainingSeconds",
    "should-retry": "shouldRetry",
    "status": "status",
    "chunks": "chunks",
    "interval-ms": "intervalMs",
    "code": "code",
}


def parse_fault_header(value: str) -> FaultResponse:
    """Parse an `X-Mock-Fault` value such as `503`, `429; retry-after=2` or `dribble; chunks=5`; QueryError if bad."""
    if len(value) > MAX_HEADER_LENGTH:
        raise QueryError(f"X-Mock-Fault is longer than {MAX_HEADER_LENGTH} characters; use {FAULT_FORMS}")
    what, *params = (part.strip() for part in value.split(";"))
    spec: dict[str, Any] = {}
    if what.isdigit():
        spec["status"] = int(what)
        spec["kind"] = "error"
    elif what.lower() in HEADER_KINDS:
        spec["kind"] = what.lower()
    else:
        raise QueryError(f"X-Mock-Fault {what[:50]!r} is neither a status nor a kind; use {FAULT_FORMS}")
    for param in params:
        name, sep, raw = (p.strip() for p in param.partition("="))
        if not sep or name.lower() not in _PARAMS:
            raise QueryError(f"X-Mock-Fault parameter {param[:50]!r} is not understood; use {FAULT_FORMS}")
        spec[_PARAMS[name.lower()]] = raw
    try:
        return FaultResponse.model_validate(spec)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
        raise QueryError(f"X-Mock-Fault {value!r} is not valid ({problems}); use {FAULT_FORMS}") from None


def parse_latency_header(value: str) -> float | LatencyRange:
    """Parse an `X-Mock-Latency` value; QueryError naming the accepted forms if it is not one of them."""
    try:
        return parse_latency(value)
    except ValueError as exc:
        raise QueryError(f"X-Mock-Latency: {exc}") from None


# -- the registry ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FaultRequest:
    """What a rule may look at: the request's path, query and API key, and the world that serves it."""

    path: str
    query: Sequence[tuple[str, str]]
    api_key: str | None = None
    world: World | None = None

    @cached_property
    def endpoint(self) -> str:
        return endpoint(self.path)

    @cached_property
    def endpoint_name(self) -> str | None:
        return endpoint_name(self.path)


def declared_rules(world: World) -> Sequence[FaultRule]:
    """The fault rules a world's scenario file declares (its `faults:` list)."""
    # A field lookup, not getattr with a default: a missing pydantic attribute raises, which costs microseconds.
    return world.scenario.__dict__.get("faults") or ()


class RuleState:
    """One rule and its progress: matching calls seen, calls it fired on, its rng."""

    def __init__(self, rule: FaultRule, source: str) -> None:
        self.rule = rule
        self.source = source
        self.responses = rule.responses()
        self.pattern = PathPattern.of(rule.path)
        self.reset()

    def reset(self) -> None:
        self.matched = 0
        self.fired = 0
        self.rng = random.Random(self.rule.seed)

    def matches(self, request: FaultRequest) -> bool:
        rule = self.rule
        if rule.endpoint is not None:
            if request.endpoint_name != rule.endpoint:
                return False
        elif not self.pattern.matches(request.endpoint):
            return False
        if rule.query and not query_matches(request.query, rule.query):
            return False
        if rule.api_key is not None and request.api_key != rule.api_key:
            return False
        world = request.world
        if rule.scenario is not None and (world is None or world.name != rule.scenario):
            return False
        if rule.after is not None or rule.before is not None:
            if world is None:
                return False
            now = world.clock.now()
            if rule.after is not None and now < resolve_time(rule.after, world.anchor):
                return False
            if rule.before is not None and now >= resolve_time(rule.before, world.anchor):
                return False
        return True

    def decide(self, request: FaultRequest) -> FaultAction | None:
        """The action for a request, or None to let the next rule decide."""
        if not self.matches(request):
            return None
        self.matched += 1
        rule = self.rule
        if rule.calls is not None and self.matched not in rule.calls:
            return None
        if rule.probability < 1 and self.rng.random() >= rule.probability:
            return None
        index = self.fired
        count = len(self.responses)
        if index >= count:
            then = rule.then or ("pass" if rule.sequence is not None else "repeat-last")
            if then == "pass":
                return None
            index = count - 1 if then == "repeat-last" else index % count
        self.fired += 1
        return build_action(self.responses[index], self.rng, f"{self.source}, call {self.matched}")

    def describe(self) -> dict[str, Any]:
        return {
            "rule": self.rule.model_dump(mode="json", by_alias=True, exclude_unset=True),
            "matched": self.matched,
            "fired": self.fired,
        }


class Faults:
    """The fault rules of a server: those added at run time (in order), then each scenario's own `faults`.

    The first rule that fires decides; a request forcing a fault with `X-Mock-Fault` skips the rules.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[int, RuleState] = {}
        self._next_id = 1
        self._scenario_rules: dict[str, tuple[object, list[RuleState]]] = {}
        self._rng = random.Random(0)  # latency ranges forced by header

    def add(self, rule: FaultRule) -> int:
        """Install a rule after the others; return its id."""
        with self._lock:
            if len(self._rules) >= MAX_RULES:
                raise ValueError(f"at most {MAX_RULES} fault rules can be installed")
            rule_id = self._next_id
            self._next_id += 1
            label = f"rule {rule_id}" + (f" {rule.name!r}" if rule.name else "")
            self._rules[rule_id] = RuleState(rule, label)
            return rule_id

    def remove(self, rule_id: int) -> None:
        """Uninstall a rule; KeyError if there is none with this id."""
        with self._lock:
            del self._rules[rule_id]

    def clear(self) -> None:
        """Uninstall every rule added at run time (scenario rules stay)."""
        with self._lock:
            self._rules.clear()

    def reset(self) -> None:
        """Start every rule over: call counters, sequences and rngs back to their initial state."""
        with self._lock:
            for state in self._rules.values():
                state.reset()
            self._scenario_rules.clear()
            self._rng = random.Random(0)

    def rules(self) -> dict[int, FaultRule]:
        with self._lock:
            return {rule_id: state.rule for rule_id, state in self._rules.items()}

    def describe(self) -> list[dict[str, Any]]:
        """The rules added at run time with their counters, for the admin API."""
        with self._lock:
            return [{"id": rule_id, **state.describe()} for rule_id, state in self._rules.items()]

    def could_apply(self, world: World | None) -> bool:
        """True if any rule could fire for a request of this world (the middleware's fast path skips the rest)."""
        return bool(self._rules) or (world is not None and bool(declared_rules(world)))

    def _scenario_states(self, world: World) -> list[RuleState]:
        declared = declared_rules(world)
        if not declared:
            return []
        cached = self._scenario_rules.get(world.name)
        # A reloaded scenario is a new object: its rules start over.
        if cached is None or cached[0] is not world.scenario:
            states = [RuleState(rule, f"scenario {world.name} rule {i + 1}") for i, rule in enumerate(declared)]
            cached = (world.scenario, states)
            self._scenario_rules[world.name] = cached
        return cached[1]

    def scenario_states(self, world: World) -> list[RuleState]:
        """The states of the rules `world`'s scenario declares (started over when the scenario is reloaded)."""
        with self._lock:
            return self._scenario_states(world)

    def forced(self, fault_header: str) -> FaultAction:
        """The action an `X-Mock-Fault` header asks for; QueryError if it is malformed."""
        with self._lock:
            return build_action(parse_fault_header(fault_header), self._rng, "X-Mock-Fault")

    def with_latency(self, action: FaultAction | None, latency_header: str | None) -> FaultAction | None:
        """`action` (None: the normal answer) delayed as an `X-Mock-Latency` header asks; QueryError if malformed."""
        if latency_header is None:
            return action
        latency = parse_latency_header(latency_header)
        with self._lock:
            latency_ms = sample_latency(latency, self._rng)
        if action is None:
            action = FaultAction(kind="pass", label=f"pass +{latency_ms:.0f}ms (X-Mock-Latency)")
        else:
            action = replace(action, label=f"{action.label} +{latency_ms:.0f}ms (X-Mock-Latency)")
        return replace(action, latency_ms=latency_ms)

    def decide(
        self, request: FaultRequest, fault_header: str | None = None, latency_header: str | None = None
    ) -> FaultAction | None:
        """What to do with a request: None to answer it normally. QueryError for a malformed control header."""
        if fault_header is not None:
            return self.with_latency(self.forced(fault_header), latency_header)
        action: FaultAction | None = None
        with self._lock:
            states = list(self._rules.values())
            if request.world is not None:
                states += self._scenario_states(request.world)
            for state in states:
                action = state.decide(request)
                if action is not None:
                    break
        return self.with_latency(action, latency_header)
