"""The base of every contract model: camelCase wire names, unknown keys kept (as the SDK's strict mode allows)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A contract object: snake_case in Python, camelCase on the wire, extra keys allowed."""

    # Bodies are rendered from the world, never through these models: they are the OpenAPI document's schema and what
    # the tests validate bodies with, so pydantic builds a model's validator on its first use, not at import (~40 ms).
    model_config = ConfigDict(
        extra="allow", populate_by_name=True, alias_generator=to_camel, protected_namespaces=(), defer_build=True
    )
