"""`collections.retrieve` and `collections.list` through the SDK (strict) and httpx: every collection `/usages` names
is retrievable and agrees, `assetCount`/`modelCount` equal independent counts over the world (and what `assets.list`
and `models.list` give), walks never skip or repeat, key scope, `--lenient`."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_sdk import AsyncScenario, DefaultAioHttpClient

from mockserver.contract.collections import CollectionListResponse, CollectionRetrieveResponse
from mockserver.contract.lists import QueryReader
from mockserver.errors import NotFoundError
from mockserver.generate.ids import make_id
from mockserver.settings import Settings
from mockserver.world import assets, collections
from mockserver.world.access import Access, ReadContext, access_of
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import format_ms
from mockserver.world.entities import ApiKey
from mockserver.world.membership import asset_collections, model_collections
from mockserver.world.timeline import ASSET_POOL
from mockserver.world.world import World
from mockserver.worlds import SCENARIO_HEADER
from tests.conftest import BASIC, NOW, LiveServer, serving
from tests.read.library_support import ERROR_KEYS, SCENARIOS, raw, sdk, usages_names, walk, world

DAY = 86_400_000


def all_collections(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    return walk(http, "/collections", "collections", itertools.repeat(100), **params)


def independent_asset_counts(w: World, now: int) -> Counter[str]:
    """Assets per collection for a team caller: created by events up to `now`, the pool of existing assets (in worlds
    whose generators act on one) and the people's avatars (both exist before the activity starts)."""
    counts: Counter[str] = Counter()
    for event in w.events(w.start, now + 1):
        if event.created and event.asset is not None:
            counts.update(asset_collections(w, event.asset))
    if any(CATALOG[name].references == "asset" for g in w.scenario.activity.generators for name in g.actions):
        for i in range(ASSET_POOL):
            counts.update(asset_collections(w, make_id("asset_", w.seed, "ref", i)))
    for person in w.people:
        if person.avatar_asset_id:
            counts.update(asset_collections(w, person.avatar_asset_id))
    return counts


def independent_model_counts(w: World) -> Counter[str]:
    return Counter(c for m in w.models for c in model_collections(w, m.id))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_collection_is_retrievable_agrees_and_counts(live_server: LiveServer, scenario: str) -> None:
    w = world(scenario)
    client = sdk(live_server, scenario)
    assets = independent_asset_counts(w, NOW)
    models = independent_model_counts(w)
    with raw(live_server, scenario) as http:
        _, named = usages_names(http)
        assert set(named) <= set(w.collections_by_id)
        listed = {c["id"]: c for c in all_collections(http)}
        assert set(listed) == set(w.collections_by_id)
        for collection in w.collections:
            body = http.get(f"/collections/{collection.id}").json()
            CollectionRetrieveResponse.model_validate(body)
            assert body["collection"] == listed[collection.id]
            got = client.collections.retrieve(collection.id).collection
            assert got.name == collection.name == named.get(collection.id, collection.name)
            assert got.asset_count == assets[collection.id]
            assert got.api_model_count == models[collection.id]
            assert got.item_count == got.asset_count + got.api_model_count
            assert got.created_at < format_ms(w.start) and got.created_at <= got.updated_at <= format_ms(NOW)


def test_model_count_equals_models_list(live_server: LiveServer) -> None:
    client = sdk(live_server, "heavy-usage")
    for collection in client.collections.list(page_size=15):
        in_it = list(client.models.list(collection_id=collection.id))
        assert collection.api_model_count == len(in_it)
        assert all(collection.id in m.collection_ids for m in in_it)


@pytest.mark.parametrize("scenario", ["default", "edge-cases", "revoked-keys", "workflow-jobs"])
def test_asset_count_equals_assets_list(live_server: LiveServer, scenario: str) -> None:
    with raw(live_server, scenario) as http:
        probe = http.get("/assets", params={"pageSize": 1})
        if probe.status_code == 404 and "not served yet" in probe.text:
            pytest.skip("assets.list is not served yet")
        for collection in all_collections(http):
            assets = walk(http, "/assets", "assets", itertools.repeat(100), collectionId=collection["id"])
            assert len(assets) == collection["assetCount"]
            assert len({a["id"] for a in assets}) == len(assets)


def test_a_project_keys_asset_count_equals_its_assets_list() -> None:
    w = world("default")
    for project in w.projects:
        access = project_access(project.id)
        seen = collections.contents(w, access, NOW)
        for collection in w.collections:
            listed: list[dict[str, Any]] = []
            token = None
            while True:
                params = [("collectionId", collection.id), ("pageSize", "100")]
                params += [("paginationToken", token)] if token else []
                try:
                    listed_page = assets.list_assets(w, ReadContext(NOW, access, QueryReader(params)))
                    body = orjson.loads(orjson.dumps(listed_page))  # final assets are listed serialised
                except NotFoundError as exc:
                    if "not served yet" in str(exc):
                        pytest.skip("assets.list is not served yet")
                    raise
                listed += body["assets"]
                token = body.get("nextPaginationToken")
                if token is None:
                    break
            assert len(listed) == seen.assets.get(collection.id, 0), (project.id, collection.id)


@settings(max_examples=12, deadline=None)
@given(offset=st.integers(0, 30 * DAY))
def test_counts_follow_the_clock(offset: int) -> None:
    # The running tally (whole hours memoised, the partial hour walked) equals a plain walk at any instant.
    w = world("default")
    now = NOW - offset
    seen = collections.contents(w, Access(), now)
    expected = independent_asset_counts(w, now)
    assert {c.id: seen.assets.get(c.id, 0) for c in w.collections} == {c.id: expected[c.id] for c in w.collections}


def test_counts_grow_with_the_clock() -> None:
    w = world("heavy-usage")
    before = collections.contents(w, Access(), NOW - DAY).assets
    after = collections.contents(w, Access(), NOW).assets
    assert all(after[c] >= before.get(c, 0) for c in after)
    assert sum(after.values()) > sum(before.values())


# -- lists -----------------------------------------------------------------------------------------------------------
def test_newest_first_and_sdk_auto_paging(live_server: LiveServer) -> None:
    client = sdk(live_server, "heavy-usage")
    ids = [c.id for c in client.collections.list(page_size=7)]
    with raw(live_server, "heavy-usage") as http:
        whole = all_collections(http)
    assert ids == [c["id"] for c in whole]
    assert len(set(ids)) == len(ids) == 40
    keys = [(c["createdAt"], c["id"]) for c in whole]
    assert keys == sorted(keys, reverse=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(1, 12), min_size=1, max_size=6))
def test_random_page_sizes_walk_each_collection_once(live_server: LiveServer, sizes: list[int]) -> None:
    with raw(live_server, "heavy-usage") as http:
        walked = walk(http, "/collections", "collections", itertools.cycle(sizes))
        assert [c["id"] for c in walked] == [c["id"] for c in all_collections(http)]


def test_project_filter_and_errors(live_server: LiveServer) -> None:
    w = world("heavy-usage")
    with raw(live_server, "heavy-usage") as http:
        whole = all_collections(http)
        for project in w.projects[:4]:
            got = all_collections(http, projectId=project.id)
            assert got == [c for c in whole if c["ownerId"] == project.id]
        assert all_collections(http, projectId="proj_unknown") == []
        for params in ({"pageSize": "0"}, {"pageSize": "x"}, {"paginationToken": "nope"}):
            response = http.get("/collections", params=params)
            assert response.status_code == 400 and set(response.json()) >= ERROR_KEYS
        missing = http.get("/collections/collection_missing")
        assert missing.status_code == 404 and set(missing.json()) >= ERROR_KEYS
        first = whole[0]
        other = next(p.id for p in w.projects if p.id != first["ownerId"])
        assert http.get(f"/collections/{first['id']}", params={"projectId": other}).status_code == 404
        assert http.get(f"/collections/{first['id']}", params={"projectId": first["ownerId"]}).status_code == 200


# -- key scope -------------------------------------------------------------------------------------------------------
def project_access(project: str) -> Access:
    key = ApiKey("api_scopedKey", "apiu_scoped", "Scoped", "active", None, (project,), 0, None, scope="project")
    return access_of(key)


def test_a_project_key_sees_its_collections_and_counts_what_it_sees() -> None:
    w = world("heavy-usage")
    team = collections.contents(w, Access(), NOW)
    totals: Counter[str] = Counter()
    model_totals: Counter[str] = Counter()
    listed: set[str] = set()
    for project in w.projects:
        access = project_access(project.id)
        seen = collections.contents(w, access, NOW)
        totals.update(seen.assets)
        model_totals.update(seen.models)
        view = collections.list_collections(w, ReadContext(NOW, access, QueryReader([("pageSize", "100")])))
        body = orjson.loads(orjson.dumps(view))  # the listed items are kept serialised
        CollectionListResponse.model_validate(body)
        for collection in body["collections"]:
            assert collection["ownerId"] == project.id
            assert collection["assetCount"] == seen.assets.get(collection["id"], 0)
            assert collection["assetCount"] <= team.assets[collection["id"]]
        listed |= {c["id"] for c in body["collections"]}
    # Every asset and model belongs to exactly one project, or to the team (avatars, which project keys do not see):
    # the projects' counts and the avatars add up to the team's.
    avatars = Counter(c for p in w.people if p.avatar_asset_id for c in asset_collections(w, p.avatar_asset_id))
    assert avatars
    assert totals + avatars == Counter(team.assets)
    assert model_totals == Counter(team.models)
    assert listed == set(w.collections_by_id)
    collection = w.collections[0]
    owner = collections.collection_traits(w, collection.id).project
    other = next(p.id for p in w.projects if p.id != owner)
    for lenient in (False, True):
        with pytest.raises(NotFoundError):
            collections.retrieve_collection(
                w, ReadContext(NOW, project_access(other), QueryReader([], lenient=lenient), collection.id)
            )


# -- --lenient, async, aiohttp ---------------------------------------------------------------------------------------
def test_lenient_answers_placeholder_ids() -> None:
    lenient = Settings(now=NOW, log_requests=False, lenient=True)
    with serving(lenient) as url, httpx.Client(base_url=url + "/v1", headers=BASIC) as http:
        response = http.get("/collections/collectionId", params={"projectId": "projectId"})
        assert response.status_code == 200
        collection = CollectionRetrieveResponse.model_validate(response.json()).collection
        assert (collection.id, collection.owner_id, collection.asset_count) == ("collectionId", "projectId", 0)
        listed = http.get("/collections", params={"pageSize": "1", "paginationToken": "paginationToken"})
        assert listed.status_code == 200
        assert len(CollectionListResponse.model_validate(listed.json()).collections) == 1


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
def test_async_clients_list_and_retrieve(live_server: LiveServer, kind: str) -> None:
    async def run() -> tuple[list[str], float]:
        async with AsyncScenario(
            base_url=live_server.base_url,
            api_key="k",
            api_secret="s",
            max_retries=0,
            default_headers={SCENARIO_HEADER: "heavy-usage"},
            http_client=DefaultAioHttpClient() if kind == "aiohttp" else None,
            _strict_response_validation=True,
        ) as client:
            ids = [c.id async for c in client.collections.list(page_size=9)]
            retrieved = await client.collections.retrieve(ids[0])
            return ids, retrieved.collection.asset_count

    ids, count = asyncio.run(run())
    assert ids == [c.id for c in sdk(live_server, "heavy-usage").collections.list()]
    assert count == independent_asset_counts(world("heavy-usage"), NOW)[ids[0]]
