"""Whatever a scenario file holds, loading it ends in a `Scenario` or a `ScenarioError`, never another exception.

Documents come from the published JSON Schema, and from mutations of the shipped default scenario (deleted
keys, changed scalars, duplicated lines, truncation, random characters).

hypothesis-jsonschema 0.23.1 cannot draw objects with the installed Hypothesis (its `from_object_schema`
calls `many.more()`, which Hypothesis removed), so objects, arrays, unions and `$ref`s are composed here and
`from_schema` draws the leaves: strings with their patterns and lengths, enums, bounded numbers.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from mockserver.errors import ScenarioError
from mockserver.scenario.loader import load_scenario_text
from mockserver.scenario.model import Scenario
from mockserver.scenario.schema import scenario_json_schema

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEXT = (ROOT / "scenarios" / "default.yaml").read_text(encoding="utf-8")
SHIPPED_TEXTS = [f.read_text(encoding="utf-8") for f in sorted((ROOT / "scenarios").glob("*.yaml"))]
FAST = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=1000, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# Times as a scenario writes them, valid or nearly so; drawn for schemas documented as a time.
TIMES = st.one_of(
    st.builds(
        lambda n, u, sign: f"{sign}{n}{u}",
        st.integers(0, 400),
        st.sampled_from("mhdw"),
        st.sampled_from(["-", "+", ""]),
    ),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.text(max_size=12),
)
# Ids: a few shared names, so that references sometimes resolve and the world gets built.
IDS = st.sampled_from(["alice", "bob", "proj_art", "api_ci", "model_hero", "flow_a", "flow_b", "x"])


def _leaf(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "ISO 8601" in schema.get("description", "") and schema.get("type") == "string":
        return TIMES
    bare = {k: v for k, v in schema.items() if k not in ("title", "description", "default")}
    if bare.get("type") == "integer":
        # Counts are unbounded in the schema; the loader bounds them (see scenario.budget). Keep most small.
        bare.setdefault("maximum", 20_000)
        bare.setdefault("minimum", -5)
    if bare.get("type") == "string" and "pattern" not in bare and "enum" not in bare:
        return st.one_of(IDS, from_schema(bare, allow_x00=False))
    return from_schema(bare, allow_x00=False)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _strategy(schema: dict[str, Any] | bool, defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents valid against `schema` (a pydantic-made JSON Schema), composed around from_schema leaves."""
    if schema is True or schema == {}:
        return JSON
    assert isinstance(schema, dict), schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: _strategy(defs[name], defs))
    if "anyOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return st.one_of([_strategy(rest | option, defs) for option in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        properties = {key: _strategy(sub, defs) for key, sub in schema["properties"].items()}
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: v for k, v in properties.items() if k in required},
            optional={k: v for k, v in properties.items() if k not in required},
        )
    if kind == "object":
        keys = from_schema(schema.get("propertyNames", {"type": "string"}))
        values = _strategy(schema.get("additionalProperties", True), defs)
        return st.dictionaries(keys, values, max_size=4)
    if kind == "array":
        return st.lists(_strategy(schema.get("items", {}), defs), max_size=3)
    return _leaf(schema)


SCHEMA = scenario_json_schema()
DOCUMENTS = _strategy(SCHEMA, SCHEMA["$defs"])


def check_loads(text: str) -> None:
    """The property: a Scenario, or a ScenarioError whose problems are well-formed lines of this text."""
    try:
        scenario = load_scenario_text(text, "p.yaml")
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError without problems"
        lines = text.count("\n") + 1
        for problem in exc.problems:
            assert "\n" not in str(problem), f"a problem spans lines: {problem!s}"
            assert 1 <= problem.line <= lines and problem.column >= 1, str(problem)
            assert problem.field and problem.message, str(problem)
        assert [(p.line, p.column) for p in exc.problems] == sorted((p.line, p.column) for p in exc.problems)
    else:
        assert isinstance(scenario, Scenario)


# --- from the JSON Schema ----------------------------------------------------------------------------------


@FAST
@given(DOCUMENTS)
def test_documents_from_the_schema_load_or_fail_cleanly(document: dict[str, Any]) -> None:
    check_loads(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))


@pytest.mark.slow
@SLOW
@given(DOCUMENTS)
def test_documents_from_the_schema_load_or_fail_cleanly_many(document: dict[str, Any]) -> None:
    check_loads(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))


def test_some_schema_documents_are_valid_scenarios() -> None:
    # Guards the property above against only ever testing the error path.
    loaded = []

    @settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(DOCUMENTS)
    def collect(document: dict[str, Any]) -> None:
        with contextlib.suppress(ScenarioError):
            loaded.append(load_scenario_text(yaml.safe_dump(document)))

    collect()
    assert loaded


# --- mutations of a valid file -----------------------------------------------------------------------------

KEY_LINE = re.compile(r"^(\s*(?:- )?[\w-]+:)(\s*)(.*)$")
YAML_BITS = [
    "~",
    "null",
    "true",
    "no",
    ".inf",
    "-.nan",
    "0x1F",
    "0o17",
    "1_000",
    "1:30",
    "2026-01-01",
    "-3d",
    "[]",
    "{}",
    "[a, b",
    "{a: 1",
    "*missing",
    "&a x",
    "!!python/name:os.system",
    "!custom x",
    "!!binary aGk=",
    "'",
    '"',
    "|",
    ">",
    "%",
    "@",
    "`",
    "? x",
    "<<: 3",
    "\t",
    "- x",
    "#",
    "1e400",
    "9" * 5000,
    "a: b: c",
]
SCALARS = st.one_of(
    st.sampled_from(YAML_BITS),
    st.integers().map(str),
    st.floats().map(str),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8),
)
INSERTIONS = st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"%@`#,?\t\n xy0\x01\u00e9")), min_size=1, max_size=6)


def _delete_key(lines: list[str], i: int) -> list[str]:
    indent = len(lines[i]) - len(lines[i].lstrip())
    end = i + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    return lines[:i] + lines[end:]


@st.composite
def mutations(draw: st.DrawFn, texts: tuple[str, ...] = (DEFAULT_TEXT,)) -> str:
    """A valid scenario's text after one to three random edits."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        i = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["delete-key", "change-scalar", "duplicate-line", "truncate", "insert"]))
        keyed = [n for n, line in enumerate(lines) if KEY_LINE.match(line)]
        if operation == "delete-key" and keyed:
            lines = _delete_key(lines, draw(st.sampled_from(keyed)))
        elif operation == "change-scalar" and keyed:
            n = draw(st.sampled_from(keyed))
            match = KEY_LINE.match(lines[n])
            assert match is not None
            lines[n] = f"{match[1]} {draw(SCALARS)}"
        elif operation == "duplicate-line":
            lines.insert(i, lines[i])
        elif operation == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
            continue
        else:
            position = draw(st.integers(0, len(text)))
            text = text[:position] + draw(INSERTIONS) + text[position:]
            continue
        text = "\n".join(lines)
    return text


@FAST
@given(mutations())
def test_mutations_of_the_default_scenario_load_or_fail_cleanly(text: str) -> None:
    check_loads(text)


@pytest.mark.slow
@SLOW
@given(mutations(tuple(SHIPPED_TEXTS)))
def test_mutations_of_the_shipped_scenarios_load_or_fail_cleanly_many(text: str) -> None:
    check_loads(text)
