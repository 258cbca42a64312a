"""The fixed members of a world: team, projects, people, API keys, models and collections."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Invitation:
    email: str
    role: str  # `TeamRole`
    status: str  # `InvitationStatus`
    created_at: int
    projects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Team:
    """The team and the settings `teams.retrieve` shows (defaults: a shared team created `created_at`)."""

    id: str
    name: str
    created_at: int = 0
    type: str = "shared"  # `TeamType`
    avatar_asset_id: str | None = None
    avatar_url: str | None = None
    ip_detection_enforcement: str = "disabled"
    quality_gate_auto_detect: bool = False
    payment_status: str = "succeeded"
    subscription_status: str = "active"
    invitations: tuple[Invitation, ...] = ()


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    created_at: int = 0
    description: str | None = None
    privacy_mode: bool = False
    max_consumption: float | None = None  # CU cap per billing period (None: none)


@dataclass(frozen=True, slots=True)
class Person:
    """A member of the team; `left_at` (epoch ms) once they left the platform."""

    id: str
    full_name: str
    email: str
    avatar_asset_id: str | None
    avatar_url: str | None
    left_at: int | None
    projects: tuple[str, ...]
    role: str = "member"  # team role (`TeamRole`: `admin` or `member`)
    max_consumption: float | None = None  # CU cap per billing period (None: the team default, or none)
    created_at: int | None = None  # joined the team (None: when the world starts)

    is_api_key = False

    def active_at(self, t: int) -> bool:
        return self.left_at is None or t < self.left_at

    def entity(self, now: int) -> dict[str, object]:
        """The `entities.users[]` entry: people who left keep only their id."""
        if self.left_at is not None and self.left_at <= now:
            return {"id": self.id, "isApiKey": False}
        user: dict[str, object] = {
            "id": self.id,
            "isApiKey": False,
            "fullName": self.full_name,
            "email": self.email,
        }
        if self.avatar_url is not None:
            user["avatar"] = {"assetId": self.avatar_asset_id, "url": self.avatar_url}
        return user


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key: `id` is the key (`api_...`), `user_id` the `apiu_...` id its events carry."""

    id: str
    user_id: str
    name: str
    status: str
    secret: str | None
    projects: tuple[str, ...]
    created_at: int
    revoked_at: int | None
    scope: str = "team"  # `team`, or `project`: it reads only its `projects`' content and no team data
    max_consumption: float | None = None  # CU cap per billing period (None: none)
    role: str | None = None  # team key: its team scopes; project key: its role on its projects

    is_api_key = True

    def active_at(self, t: int) -> bool:
        return self.created_at <= t and (self.revoked_at is None or t < self.revoked_at)

    def entity(self, now: int) -> dict[str, object]:
        return {"id": self.user_id, "isApiKey": True, "apiKeyId": self.id, "apiKeyStatus": self.status}


@dataclass(frozen=True, slots=True)
class Model:
    id: str
    name: str
    short_description: str | None

    def entity(self) -> dict[str, object]:
        model: dict[str, object] = {"id": self.id, "name": self.name}
        if self.short_description is not None:
            model["shortDescription"] = self.short_description
        return model


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    name: str

    def entity(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name}
