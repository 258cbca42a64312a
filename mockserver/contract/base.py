"""The base of every contract model: camelCase wire names, unknown keys kept (as the SDK's strict mode allows)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A contract object: snake_case in Python, camelCase on the wire, extra keys allowed."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=to_camel, protected_namespaces=())
