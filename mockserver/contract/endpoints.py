"""The API's endpoints by SDK call name (`jobs.retrieve`; `usages.list` for `/usages`) and their paths under `/v1`."""

from __future__ import annotations

from typing import Literal, get_args

EndpointName = Literal[
    "usages.list",
    "teams.list",
    "teams.retrieve",
    "teams.retrieve_limits",
    "projects.list",
    "projects.retrieve",
    "jobs.list",
    "jobs.retrieve",
    "assets.list",
    "assets.retrieve",
    "models.list",
    "models.retrieve",
    "collections.list",
    "collections.retrieve",
]
# The path of each endpoint under `/v1`: the one table of the API's routes (`mockserver.api.read` serves these).
ENDPOINT_PATHS: dict[EndpointName, str] = {
    "usages.list": "/usages",
    "teams.list": "/teams",
    "teams.retrieve": "/teams/{id}",
    "teams.retrieve_limits": "/teams/{id}/limits",
    "projects.list": "/projects",
    "projects.retrieve": "/projects/{id}",
    "jobs.list": "/jobs",
    "jobs.retrieve": "/jobs/{id}",
    "assets.list": "/assets",
    "assets.retrieve": "/assets/{id}",
    "models.list": "/models",
    "models.retrieve": "/models/{id}",
    "collections.list": "/collections",
    "collections.retrieve": "/collections/{id}",
}
ENDPOINT_NAMES: tuple[str, ...] = get_args(EndpointName)
