"""Fault rules counted fleet-wide: each rule's matching calls and firings are Redis counters, moved atomically.

A process matches a request against the rules locally (path, query, key, scenario, time: pure), then one Lua
script walks the matching rules in order, counts the call for each and stops at the first that fires, so that a
rule for calls 1-2 answers exactly two requests of the whole fleet, whichever process gets them. A rule with a
`probability` below 1 draws from (seed, call number) here, between two script calls.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from mockserver.controls.faults import (
    FaultAction,
    FaultRequest,
    Faults,
    RuleState,
    build_action,
)
from mockserver.scenario.faults import CallRange, FaultRule

# KEYS[1]: the counters hash. ARGV: the rules, 7 values each: counter key, calls from, to (0: no end), the calls
# list (`1,3`; empty: the range), needs a draw (1/0), responses, `then`. Returns {index, call, firing}: firing -1
# means "draw, then FIRE"; index -1: no rule fired.
COUNT_SCRIPT = """
local n = #ARGV / 7
for i = 0, n - 1 do
  local key, from, to, list = ARGV[i*7+1], tonumber(ARGV[i*7+2]), tonumber(ARGV[i*7+3]), ARGV[i*7+4]
  local m = redis.call('HINCRBY', KEYS[1], key .. ':m', 1)
  local selected
  if list ~= '' then
    selected = string.find(',' .. list .. ',', ',' .. m .. ',', 1, true) ~= nil
  else
    selected = m >= from and (to == 0 or m <= to)
  end
  if selected then
    if ARGV[i*7+5] == '1' then return {i, m, -1} end
    local fired = tonumber(redis.call('HGET', KEYS[1], key .. ':f') or '0')
    if not (ARGV[i*7+7] == 'pass' and fired >= tonumber(ARGV[i*7+6])) then
      return {i, m, redis.call('HINCRBY', KEYS[1], key .. ':f', 1)}
    end
  end
end
return {-1, 0, 0}
"""
# KEYS[1]: the counters hash; ARGV: counter key, responses, `then`. The firing number, or -1 (a spent sequence).
FIRE_SCRIPT = """
local fired = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':f') or '0')
if ARGV[3] == 'pass' and fired >= tonumber(ARGV[2]) then return -1 end
return redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':f', 1)
"""


def effective_then(rule: FaultRule) -> str:
    """What happens after the last response: a sequence passes by default, a single response repeats."""
    return rule.then or ("pass" if rule.sequence is not None else "repeat-last")


def rule_arguments(key: str, state: RuleState) -> list[str | int]:
    """The seven script arguments of one rule."""
    rule = state.rule
    calls = rule.calls
    if isinstance(calls, list):
        low, high, listed = 1, 0, ",".join(str(n) for n in calls)
    else:
        calls = calls or CallRange()
        low, high, listed = calls.from_, calls.to or 0, ""
    draws = 1 if rule.probability < 1 else 0
    return [key, low, high, listed, draws, len(state.responses), effective_then(rule)]


def scenario_rule_key(scenario: str, index: int, rule: FaultRule) -> str:
    """The counter key of a scenario's rule: it starts over when the rule's text changes (or on reset)."""
    text = orjson.dumps(rule.model_dump(mode="json", by_alias=True, exclude_unset=True), option=orjson.OPT_SORT_KEYS)
    return f"s:{scenario}:{index}:{hashlib.sha1(text).hexdigest()[:12]}"


def drawn(rule: FaultRule, call: int) -> random.Random:
    """The rng of a rule's `call`-th matching call: the same draws on every process (seeded by rule and call)."""
    return random.Random(f"{rule.seed}:{call}")


def action_for(state: RuleState, call: int, firing: int) -> FaultAction:
    """The action of a rule's `firing`-th firing (1-based), on its `call`-th matching call."""
    count = len(state.responses)
    index = firing - 1
    if index >= count:
        index = count - 1 if effective_then(state.rule) == "repeat-last" else index % count
    return build_action(state.responses[index], drawn(state.rule, call), f"{state.source}, call {call}")


class SharedRules:
    """The run-time rules of a fleet as this process last read them, and the keys their counters live under."""

    def __init__(self) -> None:
        self.states: dict[int, RuleState] = {}
        self._texts: dict[int, str] = {}

    def update(self, rules: dict[str, str]) -> None:
        """Take the rules hash (id -> rule JSON) as read; unchanged rules keep their parsed state."""
        states: dict[int, RuleState] = {}
        texts: dict[int, str] = {}
        for raw_id, text in sorted(rules.items(), key=lambda item: int(item[0])):
            rule_id = int(raw_id)
            kept = self.states.get(rule_id)
            if kept is not None and self._texts.get(rule_id) == text:
                states[rule_id] = kept
            else:
                rule = FaultRule.model_validate(orjson.loads(text))
                states[rule_id] = RuleState(rule, f"rule {rule_id}" + (f" {rule.name!r}" if rule.name else ""))
            texts[rule_id] = text
        self.states, self._texts = states, texts

    def candidates(self, faults: Faults, request: FaultRequest) -> list[tuple[str, RuleState]]:
        """The rules that match `request`, run-time ones first, each with its counter key."""
        found = [(f"r{rule_id}", state) for rule_id, state in self.states.items() if state.matches(request)]
        world = request.world
        if world is not None:
            for index, state in enumerate(faults.scenario_states(world)):
                if state.matches(request):
                    found.append((scenario_rule_key(world.name, index, state.rule), state))
        return found

    def describe(self, counters: Mapping[str | bytes, str | bytes]) -> list[dict[str, Any]]:
        """The rules with their fleet-wide counters (the counters hash as the client reads it), for the admin API."""
        return [
            {
                "id": rule_id,
                "rule": state.rule.model_dump(mode="json", by_alias=True, exclude_unset=True),
                "matched": int(counters.get(f"r{rule_id}:m", 0)),
                "fired": int(counters.get(f"r{rule_id}:f", 0)),
            }
            for rule_id, state in self.states.items()
        ]


def flatten(candidates: Sequence[tuple[str, RuleState]]) -> list[str | int]:
    """The COUNT script's arguments for these rules."""
    arguments: list[str | int] = []
    for key, state in candidates:
        arguments += rule_arguments(key, state)
    return arguments
