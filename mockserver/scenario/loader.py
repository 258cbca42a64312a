"""Load scenario files: safe YAML in, a validated `Scenario` out, or a `ScenarioError` listing every problem."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from mockserver.errors import ScenarioError, ScenarioProblem
from mockserver.scenario.model import Scenario


def load_scenario_text(text: str, path: str = "<string>") -> Scenario:
    """Parse and validate the YAML text of one scenario."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ScenarioError([ScenarioProblem(path, line, column, "(document)", f"invalid YAML: {exc}")]) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        found = type(document).__name__
        raise ScenarioError([ScenarioProblem(path, 1, 1, "(document)", f"expected a mapping, found {found}")])
    try:
        return Scenario.model_validate(document)
    except ValidationError as exc:
        problems = [
            ScenarioProblem(path, 1, 1, ".".join(str(p) for p in err["loc"]) or "(document)", err["msg"])
            for err in exc.errors()
        ]
        raise ScenarioError(problems) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load one scenario file."""
    file = Path(path)
    return load_scenario_text(file.read_text(encoding="utf-8"), str(file))
