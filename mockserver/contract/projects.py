"""The 200 bodies of `GET /projects` (`ProjectListResponse`, paginated) and `GET /projects/{projectId}`
(`ProjectRetrieveResponse`): a project with its members and keys."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from mockserver.contract.base import WireModel
from mockserver.contract.lists import QueryReader
from mockserver.contract.teams import Avatar, HomepageSettings, MemberKey

_ROLE = "Built-in project role (`admin`, `editor`, `reader`) or a `;`-separated scope list."


class ProjectKey(MemberKey):
    """An API key with a role on the project."""

    role: str = Field(description=_ROLE)


class ProjectUser(WireModel):
    """A person with a role on the project."""

    id: str = Field(description="User id, as `/usages` names it.")
    created_at: str = Field(description="Creation date, ISO 8601.")
    email: str = Field(description="E-mail address.")
    role: str = Field(description=_ROLE)
    updated_at: str = Field(description="Last update date, ISO 8601.")
    avatar: Avatar | None = Field(default=None, description="The person's avatar.")
    consumption: float | None = Field(default=None, description="CU used by this member over the billing period.")
    max_consumption: float | None = Field(
        default=None, description="The member's CU cap for the period; absent if none."
    )


class Project(WireModel):
    """A project of the team (the same shape in the list and on its own)."""

    id: str = Field(description="Project id.")
    created_at: str = Field(description="Creation date, ISO 8601.")
    keys: list[ProjectKey] = Field(description="API keys with a role on the project.")
    name: str = Field(description="Project name.")
    privacy_mode: bool = Field(description="Members see only their own generated assets (admins see all).")
    team_id: str = Field(description="The team owning the project.")
    updated_at: str = Field(description="Last update date, ISO 8601.")
    users: list[ProjectUser] = Field(description="People with a role on the project.")
    avatar: Avatar | None = Field(default=None, description="The project's avatar.")
    consumption: float | None = Field(default=None, description="CU used in this project over the billing period.")
    description: str | None = Field(default=None, description="Markdown description; single-project GET only.")
    description_date: str | None = Field(default=None, description="When the description last changed, ISO 8601.")
    disable_ip_detection: bool | None = Field(
        default=None, description="IP detection is off for this project; absent means the team posture applies."
    )
    max_consumption: float | None = Field(
        default=None, description="The project's CU cap for the period; absent if none."
    )
    quality_gate_auto_detect: bool | None = Field(default=None, description="Quality Gate auto-detection runs here.")
    settings: HomepageSettings | None = Field(default=None, description="Project settings; absent from the list.")


class ProjectListResponse(WireModel):
    """The 200 body of `GET /projects`: one page, newest first."""

    projects: list[Project] = Field(description="The page's projects.")
    next_pagination_token: str | None = Field(default=None, description="Token of the next page; absent on the last.")


class ProjectRetrieveResponse(WireModel):
    """The 200 body of `GET /projects/{projectId}`."""

    project: Project = Field(description="The project.")


@dataclass(frozen=True, slots=True)
class ProjectListQuery:
    """The filters of `GET /projects` (the page itself is read apart: `QueryReader.page`)."""

    team_id: str | None = None


def parse_project_list_query(reader: QueryReader) -> ProjectListQuery:
    """The typed query of `GET /projects`: `teamId` (the other parameters are the page's)."""
    return ProjectListQuery(team_id=reader.text("teamId"))
