"""The `activity` section of the contract: one event per row, newest first, with the ids it touches."""

from __future__ import annotations

from pydantic import Field

from mockserver.contract.base import WireModel
from mockserver.contract.enums import Action


class ByokProvider(WireModel):
    """The bring-your-own-key provider an event was made through."""

    id: str = Field(description="Provider id.")
    display_name: str = Field(description="Provider name as shown to people.")


class ActivityData(WireModel):
    """The ids an event refers to; each is present only when the event has one."""

    asset_id: str | None = Field(default=None, description="Asset the event created or changed.")
    byok_provider: ByokProvider | None = Field(default=None, description="Provider of a bring-your-own-key event.")
    collection_id: str | None = Field(default=None, description="Collection the event touched.")
    is_api_key: bool | None = Field(default=None, description="True when the event was made with an API key.")
    job_id: str | None = Field(default=None, description="Job the event started or finished.")
    model_id: str | None = Field(default=None, description="Model the event used or changed.")


class Activity(WireModel):
    """One event in the team's activity feed."""

    action: Action = Field(description="What happened.")
    creative_units_cost: float | None = Field(default=None, description="Compute Units charged for the event.")
    data: ActivityData = Field(description="Ids of the things the event refers to.")
    project_id: str = Field(description="Project the event belongs to.")
    time: str = Field(description="When it happened, UTC ISO 8601 with milliseconds.")
    user_id: str = Field(description="Who did it: a person's id or an API key's `apiu_` id.")
