"""Composing a YAML document's node tree within a scenario's limits of depth and size: libyaml for large files,
the pure-Python loader otherwise and for every error message. Private to `mockserver.scenario` (the loader's).
"""

from __future__ import annotations

from typing import Any, Protocol

import yaml

from mockserver.scenario.budget import MAX_DEPTH, MAX_WRITTEN
from mockserver.scenario.positions import FieldPath


class Mark(Protocol):
    """A position in the text: PyYAML's `Mark`, or libyaml's (`yaml._yaml.Mark`), which the parser's events carry."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


class LimitError(Exception):
    """The document is larger or deeper than a scenario can be; stops the conversion."""

    def __init__(self, mark: Mark | None, path: FieldPath, message: str) -> None:
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
                raise LimitError(mark, (), f"document too deeply nested (more than {MAX_DEPTH} levels)")
            if self._nodes > MAX_WRITTEN:  # stop a long flat list early: the pure-Python parser is slow
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise LimitError(mark, (), f"document too large (more than {MAX_WRITTEN} values written)")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


LIBYAML_FROM = 0  # characters: files up to this size skip libyaml (0: every file; tests raise it to test both paths)
_EVENT_DEPTH = {
    yaml.MappingStartEvent: 1,
    yaml.SequenceStartEvent: 1,
    yaml.MappingEndEvent: -1,
    yaml.SequenceEndEvent: -1,
}
_NODE_EVENTS = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)


def compose(text: str) -> yaml.Node | None:
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
                        raise LimitError(
                            event.start_mark, (), f"document too deeply nested (more than {MAX_DEPTH} levels)"
                        )
                    if nodes > MAX_WRITTEN:
                        raise LimitError(
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


def mark_position(mark: Mark) -> tuple[int, int]:
    """The 1-based (line, column) of a mark (YAML counts from 0)."""
    return (mark.line + 1, mark.column + 1)
