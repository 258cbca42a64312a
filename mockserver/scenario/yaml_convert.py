"""Turning a composed YAML node tree into plain Python values, recording where each key, value and item was
written and the problems of what YAML allows but a scenario does not. Private to `mockserver.scenario`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any

import yaml

from mockserver.scenario.budget import MAX_DEPTH, MAX_NODES, MAX_TEXT
from mockserver.scenario.positions import FieldPath, Positions
from mockserver.scenario.wording import show_value
from mockserver.scenario.yaml_compose import LimitError, mark_position

_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG + "merge"
_SCALAR_TAGS = {_TAG + name for name in ("str", "null", "bool", "int", "float", "timestamp")}


# YAML also breaks lines at CR, NEL, LS and PS (in its marks); editors and `grep -n` count LF only.
_YAML_BREAK = re.compile("\r\n|[\r\x85\u2028\u2029]|\n")
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def to_editor_lines(text: str, converter: Converter) -> None:
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


class Converter:
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
            raise LimitError(
                node.start_mark, path, f"document too large or too deeply nested (alias expansion: {what})"
            )
        self.positions.values.setdefault(path, mark_position(node.start_mark))
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
            raise LimitError(
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
        self.problems.append((path, mark_position(node.start_mark), message))
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
                    (
                        key_path,
                        mark_position(key_node.start_mark),
                        f"duplicate key {show_value(key)} (first at line {line})",
                    )
                )
                continue
            first_at[key] = mark_position(key_node.start_mark)
            self.positions.keys[key_path] = first_at[key]
            result[key] = self.convert(value_node, key_path, depth + 1)
        # Merge keys (`<<: *defaults`): keys written in the mapping win, then earlier sources over later ones.
        for key_node, value_node in merged:
            key = self._key(key_node, path)
            if key is None or key in result:
                continue
            key_path = (*path, key)
            self.positions.keys[key_path] = mark_position(key_node.start_mark)
            result[key] = self.convert(value_node, key_path, depth + 1)
        return result

    def _merge_sources(self, node: yaml.Node, path: FieldPath) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            self._count += 1
            if self._count > MAX_NODES:
                message = f"document too large or too deeply nested (alias expansion: more than {MAX_NODES} values)"
                raise LimitError(source.start_mark, path, message)
            if not isinstance(source, yaml.MappingNode) or source.tag != _TAG + "map":
                self.problems.append(
                    (
                        path,
                        mark_position(source.start_mark),
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
            self.problems.append((path, mark_position(node.start_mark), message))
            return None
        if node.tag not in _SCALAR_TAGS:
            self._reject(node, path)
            return None
        # Every key of a scenario is a name: `1:` or `yes:` mean the text written, not a number or a boolean.
        return str(node.value)
