"""Load scenario files: safe YAML in, a validated `Scenario` out, or a `ScenarioError` listing every problem.

The loader is the only code that knows file:line:col. It composes the YAML node graph itself (plain values,
lists and mappings only; aliases expanded within bounds), remembers where every key, value and item was
written, validates with the pydantic models and maps each error, and each semantic problem found by
`mockserver.scenario.validate`, back to its place in the file.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import NoneType
from typing import Any, Literal, Protocol, get_args, get_origin, get_type_hints

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from mockserver.errors import ScenarioError, ScenarioProblem
from mockserver.scenario.budget import MAX_BYTES, MAX_DEPTH, MAX_NODES, MAX_TEXT, MAX_WRITTEN
from mockserver.scenario.model import Identifier, Scenario, TimeSpec
from mockserver.scenario.validate import (
    TIME_FORMS,
    check_scenario,
    check_world,
    did_you_mean,
    show_value,
    type_options,
)
from mockserver.scenario.vocabulary import vocabulary_name

DOCUMENT = "(document)"

FieldPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG + "merge"
_SCALAR_TAGS = {_TAG + name for name in ("str", "null", "bool", "int", "float", "timestamp")}
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_IDENTIFIER_PATTERN = TypeAdapter(Identifier).json_schema()["pattern"]


# --- positions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Positions:
    """Where each part of a document was written: 1-based (line, column) by field path."""

    values: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: FieldPath, *, key: bool = False) -> tuple[int, int]:
        """The position of `path` (its key with `key=True`), else of its nearest written ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return (1, 1)


@dataclass(frozen=True)
class LocatedScenario:
    """A validated scenario, the file it came from and where each of its parts was written."""

    scenario: Scenario
    path: str
    positions: Positions

    def problem(self, field_path: str, message: str) -> ScenarioProblem:
        """A problem at a dotted field path such as `apiKeys[2].revokedAt`, located in the file."""
        parts = parse_field_path(field_path)
        line, column = self.positions.locate(parts)
        return ScenarioProblem(self.path, line, column, format_field_path(parts), message)


def format_field_path(path: Iterable[str | int]) -> str:
    """`('apiKeys', 2, 'status')` -> `apiKeys[2].status`; the whole document is `(document)`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or DOCUMENT


def parse_field_path(text: str) -> FieldPath:
    """`apiKeys[2].revokedAt` -> `('apiKeys', 2, 'revokedAt')` (the inverse of `format_field_path`)."""
    parts: list[str | int] = []
    for name, index, quoted in re.findall(r"([^.\[\]]+)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*')\]", text):
        if index:
            parts.append(int(index))
        elif quoted:
            parts.append(quoted[1:-1])
        elif name != DOCUMENT:
            parts.append(name)
    return tuple(parts)


# --- YAML -> plain values, with positions -----------------------------------------------------------------


class _Mark(Protocol):
    """A position in the text: PyYAML's `Mark`, or libyaml's (`yaml._yaml.Mark`), which the parser's events carry."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


class _LimitError(Exception):
    """The document is larger or deeper than a scenario can be; stops the conversion."""

    def __init__(self, mark: _Mark | None, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.path = path
        self.message = message


class _ComposingLoader(yaml.SafeLoader):
    """A SafeLoader that refuses to compose more than MAX_DEPTH levels (PyYAML's composer recurses)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    # `index` is Any: PyYAML passes a mapping's key node there too, not only the list index its stubs name.
    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > MAX_DEPTH:
                # types-PyYAML leaves Parser.peek_event unannotated.
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _LimitError(mark, (), f"document too deeply nested (more than {MAX_DEPTH} levels)")
            if self._nodes > MAX_WRITTEN:  # stop a long flat list early: the pure-Python parser is slow
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _LimitError(mark, (), f"document too large (more than {MAX_WRITTEN} values written)")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


LIBYAML_FROM = 64 * 1024  # characters: smaller files are read by the pure-Python loader (fast enough, same marks)
_EVENT_DEPTH = {
    yaml.MappingStartEvent: 1,
    yaml.SequenceStartEvent: 1,
    yaml.MappingEndEvent: -1,
    yaml.SequenceEndEvent: -1,
}
_NODE_EVENTS = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)


def _compose(text: str) -> yaml.Node | None:
    """The document's node tree, with the limits of `_ComposingLoader`.

    With libyaml, a first pass over the parser's events (iterative, in C) checks depth and size, then libyaml
    composes: ten times faster than the pure-Python composer on a large file (an imported world). Anything libyaml
    refuses is read again by the pure-Python loader, so that a broken file gets the same message either way.
    """
    if getattr(yaml, "__with_libyaml__", False) and len(text) > LIBYAML_FROM:
        try:
            depth = nodes = 0
            for event in yaml.parse(text, Loader=yaml.CSafeLoader):
                depth += _EVENT_DEPTH.get(type(event), 0)
                if isinstance(event, _NODE_EVENTS):
                    nodes += 1
                    if depth > MAX_DEPTH:
                        raise _LimitError(
                            event.start_mark, (), f"document too deeply nested (more than {MAX_DEPTH} levels)"
                        )
                    if nodes > MAX_WRITTEN:
                        raise _LimitError(
                            event.start_mark, (), f"document too large (more than {MAX_WRITTEN} values written)"
                        )
            return yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            pass  # the pure-Python loader says what is wrong, as it says it for small files
    loader = _ComposingLoader(text)  # reads the characters already: a ReaderError comes from here
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _at(mark: _Mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


# YAML also breaks lines at CR, NEL, LS and PS (in its marks); editors and `grep -n` count LF only.
_YAML_BREAK = re.compile("\r\n|[\r\x85\u2028\u2029]|\n")
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _to_editor_lines(text: str, converter: _Converter) -> None:
    """Rewrite YAML's (line, column) positions as an editor counts them, when the text has other line breaks."""
    if not any(b in text for b in _OTHER_BREAKS):
        return  # the common case: both count the same lines
    yaml_starts = [0, *(m.end() for m in _YAML_BREAK.finditer(text))]
    lf_starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def convert(at: tuple[int, int]) -> tuple[int, int]:
        line, column = at
        index = yaml_starts[min(line, len(yaml_starts)) - 1] + column - 1
        row = bisect.bisect_right(lf_starts, index) - 1
        return (row + 1, index - lf_starts[row] + 1)

    positions = converter.positions
    for table in (positions.values, positions.keys):
        for path, at in table.items():
            table[path] = convert(at)
    converter.problems = [(path, convert(at), message) for path, at, message in converter.problems]


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    style = node.style if isinstance(node, yaml.ScalarNode) else None
    return show_value(node.value) if style else str(node.value)  # a plain scalar as written


class _Converter:
    """Turns a composed node graph into plain values, recording positions and problems on the way."""

    def __init__(self) -> None:
        self.positions = Positions()
        self.problems: list[tuple[FieldPath, tuple[int, int], str]] = []
        self.rejected: list[FieldPath] = []  # values replaced by None: pydantic errors under them are noise
        self._count = 0
        self._text = 0
        self._scalars = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, path: FieldPath, depth: int = 0) -> Any:
        self._count += 1
        if self._count > MAX_NODES or depth > MAX_DEPTH:
            what = f"more than {MAX_NODES} values" if self._count > MAX_NODES else f"more than {MAX_DEPTH} levels"
            raise _LimitError(
                node.start_mark, path, f"document too large or too deeply nested (alias expansion: {what})"
            )
        self.positions.values.setdefault(path, _at(node.start_mark))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _TAG + "map":
                return self._reject(node, path)
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                return self._reject(node, path)
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)  # the composer makes no other kind of node
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: FieldPath) -> Any:
        self._text += len(node.value)
        if self._text > MAX_TEXT:  # a long string repeated through aliases
            raise _LimitError(
                node.start_mark, path, f"document too large (alias expansion: more than {MAX_TEXT} characters)"
            )
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            return self._reject(node, path)
        if tag in (_TAG + "str", _TAG + "timestamp"):
            # Times stay text: a scenario's times are strings, relative ones included (`-3d`).
            return node.value
        try:
            if tag == _TAG + "null":
                return None
            if tag == _TAG + "bool":
                return self._scalars.construct_yaml_bool(node)
            if tag == _TAG + "int":
                return self._scalars.construct_yaml_int(node)
            return self._scalars.construct_yaml_float(node)
        except (ValueError, KeyError, TypeError, ArithmeticError):
            self._problem(path, node, f"invalid {_tag_name(tag)} value {show_value(node.value)}")
            return None

    def _reject(self, node: yaml.Node, path: FieldPath) -> None:
        self._problem(
            path,
            node,
            f"unsupported tag {_tag_name(node.tag)!r}: only plain values, lists and mappings are allowed",
        )
        return None

    def _problem(self, path: FieldPath, node: yaml.Node, message: str) -> None:
        self.problems.append((path, _at(node.start_mark), message))
        self.rejected.append(path)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_at: dict[str, tuple[int, int]] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, path))
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            key_path = (*path, key)
            if key in result:
                line = first_at[key][0]
                self.problems.append(
                    (key_path, _at(key_node.start_mark), f"duplicate key {show_value(key)} (first at line {line})")
                )
                continue
            first_at[key] = _at(key_node.start_mark)
            self.positions.keys[key_path] = first_at[key]
            result[key] = self.convert(value_node, key_path, depth + 1)
        # Merge keys (`<<: *defaults`): keys written in the mapping win, then earlier sources over later ones.
        for key_node, value_node in merged:
            key = self._key(key_node, path)
            if key is None or key in result:
                continue
            key_path = (*path, key)
            self.positions.keys[key_path] = _at(key_node.start_mark)
            result[key] = self.convert(value_node, key_path, depth + 1)
        return result

    def _merge_sources(self, node: yaml.Node, path: FieldPath) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            self._count += 1
            if self._count > MAX_NODES:
                message = f"document too large or too deeply nested (alias expansion: more than {MAX_NODES} values)"
                raise _LimitError(source.start_mark, path, message)
            if not isinstance(source, yaml.MappingNode) or source.tag != _TAG + "map":
                self.problems.append(
                    (
                        path,
                        _at(source.start_mark),
                        f"a merge key (<<) takes a mapping or a list of mappings, found {_kind(source)}",
                    )
                )
                continue
            for key_node, value_node in source.value:
                if key_node.tag == _MERGE_TAG:
                    yield from self._merge_sources(value_node, path)
                else:
                    yield key_node, value_node

    def _key(self, node: yaml.Node, path: FieldPath) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            message = f"a key must be a plain string, found {_kind(node)}"
            self.problems.append((path, _at(node.start_mark), message))
            return None
        if node.tag not in _SCALAR_TAGS:
            self._reject(node, path)
            return None
        # Every key of a scenario is a name: `1:` or `yes:` mean the text written, not a number or a boolean.
        return str(node.value)


# --- pydantic errors -> messages ---------------------------------------------------------------------------


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


def _normalise(error: Any, document: Any) -> _Error:
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


def _value_at(document: Any, path: FieldPath) -> Any:
    for part in path:
        document = document[part]
    return document


def _pick_members(errors: list[_Error], document: Any) -> list[_Error]:
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
        shape = _shape(_value_at(document, union))
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


def _validation_problems(exc: ValidationError, document: Any) -> list[tuple[FieldPath, bool, str]]:
    """Every pydantic error as (path, about a key, message): one message per place, unions collapsed."""
    errors = _pick_members([_normalise(error, document) for error in exc.errors()], document)
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


# --- loading -----------------------------------------------------------------------------------------------


def _syntax_problem(path: str, text: str, exc: yaml.YAMLError) -> ScenarioProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = _at(mark) if mark else (1, 1)
        problem, context = exc.problem or "", exc.context or ""
        if problem.startswith("but found") or not problem:
            message = ", ".join(part for part in (context, problem) if part)  # "expected X, but found Y"
        else:
            message = problem
            if context and exc.context_mark and mark and exc.context_mark.line != mark.line:
                message += f" ({context} at line {exc.context_mark.line + 1})"
        if "'\\t'" in problem:
            message += "; indent with spaces, YAML does not allow tabs"
        return ScenarioProblem(path, line, column, DOCUMENT, f"invalid YAML: {message}")
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        character = chr(exc.character) if isinstance(exc.character, int) else exc.character
        message = f"invalid YAML: unacceptable character {character!r}"
        return ScenarioProblem(path, line, column, DOCUMENT, message)
    return ScenarioProblem(path, 1, 1, DOCUMENT, f"invalid YAML: {exc}")


def _under(path: FieldPath, prefixes: Iterable[FieldPath]) -> bool:
    return any(path[: len(prefix)] == prefix for prefix in prefixes)


def read_scenario_text(text: str, path: str = "<string>") -> LocatedScenario:
    """Parse and validate the YAML text of one scenario, keeping where each part was written.

    Checks the structure and the cross references; building the world is left to the caller
    (`load_scenario_text` does it, and so does the server with its own clock).
    """
    if len(text) > MAX_BYTES:
        message = f"file too large: {len(text)} characters, at most {MAX_BYTES} are read"
        raise ScenarioError([ScenarioProblem(path, 1, 1, DOCUMENT, message)])
    converter = _Converter()
    try:
        root = _compose(text)
        document = {} if root is None else converter.convert(root, ())
    except _LimitError as exc:
        # Located at the top-level key holding the expansion: the inner path of a bomb tells nothing.
        at = converter.positions.values.get(exc.path[:1])
        line, column = at or (_at(exc.mark) if exc.mark is not None else (1, 1))
        problem = ScenarioProblem(path, line, column, format_field_path(exc.path[:1]), exc.message)
        raise ScenarioError([problem]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([_syntax_problem(path, text, exc)]) from None
    positions = converter.positions
    _to_editor_lines(text, converter)
    located: list[ScenarioProblem] = [
        ScenarioProblem(path, line, column, format_field_path(field_path), message)
        for field_path, (line, column), message in converter.problems
    ]
    if document is None:
        document = {}
    try:
        scenario = Scenario.model_validate(document, by_alias=True, by_name=False)
    except ValidationError as exc:
        for field_path, is_key, message in _validation_problems(exc, document):
            if _under(field_path, converter.rejected):
                continue
            line, column = positions.locate(field_path, key=is_key)
            located.append(ScenarioProblem(path, line, column, format_field_path(field_path), message))
        # Every problem at once: the parts that did parse are checked too (their references, times, budget).
        for field_path, message in _salvaged_problems(document, exc):
            line, column = positions.locate(field_path)
            located.append(ScenarioProblem(path, line, column, format_field_path(field_path), message))
        raise ScenarioError(_once_per_value(_sorted(located))) from None
    result = LocatedScenario(scenario, path, positions)
    located += [result.problem(field_path, message) for field_path, message in check_scenario(scenario)]
    if located:
        raise ScenarioError(_once_per_value(_sorted(located)))
    return result


SALVAGE_ROUNDS = 8  # each round drops what the last validation refused; most documents need one or two


def _salvaged_problems(document: Any, exc: ValidationError) -> list[tuple[FieldPath, str]]:
    """The semantic problems of what remains once every part that failed validation is dropped.

    A refused list item is dropped whole (the other items keep their place: indices are mapped back), a refused
    value at a mapping key falls back to its default. Problems that only come from a dropped part (a reference to
    an id that a refused item defined) are not reported: the refusal already is.
    """
    salvaged = copy.deepcopy(document)
    dropped: list[FieldPath] = []  # original paths
    removed: dict[FieldPath, list[int]] = {}  # list path (original) -> original indices removed
    for _ in range(SALVAGE_ROUNDS):
        errors = _pick_members([_normalise(error, salvaged) for error in exc.errors()], salvaged)
        cuts = {_cut_point(_original(error.path, removed)) for error in errors}
        if not cuts or () in cuts:
            return []
        for cut in sorted(cuts, key=lambda p: [str(x) for x in p], reverse=True):
            if not _remove(salvaged, cut, removed):
                return []
            dropped.append(cut)
        try:
            scenario = Scenario.model_validate(salvaged, by_alias=True, by_name=False)
        except ValidationError as again:
            exc = again
            continue
        break
    else:
        return []
    lost = {str(_value_at(document, cut).get("id")) for cut in dropped if isinstance(_value_at(document, cut), dict)}
    lost.discard("None")
    problems = []
    for field_path, message in check_scenario(scenario):
        original = _original(parse_field_path(field_path), removed)
        if _under(original, dropped) or any(f"{ident!r}" in message for ident in lost):
            continue
        problems.append((original, message))
    return problems


def _cut_point(path: FieldPath) -> FieldPath:
    """Where to cut for an error at `path`: the innermost list item holding it, else the top-level key."""
    for i in range(len(path) - 1, -1, -1):
        if isinstance(path[i], int):
            return path[: i + 1]
    return path[:1]


def _original(path: FieldPath, removed: dict[FieldPath, list[int]]) -> FieldPath:
    """A path in the salvaged document, as a path in the original one (list items removed shift the others)."""
    result: list[str | int] = []
    for part in path:
        if isinstance(part, int):
            for index in sorted(removed.get(tuple(result), [])):
                if index <= part:
                    part += 1
        result.append(part)
    return tuple(result)


def _remove(document: Any, original: FieldPath, removed: dict[FieldPath, list[int]]) -> bool:
    """Remove the part at an original path from the salvaged document; False if it is not there."""
    container = document
    current: list[str | int] = []
    for part in original[:-1]:
        if isinstance(part, int):
            part = part - sum(1 for i in removed.get(tuple(current), []) if i < part)
        try:
            container = container[part]
        except (KeyError, IndexError, TypeError):
            return False
        current.append(original[len(current)])
    last = original[-1]
    if isinstance(last, int) and isinstance(container, list):
        shifted = last - sum(1 for i in removed.get(tuple(current), []) if i < last)
        if not 0 <= shifted < len(container):
            return False
        del container[shifted]
        removed.setdefault(tuple(current), []).append(last)
        return True
    if isinstance(container, dict) and last in container:
        del container[last]
        return True
    return False


def _once_per_value(problems: list[ScenarioProblem]) -> list[ScenarioProblem]:
    """The same unknown value written in several places: explained once, the later places point back."""
    first: dict[str, ScenarioProblem] = {}
    result = []
    for problem in problems:
        if problem.message.startswith("unknown value ") and ";" in problem.message:
            head = problem.message.split(";", 1)[0]
            earlier = first.setdefault(head, problem)
            if earlier is not problem:
                problem = dataclasses.replace(problem, message=f"{head} (as at line {earlier.line})")
        result.append(problem)
    return result


def _sorted(problems: list[ScenarioProblem]) -> list[ScenarioProblem]:
    return sorted(problems, key=lambda p: (p.line, p.column))


def read_scenario(path: str | Path) -> LocatedScenario:
    """Read one scenario file: `read_scenario_text` of its content."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            message = f"file too large: {size} bytes, at most {MAX_BYTES} are read"
            raise ScenarioError([ScenarioProblem(str(path), 1, 1, DOCUMENT, message)])
        data = file.read_bytes()
    except OSError as exc:
        raise ScenarioError([ScenarioProblem(str(path), 1, 1, DOCUMENT, f"cannot read: {exc.strerror}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8 text: byte {data[exc.start]:#04x} cannot be decoded"
        raise ScenarioError([ScenarioProblem(str(path), line, column, DOCUMENT, message)]) from None
    return read_scenario_text(text, str(path))


def _checked(located: LocatedScenario) -> Scenario:
    problems = [located.problem(field_path, message) for field_path, message in check_world(located.scenario)]
    if problems:
        raise ScenarioError(problems)
    return located.scenario


def load_scenario_text(text: str, path: str = "<string>") -> Scenario:
    """Parse and validate the YAML text of one scenario, including that its world can be built."""
    return _checked(read_scenario_text(text, path))


def load_scenario(path: str | Path) -> Scenario:
    """Load one scenario file, including that its world can be built."""
    return _checked(read_scenario(path))
