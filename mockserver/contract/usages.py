"""The root of the 200 response (`UsageListResponse`) and its time series: usages, model, asset, NSFW and
quality-gate usages, plus per-user consumption."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from mockserver.contract.activity import Activity
from mockserver.contract.base import WireModel
from mockserver.contract.entities import Entities
from mockserver.contract.enums import AssetKind, Granularity, UsageName


class UsagePoint(WireModel):
    """One bucket of a usage series; counts are numeric strings."""

    api_key: str = Field(description="Part of `value` done through API keys, as a numeric string.")
    api_key_cost: float | None = Field(default=None, description="Compute Units charged to API keys.")
    api_key_discount: float | None = Field(default=None, description="Compute Units discounted to API keys.")
    cost: float | None = Field(default=None, description="Compute Units charged.")
    discount: float | None = Field(default=None, description="Compute Units discounted.")
    time: str = Field(description="Start of the bucket, UTC ISO 8601 with milliseconds.")
    value: str = Field(description="The bucket's count (or amount), as a numeric string.")


class Usage(WireModel):
    """The series of one usage name."""

    granularity: Granularity = Field(description="Width of each bucket.")
    points: list[UsagePoint] = Field(description="One point per bucket, oldest first.")
    usage_name: UsageName = Field(description="What is counted.")


class ModelUsagePoint(WireModel):
    """One bucket of a model's usage."""

    api_key_cost: float = Field(description="Compute Units charged to API keys.")
    api_key_discount: float = Field(description="Compute Units discounted to API keys.")
    cost: float = Field(description="Compute Units charged.")
    discount: float = Field(description="Compute Units discounted.")
    jobs: float = Field(description="Jobs run with the model.")
    time: str = Field(description="Start of the bucket, UTC ISO 8601 with milliseconds.")


class ModelUsage(WireModel):
    """The usage series of one model."""

    model_id: str = Field(description="The model.")
    points: list[ModelUsagePoint] = Field(description="One point per bucket, oldest first.")


class CountPoint(WireModel):
    """One bucket of a counted series: a total and its API-key part."""

    count: float = Field(description="How many in the bucket.")
    count_api_key: float = Field(description="Part of `count` done through API keys.")
    time: str = Field(description="Start of the bucket, UTC ISO 8601 with milliseconds.")


class AssetUsagePoint(CountPoint):
    """One bucket of assets created."""


class NsfwUsagePoint(CountPoint):
    """One bucket of NSFW detections."""


class QualityGateUsagePoint(CountPoint):
    """One bucket of quality-gate verdicts."""


class AssetUsage(WireModel):
    """Assets created over time, for one asset kind."""

    kind: AssetKind = Field(description="The asset kind counted.")
    points: list[AssetUsagePoint] = Field(description="One point per bucket, oldest first.")


class NsfwUsage(WireModel):
    """NSFW detections over time, for one label."""

    label: str = Field(description="The NSFW label counted.")
    points: list[NsfwUsagePoint] = Field(description="One point per bucket, oldest first.")


class QualityGateUsage(WireModel):
    """Quality-gate checks over time, for one verdict (`total`, `pass`, `warn`, `fail`)."""

    points: list[QualityGateUsagePoint] = Field(description="One point per bucket, oldest first.")
    verdict: str = Field(description="The verdict counted; `total` counts every check.")


class Consumption(WireModel):
    """Compute Units one user consumed over the whole window."""

    cost_details: Any | None = Field(default=None, description="Part of `value` split by cause, e.g. quality gates.")
    discount: float = Field(description="Compute Units waived.")
    total: float = Field(description="`value` plus `discount`.")
    user_id: str = Field(description="The person or API key.")
    value: float = Field(description="Compute Units consumed.")


class UsageListResponse(WireModel):
    """The 200 body of `GET /v1/usages`; a section is present when its `type` was asked for."""

    activity: list[Activity] | None = Field(default=None, description="Events, newest first, 100 per page.")
    asset_usages: list[AssetUsage] | None = Field(default=None, description="Assets created, per kind.")
    consumption: list[Consumption] | None = Field(default=None, description="Compute Units per user.")
    entities: Entities | None = Field(default=None, description="Lookup tables for the ids referenced.")
    model_usages: list[ModelUsage] | None = Field(default=None, description="Usage per model.")
    nsfw_usages: list[NsfwUsage] | None = Field(default=None, description="NSFW detections per label.")
    quality_gate_usages: list[QualityGateUsage] | None = Field(default=None, description="Quality-gate verdicts.")
    usages: list[Usage] | None = Field(default=None, description="Usage per usage name.")


def response_json_schema(
    model: type[BaseModel] = UsageListResponse,
    mode: Literal["validation", "serialization"] = "validation",
) -> dict[str, Any]:
    """Export the JSON Schema (2020-12, wire names) of a contract model, comparable with the reference's."""
    return model.model_json_schema(by_alias=True, mode=mode)
