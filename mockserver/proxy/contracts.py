"""Which published SDK versions would parse a response body strictly, and where the others would fail.

Each contract's `response_200` JSON Schema is compiled once per version into a walker that judges a body as the
SDK's strict validation does (`_strict_response_validation=True`: a pydantic validation of the response model in
lax mode): extra keys are allowed (every object of the contracts says `additionalProperties: true`), `null` only
where the field is nullable, enum values only those the version knows, and scalar types with pydantic's own lax
coercions (a numeric string is a number, `1.0` an integer, `"true"` a boolean; a number is never a string).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from mockserver.contract.versions import available_versions, contracts_dir, load_contract, version_key

__all__ = ["MAX_VIOLATIONS", "Violation", "Violations", "check_contracts", "contract_versions", "path_pattern"]

MAX_VIOLATIONS = 200
"""Violations kept per contract version and body; `Violations.total` counts all of them."""

USAGES = "usages.list"


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where a version's strict parsing fails: the JSON path, the value found there, and why."""

    path: str  # `$.usages[3].usageName`
    value: Any  # the value found (None for a missing field)
    reason: str
    kind: str = "type"  # `enum` (a value the version does not know), `missing` (a required field), `type`

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "value": self.value, "reason": self.reason, "kind": self.kind}


class Violations(list[Violation]):
    """The violations of one version, at most `MAX_VIOLATIONS` of them; `total` counts every one found."""

    total: int = 0

    @property
    def more(self) -> int:
        """How many violations were found beyond those kept."""
        return self.total - len(self)


def path_pattern(path: str) -> str:
    """The path with its array indices wildcarded: `$.usages[3].usageName` -> `$.usages[*].usageName`."""
    return _INDEX.sub("[*]", path)


_INDEX = re.compile(r"\[\d+\]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# -- paths: built only when something is wrong ----------------------------------------------------------------------
At = tuple[Any, str | int] | None  # (parent, key): a linked list, cheap to extend on every step


def _format(at: At) -> str:
    steps: list[str | int] = []
    while at is not None:
        at, key = at
        steps.append(key)
    out = ["$"]
    for key in reversed(steps):
        if isinstance(key, int):
            out.append(f"[{key}]")
        elif _NAME.match(key):
            out.append(f".{key}")
        else:
            out.append(f"[{json.dumps(key)}]")
    return "".join(out)


class _Sink:
    """Collects violations, keeping the first `MAX_VIOLATIONS` and counting the rest."""

    __slots__ = ("kept", "total")

    def __init__(self) -> None:
        self.kept: list[Violation] = []
        self.total = 0

    def add(self, at: At, value: Any, reason: str, kind: str) -> None:
        self.total += 1
        if len(self.kept) < MAX_VIOLATIONS:
            self.kept.append(Violation(_format(at), value, reason, kind))


Check = Callable[[Any, At, _Sink], None]


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    kind = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")
    if isinstance(value, dict | list):
        return kind
    return f"{kind} {json.dumps(value)[:80]}"


# -- scalar types, as pydantic's lax mode takes them ----------------------------------------------------------------
@functools.cache
def _adapter(python_type: type) -> TypeAdapter[Any]:
    return TypeAdapter(python_type)


def _lax(python_type: type, value: Any) -> bool:
    if isinstance(value, dict | list) or value is None:
        return False
    try:
        _adapter(python_type).validate_python(value)
    except ValidationError:
        return False
    return True


def _is_string(value: Any) -> bool:
    return type(value) is str


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) or _lax(float, value)


def _is_integer(value: Any) -> bool:
    return type(value) is int or _lax(int, value)


def _is_boolean(value: Any) -> bool:
    return type(value) is bool or _lax(bool, value)


SCALARS: Mapping[str, tuple[Callable[[Any], bool], str]] = {
    "string": (_is_string, "a string"),
    "number": (_is_number, "a number"),
    "integer": (_is_integer, "an integer"),
    "boolean": (_is_boolean, "a boolean"),
}


# -- the compiler -----------------------------------------------------------------------------------------------
class _Compiler:
    def __init__(self, schema: Mapping[str, Any], version: str) -> None:
        self.defs: Mapping[str, Any] = schema.get("$defs", {})
        self.version = version
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Mapping[str, Any] | bool) -> Check | None:
        """A check of one schema, or None when the schema accepts anything."""
        if schema is True or schema == {}:
            return None
        if schema is False:
            return self._never()
        assert isinstance(schema, Mapping)
        if "$ref" in schema:
            return self._ref(schema["$ref"])
        if "anyOf" in schema:
            return self._any_of(schema["anyOf"])
        if "enum" in schema or "const" in schema:
            return self._enum(schema["enum"] if "enum" in schema else [schema["const"]])
        kind = schema.get("type")
        if kind == "null":
            return self._null()
        if kind == "array":
            return self._array(schema)
        if kind == "object":
            return self._object(schema)
        if isinstance(kind, str) and kind in SCALARS:
            return self._scalar(*SCALARS[kind])
        return None

    def _ref(self, ref: str) -> Check:
        name = ref.rsplit("/", 1)[-1]
        if name not in self.refs:
            target: list[Check | None] = []

            def by_ref(value: Any, at: At, sink: _Sink) -> None:
                check = target[0]
                if check is not None:
                    check(value, at, sink)

            self.refs[name] = by_ref  # before compiling: a recursive definition refers to itself
            target.append(self.compile(self.defs.get(name, {})))
        return self.refs[name]

    def _never(self) -> Check:
        def never(value: Any, at: At, sink: _Sink) -> None:
            sink.add(at, value, f"SDK {self.version} allows no value here", "type")

        return never

    def _null(self) -> Check:
        def null(value: Any, at: At, sink: _Sink) -> None:
            if value is not None:
                sink.add(at, value, f"expected null, found {_describe(value)}", "type")

        return null

    def _scalar(self, accepts: Callable[[Any], bool], name: str) -> Check:
        version = self.version

        def scalar(value: Any, at: At, sink: _Sink) -> None:
            if not accepts(value):
                sink.add(at, value, f"expected {name} (SDK {version}), found {_describe(value)}", "type")

        return scalar

    def _enum(self, values: list[Any]) -> Check:
        allowed = frozenset(v for v in values if not isinstance(v, dict | list))
        count, version = len(values), self.version
        known = (
            f"the {count} values SDK {version} knows"
            if count > 1
            else f"{values[0]!r}, the only value SDK {version} knows"
        )

        def enum(value: Any, at: At, sink: _Sink) -> None:
            try:
                # `True == 1`: a boolean matches only a boolean enum value
                if value in allowed and (type(value) is not bool or any(v is value for v in values)):
                    return
            except TypeError:  # an unhashable value is no enum value
                pass
            sink.add(at, value, f"{json.dumps(value)[:80]} is not one of {known}", "enum")

        return enum

    def _any_of(self, branches: list[Mapping[str, Any]]) -> Check | None:
        nullable = any(b.get("type") == "null" for b in branches)
        others = [self.compile(b) for b in branches if b.get("type") != "null"]
        if any(check is None for check in others):
            return None
        checks: list[Check] = [c for c in others if c is not None]
        version = self.version
        if len(checks) == 1:
            (only,) = checks

            def optional(value: Any, at: At, sink: _Sink) -> None:
                if value is None:
                    if not nullable:
                        only(value, at, sink)
                    return
                only(value, at, sink)

            return optional

        def union(value: Any, at: At, sink: _Sink) -> None:
            if value is None and nullable:
                return
            best: _Sink | None = None
            for check in checks:
                trial = _Sink()
                check(value, at, trial)
                if trial.total == 0:
                    return
                if best is None or trial.total < best.total:
                    best = trial
            assert best is not None
            # The closest shape's violations name the places; the count says the value matched no shape at all.
            for violation in best.kept:
                sink.total += 1
                if len(sink.kept) < MAX_VIOLATIONS:
                    sink.kept.append(
                        Violation(
                            violation.path,
                            violation.value,
                            f"{violation.reason} (closest of the {len(checks)} shapes SDK {version} accepts here)",
                            violation.kind,
                        )
                    )
            sink.total += best.total - len(best.kept)

        return union

    def _array(self, schema: Mapping[str, Any]) -> Check:
        item = self.compile(schema.get("items", {}))
        version = self.version

        def array(value: Any, at: At, sink: _Sink) -> None:
            if type(value) is not list:
                sink.add(at, value, f"expected an array (SDK {version}), found {_describe(value)}", "type")
                return
            if item is not None:
                for index, element in enumerate(value):
                    item(element, (at, index), sink)

        return array

    def _object(self, schema: Mapping[str, Any]) -> Check:
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        required = tuple(schema.get("required", ()))
        extra = self.compile(schema.get("additionalProperties", True))
        checked = tuple((name, check) for name, check in properties.items() if check is not None)
        version = self.version

        def obj(value: Any, at: At, sink: _Sink) -> None:
            if type(value) is not dict:
                sink.add(at, value, f"expected an object (SDK {version}), found {_describe(value)}", "type")
                return
            for name in required:
                if name not in value:
                    sink.add(
                        (at, name), None, f"required field {name!r} is missing (SDK {version} needs it)", "missing"
                    )
            for name, check in checked:
                if name in value:
                    check(value[name], (at, name), sink)
            if extra is not None:
                for name, item in value.items():
                    if name not in properties:
                        extra(item, (at, name), sink)

        return obj


# -- the contracts of each endpoint ----------------------------------------------------------------------------------
def _endpoint_file_stem(endpoint: str) -> str:
    """`jobs.list` -> `jobs-list`, `teams.retrieve_limits` -> `teams-retrieve-limits`."""
    return endpoint.replace(".", "-").replace("_", "-")


def contract_versions(endpoint: str) -> list[str]:
    """The published contract versions of an endpoint (`usages.list`: every SDK version), oldest first."""
    return _versions(str(contracts_dir()), endpoint)


@functools.lru_cache(maxsize=64)
def _versions(directory: str, endpoint: str) -> list[str]:
    if endpoint == USAGES:
        return available_versions()
    stem = _endpoint_file_stem(endpoint) + "-"
    found = [p.stem.removeprefix(stem) for p in (Path(directory) / "endpoints").glob(f"{stem}*.json")]
    return sorted((v for v in found if all(part.isdigit() for part in v.split("."))), key=version_key)


@functools.lru_cache(maxsize=256)
def _checker(directory: str, endpoint: str, version: str) -> Check | None:
    if endpoint == USAGES:
        schema = load_contract(version)["response_200"]
    else:
        path = Path(directory) / "endpoints" / f"{_endpoint_file_stem(endpoint)}-{version}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))["response_200"]
    return _Compiler(schema, version).compile(schema)


def check_contracts(endpoint: str, body: Any) -> dict[str, Violations]:
    """Judge a 200 body of an endpoint (`usages.list`, `jobs.retrieve`, ...) by every published contract of it.

    Returns, per version (oldest first), the violations its SDK's strict parsing would raise: empty when it parses.
    An endpoint without a published contract gives `{}`.
    """
    directory = str(contracts_dir())
    results: dict[str, Violations] = {}
    for version in _versions(directory, endpoint):
        check = _checker(directory, endpoint, version)
        sink = _Sink()
        if check is not None:
            check(body, None, sink)
        found = Violations(sink.kept)
        found.total = sink.total
        results[version] = found
    return results
