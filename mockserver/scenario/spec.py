"""The base of every model of a scenario file (and of the fault rules a scenario can declare)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    """Base of every scenario model: camelCase keys as written in YAML, unknown keys rejected."""

    # Built on first use: loading a file builds `Scenario` (its nested models with it) once, and the models used on
    # their own (fault rules, admin commands) are built when first asked for, not each at import.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, allow_inf_nan=False, defer_build=True)
