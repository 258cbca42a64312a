"""`assets.retrieve`: every asset `/usages` names is retrievable and agrees with it, on every shipped scenario; the
body follows the contract and the SDK's strict parser; key scope, `--lenient`, the optional flags."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from scenario_sdk import AsyncScenario, DefaultAioHttpClient, NotFoundError, Scenario

from mockserver.contract.assets import AssetRetrieveResponse
from mockserver.contract.lists import QueryReader
from mockserver.errors import NotFoundError as MockNotFoundError
from mockserver.scenario.loader import load_scenario
from mockserver.settings import shipped_scenarios_dir
from mockserver.world.access import Access, ReadContext, access_of
from mockserver.world.assets import find_asset, retrieve_asset, static_assets
from mockserver.world.builder import build_world
from mockserver.world.entities import ApiKey
from mockserver.world.world import World
from mockserver.worlds import SCENARIO_HEADER
from tests.conftest import BASIC, NOW, LiveServer

SCENARIOS = sorted(p.stem for p in shipped_scenarios_dir().glob("*.yaml"))
# Windows of /usages whose activity pages name assets: the newest events, and pages further back.
USAGE_PAGES = (("last-hour", 0), ("last-day", 0), ("last-thirty-one-days", 0), ("last-thirty-one-days", 1000))
AGREEING = ("id", "kind", "metadata.type", "properties", "source")


def world_of(name: str) -> World:
    return build_world(load_scenario(shipped_scenarios_dir() / f"{name}.yaml"), NOW)


def sdk(live_server: LiveServer, scenario: str = "default") -> Scenario:
    return Scenario(
        base_url=live_server.base_url,
        api_key="test-key",
        api_secret="test-secret",
        default_headers={SCENARIO_HEADER: scenario},
        max_retries=0,
        _strict_response_validation=True,
    )


def field(body: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        body = body[part]
    return body


def usage_assets(http: httpx.Client, scenario: str) -> Iterator[dict[str, Any]]:
    """The `entities.assets[]` of a few `/usages` activity pages of a scenario."""
    for time_range, offset in USAGE_PAGES:
        response = http.get(
            "/v1/usages",
            params={"timeRange": time_range, "types": "activity", "activityOffset": str(offset)},
            headers={SCENARIO_HEADER: scenario},
        )
        assert response.status_code == 200, response.text
        yield from response.json()["entities"]["assets"]


def ctx(items: list[tuple[str, str]] | None = None, asset_id: str | None = None, **kwargs: Any) -> ReadContext:
    lenient = kwargs.pop("lenient", False)
    access = kwargs.pop("access", Access())
    return ReadContext(NOW, access, QueryReader(items or [], lenient=lenient), asset_id)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_asset_usages_names_is_retrievable_and_agrees(live_server: LiveServer, scenario: str) -> None:
    client = sdk(live_server, scenario)
    with httpx.Client(base_url=live_server.url, headers=BASIC, timeout=30) as http:
        named = {entity["id"]: entity for entity in usage_assets(http, scenario)}
    if scenario != "empty-team":
        assert named, "the pages should name assets"
    for asset_id, entity in named.items():
        raw = client.assets.with_raw_response.retrieve(asset_id)
        parsed = raw.parse()  # strict validation
        assert parsed.asset.id == asset_id
        body = orjson.loads(raw.http_response.content)
        AssetRetrieveResponse.model_validate(body)
        for path in AGREEING:
            assert field(body["asset"], path) == field(entity, path), (asset_id, path)


def test_pool_assets_acted_on_are_retrievable(live_server: LiveServer) -> None:
    """Events acting on an existing asset (delete-asset, tag-asset, ...) name the pool: it is never deleted."""
    world = world_of("default")
    acted = {e.asset for e in world.events(NOW - 86_400_000, NOW) if e.asset is not None and not e.created}
    pool = static_assets(world).by_id
    assert acted and acted <= set(pool)
    client = sdk(live_server)
    for asset_id in acted:
        asset = client.assets.retrieve(asset_id).asset
        assert (asset.kind, asset.source, asset.metadata.type) == ("image", "uploaded", "uploaded")
        assert asset.created_at < "2026-10"  # before the world starts


def test_body_fields_follow_the_event(live_server: LiveServer) -> None:
    world = world_of("default")
    with httpx.Client(base_url=live_server.url, headers=BASIC, timeout=30) as http:
        activity = http.get("/v1/usages", params={"timeRange": "last-day", "types": "activity"}).json()["activity"]
    created = [e for e in activity if "jobId" in e["data"] and "assetId" in e["data"]]
    client = sdk(live_server)
    for event in created[:30]:
        asset = client.assets.retrieve(event["data"]["assetId"]).asset
        found = find_asset(world, asset.id, NOW)
        assert found is not None and found.created
        if found.job != event["data"]["jobId"]:
            continue  # the event acted on an existing asset
        assert asset.author_id == event["userId"]
        assert asset.owner_id == event["projectId"]
        assert asset.created_at == event["time"]
        assert asset.created_at <= asset.updated_at
        assert asset.status == "success"
        assert asset.metadata.kind == asset.kind
        assert asset.metadata.parent_job_id == event["data"]["jobId"]
        assert asset.metadata.api_model_id == event["data"].get("modelId")
        assert asset.mime_type.split("/")[0] in ("image", "video", "audio", "model", "text", "application")
        assert asset.url.endswith(f"/assets-transform/{asset.id}?p=100")
        assert (asset.quality_gate is not None) == (found.verdict is not None)
        assert asset.nsfw == ([found.nsfw] if found.nsfw else [])


def test_avatars_are_retrievable_and_owned_by_the_team(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, headers=BASIC, timeout=30) as http:
        users = http.get("/v1/usages", params={"timeRange": "last-day", "types": "activity"}).json()
    avatars = [u["avatar"]["assetId"] for u in users["entities"]["users"] if "avatar" in u]
    assert avatars
    client = sdk(live_server)
    team_id = world_of("default").team.id
    for asset_id in avatars:
        asset = client.assets.retrieve(asset_id).asset
        assert asset.source == "uploaded-avatar" and asset.owner_id == team_id


def test_unknown_id_is_a_json_404(live_server: LiveServer, client: httpx.Client) -> None:
    response = client.get("/v1/assets/asset_doesNotExist000000000")
    assert response.status_code == 404
    assert set(response.json()) >= {"reason", "message", "code", "traceId"}
    with pytest.raises(NotFoundError):
        sdk(live_server).assets.retrieve("asset_doesNotExist000000000")
    assert client.get("/assets/asset_doesNotExist000000000").status_code == 404  # without /v1 too


def test_same_request_same_bytes(client: httpx.Client) -> None:
    asset_id = client.get("/v1/assets", params={"pageSize": "1"}).json()["assets"][0]["id"]
    first = client.get(f"/v1/assets/{asset_id}").content
    assert client.get(f"/v1/assets/{asset_id}").content == first
    assert orjson.loads(first)["asset"]["id"] == asset_id


def test_lenient_answers_a_generated_asset_for_an_unknown_id() -> None:
    world = world_of("default")
    with pytest.raises(MockNotFoundError):
        retrieve_asset(world, ctx(asset_id="assetId"))
    body = retrieve_asset(world, ctx(asset_id="assetId", lenient=True))
    AssetRetrieveResponse.model_validate(body)
    assert body["asset"]["id"] == "assetId"
    assert retrieve_asset(world, ctx(asset_id="assetId", lenient=True)) == body  # seeded by world and id
    other = retrieve_asset(world_of("edge-cases"), ctx(asset_id="assetId", lenient=True))
    assert other["asset"]["ownerId"] != body["asset"]["ownerId"]


def test_project_key_sees_only_its_projects_assets() -> None:
    world = world_of("default")
    rows = static_assets(world).rows
    pool = [event for _, _, event in rows if event.asset_source == "uploaded"]
    mine, theirs = pool[0].project, next(e for e in pool if e.project != pool[0].project)
    key = ApiKey("api_scoped", "apiu_scoped", "Scoped", "active", "s", (mine,), 0, None, scope="project")
    access = access_of(key)
    assert retrieve_asset(world, ctx(asset_id=pool[0].asset, access=access))["asset"]["ownerId"] == mine
    for hidden in (theirs.asset, next(e.asset for _, _, e in rows if e.asset_source == "uploaded-avatar")):
        with pytest.raises(MockNotFoundError):
            retrieve_asset(world, ctx(asset_id=hidden, access=access))
        with pytest.raises(MockNotFoundError):  # even lenient: it exists, the key may not see it
            retrieve_asset(world, ctx(asset_id=hidden, access=access, lenient=True))


def test_project_id_asserts_ownership() -> None:
    world = world_of("default")
    event = static_assets(world).rows[0][2]
    assert retrieve_asset(world, ctx([("projectId", event.project)], event.asset))
    with pytest.raises(MockNotFoundError):
        retrieve_asset(world, ctx([("projectId", "proj_other")], event.asset))


def test_optional_flags(live_server: LiveServer, client: httpx.Client) -> None:
    world = world_of("default")
    gated = next(
        e for e in world.events(NOW - 86_400_000, NOW) if e.created and e.asset is not None and e.verdict is not None
    )
    api = sdk(live_server)
    plain = api.assets.retrieve(gated.asset or "")
    assert plain.asset.embedding is None
    assert plain.asset.quality_gate is not None and plain.asset.quality_gate.details is None
    assert plain.asset.quality_gate.verdict == gated.verdict
    rich = api.assets.retrieve(gated.asset or "", with_embedding=True, with_quality_gate_details=True)
    assert rich.asset.embedding is not None and len(rich.asset.embedding) == 16
    assert rich.asset.quality_gate is not None and rich.asset.quality_gate.details is not None
    again = api.assets.retrieve(gated.asset or "", with_embedding=True, original_assets=True)
    assert again.asset.embedding == rich.asset.embedding
    bad = client.get(f"/v1/assets/{gated.asset}", params={"withEmbedding": "maybe"})
    assert bad.status_code == 400 and "withEmbedding" in bad.json()["message"]


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
def test_async_retrieve(live_server: LiveServer, kind: str) -> None:
    expected = sdk(live_server).assets.list(page_size=3).assets

    async def run() -> list[Any]:
        async with AsyncScenario(
            base_url=live_server.base_url,
            api_key="k",
            api_secret="s",
            max_retries=0,
            http_client=DefaultAioHttpClient() if kind == "aiohttp" else None,
            _strict_response_validation=True,
        ) as client:
            return await asyncio.gather(*(client.assets.retrieve(a.id) for a in expected))

    assert [r.asset.to_dict() for r in asyncio.run(run())] == [a.to_dict() for a in expected]


def test_scenario_assets_are_retrievable() -> None:
    """The scenario's `assets:` list (edge-cases: minimal JSON and audio uploads) is retrievable as uploaded."""
    world = world_of("edge-cases")
    uploads = [e for e in world.events(world.start, NOW + 1) if e.action == "asset" and e.created]
    assert len(uploads) == 5
    for event in uploads:
        body = retrieve_asset(world, ctx(asset_id=event.asset))
        AssetRetrieveResponse.model_validate(body)
        assert body["asset"]["kind"] == event.asset_kind
        assert body["asset"]["source"] == event.asset_source
        assert body["asset"]["mimeType"] in ("application/json", "audio/mpeg", "audio/wav", "audio/ogg")


def test_assets_not_yet_created_are_not_found() -> None:
    world = world_of("default")
    event = next(e for e in world.events(NOW - 3_600_000, NOW) if e.created and e.asset is not None)
    earlier = ReadContext(event.t - 1, Access(), QueryReader([]), event.asset)
    with pytest.raises(MockNotFoundError):
        retrieve_asset(world, earlier)
    assert retrieve_asset(world, ReadContext(event.t, Access(), QueryReader([]), event.asset))


def test_shipped_scenarios_are_all_covered() -> None:
    assert set(SCENARIOS) >= {"default", "heavy-usage", "edge-cases", "empty-team", "workflow-jobs", "revoked-keys"}
    assert all(Path(shipped_scenarios_dir() / f"{s}.yaml").is_file() for s in SCENARIOS)
