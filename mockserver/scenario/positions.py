"""Field paths in a scenario document and where each part of it was written: the file:line:col that every
problem the loader reports carries. Private to `mockserver.scenario`; `loader` is its public face.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mockserver.errors import ScenarioProblem
from mockserver.scenario.model import Scenario

DOCUMENT = "(document)"
FieldPath = tuple[str | int, ...]
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


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


def under(path: FieldPath, prefixes: Iterable[FieldPath]) -> bool:
    """Whether `path` is one of `prefixes` or lies below one."""
    return any(path[: len(prefix)] == prefix for prefix in prefixes)
