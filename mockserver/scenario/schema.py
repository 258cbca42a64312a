"""The JSON Schema of scenario files (draft 2020-12), built from the pydantic models, for editors and tools.

Published as `scenario.schema.json` at the repository root and by `mockserver scenario-schema`; a YAML file
opts in with `# yaml-language-server: $schema=<path or URL of scenario.schema.json>`.
"""

from __future__ import annotations

from typing import Any

from mockserver.scenario.model import Scenario

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:mockserver:scenario"
SCHEMA_TITLE = "mockserver scenario"


def scenario_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a scenario file (keys as written in YAML); a fresh dict each call."""
    body = Scenario.model_json_schema(by_alias=True, mode="validation")
    description = body.pop("description", "")
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        "description": (
            f"{description} Times are ISO 8601 instants or relative to the clock (`-2h`, `-3d`, `+30m`); "
            "`mockserver validate FILE` also checks what a schema cannot: references between ids, and times "
            "and states that can exist."
        ).strip(),
    }
    body.pop("title", None)
    return schema | body
