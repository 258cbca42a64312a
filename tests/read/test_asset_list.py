"""`assets.list`: auto-paging walks every asset once, newest first; every filter on the world's data; sort orders;
the 400s with the JSON error body; key scope; random page sizes never skip nor repeat (hypothesis)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.contract.assets import AssetListResponse, parse_asset_list_query
from mockserver.contract.lists import QueryReader
from mockserver.errors import QueryError
from mockserver.world.access import Access, ReadContext, access_of
from mockserver.world.assets import list_assets
from mockserver.world.entities import ApiKey
from mockserver.world.membership import asset_collections
from mockserver.world.world import World
from tests.conftest import BASIC, NOW, LiveServer
from tests.read.test_assets import sdk, world_of

Asset = dict[str, Any]


def walk(world: World, items: list[tuple[str, str]], sizes: Callable[[int], int], access: Access | None = None) -> list:
    """Every asset of a list walked through its tokens in-process, the page sizes chosen by `sizes(page)`."""
    found: list[Asset] = []
    token: str | None = None
    page = 0
    while True:
        query = [*items, ("pageSize", str(sizes(page)))] + ([("paginationToken", token)] if token else [])
        body = orjson.loads(orjson.dumps(list_assets(world, ReadContext(NOW, access or Access(), QueryReader(query)))))
        found += body["assets"]
        token = body.get("nextPaginationToken")
        page += 1
        if token is None:
            return found


def http_walk(http: httpx.Client, params: dict[str, str]) -> list[Asset]:
    found: list[Asset] = []
    token: str | None = None
    while True:
        query = {**params, "pageSize": "100"} | ({"paginationToken": token} if token else {})
        response = http.get("/v1/assets", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        found += body["assets"]
        token = body.get("nextPaginationToken")
        if token is None:
            return found


def key_of(asset: Asset, field: str = "createdAt") -> tuple[str, str]:
    return (asset[field], asset["id"])


@pytest.fixture(scope="module")
def default_world() -> World:
    return world_of("default")


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Any:
    with httpx.Client(base_url=live_server.url, headers=BASIC, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def everything(http: httpx.Client) -> list[Asset]:
    """The default world's whole list at the frozen instant, newest first."""
    return http_walk(http, {})


def test_sdk_auto_paging_walks_every_asset_once_newest_first(live_server: LiveServer, everything: list[Asset]) -> None:
    client = sdk(live_server)
    walked = [a.to_dict() for a in client.assets.list(page_size=100)]
    assert [a["id"] for a in walked] == [a["id"] for a in everything]
    assert len({a["id"] for a in everything}) == len(everything) > 1000
    assert [key_of(a) for a in everything] == sorted((key_of(a) for a in everything), reverse=True)
    AssetListResponse.model_validate({"assets": everything[:200]})
    first = client.assets.list().assets  # default page size
    assert len(first) == 50


def test_default_world_lists_pool_avatars_and_activity(everything: list[Asset], default_world: World) -> None:
    sources = {a["source"] for a in everything}
    assert {"uploaded", "uploaded-avatar", "inference-txt"} <= sources
    avatars = {p.avatar_asset_id for p in default_world.people if p.avatar_asset_id}
    assert avatars <= {a["id"] for a in everything}


@pytest.mark.parametrize(
    ("field", "direction"), [("createdAt", "asc"), ("updatedAt", "desc"), ("updatedAt", "asc")], ids=str
)
def test_sort_orders(http: httpx.Client, everything: list[Asset], field: str, direction: str) -> None:
    listed = http_walk(http, {"sortBy": field, "sortDirection": direction})
    keys = [key_of(a, field) for a in listed]
    assert keys == sorted(keys, reverse=direction == "desc")
    assert sorted(a["id"] for a in listed) == sorted(a["id"] for a in everything)
    if field == "updatedAt":
        assert any(a["updatedAt"] != a["createdAt"] for a in listed)
        assert [a["id"] for a in listed] != [a["id"] for a in everything][:: -1 if direction == "asc" else 1]


def _pick(everything: list[Asset], get: Callable[[Asset], Any]) -> Any:
    values = [v for v in map(get, everything) if v]
    assert values, "the world should have this value"
    return values[len(values) // 3]


FILTERS: dict[str, tuple[Callable[[Asset], Any], Callable[[Asset, Any], bool]]] = {
    "authorId": (lambda a: a["authorId"], lambda a, v: a["authorId"] == v),
    "projectId": (lambda a: a["ownerId"], lambda a, v: a["ownerId"] == v),
    "type": (lambda a: a["metadata"]["type"], lambda a, v: a["metadata"]["type"] == v),
    "modelId": (lambda a: a["metadata"].get("modelId"), lambda a, v: a["metadata"].get("modelId") == v),
    "parentAssetId": (lambda a: a["metadata"].get("parentId"), lambda a, v: a["metadata"].get("parentId") == v),
    "rootAssetId": (lambda a: a["metadata"].get("rootParentId"), lambda a, v: a["metadata"].get("rootParentId") == v),
    "inferenceId": (lambda a: a["metadata"].get("inferenceId"), lambda a, v: a["metadata"].get("inferenceId") == v),
    "privacy": (lambda a: a["privacy"] if a["privacy"] == "public" else None, lambda a, v: a["privacy"] == v),
    "tags": (lambda a: a["tags"][0] if a["tags"] else None, lambda a, v: v in a["tags"]),
    "collectionId": (
        lambda a: a["collectionIds"][0] if a["collectionIds"] else None,
        lambda a, v: v in a["collectionIds"],
    ),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_on_real_data(http: httpx.Client, everything: list[Asset], name: str) -> None:
    get, keep = FILTERS[name]
    value = _pick(everything, get)
    listed = http_walk(http, {name: value})
    expected = [a["id"] for a in everything if keep(a, value)]
    assert expected
    assert [a["id"] for a in listed] == expected


def test_types_and_tags_lists(http: httpx.Client, everything: list[Asset]) -> None:
    types = ["uploaded", "inference-txt2img"]
    listed = http_walk(http, {"types": ",".join(types)})
    assert [a["id"] for a in listed] == [a["id"] for a in everything if a["metadata"]["type"] in types]
    both = next(a["tags"][:2] for a in everything if len(a["tags"]) >= 2)
    listed = http_walk(http, {"tags": ",".join(both)})
    assert [a["id"] for a in listed] == [a["id"] for a in everything if set(both) <= set(a["tags"])]


def test_sdk_filters_and_types(live_server: LiveServer, everything: list[Asset]) -> None:
    client = sdk(live_server)
    types = ["uploaded-avatar", "upscale"]
    listed = [a.id for a in client.assets.list(types=types, page_size=100)]  # type: ignore[arg-type]
    assert listed == [a["id"] for a in everything if a["metadata"]["type"] in types]


@pytest.mark.parametrize("bound", ["created", "updated"])
def test_date_bounds_are_exclusive(http: httpx.Client, everything: list[Asset], bound: str) -> None:
    field = f"{bound}At"
    ordered = sorted(everything, key=lambda a: key_of(a, field), reverse=True)
    after, before = ordered[300][field], ordered[20][field]
    params = {"sortBy": field, f"{bound}After": after, f"{bound}Before": before}
    listed = http_walk(http, params)
    expected = [a["id"] for a in ordered if after < a[field] < before]
    assert [a["id"] for a in listed] == expected and len(expected) > 200


def test_collection_filter_is_the_membership_rule(http: httpx.Client, everything: list[Asset], default_world: World):
    for collection in default_world.collections:
        listed = [a["id"] for a in http_walk(http, {"collectionId": collection.id})]
        assert listed == [a["id"] for a in everything if collection.id in asset_collections(default_world, a["id"])]
        assert listed, collection.id
    for asset in everything[:500]:
        assert asset["collectionIds"] == list(asset_collections(default_world, asset["id"]))


def test_deleted_lists_none(http: httpx.Client) -> None:
    body = http.get("/v1/assets", params={"deleted": "true"}).json()
    assert body == {"assets": []}
    assert http.get("/v1/assets", params={"deleted": "false", "pageSize": "2"}).json()["assets"]


BAD_QUERIES = [
    {"pageSize": "0"},
    {"pageSize": "101"},
    {"pageSize": "ten"},
    {"type": "not-a-type"},
    {"types": "uploaded,nope"},
    {"type": "uploaded", "types": "upscale"},
    {"sortBy": "name"},
    {"sortDirection": "up"},
    {"privacy": "secret"},
    {"createdAfter": "yesterday"},
    {"createdAfter": "2026-11-01", "sortBy": "updatedAt"},
    {"updatedAfter": "2026-11-01"},
    {"updatedBefore": "2026-11-01", "sortBy": "createdAt"},
    {"deleted": "maybe"},
    {"deleted": "true", "authorId": "someone"},
    {"paginationToken": "forged.token"},
]


@pytest.mark.parametrize("params", BAD_QUERIES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_bad_queries_are_json_400s(http: httpx.Client, params: dict[str, str]) -> None:
    response = http.get("/v1/assets", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) >= {"reason", "message", "code", "traceId"}


@pytest.mark.parametrize("params", BAD_QUERIES[:-1], ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_lenient_bad_values_count_as_absent(default_world: World, params: dict[str, str]) -> None:
    body = orjson.loads(
        orjson.dumps(list_assets(default_world, ReadContext(NOW, Access(), QueryReader(params.items(), lenient=True))))
    )
    AssetListResponse.model_validate(body)
    with pytest.raises(QueryError):
        list_assets(default_world, ReadContext(NOW, Access(), QueryReader(params.items())))


def test_a_token_is_for_its_query(http: httpx.Client) -> None:
    token = http.get("/v1/assets", params={"pageSize": "5"}).json()["nextPaginationToken"]
    other = http.get("/v1/assets", params={"pageSize": "5", "sortDirection": "asc", "paginationToken": token})
    assert other.status_code == 400
    assert http.get("/v1/assets", params={"pageSize": "7", "paginationToken": token}).status_code == 200


def test_project_key_lists_only_its_projects(default_world: World, everything: list[Asset]) -> None:
    mine = default_world.projects[0].id
    key = ApiKey("api_scoped", "apiu_scoped", "Scoped", "active", "s", (mine,), 0, None, scope="project")
    listed = walk(default_world, [], lambda _: 100, access_of(key))
    assert [a["id"] for a in listed] == [a["id"] for a in everything if a["ownerId"] == mine]
    other = walk(default_world, [("projectId", default_world.projects[1].id)], lambda _: 100, access_of(key))
    assert other == []


def test_a_full_walk_reads_each_hour_about_once(default_world: World) -> None:
    """O(total): each page resumes at its cursor, so hours are read about once over the walk, not once per page."""
    world = world_of("default")
    reads = 0
    original = world.hour

    def counting(hour: int, keep: bool = True) -> list[Any]:
        nonlocal reads
        reads += 1
        return original(hour, keep)

    world.hour = counting  # type: ignore[method-assign]
    listed = walk(world, [], lambda _: 50)
    hours = (NOW - world.start) // 3_600_000 + 1
    pages = len(listed) // 50 + 1
    assert reads <= hours + 2 * pages


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(1, 100), min_size=1, max_size=8),
    field=st.sampled_from(["createdAt", "updatedAt"]),
    direction=st.sampled_from(["asc", "desc"]),
)
def test_random_page_sizes_walk_each_asset_once_in_order(sizes: list[int], field: str, direction: str) -> None:
    world = _small_world()
    query = [("sortBy", field), ("sortDirection", direction)]
    listed = walk(world, query, lambda page: sizes[page % len(sizes)])
    whole = walk(world, query, lambda _: 100)
    assert [a["id"] for a in listed] == [a["id"] for a in whole]
    assert len({a["id"] for a in listed}) == len(listed)
    keys = [key_of(a, field) for a in listed]
    assert keys == sorted(keys, reverse=direction == "desc")


@settings(max_examples=10, deadline=None)
@given(sizes=st.lists(st.integers(10, 100), min_size=1, max_size=4))
def test_random_page_sizes_with_the_pool(sizes: list[int]) -> None:
    world = _default_world()
    query = [("privacy", "public")]
    listed = walk(world, query, lambda page: sizes[page % len(sizes)])
    assert [a["id"] for a in listed] == [a["id"] for a in walk(world, query, lambda _: 100)]
    assert any(a["source"] == "uploaded" and a["metadata"].get("parentJobId") is None for a in listed)


@functools.cache
def _small_world() -> World:
    return world_of("workflow-jobs")


@functools.cache
def _default_world() -> World:
    return world_of("default")


def test_the_typed_query_has_a_process_independent_repr() -> None:
    """A token's digest is the query's repr: no sets in it, so that every worker process accepts every token."""
    query = parse_asset_list_query(QueryReader([("types", "upscale,uploaded"), ("tags", "ui,prop")]))
    assert query.types == ("uploaded", "upscale") and query.tags == ("prop", "ui")
    assert "frozenset" not in repr(query)
