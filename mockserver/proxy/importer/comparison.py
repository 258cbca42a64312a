"""The first difference between two JSON documents: how an answer served again is compared with its capture."""

from __future__ import annotations

from typing import Any


def first_difference(expected: Any, actual: Any, path: str = "$") -> tuple[str, Any, Any] | None:
    """The first JSON path where two documents differ (numbers compared as numbers), or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected.keys() | actual.keys():
            if key not in expected or key not in actual:
                return f"{path}.{key}", expected.get(key, "<absent>"), actual.get(key, "<absent>")
        for key in expected:
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"{path}.length", len(expected), len(actual)
        return None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return None if expected is actual else (path, expected, actual)
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return None if expected == actual else (path, expected, actual)
    return None if expected == actual else (path, expected, actual)
