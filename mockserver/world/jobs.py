"""Jobs as the read endpoints show them: jobs.list and jobs.retrieve, derived from the activity's events."""

from __future__ import annotations

from typing import Any

from mockserver.errors import NotFoundError
from mockserver.world.access import ReadContext
from mockserver.world.world import World


def list_jobs(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)


def retrieve_job(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)
