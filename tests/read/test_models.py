"""`models.retrieve` and `models.list` through the SDK (strict) and httpx: every model `/usages` names is
retrievable and agrees, bodies validate with the contract, walks never skip or repeat, the filters filter, the 400s,
key scope, `--lenient`."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_sdk import AsyncScenario, DefaultAioHttpClient

from mockserver.contract.ai_models import ModelListResponse, ModelRetrieveResponse
from mockserver.contract.lists import QueryReader
from mockserver.errors import NotFoundError
from mockserver.settings import Settings
from mockserver.world import ai_models
from mockserver.world.access import Access, ReadContext, access_of
from mockserver.world.clock import format_ms
from mockserver.world.entities import ApiKey
from mockserver.world.membership import model_collections
from mockserver.world.timeline import Event
from mockserver.world.world import World
from mockserver.worlds import SCENARIO_HEADER
from tests.conftest import BASIC, NOW, LiveServer, serving
from tests.read.library_support import ERROR_KEYS, SCENARIOS, raw, sdk, usages_names, walk, world

MINUTE = 60_000


def all_models(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    return walk(http, "/models", "models", itertools.repeat(100), **params)


def expected_statuses(w: World, now: int) -> dict[str, str]:
    """The rule, from a plain walk of the whole activity: each model's latest training event decides."""
    latest: dict[str, Event] = {}
    for event in w.events(w.start, now + 1):
        if event.model is not None and (
            event.action in ("start-train", "train-succeeded") or event.job_type == "model-training"
        ):
            latest[event.model] = event
    statuses = {}
    for model in w.models:
        event = latest.get(model.id)
        status = "success" if event is None or event.job is None else w.job_status(event, now)
        statuses[model.id] = _SHOWN.get(status, "training")
    return statuses


_SHOWN = {"success": "trained", "failure": "failed", "canceled": "training-canceled"}


# -- one world, many views -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_model_usages_names_is_retrievable_and_agrees(live_server: LiveServer, scenario: str) -> None:
    client = sdk(live_server, scenario)
    with raw(live_server, scenario) as http:
        named, _ = usages_names(http)
        w = world(scenario)
        assert set(named) == {m.id for m in w.models}  # modelUsages names every model of the world
        listed = {m["id"]: m for m in all_models(http)}
        assert set(listed) == set(named)
        for model_id, entity in named.items():
            body = http.get(f"/models/{model_id}").json()
            ModelRetrieveResponse.model_validate(body)
            model = client.models.retrieve(model_id).model
            assert model.id == model_id
            assert model.name == w.models_by_id[model_id].name
            if "name" in entity:
                assert model.name == entity["name"]
                assert model.short_description == entity.get("shortDescription")
            assert body["model"] == listed[model_id]
            assert model.collection_ids == list(model_collections(w, model_id))
            assert model.created_at < model.updated_at <= format_ms(NOW)
            assert model.created_at < format_ms(w.start)  # before the first event that could use it


@pytest.mark.parametrize("scenario", ["default", "heavy-usage"])
def test_status_follows_the_latest_training_event(live_server: LiveServer, scenario: str) -> None:
    w = world(scenario)
    expected = expected_statuses(w, NOW)
    with raw(live_server, scenario) as http:
        for model in all_models(http):
            assert model["status"] == expected[model["id"]], model["id"]
            if model["status"] == "training":
                assert 0 <= model["trainingProgress"]["progress"] < 1
                assert model["trainingProgress"]["startedAt"] <= NOW
            if model["status"] == "trained":
                assert model["trainingStats"]["endedAt"] <= model["updatedAt"]


def list_models(w: World, ctx: ReadContext) -> dict[str, Any]:
    # The view's body as served: a listed model may be serialised already (an `orjson.Fragment`).
    body: dict[str, Any] = orjson.loads(orjson.dumps(ai_models.list_models(w, ctx)))
    return body


def test_statuses_move_with_the_clock() -> None:
    # The status a view gives at any instant equals the plain walk's, including hours the running tally skips.
    w = world("default")
    moments = [NOW - 20 * 24 * 60 * MINUTE + i * 7 * 3_600_000 + 1234 for i in range(0, 60, 7)]
    for now in moments:
        body = list_models(w, ReadContext(now, Access(), QueryReader([("pageSize", "100")])))
        expected = expected_statuses(w, now)
        for model in body["models"]:
            assert model["status"] == expected[model["id"]], (model["id"], now)


def test_same_request_same_bytes(live_server: LiveServer) -> None:
    with raw(live_server, "heavy-usage") as http:
        first = http.get("/models", params={"pageSize": 7, "sortBy": "updatedAt"})
        second = http.get("/models", params={"pageSize": 7, "sortBy": "updatedAt"})
        assert first.content == second.content


# -- lists -----------------------------------------------------------------------------------------------------------
def test_sdk_auto_paging_yields_every_model_once_newest_first(live_server: LiveServer) -> None:
    client = sdk(live_server, "heavy-usage")
    ids = [m.id for m in client.models.list(page_size=37)]
    with raw(live_server, "heavy-usage") as http:
        whole = all_models(http)
    assert ids == [m["id"] for m in whole]
    assert len(set(ids)) == len(ids) == len(world("heavy-usage").models)
    keys = [(m["createdAt"], m["id"]) for m in whole]
    assert keys == sorted(keys, reverse=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=8), sort=st.sampled_from(["createdAt", "updatedAt"]))
def test_random_page_sizes_walk_each_model_once(live_server: LiveServer, sizes: list[int], sort: str) -> None:
    with raw(live_server) as http:
        whole = all_models(http, sortBy=sort)
        walked = walk(http, "/models", "models", itertools.cycle(sizes), sortBy=sort)
    assert [m["id"] for m in walked] == [m["id"] for m in whole]


@pytest.mark.parametrize("sort", ["createdAt", "updatedAt", "score"])
def test_sort_by_and_direction(live_server: LiveServer, sort: str) -> None:
    extra = {"privacy": "private", "status": "trained"} if sort == "score" else {}
    with raw(live_server, "heavy-usage") as http:
        down = all_models(http, sortBy=sort, **extra)
        up = all_models(http, sortBy=sort, sortDirection="asc", **extra)
    assert [m["id"] for m in up] == [m["id"] for m in reversed(down)]
    if sort != "score":
        keys = [(m[sort], m["id"]) for m in down]
        assert keys == sorted(keys, reverse=True)


def test_filters(live_server: LiveServer) -> None:
    w = world("heavy-usage")
    with raw(live_server, "heavy-usage") as http:
        everything = all_models(http)
        by_id = {m["id"]: m for m in everything}

        def ids(**params: Any) -> set[str]:
            return {m["id"] for m in all_models(http, **params)}

        statuses = {m["status"] for m in everything}
        assert {"trained", "training"} <= statuses
        for status in statuses:
            assert ids(status=status) == {i for i, m in by_id.items() if m["status"] == status}
        assert ids(status="deleted") == set() == ids(status="copying")
        types = sorted({m["type"] for m in everything})
        assert ids(type=types[0]) == {i for i, m in by_id.items() if m["type"] == types[0]}
        assert ids(types=",".join(types[:2])) == {i for i, m in by_id.items() if m["type"] in types[:2]}
        for collection in w.collections[:5]:
            expected = {i for i, m in by_id.items() if collection.id in m["collectionIds"]}
            assert ids(collectionId=collection.id) == expected
            assert ids(collectionIds=collection.id) == expected
        assert ids(privacy="public") == set()
        assert ids(privacy="private") == set(by_id)
        assert ids(blacklisted="true") == set(by_id) == ids(blacklisted="false")
        assert ids(tags="fantasy") == {i for i, m in by_id.items() if "fantasy" in m["tags"]}
        both = ids(tags="fantasy,ui")
        assert both and both == {i for i, m in by_id.items() if {"fantasy", "ui"} <= set(m["tags"])}
        project = w.projects[0].id
        assert ids(projectId=project) == {i for i, m in by_id.items() if m["ownerId"] == project}
        middle = sorted(m["createdAt"] for m in everything)[len(everything) // 2]
        assert ids(createdAfter=middle) == {i for i, m in by_id.items() if m["createdAt"] > middle}
        assert ids(createdBefore=middle, sortBy="createdAt") == {i for i, m in by_id.items() if m["createdAt"] < middle}
        recent = format_ms(NOW - 3 * 24 * 60 * MINUTE)
        assert ids(updatedAfter=recent, sortBy="updatedAt") == {i for i, m in by_id.items() if m["updatedAt"] > recent}
        assert ids(updatedBefore=recent, sortBy="updatedAt") == {i for i, m in by_id.items() if m["updatedAt"] < recent}
        used = {e.model for e in w.events(NOW - 15 * MINUTE + 1, NOW + 1) if e.model is not None}
        assert used
        assert ids(loadedOnly="true") == used
        assert ids(loadedOnly="false") == set(by_id)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        pytest.param({"type": "flux.1", "types": "flux.1-lora"}, '"type" and "types"', id="type-and-types"),
        pytest.param({"status": "sleeping"}, "status", id="bad-status"),
        pytest.param({"type": "sdxl"}, "type", id="bad-type"),
        pytest.param({"privacy": "unlisted"}, "privacy", id="bad-privacy"),
        pytest.param({"sortBy": "name"}, "sortBy", id="bad-sort"),
        pytest.param({"sortDirection": "up"}, "sortDirection", id="bad-direction"),
        pytest.param({"sortBy": "score"}, "privacy and status", id="score-needs-privacy-and-status"),
        pytest.param({"createdAfter": "2026-11-01", "sortBy": "updatedAt"}, "requires sortBy", id="created-sort"),
        pytest.param({"updatedAfter": "2026-11-01"}, "requires sortBy=updatedAt", id="updated-sort"),
        pytest.param({"createdAfter": "yesterday"}, "createdAfter", id="bad-date"),
        pytest.param({"loadedOnly": "maybe"}, "loadedOnly", id="bad-boolean"),
        pytest.param({"pageSize": "0"}, "pageSize", id="page-size-0"),
        pytest.param({"pageSize": "101"}, "pageSize", id="page-size-101"),
        pytest.param({"pageSize": "ten"}, "pageSize", id="page-size-text"),
        pytest.param({"paginationToken": "not-a-token"}, "paginationToken", id="bad-token"),
    ],
)
def test_bad_queries_are_400s_with_the_json_body(
    live_server: LiveServer, params: dict[str, str], fragment: str
) -> None:
    with raw(live_server) as http:
        response = http.get("/models", params=params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= ERROR_KEYS
    assert fragment in body["message"]


def test_a_token_belongs_to_its_query(live_server: LiveServer) -> None:
    with raw(live_server) as http:
        token = http.get("/models", params={"pageSize": 2}).json()["nextPaginationToken"]
        other = http.get("/models", params={"pageSize": 2, "paginationToken": token, "sortBy": "updatedAt"})
        assert other.status_code == 400
        assert "another query" in other.json()["message"]
        assert http.get("/models", params={"pageSize": 5, "paginationToken": token}).status_code == 200


def test_unknown_model_is_a_json_404(live_server: LiveServer) -> None:
    with raw(live_server) as http:
        response = http.get("/models/model_doesNotExist")
        assert response.status_code == 404
        assert set(response.json()) >= ERROR_KEYS
        model_id = world("default").models[0].id
        owner = http.get(f"/models/{model_id}").json()["model"]["ownerId"]
        other = next(p.id for p in world("default").projects if p.id != owner)
        assert http.get(f"/models/{model_id}", params={"projectId": owner}).status_code == 200
        assert http.get(f"/models/{model_id}", params={"projectId": other}).status_code == 404


# -- key scope -------------------------------------------------------------------------------------------------------
def project_access(w: World, project: str) -> Access:
    key = ApiKey("api_scopedKey", "apiu_scoped", "Scoped", "active", None, (project,), 0, None, scope="project")
    return access_of(key)


def test_a_project_key_sees_its_projects_models_only() -> None:
    w = world("heavy-usage")
    team = list_models(w, ReadContext(NOW, Access(), QueryReader([("pageSize", "100")])))
    owners = {m["ownerId"] for m in team["models"]}
    seen: set[str] = set()
    for project in w.projects:
        access = project_access(w, project.id)
        reader = QueryReader([("pageSize", "100")])
        body = list_models(w, ReadContext(NOW, access, reader))
        ModelListResponse.model_validate(body)
        assert body["models"] and {m["ownerId"] for m in body["models"]} == {project.id}
        assert "nextPaginationToken" not in body
        seen |= {m["id"] for m in body["models"]}
        assert project.id in owners
    assert seen == {m.id for m in w.models}
    model = w.models[0]
    owner = ai_models.model_owner(w, model.id)
    other = next(p.id for p in w.projects if p.id != owner)
    found = ai_models.retrieve_model(w, ReadContext(NOW, project_access(w, owner), QueryReader([]), model.id))
    assert found["model"]["id"] == model.id
    for lenient in (False, True):
        with pytest.raises(NotFoundError):
            ai_models.retrieve_model(
                w, ReadContext(NOW, project_access(w, other), QueryReader([], lenient=lenient), model.id)
            )


# -- --lenient, async, aiohttp ---------------------------------------------------------------------------------------
def test_lenient_answers_placeholder_ids_and_forgives_bad_values() -> None:
    lenient = Settings(now=NOW, log_requests=False, lenient=True)
    with serving(lenient) as url, httpx.Client(base_url=url + "/v1", headers=BASIC) as http:
        first = http.get("/models/modelId", params={"projectId": "projectId"})
        assert first.status_code == 200
        model = ModelRetrieveResponse.model_validate(first.json()).model
        assert (model.id, model.owner_id) == ("modelId", "projectId")
        assert first.content == http.get("/models/modelId", params={"projectId": "projectId"}).content
        response = http.get(
            "/models",
            params={"type": "flux.1", "types": "flux.1-lora", "pageSize": "0", "sortBy": "score", "x": "1"},
        )
        assert response.status_code == 200
        ModelListResponse.model_validate(response.json())


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
def test_async_clients_list_and_retrieve(live_server: LiveServer, kind: str) -> None:
    async def run() -> tuple[list[str], str]:
        async with AsyncScenario(
            base_url=live_server.base_url,
            api_key="k",
            api_secret="s",
            max_retries=0,
            default_headers={SCENARIO_HEADER: "default"},
            http_client=DefaultAioHttpClient() if kind == "aiohttp" else None,
            _strict_response_validation=True,
        ) as client:
            ids = [m.id async for m in client.models.list(page_size=4)]
            retrieved = await client.models.retrieve(ids[-1])
            return ids, retrieved.model.id

    ids, last = asyncio.run(run())
    assert ids == [m.id for m in sdk(live_server).models.list()]
    assert last == ids[-1]
