"""Collections as the read endpoints show them: collections.list and collections.retrieve.

A collection's owner project and creation date are seeded by world and id; `assetCount` and `modelCount` count what
`assets.list?collectionId=` and `models.list?collectionId=` give the same caller at the same instant (one membership
rule, `mockserver.world.membership`), from the running tallies of `mockserver.world.tally`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from random import Random
from typing import Any

import orjson

from mockserver.errors import NotFoundError
from mockserver.generate.ids import stable_seed
from mockserver.world.access import Access, ReadContext
from mockserver.world.ai_models import visible_models
from mockserver.world.clock import DAY, format_ms
from mockserver.world.entities import Collection
from mockserver.world.membership import model_collections
from mockserver.world.pages import Cursor, after, paginate
from mockserver.world.tally import Tally, static_members, tally_at, tally_key
from mockserver.world.world import World


@dataclass(frozen=True, slots=True)
class CollectionTraits:
    """What never changes about a collection: a function of the world and the collection's id."""

    project: str
    created: int


def collection_traits(world: World, collection_id: str) -> CollectionTraits:
    """The seeded owner project and creation date (before the world's first event) of a collection (memoised)."""
    key = ("collection-traits", collection_id)
    found: CollectionTraits | None = world.bucket_cache.get(key)
    if found is None:
        rng = Random(stable_seed(world.seed, "library-collection", collection_id))
        project = world.projects[rng.randrange(len(world.projects))].id
        found = CollectionTraits(project, world.start - rng.randrange(DAY, 180 * DAY))
        world.bucket_cache.put(key, found, _CONTENT_BYTES)
    return found


_CONTENT_BYTES = 150  # one entry of a memoised count: a collection id and a boxed int (or an asset id)


@dataclass(frozen=True, slots=True)
class Contents:
    """What a caller sees in the world's collections at an instant."""

    assets: dict[str, int]  # collection -> assets (created by events up to the instant; pool and avatars)
    models: dict[str, int]  # collection -> models
    thumbnails: dict[str, str]  # collection -> the oldest asset no event created that the caller sees in it
    tally: Tally


def contents(world: World, access: Access, now: int) -> Contents:
    """Count, for the caller `access` at `now`, the assets and models in each collection (memoised like the tally:
    by the events due at `now`, and the caller's projects)."""
    key = ("collection-contents", tally_key(world, now), access.projects, _static_due(world, now))
    found: Contents | None = world.bucket_cache.get(key)
    if found is not None:
        return found
    tally = tally_at(world, now)
    assets: dict[str, int] = {}
    for (collection, project), count in tally.assets.items():
        if access.sees(project):
            assets[collection] = assets.get(collection, 0) + count
    static, thumbnails, models = _static_contents(world, access, now)
    for collection, count in static.items():
        assets[collection] = assets.get(collection, 0) + count
    found = Contents(assets, models, thumbnails, tally)
    world.bucket_cache.put(key, found, 200 + _CONTENT_BYTES * (len(assets) + len(models) + len(thumbnails)))
    return found


def _static_due(world: World, now: int) -> int:
    """How many memberships of static assets exist at `now`: what the static contents change with (memoised)."""
    key = ("collection-static-times",)
    times: list[int] | None = world.bucket_cache.get(key)
    if times is None:
        times = sorted(asset.created for members in static_members(world).values() for asset in members)
        world.bucket_cache.put(key, times, 64 + 40 * len(times))
    return bisect_right(times, now)


def _static_contents(world: World, access: Access, now: int) -> tuple[dict[str, int], dict[str, str], dict[str, int]]:
    """What no event changes, as the caller sees it at `now`: per collection, the static assets, the oldest of them,
    and the models. Memoised by the caller's projects once `now` is past every static asset's creation."""
    key = ("collection-static", access.projects)
    found: tuple[int, dict[str, int], dict[str, str], dict[str, int]] | None = world.bucket_cache.get(key)
    if found is not None and found[0] <= now:
        return found[1], found[2], found[3]
    latest = -(2**63)  # the latest creation of a static asset
    assets: dict[str, int] = {}
    thumbnails: dict[str, str] = {}
    for collection, members in static_members(world).items():
        latest = max([latest, *(asset.created for asset in members)])
        seen = [asset.id for asset in members if asset.created <= now and access.sees(asset.project)]
        if seen:
            assets[collection] = len(seen)
            thumbnails[collection] = seen[0]
    models: dict[str, int] = {}
    for model in visible_models(world, access):
        for collection in model_collections(world, model.id):
            models[collection] = models.get(collection, 0) + 1
    if latest <= now:
        size = 200 + _CONTENT_BYTES * (len(assets) + len(thumbnails) + len(models))
        world.bucket_cache.put(key, (latest, assets, thumbnails, models), size)
    return assets, thumbnails, models


def collection_body(world: World, collection: Collection, traits: CollectionTraits, seen: Contents) -> dict[str, Any]:
    """The contract `Collection` as the caller sees it."""
    asset_count = seen.assets.get(collection.id, 0)
    model_count = seen.models.get(collection.id, 0)
    updated = max(traits.created, seen.tally.touched.get(collection.id, traits.created))
    body: dict[str, Any] = {
        "id": collection.id,
        "name": collection.name,
        "createdAt": format_ms(traits.created),
        "updatedAt": format_ms(updated),
        "ownerId": traits.project,
        "assetCount": asset_count,
        "modelCount": model_count,
        "itemCount": asset_count + model_count,
    }
    thumbnail = seen.thumbnails.get(collection.id)
    if thumbnail is not None:
        body["thumbnail"] = {"assetId": thumbnail, "url": world.values.asset_url(thumbnail, width=512)}
    return body


def retrieve_collection(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /collections/{collectionId}`: a collection the caller sees, its counts at the served instant."""
    collection_id = ctx.id or ""
    collection = world.collections_by_id.get(collection_id)
    project = ctx.query.text("projectId")
    if collection is not None:
        traits = collection_traits(world, collection_id)
        # `projectId` asserts the owner; a collection of a project the caller does not see is unknown, even when
        # lenient.
        if ctx.access.sees(traits.project) and (project is None or project == traits.project or ctx.lenient):
            seen = contents(world, ctx.access, ctx.now)
            return {"collection": collection_body(world, collection, traits, seen)}
        raise NotFoundError(f"Collection {collection_id!r} not found")
    if not ctx.lenient:
        raise NotFoundError(f"Collection {collection_id!r} not found")
    # A placeholder id (`--lenient`): a generated, empty collection of a project the caller sees.
    traits = collection_traits(world, collection_id)
    visible = [p.id for p in world.projects if ctx.access.sees(p.id)]
    if project is None or not ctx.access.sees(project):
        project = traits.project if traits.project in visible else (visible or [traits.project])[0]
    placeholder = Collection(collection_id, world.values.collection_name(("lenient-collection", collection_id)))
    empty = Contents({}, {}, {}, Tally())
    return {"collection": collection_body(world, placeholder, CollectionTraits(project, traits.created), empty)}


def list_collections(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /collections`: the caller's collections, newest first, paginated."""
    # Imported with the first list, not at start-up: see contract/lists.py.
    from mockserver.contract.collections import parse_collection_list_query

    query = parse_collection_list_query(ctx.query)
    page = ctx.query.page()
    scope = None if ctx.access.projects is None else tuple(sorted(ctx.access.projects))

    # Collections are fixed members of the world: the rows do not depend on the instant, only their counts do.
    rows: list[tuple[Cursor, tuple[Collection, CollectionTraits]]] = []
    for collection in world.collections:
        traits = collection_traits(world, collection.id)
        if ctx.access.sees(traits.project) and query.project_id in (None, traits.project):
            rows.append(((traits.created, collection.id), (collection, traits)))
    rows.sort(key=lambda row: row[0], reverse=True)

    def scan(now: int, cursor: Cursor | None) -> Iterator[tuple[Cursor, tuple[Collection, CollectionTraits]]]:
        return after(rows, cursor)

    now, items, token = paginate(world, "collections.list", (query, scope), page, ctx.now, scan, lenient=ctx.lenient)
    seen = contents(world, ctx.access, now) if items else Contents({}, {}, {}, Tally())
    body: dict[str, Any] = {"collections": [_item(world, c, traits, seen, ctx.access, now) for c, traits in items]}
    if token is not None:
        body["nextPaginationToken"] = token
    return body


def _item(
    world: World, collection: Collection, traits: CollectionTraits, seen: Contents, access: Access, now: int
) -> orjson.Fragment:
    """A listed collection serialised, kept for the instant (its counts are the caller's at `now`)."""
    instant = world.memo_at(now)
    key = ("collection-item", collection.id, access.projects)
    found: orjson.Fragment | None = instant.get(key)
    if found is None:
        found = instant[key] = orjson.Fragment(orjson.dumps(collection_body(world, collection, traits, seen)))
    return found
