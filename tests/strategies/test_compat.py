"""The shim that lets hypothesis-jsonschema draw objects on hypothesis >= 6.170.10 (`many.more()` removed there)."""

from __future__ import annotations

from typing import Any

import hypothesis
import jsonschema
from hypothesis import HealthCheck, find, given, settings
from hypothesis.internal.conjecture import utils as conjecture_utils
from hypothesis_jsonschema import from_schema

import mockserver.strategies  # noqa: F401 - installs the shim
from mockserver.strategies import _compat

# Keys drawn freely (additional properties), some required, and a dependency whose violation rejects an element.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
    "required": ["id"],
    "dependencies": {"count": {"required": ["total"]}},  # draft 7, as hypothesis-jsonschema reads it
    "additionalProperties": {"type": "integer"},
    "maxProperties": 6,
}


def test_the_installed_hypothesis_can_draw_objects() -> None:
    assert _compat.install() is True or "more" in vars(conjecture_utils.many), hypothesis.__version__
    assert hasattr(conjecture_utils.many, "more")


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(value=from_schema(SCHEMA))
def test_objects_drawn_through_the_shim_are_valid(value: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(value)


def test_objects_drawn_through_the_shim_shrink() -> None:
    smallest = find(
        from_schema(SCHEMA),
        lambda value: len(value) >= 3,
        settings=settings(database=None, max_examples=500, suppress_health_check=list(HealthCheck)),
    )
    assert len(smallest) == 3 and "id" in smallest
    assert smallest["id"] == ""  # shrunk to the simplest string
