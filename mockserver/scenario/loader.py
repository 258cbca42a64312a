"""Load scenario files: safe YAML in, a validated `Scenario` out, or a `ScenarioError` listing every problem.

The loader is the only code that knows file:line:col. It composes the YAML node graph itself (plain values, lists
and mappings only; aliases expanded within bounds: `yaml_compose`), remembers where every key, value and item was
written (`yaml_convert`, `positions`), validates with the pydantic models and maps each error (`problems`), and each
semantic problem found by `mockserver.scenario.validate` (`salvage` too), back to its place in the file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml
from pydantic import ValidationError

from mockserver.errors import ScenarioError, ScenarioProblem
from mockserver.scenario.budget import MAX_BYTES
from mockserver.scenario.model import Scenario
from mockserver.scenario.positions import DOCUMENT, LocatedScenario, format_field_path, parse_field_path, under
from mockserver.scenario.problems import validation_problems
from mockserver.scenario.salvage import salvaged_problems
from mockserver.scenario.validate import check_scenario, check_world
from mockserver.scenario.yaml_compose import LimitError, compose, mark_position
from mockserver.scenario.yaml_convert import Converter, to_editor_lines

# The public entry of scenario loading, with the names a caller locating its own problems needs.
__all__ = [
    "DOCUMENT",
    "MAX_BYTES",
    "LocatedScenario",
    "format_field_path",
    "load_scenario",
    "load_scenario_text",
    "parse_field_path",
    "read_scenario",
    "read_scenario_text",
]


def _syntax_problem(path: str, text: str, exc: yaml.YAMLError) -> ScenarioProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = mark_position(mark) if mark else (1, 1)
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


def read_scenario_text(text: str, path: str = "<string>") -> LocatedScenario:
    """Parse and validate the YAML text of one scenario, keeping where each part was written.

    Checks the structure and the cross references; building the world is left to the caller
    (`load_scenario_text` does it, and so does the server with its own clock).
    """
    if len(text) > MAX_BYTES:
        message = f"file too large: {len(text)} characters, at most {MAX_BYTES} are read"
        raise ScenarioError([ScenarioProblem(path, 1, 1, DOCUMENT, message)])
    converter = Converter()
    try:
        root = compose(text)
        document = {} if root is None else converter.convert(root, ())
    except LimitError as exc:
        # Located at the top-level key holding the expansion: the inner path of a bomb tells nothing.
        at = converter.positions.values.get(exc.path[:1])
        line, column = at or (mark_position(exc.mark) if exc.mark is not None else (1, 1))
        problem = ScenarioProblem(path, line, column, format_field_path(exc.path[:1]), exc.message)
        raise ScenarioError([problem]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([_syntax_problem(path, text, exc)]) from None
    positions = converter.positions
    to_editor_lines(text, converter)
    located: list[ScenarioProblem] = [
        ScenarioProblem(path, line, column, format_field_path(field_path), message)
        for field_path, (line, column), message in converter.problems
    ]
    if document is None:
        document = {}
    try:
        scenario = Scenario.model_validate(document, by_alias=True, by_name=False)
    except ValidationError as exc:
        for field_path, is_key, message in validation_problems(exc, document):
            if under(field_path, converter.rejected):
                continue
            line, column = positions.locate(field_path, key=is_key)
            located.append(ScenarioProblem(path, line, column, format_field_path(field_path), message))
        # Every problem at once: the parts that did parse are checked too (their references, times, budget).
        for field_path, message in salvaged_problems(document, exc):
            line, column = positions.locate(field_path)
            located.append(ScenarioProblem(path, line, column, format_field_path(field_path), message))
        raise ScenarioError(_once_per_value(_sorted(located))) from None
    result = LocatedScenario(scenario, path, positions)
    located += [result.problem(field_path, message) for field_path, message in check_scenario(scenario)]
    if located:
        raise ScenarioError(_once_per_value(_sorted(located)))
    return result


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
