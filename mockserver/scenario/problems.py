"""Pydantic's validation errors of a scenario in words: one message per place, saying what was expected and what
was found, with the union member the user meant picked out. Private to `mockserver.scenario` (the loader's).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from types import NoneType
from typing import Any, Literal, get_args, get_origin, get_type_hints

from pydantic import BaseModel, TypeAdapter, ValidationError

from mockserver.scenario.fields import type_options
from mockserver.scenario.model import Identifier, Scenario, TimeSpec
from mockserver.scenario.positions import FieldPath
from mockserver.scenario.vocabulary import vocabulary_name
from mockserver.scenario.wording import TIME_FORMS, did_you_mean, show_value

_IDENTIFIER_PATTERN = TypeAdapter(Identifier).json_schema()["pattern"]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _model_fields(model: type[BaseModel]) -> dict[str, Any]:
    """The keys a model accepts in YAML (aliases), with their full annotations."""
    hints = get_type_hints(model, include_extras=True)
    return {(info.alias or name): hints.get(name, info.annotation) for name, info in model.model_fields.items()}


def _type_at(path: FieldPath, choices: dict[FieldPath, str] | None = None) -> Any:
    """The declared type at `path`, following aliases, lists, dicts and the union members chosen; None if unknown."""
    tp: Any = Scenario
    for end, part in enumerate(path):
        options = type_options(tp)
        tag = (choices or {}).get(path[:end])
        if tag is not None:
            options = sorted(options, key=lambda option: not _matches(option, tag))
        for option in options:
            if isinstance(part, int) and get_origin(option) is list:
                tp = get_args(option)[0]
                break
            if isinstance(part, str) and _is_model(option) and part in _model_fields(option):
                tp = _model_fields(option)[part]
                break
            if isinstance(part, str) and get_origin(option) is dict:
                tp = get_args(option)[1]
                break
        else:
            return None
    return tp


def _matches(option: Any, tag: str) -> bool:
    """Whether pydantic's tag for a union member (`LatencyRange`, `list[str]`, `function-after[f(), X]`) names it."""
    if _is_model(option):
        return re.search(rf"\b{re.escape(option.__name__)}\b", tag) is not None
    origin = get_origin(option)
    return origin is not None and tag.startswith(f"{getattr(origin, '__name__', '')}[")


def _shape(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "scalar"


def _option_shape(option: Any) -> str:
    if _is_model(option) or get_origin(option) is dict:
        return "mapping"
    return "list" if get_origin(option) is list else "scalar"


def _literals(tp: Any) -> list[str]:
    return [str(value) for option in type_options(tp) if get_origin(option) is Literal for value in get_args(option)]


def _describe(tp: Any, name: str | int | None = None) -> str:
    """What a value of type `tp` looks like, in words: `an integer`, `a list of strings`, `one of: a, b`."""
    options = [option for option in type_options(tp) if option is not NoneType]
    if len(options) > 1:
        list_options = [option for option in options if get_origin(option) is list]
        if int in options and list_options and isinstance(name, str) and len(options) == 2:
            return f"a count or a list of {name}"
        parts = list(dict.fromkeys(_describe_one(option, in_union=True) for option in options))
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + " or " + parts[-1]
    return _describe_one(options[0]) if options else "null"


def _describe_one(tp: Any, in_union: bool = False) -> str:
    if tp == TimeSpec:
        return f"a time ({TIME_FORMS})"
    if tp is bool:
        return "a boolean" if in_union else "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if get_origin(tp) is Literal:
        values = [str(v) for v in get_args(tp)]
        return repr(values[0]) if len(values) == 1 else "one of: " + ", ".join(values)
    if get_origin(tp) is list:
        item = get_args(tp)[0]
        if item is str:
            return "a list of strings"
        if _is_model(item):
            return "a list of mappings"
        return "a list"
    if get_origin(tp) is dict or _is_model(tp):
        return "a mapping"
    return "a value of another type"


@dataclass(frozen=True)
class _Error:
    path: FieldPath
    is_key: bool  # about a key (unknown, or an invalid dict key), not about a value
    choices: dict[FieldPath, str]  # the union member (pydantic's tag) the error was found in, by union path
    type: str
    message: str
    value: Any
    ctx: dict[str, Any]


def _child(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def normalise(error: Any, document: Any) -> _Error:
    """Pydantic's `loc` without union member tags, walked alongside the document it describes."""
    path: list[str | int] = []
    choices: dict[FieldPath, str] = {}
    is_key = False
    node = document
    loc = error["loc"]
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if part == "[key]":
            is_key = True
        elif _child(node, part):
            path.append(part)
            node = node[part]
        elif last and error["type"] == "missing" and isinstance(part, str):
            path.append(part)
        else:
            choices[tuple(path)] = str(part)  # a union member's tag such as `list[PersonSpec]` or `int`
    return _Error(
        tuple(path),
        is_key or error["type"] == "extra_forbidden",
        choices,
        error["type"],
        error["msg"],
        error.get("input"),
        error.get("ctx") or {},
    )


def value_at(document: Any, path: FieldPath) -> Any:
    """The value at `path` in a document of plain values."""
    for part in path:
        document = document[part]
    return document


def pick_members(errors: list[_Error], document: Any) -> list[_Error]:
    """Keep, at each union, the errors of the member the user meant; None of them left: all of them.

    The member meant is the one whose shape (mapping, list, scalar) the value has; among several of the same
    shape (two models), the one with the fewest unknown or missing keys, then the fewest errors.
    """
    done: set[FieldPath] = set()
    while True:
        points: dict[FieldPath, dict[str, list[_Error]]] = {}
        for error in errors:
            for union, tag in error.choices.items():
                if union not in done:
                    points.setdefault(union, {}).setdefault(tag, []).append(error)
        if not points:
            return errors
        union = min(points, key=len)  # outermost first: a choice there decides what lies below
        done.add(union)
        members = points[union]
        if len(members) < 2:
            continue
        options = type_options(_type_at(union))
        shape = _shape(value_at(document, union))
        fitting = [
            tag
            for tag in members
            if any(_matches(option, tag) and _option_shape(option) == shape for option in options)
            or (shape == "scalar" and not any(_matches(option, tag) for option in options))
        ]
        if not fitting:
            continue  # no member takes this kind of value: one message lists what would be accepted
        costs = {
            tag: (sum(e.type in ("extra_forbidden", "missing") for e in members[tag]), len(members[tag]))
            for tag in fitting
        }
        best = min(fitting, key=costs.__getitem__)
        errors = [error for error in errors if error.choices.get(union, best) == best]


def _bound(ctx: dict[str, Any]) -> str:
    for key, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if key in ctx:
            return f"{sign} {show_value(ctx[key])}"
    return ""


def _message(error: _Error) -> str:
    """One pydantic error in words: what was expected, what was found."""
    path, kind, value = error.path, error.type, error.value
    name = path[-1] if path else None
    expected_type = _type_at(path, error.choices)
    if kind in ("value_error", "assertion_error"):
        # The model's own validators explain themselves (and quote what they refuse).
        text = error.message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return text[:1].lower() + text[1:]
    if kind in ("too_short", "too_long", "string_too_short"):
        least = "at least" if kind != "too_long" else "at most"
        count = error.ctx.get("min_length", error.ctx.get("max_length"))
        unit = ("character" if kind.startswith("string") else "item") + ("" if count == 1 else "s")
        found = len(value) if isinstance(value, str | list | dict) else error.ctx.get("actual_length")
        return f"expected {least} {count} {unit}, found {found}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(error)
        match = did_you_mean(str(name), allowed)
        if match:
            return f"unknown key {show_value(name)}; did you mean {match!r}?"
        return f"unknown key {show_value(name)}; allowed keys: {', '.join(allowed)}"
    if kind == "missing":
        return f"required key {name!r} is missing"
    if kind == "literal_error":
        if error.is_key:
            parent = _type_at(path[:-1], error.choices)
            dict_types = [option for option in type_options(parent) if get_origin(option) is dict]
            allowed = _literals(get_args(dict_types[0])[0]) if dict_types else []
        else:
            allowed = _literals(expected_type)
        if len(allowed) == 1:
            return f"expected {allowed[0]!r}, found {show_value(value)}"
        return _unknown_value(value, allowed)
    if kind == "string_pattern_mismatch":
        if error.ctx.get("pattern") == _IDENTIFIER_PATTERN:
            return (
                "expected an identifier (letters, digits, '_', '.' and '-', starting with a letter or "
                f"a digit), found {show_value(value)}"
            )
        return f"expected a string matching {error.ctx.get('pattern')}, found {show_value(value)}"
    if kind == "string_too_long":
        return f"expected at most {error.ctx.get('max_length')} characters, found {len(value)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"expected a number {_bound(error.ctx)}, found {show_value(value)}"
    if kind == "finite_number":
        return f"expected a finite number, found {show_value(value)}"
    simple = {
        "int_type": "an integer",
        "int_parsing": "an integer",
        "int_from_float": "an integer",
        "float_type": "a number",
        "float_parsing": "a number",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "string_type": "a string",
        "list_type": "a list",
        "dict_type": "a mapping",
        "model_type": "a mapping",
        "model_attributes_type": "a mapping",
    }
    if kind in simple:
        described = simple[kind] if expected_type is None else _describe(expected_type, name)
        return f"expected {described}, found {show_value(value)}"
    text = error.message[0].lower() + error.message[1:]
    return f"{text}, found {show_value(value)}"


LISTED_CHOICES = 12  # a longer list of allowed values is named, not printed: its closest matches are shown
CLOSEST = 3


def _unknown_value(value: Any, allowed: list[str]) -> str:
    """An enum value not allowed: the whole list when short; else the closest ones and where the list is."""
    shown = show_value(value)
    if len(allowed) <= LISTED_CHOICES:
        match = did_you_mean(str(value), allowed) if isinstance(value, str) else None
        hint = f" did you mean {match!r}?" if match else ""
        return f"unknown value {shown};{hint} expected one of: {', '.join(allowed)}"
    close = difflib.get_close_matches(str(value), allowed, n=CLOSEST, cutoff=0.5) if isinstance(value, str) else []
    name = vocabulary_name(allowed)
    where = f"`mockserver vocabulary {name}` lists all {len(allowed)}" if name else f"{len(allowed)} values allowed"
    if not close:
        return f"unknown value {shown}; {where}"
    options = ", ".join(map(repr, close[:-1])) + (" or " if len(close) > 1 else "") + repr(close[-1])
    return f"unknown value {shown}; did you mean {options}? ({where})"


def _allowed_keys(error: _Error) -> list[str]:
    parent = _type_at(error.path[:-1], error.choices)
    return [key for option in type_options(parent) if _is_model(option) for key in _model_fields(option)]


def _misspelt_required(errors: list[_Error]) -> set[FieldPath]:
    """Missing keys that an unknown key beside them is a misspelling of: the unknown key's message says it all."""
    missing = {error.path for error in errors if error.type == "missing"}
    covered = set()
    for error in errors:
        if error.type == "extra_forbidden" and error.path:
            match = did_you_mean(str(error.path[-1]), _allowed_keys(error))
            if match is not None and (*error.path[:-1], match) in missing:
                covered.add((*error.path[:-1], match))
    return covered


def validation_problems(exc: ValidationError, document: Any) -> list[tuple[FieldPath, bool, str]]:
    """Every pydantic error as (path, about a key, message): one message per place, unions collapsed."""
    errors = pick_members([normalise(error, document) for error in exc.errors()], document)
    covered = _misspelt_required(errors)
    errors = [error for error in errors if not (error.type == "missing" and error.path in covered)]
    groups: dict[tuple[FieldPath, bool], list[_Error]] = {}
    for error in errors:
        groups.setdefault((error.path, error.is_key), []).append(error)
    problems = []
    for (path, is_key), group in groups.items():
        if len({error.choices.get(path) for error in group}) > 1:
            # Several members of a union refused the value itself: say what the union accepts.
            expected = _describe(_type_at(path, group[0].choices), path[-1] if path else None)
            message = f"expected {expected}, found {show_value(group[0].value)}"
        else:
            message = "; ".join(dict.fromkeys(_message(error) for error in group))
        problems.append((path, is_key, message))
    return problems
