"""Whether a value conforms to a JSON Schema of the contracts (the subset they use): what the schema walker checks
its drawn values against, compiled once per schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def ref_target(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """Return the name and schema of the definition a `$ref` (or `anyOf [$ref, null]`) points to."""
    for option in (schema, *schema.get("anyOf", ())):
        if "$ref" in option:
            name = option["$ref"].rsplit("/", 1)[-1]
            return (name, defs[name]) if name in defs else None
    return None


def in_bounds(value: float, schema: Mapping[str, Any]) -> bool:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    return (
        (lo is None or value >= lo)
        and (hi is None or value <= hi)
        and (xlo is None or value > xlo)
        and (xhi is None or value < xhi)
    )


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def conforms(value: Any, schema: Mapping[str, Any], defs: Mapping[str, Any]) -> bool:
    """Check a value against the JSON Schema subset pydantic emits (enough to keep table values honest)."""
    if "$ref" in schema:
        target = defs.get(schema["$ref"].rsplit("/", 1)[-1])
        return target is not None and conforms(value, target, defs)
    if "const" in schema and value != schema["const"]:
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema and not any(conforms(value, s, defs) for s in schema[combinator]):
            return False
    if "allOf" in schema and not all(conforms(value, s, defs) for s in schema["allOf"]):
        return False
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(is_type(value, k) for k in kinds):
            return False
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not in_bounds(value, schema):
        return False
    if isinstance(value, str) and not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        return False
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            return False
        items = schema.get("items")
        if isinstance(items, dict) and not all(conforms(v, items, defs) for v in value):
            return False
    if isinstance(value, dict):
        props = schema.get("properties", {})
        if any(name not in value for name in schema.get("required", ())):
            return False
        for name, v in value.items():
            if name in props:
                if not conforms(v, props[name], defs):
                    return False
            elif schema.get("additionalProperties") is False:
                return False
    return True


SCALAR_KEYS = frozenset(("type", "enum", "const", "default", "title", "description"))
SCALAR_TYPES = frozenset(("string", "number", "integer", "boolean", "null"))


def compile_check(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Callable[[Any], bool]:
    """Return a fast `conforms` for the scalar shapes pydantic emits (`T`, `anyOf [T, null]`, enums)."""
    wrapper = "anyOf" in schema and schema.keys() <= {"anyOf", "default", "title", "description"}
    options = schema["anyOf"] if wrapper else [schema]
    if not options or not all(
        o.keys() <= SCALAR_KEYS and isinstance(o.get("type"), str) and o["type"] in SCALAR_TYPES for o in options
    ):
        return lambda value: conforms(value, schema, defs)
    # bool is an int to Python but not a number to JSON Schema, hence exact type matches.
    accepted = [(_TYPES[o["type"]], o.get("enum"), "const" in o, o.get("const")) for o in options]

    def check(value: Any) -> bool:
        for types, enum, has_const, const in accepted:
            if type(value) in types and (enum is None or value in enum) and (not has_const or value == const):
                return True
        return False

    return check


def is_type(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(kind, (object,)))
