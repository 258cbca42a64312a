"""The JSON body of every error response the mock sends (documented in the OpenAPI document)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class ErrorBody(BaseModel):
    """An error response: the same text in `reason` and `message`, a machine code and a trace id."""

    # Only the OpenAPI document reads it (api/errors.py writes the bodies): built on first use, as `WireModel`s are.
    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=to_camel, defer_build=True)

    reason: str = Field(description="What went wrong, for people (clients read this field first).")
    message: str = Field(description="The same text as `reason`, for clients that read `message`.")
    code: str = Field(description="Machine-readable code, e.g. `INVALID_PARAMETER` or `UNAUTHORIZED`.")
    trace_id: str = Field(description="Unique id of the failed request.")
    remaining_seconds: float | None = Field(
        default=None,
        description="429 only: seconds until requests are accepted again (also in `Retry-After`).",
    )
