"""Helpers of the models and collections read tests: clients per scenario, what `/usages` names, the worlds."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx
from scenario_sdk import Scenario

from mockserver.settings import Settings
from mockserver.world.world import World
from mockserver.worlds import SCENARIO_HEADER, Worlds
from tests.conftest import BASIC, NOW, LiveServer

SCENARIOS = ("default", "edge-cases", "empty-team", "heavy-usage", "revoked-keys", "workflow-jobs")
ERROR_KEYS = {"reason", "message", "code", "traceId"}


@cache
def worlds() -> Worlds:
    """The shipped worlds at the tests' instant, built apart from the server's (the same seeds: the same worlds)."""
    return Worlds(Settings(now=NOW, log_requests=False))


def world(name: str) -> World:
    return worlds().get(name)


def sdk(live_server: LiveServer, scenario: str = "default") -> Scenario:
    """A strict SDK client of one scenario."""
    return Scenario(
        base_url=live_server.base_url,
        api_key="test-key",
        api_secret="test-secret",
        max_retries=0,
        default_headers={SCENARIO_HEADER: scenario},
        _strict_response_validation=True,
    )


def raw(live_server: LiveServer, scenario: str = "default") -> httpx.Client:
    """A plain httpx client of one scenario, on `/v1`."""
    return httpx.Client(base_url=live_server.base_url, headers={**BASIC, SCENARIO_HEADER: scenario}, timeout=60)


def usages_names(http: httpx.Client, pages: int = 3) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The models (id -> entity) and collections (id -> name) `/usages` names over 31 days (a few activity pages)."""
    models: dict[str, dict[str, Any]] = {}
    collections: dict[str, str] = {}
    for page in range(pages):
        params = [
            ("timeRange", "last-thirty-one-days"),
            ("type", "activity"),
            ("type", "model-usages"),
            ("activityOffset", str(100 * page)),
        ]
        response = http.get("/usages", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        for entity in body["entities"]["models"]:
            models[entity["id"]] = entity
        for row in body.get("modelUsages", ()):
            models.setdefault(row["modelId"], {"id": row["modelId"]})
        for entity in body["entities"]["collections"]:
            collections[entity["id"]] = entity["name"]
    return models, collections


def walk(http: httpx.Client, path: str, key: str, sizes: Iterator[int], **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, page by page with the page sizes `sizes` gives (the token carried along)."""
    items: list[dict[str, Any]] = []
    token = None
    while True:
        query = {**params, "pageSize": next(sizes)}
        if token is not None:
            query["paginationToken"] = token
        response = http.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body[key])
        token = body.get("nextPaginationToken")
        if token is None:
            return items
