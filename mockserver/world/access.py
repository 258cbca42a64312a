"""What a caller of the read endpoints may see (key scope), and the context a read view is asked in."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.contract.lists import QueryReader
from mockserver.errors import ForbiddenError
from mockserver.world.entities import ApiKey


@dataclass(frozen=True, slots=True)
class Access:
    """The caller: a declared key (or None for undeclared credentials) and the projects whose content it reads."""

    key: ApiKey | None = None
    projects: frozenset[str] | None = None  # None: every project (team keys, undeclared credentials)

    @property
    def team(self) -> bool:
        """Whether the caller may read team data (`/teams/...`)."""
        return self.projects is None

    def sees(self, project: str | None) -> bool:
        """Whether content owned by `project` is visible (team-owned content, `None`, only to team callers)."""
        return self.projects is None or (project is not None and project in self.projects)

    def require_team(self) -> None:
        if not self.team:
            raise ForbiddenError("This API key is scoped to projects: team data needs a team-scoped key")


def access_of(key: ApiKey | None) -> Access:
    """The access of a caller authenticated as `key`."""
    if key is None or key.scope != "project":
        return Access(key)
    return Access(key, frozenset(key.projects))


@dataclass(frozen=True, slots=True)
class ReadContext:
    """One read request as a view sees it: the instant, the caller, the path id (if any) and the query."""

    now: int
    access: Access
    query: QueryReader
    id: str | None = None

    @property
    def lenient(self) -> bool:
        return self.query.lenient
