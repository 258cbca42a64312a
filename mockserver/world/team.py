"""The team's own data: teams.list, teams.retrieve, teams.retrieve_limits, projects.list, projects.retrieve."""

from __future__ import annotations

from typing import Any

from mockserver.errors import NotFoundError
from mockserver.world.access import ReadContext
from mockserver.world.world import World


def list_teams(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)


def retrieve_team(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)


def retrieve_limits(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)


def list_projects(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)


def retrieve_project(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)
