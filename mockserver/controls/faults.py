"""Faults and latency: rules that decide, request by request, to answer with an error, a broken response or a delay.

A `FaultRule` (its model, data a scenario declares, is in `mockserver.scenario.faults`) matches requests (endpoint by
path, path template or SDK call name, query, API key, scenario, which calls, when on the world's clock, a seeded
probability) and answers with one response or a sequence of them. `Faults` holds the rules added at run time, the
state of every rule (call counters, seeded rngs) and turns the `X-Mock-Fault` / `X-Mock-Latency` headers into faults.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from mockserver.controls.criteria import query_matches
from mockserver.controls.routes import PathPattern, endpoint, endpoint_name
from mockserver.errors import QueryError
from mockserver.scenario.faults import (
    KINDS,
    MAX_HEADER_LENGTH,
    MAX_LATENCY_MS,
    FaultResponse,
    FaultRule,
    LatencyNormal,
    LatencyRange,
    parse_latency,
)
from mockserver.world.clock import resolve_time

if TYPE_CHECKING:
    from mockserver.world.world import World

MAX_RULES = 1000
FAULT_HEADER = "x-mock-fault"
LATENCY_HEADER = "x-mock-latency"
# The kinds a header can force: an error is its status, and a body cannot travel in a header.
HEADER_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k not in ("error", "body"))

FAULT_FORMS = (
    "a status (`503`, `429; retry-after=2`, `429; retry-after-ms=1500`, `500; should-retry=false`) or a kind "
    f"({', '.join(HEADER_KINDS)}), optionally followed by `; name=value` parameters: "
    "retry-after, retry-after-ms, remaining-seconds, should-retry, status, chunks, interval-ms, code"
)


def sample_latency(latency: float | LatencyRange | LatencyNormal | None, rng: random.Random) -> float:
    """Milliseconds to wait for one request."""
    if latency is None:
        return 0.0
    if isinstance(latency, LatencyRange):
        return rng.uniform(latency.min, latency.max)
    if isinstance(latency, LatencyNormal):
        return min(max(rng.gauss(latency.mean, latency.stddev), 0.0), MAX_LATENCY_MS)
    return float(latency)


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
