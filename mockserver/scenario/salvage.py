"""The semantic problems of a scenario that failed validation: checked on what remains once every refused part is
dropped, so that one run reports every problem. Private to `mockserver.scenario` (the loader's).
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from mockserver.scenario.model import Scenario
from mockserver.scenario.positions import FieldPath, parse_field_path, under
from mockserver.scenario.problems import normalise, pick_members, value_at
from mockserver.scenario.validate import check_scenario

SALVAGE_ROUNDS = 8  # each round drops what the last validation refused; most documents need one or two


def salvaged_problems(document: Any, exc: ValidationError) -> list[tuple[FieldPath, str]]:
    """The semantic problems of what remains once every part that failed validation is dropped.

    A refused list item is dropped whole (the other items keep their place: indices are mapped back), a refused
    value at a mapping key falls back to its default. Problems that only come from a dropped part (a reference to
    an id that a refused item defined) are not reported: the refusal already is.
    """
    salvaged = copy.deepcopy(document)
    dropped: list[FieldPath] = []  # original paths
    removed: dict[FieldPath, list[int]] = {}  # list path (original) -> original indices removed
    for _ in range(SALVAGE_ROUNDS):
        errors = pick_members([normalise(error, salvaged) for error in exc.errors()], salvaged)
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
    lost = {str(value_at(document, cut).get("id")) for cut in dropped if isinstance(value_at(document, cut), dict)}
    lost.discard("None")
    problems = []
    for field_path, message in check_scenario(scenario):
        original = _original(parse_field_path(field_path), removed)
        if under(original, dropped) or any(f"{ident!r}" in message for ident in lost):
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
