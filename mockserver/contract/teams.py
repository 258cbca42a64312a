"""The 200 bodies of `GET /teams` (`TeamListResponse`), `GET /teams/{teamId}` (`TeamRetrieveResponse`) and
`GET /teams/{teamId}/limits` (`TeamLimitsResponse`), with the avatar, key and settings shapes projects reuse."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mockserver.contract.base import WireModel
from mockserver.contract.read_enums import (
    InvitationStatus,
    IpDetectionEnforcement,
    KeyScope,
    MemberKeyStatus,
    PaymentStatus,
    Plan,
    SubscriptionStatus,
    TeamRole,
    TeamType,
)

# --- shapes shared with projects ---------------------------------------------------------------------------


class Avatar(WireModel):
    """The picture of a team, project or person: an asset, or a free URL."""

    asset_id: str | None = Field(default=None, description="Asset used as thumbnail, if any.")
    url: str | None = Field(default=None, description="Signed URL of the asset, or a free URL without one.")


class HomepageSettings(WireModel):
    """Settings of a team or project (returned by its `GET`, absent from lists)."""

    homepage: dict[str, Any] | None = Field(default=None, description="Published homepage layout.")


class KeyProject(WireModel):
    """A project a `project`-scoped API key has access to, with its role there."""

    project_id: str = Field(description="The project the key has a role on.")
    role: str = Field(description="Built-in role (`admin`, `editor`, `reader`) or a `;`-separated scope list.")


class MemberKey(WireModel):
    """An API key as a team or project lists it (deleted keys are not listed)."""

    id: str = Field(description="The key's member id (its API user id, `apiu_...`), as `/usages` names it.")
    api_key_id: str = Field(description="The API key id (`api_...`).")
    api_key_status: MemberKeyStatus = Field(description="Whether the key works.")
    created_at: str = Field(description="Creation date, ISO 8601.")
    name: str = Field(description="The key's name.")
    scope: KeyScope = Field(description="`team` for team-scoped keys, `project` for project-scoped keys.")
    updated_at: str = Field(description="Last update date, ISO 8601.")
    author_id: str | None = Field(default=None, description="Member who created the key: a person or an `apiu_...`.")
    consumption: float | None = Field(default=None, description="CU used by this key over the billing period.")
    last_used_at: str | None = Field(default=None, description="Last authentication with the key; absent if never.")
    max_consumption: float | None = Field(default=None, description="The key's CU cap for the period; absent if none.")
    owner_id: str | None = Field(default=None, description="Project key: the project it was created on.")
    projects: list[KeyProject] | None = Field(default=None, description="Project key: its projects and roles.")


# --- teams -------------------------------------------------------------------------------------------------


class TeamByok(WireModel):
    """BYOK pricing override (admins only)."""

    markup_multiplier: float = Field(description="Multiplier applied to the provider's price.")
    updated_at: str | None = Field(default=None, description="Last update, ISO 8601; legacy rows may lack it.")
    updated_by: str | None = Field(default=None, description="Display name of who last updated the markup.")


class TeamProject(WireModel):
    """A project as its team lists it."""

    id: str = Field(description="Project id.")
    created_at: str = Field(description="Creation date, ISO 8601.")
    name: str = Field(description="Project name.")
    updated_at: str = Field(description="Last update date, ISO 8601.")
    avatar: Avatar | None = Field(default=None, description="The project's avatar.")
    disable_ip_detection: bool | None = Field(default=None, description="IP detection is off for this project.")
    quality_gate_auto_detect: bool | None = Field(default=None, description="Quality Gate auto-detection runs here.")


class TeamBase(WireModel):
    """What the teams list and a single team both show."""

    id: str = Field(description="Team id.")
    created_at: str = Field(description="Creation date, ISO 8601.")
    name: str = Field(description="Team name.")
    plan: Plan = Field(description="The team's plan.")
    projects: list[TeamProject] = Field(description="Projects of the team.")
    type: TeamType = Field(description="`personal` or `shared`.")
    updated_at: str = Field(description="Last update date, ISO 8601.")
    avatar: Avatar | None = Field(default=None, description="The team's avatar.")
    byok: TeamByok | None = Field(default=None, description="BYOK pricing override; admins only.")
    default_user_max_consumption: float | None = Field(
        default=None, description="Team-wide default CU cap per member over the billing period; absent if none."
    )
    ip_detection_enforcement: IpDetectionEnforcement | None = Field(
        default=None, description="IP detection posture: `disabled`, `active-fail-open` or `active-fail-closed`."
    )
    quality_gate_auto_detect: bool | None = Field(default=None, description="Quality Gate auto-detection default.")


class TeamContext(WireModel):
    """The team as the caller sees it."""

    invitations_count: float = Field(description="Invitations on this team.")
    keys_count: float = Field(description="API keys on this team.")
    user_role: TeamRole = Field(description="The caller's role in this team.")
    users_count: float = Field(description="Members of this team.")


class TeamSummary(TeamBase):
    """A team in the teams list."""

    context: TeamContext = Field(description="The team for the caller: role and counts.")


class TeamListResponse(WireModel):
    """The 200 body of `GET /teams` (not paginated)."""

    teams: list[TeamSummary] = Field(description="The teams the caller belongs to.")


class TeamInvitation(WireModel):
    """An invitation to join the team."""

    created_at: str = Field(description="Creation date, ISO 8601.")
    email: str = Field(description="The invited person's e-mail.")
    role: TeamRole = Field(description="Role the invited person gets.")
    status: InvitationStatus = Field(description="State of the invitation.")
    url: str = Field(description="Link that accepts the invitation, as sent by e-mail.")
    project_ids: list[str] | None = Field(default=None, description="Projects the person is invited to.")


class TeamKey(MemberKey):
    """An API key of the team."""

    role: str | None = Field(default=None, description="Team key: its team scopes, `;`-separated.")


class TeamUser(WireModel):
    """A member of the team (people who left are not members)."""

    id: str = Field(description="User id, as `/usages` names it.")
    created_at: str = Field(description="Creation date, ISO 8601.")
    email: str = Field(description="E-mail address.")
    role: TeamRole = Field(description="Role in the team.")
    updated_at: str = Field(description="Last update date, ISO 8601.")
    avatar: Avatar | None = Field(default=None, description="The person's avatar.")
    consumption: float | None = Field(default=None, description="CU used by this member over the billing period.")
    max_consumption: float | None = Field(
        default=None, description="The member's CU cap for the period; absent if none."
    )


class SearchIndex(WireModel):
    """A pair of search indexes."""

    private: str = Field(description="The team's private search index.")
    public: str = Field(description="The team's public search index.")


class TeamSearchIndexes(WireModel):
    """The team's search indexes."""

    assets: SearchIndex = Field(description="Indexes of assets.")
    models: SearchIndex = Field(description="Indexes of models.")
    workflows: SearchIndex = Field(description="Indexes of workflows.")


class Team(TeamBase):
    """A team with its members, keys and invitations (`GET /teams/{teamId}`)."""

    invitations: list[TeamInvitation] = Field(description="Pending invitations.")
    keys: list[TeamKey] = Field(description="The team's API keys.")
    payment_status: PaymentStatus = Field(description="Whether the last payment went through.")
    search_host: str = Field(description="The team's search host.")
    search_indexes: TeamSearchIndexes = Field(description="The team's search indexes.")
    users: list[TeamUser] = Field(description="Members and their roles.")
    settings: HomepageSettings | None = Field(default=None, description="Team settings; absent from the teams list.")
    subscription_status: SubscriptionStatus | None = Field(default=None, description="State of the subscription.")


class TeamRetrieveResponse(WireModel):
    """The 200 body of `GET /teams/{teamId}`."""

    team: Team = Field(description="The team.")


# --- limits ------------------------------------------------------------------------------------------------


class PlanLimits(WireModel):
    """The limits of the team's plan."""

    api_keys: float = Field(description="API keys allowed.")
    canvas_asset_layers: float = Field(description="Layers allowed per canvas asset.")
    canvas_assets: float = Field(description="Canvas assets allowed.")
    collections: float = Field(description="Collections allowed.")
    creative_units: float = Field(description="Compute Units of the plan per billing period.")
    default_seats: float = Field(description="Seats included in the plan.")
    download_assets: float = Field(description="Assets downloadable at once.")
    download_model: float = Field(description="Model downloads allowed.")
    inference_batch_size: float = Field(description="Largest inference batch.")
    max_cooldown: float = Field(description="Longest cooldown applied when over the limit.")
    max_training_datasets: float = Field(description="Training datasets allowed.")
    min_cooldown: float = Field(description="Shortest cooldown applied when over the limit.")
    models: float = Field(description="Models a project can have.")
    otp_sessions: float = Field(alias="OTPSessions", description="One-time-password sessions allowed.")
    parallel_custom_jobs: float = Field(description="Custom jobs run in parallel.")
    parallel_inferences: float = Field(description="Inferences run in parallel.")
    parallel_training: float = Field(description="Trainings run in parallel.")
    parallel_workflow_runs: float = Field(description="Workflow runs in parallel.")
    premium_generation_samples: float = Field(description="Premium generation samples allowed.")
    projects: float = Field(description="Projects a team can have.")
    scaling_factor: float = Field(description="Scaling factor of the plan.")
    seats: float = Field(description="Seats of the team.")
    snapshots_retention: float = Field(description="How long snapshots are kept.")
    upload: float = Field(description="Uploads allowed.")


class OneShotCreativeUnits(WireModel):
    """A one-shot purchase of Compute Units."""

    amount: float = Field(description="Compute Units bought.")
    created_at: str = Field(description="Purchase date, ISO 8601.")
    expiration: str = Field(description="Expiration date, ISO 8601.")
    remaining: float = Field(description="Compute Units still available.")
    updated_at: str = Field(description="Last use date, ISO 8601.")


class BillingPeriod(WireModel):
    """The current billing period."""

    end: str = Field(description="End of the period, ISO 8601.")
    start: str = Field(description="Start of the period, ISO 8601.")


class LimitValues(WireModel):
    """The current value of each counted limit in the billing period."""

    api_keys: float = Field(description="API keys of the team.")
    canvas_assets: float = Field(description="Canvas assets of the team.")
    collections: float = Field(description="Collections of the team.")
    creative_units: float = Field(description="Compute Units consumed since the period started.")
    projects: float = Field(description="Projects of the team.")
    seats: float = Field(description="Members of the team.")


class TeamLimitsResponse(WireModel):
    """The 200 body of `GET /teams/{teamId}/limits`."""

    limits: PlanLimits = Field(description="The limits of the plan.")
    one_shot_creative_units: list[OneShotCreativeUnits] = Field(
        description="One-shot Compute Units purchases; empty when there are none."
    )
    period: BillingPeriod = Field(description="The current billing period.")
    plan: Plan = Field(description="The team's plan.")
    values: LimitValues = Field(description="The current value of each counted limit.")
