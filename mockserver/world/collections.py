"""Collections as the read endpoints show them: collections.list and collections.retrieve."""

from __future__ import annotations

from typing import Any

from mockserver.errors import NotFoundError
from mockserver.world.access import ReadContext
from mockserver.world.world import World


def list_collections(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)


def retrieve_collection(world: World, ctx: ReadContext) -> dict[str, Any]:
    raise NotFoundError("not served yet")  # TODO(issue 13)
