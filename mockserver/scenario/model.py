"""The pydantic models of a scenario file: what a world may pin down; everything optional has a default."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from mockserver.contract.enums import (
    Action,
    ApiKeyStatus,
    AssetKind,
    Granularity,
    JobStatus,
    JobType,
    NodeStatus,
    NodeType,
    TimeRange,
)
from mockserver.contract.read_enums import (
    InvitationStatus,
    IpDetectionEnforcement,
    KeyScope,
    PaymentStatus,
    Plan,
    QualityGateVerdict,
    SubscriptionStatus,
    TeamRole,
    TeamType,
)
from mockserver.scenario.budget import (
    MAX_ASSETS,
    MAX_COST_SCALE,
    MAX_EVENTS_PER_DAY,
    MAX_GENERATOR_DAYS,
    MAX_ITERATIONS,
    MAX_NSFW_LABELS,
    MAX_SPIKE_FACTOR,
)
from mockserver.scenario.faults import FaultRule
from mockserver.scenario.spec import Spec

# A time in a scenario: an ISO 8601 instant, or a duration relative to the world's anchor such as "-3d".
TimeSpec = Annotated[str, Field(description="ISO 8601 instant, or relative to the clock: `-2h`, `-3d`, `+30m`")]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=128)]


class ClockSpec(Spec):
    now: TimeSpec | None = Field(None, description="Freeze the clock at this instant; absent: the real clock.")


class GranularityStep(Spec):
    up_to: str = Field(alias="upTo", description="Longest window (a duration such as `6h`) using this granularity.")
    granularity: Granularity


class SettingsSpec(Spec):
    default_time_range: TimeRange = Field("last-seven-days", alias="defaultTimeRange")
    granularity: list[GranularityStep] | None = Field(
        None, description="Replaces the granularity table; the last step also covers longer windows."
    )
    accept_only_declared_keys: bool = Field(
        False,
        alias="acceptOnlyDeclaredKeys",
        description="Refuse credentials that are not declared in apiKeys.",
    )


# A cap of Compute Units over one billing period.
Cap = Annotated[float, Field(ge=0, description="Compute Units per billing period (absent: uncapped).")]


class InvitationSpec(Spec):
    """An invitation to join the team, shown by `teams.retrieve`."""

    email: str | None = Field(None, description="Default: generated, at the team's domain.")
    role: TeamRole = Field("member", description="The role the invited person gets (`admin` or `member`).")
    status: InvitationStatus = "pending"
    created_at: TimeSpec = Field("-2d", alias="createdAt")
    projects: list[str] | None = Field(None, description="Project ids the person is invited to.")


class TeamSpec(Spec):
    id: Identifier | None = None
    name: str | None = None
    created_at: TimeSpec | None = Field(
        None, alias="createdAt", description="Default: 30 days before the earliest activity, at least a year ago."
    )
    type: TeamType = "shared"
    avatar: bool | str = Field(True, description="true: a generated avatar; false: none; a string: its URL.")
    ip_detection_enforcement: IpDetectionEnforcement = Field("disabled", alias="ipDetectionEnforcement")
    quality_gate_auto_detect: bool = Field(False, alias="qualityGateAutoDetect")
    payment_status: PaymentStatus = Field("succeeded", alias="paymentStatus")
    subscription_status: SubscriptionStatus = Field("active", alias="subscriptionStatus")
    invitations: list[InvitationSpec] = Field(default_factory=list)


class ProjectSpec(Spec):
    id: Identifier | None = None
    name: str | None = None
    created_at: TimeSpec | None = Field(
        None, alias="createdAt", description="Default: in the team's first month, in the order listed."
    )
    description: str | None = Field(None, description="Markdown description (default: generated).")
    privacy_mode: bool = Field(False, alias="privacyMode", description="Members see only their own assets.")
    max_consumption: Cap | None = Field(None, alias="maxConsumption")


class PersonSpec(Spec):
    id: Identifier | None = None
    name: str | None = None
    email: str | None = None
    avatar: bool | str = Field(True, description="true: a generated avatar; false: none; a string: its URL.")
    avatar_asset_id: Identifier | None = Field(
        None, alias="avatarAssetId", description="The asset id of the avatar (default: generated)."
    )
    left: bool | TimeSpec = Field(False, description="Left the platform (true, or since when).")
    projects: list[str] | None = Field(None, description="Project ids this person works in (default: all).")
    role: TeamRole | None = Field(None, description="Team role (default: the first person `admin`, others `member`).")
    max_consumption: Cap | None = Field(
        None, alias="maxConsumption", description="CU cap per billing period (default: billing.defaultMaxConsumption)."
    )
    joined_at: TimeSpec | None = Field(None, alias="joinedAt", description="Default: in the team's first month.")


class ApiKeySpec(Spec):
    id: Identifier = Field(description="The key's own id (`api_...`), also the Basic-auth user name.")
    user_id: Identifier | None = Field(None, alias="userId", description="The `apiu_...` id it has in usage data.")
    name: str | None = None
    status: ApiKeyStatus = "active"
    secret: str | None = Field(None, description="The secret that authenticates it (Basic auth password).")
    projects: list[str] | None = Field(
        None, description="The projects its events go to (default: all); a project key reads only these."
    )
    scope: KeyScope = Field("team", description="`project`: reads only its projects' content, no team data.")
    role: str | None = Field(
        None, description="Team key: its team scopes (`;`-separated); project key: its role there (default editor)."
    )
    max_consumption: Cap | None = Field(None, alias="maxConsumption")
    created_at: TimeSpec = Field("-120d", alias="createdAt")
    revoked_at: TimeSpec | None = Field(
        None, alias="revokedAt", description="When an inactive or deleted key stopped working (default: -1d)."
    )


class ModelSpec(Spec):
    id: Identifier | None = None
    name: str | None = None
    short_description: str | Literal[False] | None = Field(
        None, alias="shortDescription", description="Default: generated; false: none."
    )


class CollectionSpec(Spec):
    id: Identifier | None = None
    name: str | None = None


class SpikeSpec(Spec):
    day: TimeSpec = Field(description="The UTC day of the spike (date, or relative such as `-3d`).")
    factor: float = Field(3.0, gt=0, le=MAX_SPIKE_FACTOR)


class GeneratorSpec(Spec):
    """A stream of activity: about `perWorkingDay` events each working day, spread over office hours."""

    actions: dict[Action, float] = Field(description="Actions and their relative weights.")
    # The world budget bounds the generators together (weekend factors and spikes included), with its own message.
    per_working_day: float = Field(
        alias="perWorkingDay",
        ge=0,
        description=f"Events each working day; all generators together make at most {MAX_EVENTS_PER_DAY} a day.",
        json_schema_extra={"maximum": MAX_EVENTS_PER_DAY},
    )
    weekend_factor: float = Field(0.15, alias="weekendFactor", ge=0)
    people: list[str] | Literal["all"] = "all"
    api_keys: list[str] = Field(default_factory=list, alias="apiKeys")
    api_key_share: float = Field(0.0, alias="apiKeyShare", ge=0, le=1)
    models: list[str] | Literal["all"] = "all"
    days: float = Field(31, gt=0, le=MAX_GENERATOR_DAYS, description="How far back before the clock the stream starts.")
    spikes: list[SpikeSpec] = Field(default_factory=list)
    job_type: JobType | None = Field(None, alias="jobType", description="Override the job type of its events.")
    discount_share: float = Field(0.05, alias="discountShare", ge=0, le=1)
    quality_gate_share: float = Field(0.3, alias="qualityGateShare", ge=0, le=1)
    nsfw_share: float = Field(0.03, alias="nsfwShare", ge=0, le=1)
    byok_share: float = Field(0.0, alias="byokShare", ge=0, le=1)
    fractional_costs: bool = Field(False, alias="fractionalCosts")
    cost_scale: float = Field(1.0, alias="costScale", gt=0, le=MAX_COST_SCALE)


class EventSpec(Spec):
    """One explicit activity event."""

    action: Action
    user: str = Field(description="A person id, or an API key (its `api_...` or `apiu_...` id).")
    time: TimeSpec
    project: str | None = Field(None, description="Default: the user's first project.")
    cost: float = Field(0, ge=0, description="Compute Units charged (`creativeUnitsCost`).")
    discount: float = Field(0, ge=0, description="Compute Units waived on this event.")
    model: str | None = None
    collection: str | None = None
    byok: bool = Field(False, description="Made with the team's own provider key (BYOK).")


class AssetSpec(Spec):
    """Assets uploaded or created by someone: one, or `count` of the same kind."""

    id: Identifier | None = Field(None, description="Only when count is 1.")
    kind: AssetKind = "image"
    count: int = Field(1, ge=1, le=MAX_ASSETS)
    owner: str | None = Field(None, description="Who created them (default: the first person).")
    project: str | None = None
    created_at: TimeSpec = Field("-7d", alias="createdAt")
    minimal: bool = Field(False, description="Properties hold only the required `size`.")


class FlowNodeSpec(Spec):
    """A node of a workflow job's flow."""

    id: Identifier
    type: NodeType
    status: NodeStatus = "success"
    depends_on: list[str] = Field(default_factory=list, alias="dependsOn")
    model: str | None = Field(None, description="The model a model or custom-model node runs.")
    iterations: int | None = Field(
        None, ge=0, le=MAX_ITERATIONS, description="For-each nodes: a fixed number of iterations."
    )
    loop_body: list[str] | None = Field(None, alias="loopBody", description="For-each nodes: the body's node ids.")
    logic: Literal["if-else"] | None = Field(None, description="Logic nodes: the kind of logic.")


class ProgressStep(Spec):
    """From `after` (a duration since the job's time) on, the job has this status."""

    after: str = Field(description="Duration since the job started, such as `30s`, `2m`.")
    status: JobStatus


class JobSpec(Spec):
    """An explicit job, shown in activity as one event by its owner."""

    id: Identifier | None = None
    job_type: JobType = Field(alias="jobType")
    status: JobStatus = "success"
    owner: str = Field(description="A person id, or an API key id.")
    time: TimeSpec = "-1h"
    project: str | None = None
    model: str | None = None
    action: Action | None = Field(None, description="The activity action (default from the job type).")
    cost: float = Field(0, ge=0)
    error: str | None = Field(None, description="The error of a failed job (default: generated).")
    flow: list[FlowNodeSpec] | None = Field(None, description="Workflow jobs: the nodes (default: a template).")
    progress: list[ProgressStep] | None = Field(
        None, description="Statuses the job moves through as the clock advances (then `status` is its first one)."
    )


class OneShotSpec(Spec):
    """A one-shot purchase of Compute Units, listed by `teams.retrieve_limits` until it expires."""

    amount: float = Field(1000, gt=0, description="Compute Units bought.")
    at: TimeSpec = Field("-10d", description="When they were bought.")
    expires_in: str | None = Field(
        None, alias="expiresIn", description="Duration from `at` to the expiration, such as `90d` (default: 365d)."
    )
    expiration: TimeSpec | None = Field(None, description="The expiration instant (instead of expiresIn).")
    remaining: float | None = Field(
        None, ge=0, description="CU left (default: the amount, less the period's use beyond the plan)."
    )


class BillingSpec(Spec):
    """The plan and billing period behind `teams.retrieve_limits` and every `consumption` of `teams.retrieve`."""

    start_day: int | None = Field(
        None, alias="startDay", ge=1, le=28, description="Day of the month a period starts (default: a calendar month)."
    )
    plan: Plan = "cu-team"
    creative_units: float | None = Field(
        None, alias="creativeUnits", ge=0, description="Compute Units of the plan per period (default: the plan's)."
    )
    one_shot: list[OneShotSpec] = Field(default_factory=list, alias="oneShot")
    default_max_consumption: Cap | None = Field(
        None, alias="defaultMaxConsumption", description="Team default CU cap per member (absent: uncapped)."
    )


class ByokSpec(Spec):
    id: str
    display_name: str = Field(alias="displayName")


class RecordedEventSpec(Spec):
    """One event exactly as a capture shows it (or as `mockserver import` made it up to match the series): nothing
    about it is derived, defaulted from the catalog or checked against who was active when."""

    time: str = Field(description="ISO 8601 instant (milliseconds kept).")
    action: Action
    user: str = Field(description="A person id, or an API key's `apiu_...` id.")
    project: str
    cost: float = Field(0, ge=0, description="Compute Units charged (`creativeUnitsCost`).")
    discount: float = Field(0, ge=0, description="Compute Units waived.")
    model: str | None = None
    collection: str | None = None
    job: str | None = Field(None, description="The job id (`data.jobId`); needs jobType.")
    job_type: JobType | None = Field(None, alias="jobType")
    job_status: JobStatus = Field("success", alias="jobStatus")
    asset: str | None = Field(None, description="The asset id (`data.assetId`).")
    asset_kind: AssetKind = Field("image", alias="assetKind")
    asset_source: str | None = Field(None, alias="assetSource")
    asset_type: str | None = Field(None, alias="assetType")
    created: bool = Field(False, description="The event created its asset (counted in assetUsages).")
    # The contract's own Literal: Python caches `X | None` by the Literal's set of values, so a second spelling in
    # another order would share one cached union, and the documents' enum order would follow the import order.
    verdict: QualityGateVerdict | None = Field(None, description="The quality gate's verdict.")
    quality_gate_cost: float = Field(0, ge=0, alias="qualityGateCost", description="Part of `cost` for the gate.")
    nsfw: str | None = Field(None, description="The NSFW label of its asset (one of nsfwLabels).")
    byok: ByokSpec | None = None


class RecordedSpec(Spec):
    """What captures showed verbatim (written by `mockserver import`): events, and entity bodies by id."""

    events: list[RecordedEventSpec] = Field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="`entities.jobs[]` bodies by job id, served as they are."
    )
    assets: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="`entities.assets[]` bodies by asset id, served as they are."
    )


class ActivitySpec(Spec):
    generators: list[GeneratorSpec] = Field(default_factory=list)
    events: list[EventSpec] = Field(default_factory=list)


class Scenario(Spec):
    """A world: who is in the team, what they own, and the activity from which every response is derived."""

    name: Identifier = "default"
    description: str = ""
    seed: int = 0
    clock: ClockSpec = ClockSpec.model_validate({})
    contract: str | None = Field(
        None, description="Pin responses to the contract of this published scenario-sdk version, e.g. `2.0.0`."
    )
    drift: bool = Field(False, description="Mix in enum values and keys newer than the pinned contract.")
    settings: SettingsSpec = SettingsSpec.model_validate({})
    team: TeamSpec = TeamSpec.model_validate({})
    billing: BillingSpec = BillingSpec.model_validate({})
    projects: list[ProjectSpec] | int = 3
    people: list[PersonSpec] | int = 12
    api_keys: list[ApiKeySpec] = Field(default_factory=list, alias="apiKeys")
    models: list[ModelSpec] | int = 8
    collections: list[CollectionSpec] | int = 4
    nsfw_labels: list[str] = Field(
        default_factory=lambda: ["explicit-nudity", "suggestive", "violence"],
        alias="nsfwLabels",
        max_length=MAX_NSFW_LABELS,
    )

    @field_validator("nsfw_labels")
    @classmethod
    def _distinct_labels(cls, labels: list[str]) -> list[str]:
        for label in labels:
            if not 0 < len(label) <= 200:
                raise ValueError(f"a label has 1 to 200 characters; found one of {len(label)}")
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ValueError(f"each label is one row of nsfwUsages: {repeated[0]!r} is listed more than once")
        return labels

    faults: list[FaultRule] = Field(
        default_factory=list, description="Fault rules for this world's requests: errors, 429s, latency, resets."
    )
    assets: list[AssetSpec] = Field(default_factory=list)
    jobs: list[JobSpec] = Field(default_factory=list)
    activity: ActivitySpec = ActivitySpec()
    recorded: RecordedSpec = Field(
        RecordedSpec(), description="Events and entities exactly as captured (`mockserver import` writes it)."
    )
