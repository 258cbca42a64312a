"""Assets as the read endpoints show them: which assets exist at an instant, assets.list and assets.retrieve.

The assets at `now` are those the activity created by `now` (`event.created`: generations, uploads, the scenario's
`assets:`), the pool of uploaded images that events act on (in worlds whose generators act on existing assets),
and the people's avatars (owned by the team, created when the person joined or before the world starts).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockserver.errors import NotFoundError
from mockserver.generate.ids import stable_seed
from mockserver.world.access import ReadContext
from mockserver.world.asset_body import (
    MAX_UPDATE_DELAY,
    asset_body,
    asset_item,
    has_pool,
    inference_of,
    parent_of,
    pool_id,
    privacy_of,
    tags_of,
    updated_ms,
)
from mockserver.world.clock import DAY, HOUR, floor_to
from mockserver.world.index import newest_first
from mockserver.world.membership import asset_collections
from mockserver.world.pages import Cursor, paginate
from mockserver.world.timeline import ASSET_POOL, Event
from mockserver.world.world import World

if TYPE_CHECKING:
    from mockserver.contract.assets import AssetListQuery

ENDPOINT = "assets.list"
POOL_SPAN = 180 * DAY  # pool assets were uploaded over this span before the world starts
AVATAR_SPAN = 365 * DAY  # avatars of people there from the start, likewise
_STATIC_KEY = "assets.static"
# A created row: (createdAt ms, id, the event behind the asset).
Row = tuple[int, str, Event]


# -- which assets exist -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StaticAssets:
    """The assets that no activity event created (pool and avatars): by id, and sorted by (createdAt, id)."""

    rows: tuple[Row, ...]
    keys: tuple[tuple[int, str], ...]
    by_id: dict[str, Event]


def static_assets(world: World) -> StaticAssets:
    """The world's pool and avatar assets (built once per world, kept in its render cache: a function of the seed)."""
    found: StaticAssets | None = world.render_cache.get((_STATIC_KEY,))
    if found is not None:
        return found
    events = [_pool_event(world, i) for i in range(ASSET_POOL)] if has_pool(world) else []
    events += [_avatar_event(world, i) for i, person in enumerate(world.people) if person.avatar_asset_id]
    rows = tuple(sorted(((e.t, e.asset or "", e) for e in events), key=lambda r: (r[0], r[1])))
    found = StaticAssets(rows, tuple((t, i) for t, i, _ in rows), {r[1]: r[2] for r in rows})
    world.render_cache.put((_STATIC_KEY,), found, 600 * len(rows) + 200)
    return found


def _pool_event(world: World, i: int) -> Event:
    """The upload that made the pool's asset `i`: an image, like the events acting on it say."""
    seed = world.seed
    project = world.projects[stable_seed(seed, "ref-owner", i) % len(world.projects)]
    authors = [p.id for p in world.people if project.id in p.projects] or [p.id for p in world.people]
    user = authors[stable_seed(seed, "ref-author", i) % len(authors)] if authors else _any_user(world)
    created = floor_to(world.start, HOUR) - DAY - stable_seed(seed, "ref-created", i) % POOL_SPAN
    return _upload(world, created, user, project.id, pool_id(world, i), "uploaded", ("ref", i))


def _avatar_event(world: World, i: int) -> Event:
    person = world.people[i]
    if person.created_at is not None:
        created = person.created_at
    else:
        created = floor_to(world.start, HOUR) - DAY - stable_seed(world.seed, "avatar-created", person.id) % AVATAR_SPAN
    return _upload(
        world, created, person.id, world.team.id, person.avatar_asset_id or "", "uploaded-avatar", ("avatar", i)
    )


def _upload(world: World, t: int, user: str, owner: str, asset_id: str, source: str, key: object) -> Event:
    return Event(
        t=t,
        seq=0,
        action="asset",
        usage_row=None,
        user=user,
        api=user.startswith("apiu_"),
        project=owner,
        asset=asset_id,
        asset_kind="image",
        asset_source=source,
        asset_type=source,
        created=True,
        key=stable_seed(world.seed, "static-asset", key),
    )


def _any_user(world: World) -> str:
    if world.people:
        return world.people[0].id
    return world.keys[0].user_id if world.keys else world.team.id


def find_asset(world: World, asset_id: str, now: int) -> Event | None:
    """The event behind the asset `asset_id` if it exists at `now` (a synthetic upload for pool and avatars)."""
    event = world.index.asset(asset_id, now)
    if event is not None:
        return event
    static = static_assets(world).by_id.get(asset_id)
    return static if static is not None and static.t <= now else None


def placeholder_event(world: World, asset_id: str, owner: str | None = None) -> Event:
    """A generated upload carrying an unknown id (`--lenient`), seeded by the world and the id.

    Its owner is `owner` (the `projectId` the request asserts), else one of the world's projects.
    """
    seed = world.seed
    if owner is None:
        owner = world.projects[stable_seed(seed, "placeholder-owner", asset_id) % len(world.projects)].id
    created = floor_to(world.start, HOUR) - DAY - stable_seed(seed, "placeholder-created", asset_id) % POOL_SPAN
    return _upload(world, created, _any_user(world), owner, asset_id, "uploaded", ("placeholder", asset_id))


# -- assets.retrieve ----------------------------------------------------------------------------------------------
def retrieve_asset(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /v1/assets/{assetId}`: the asset at `ctx.now`; 404 if unknown or outside the key's projects."""
    asset_id = ctx.id or ""
    query = ctx.query
    embedding = bool(query.boolean("withEmbedding"))
    details = bool(query.boolean("withQualityGateDetails"))
    query.boolean("originalAssets")  # accepted, nothing to transform: the mock serves originals
    project = query.text("projectId")
    event = find_asset(world, asset_id, ctx.now)
    if event is None and ctx.lenient:
        visible = project if project is not None else _visible_project(world, ctx, asset_id)
        event = placeholder_event(world, asset_id, visible)
    if event is None or not ctx.access.sees(event.project) or (project is not None and event.project != project):
        raise NotFoundError(f"Asset {asset_id!r} not found")
    return {"asset": asset_body(world, event, ctx.now, embedding=embedding, gate_details=details)}


def _visible_project(world: World, ctx: ReadContext, asset_id: str) -> str | None:
    """A project the caller sees, for a placeholder (None: any of the world's, for a team caller)."""
    if ctx.access.projects is None:
        return None
    mine = sorted(ctx.access.projects)
    return mine[stable_seed(world.seed, "placeholder-owner", asset_id) % len(mine)] if mine else None


# -- assets.list --------------------------------------------------------------------------------------------------
def list_assets(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /v1/assets`: one page of the assets the caller sees at the token's instant, in the asked order."""
    # Imported with the first list, not at start-up: see contract/lists.py.
    from mockserver.contract.assets import parse_asset_list_query

    query = parse_asset_list_query(ctx.query)
    page = ctx.query.page()

    def scan(now: int, cursor: Cursor | None) -> Iterator[tuple[Cursor, Event]]:
        if query.deleted:  # no asset of a world is ever deleted: `delete-asset` events act on the pool, which stays
            return iter(())
        return scan_assets(world, query, ctx.access.sees, now, cursor)

    projects = ctx.access.projects
    key = (query, tuple(sorted(projects)) if projects is not None else None)
    now, events, token = paginate(world, ENDPOINT, key, page, ctx.now, scan, lenient=ctx.lenient)
    body: dict[str, Any] = {"assets": [asset_item(world, e, now) for e in events]}
    if token is not None:
        body["nextPaginationToken"] = token
    return body


def scan_assets(
    world: World, query: AssetListQuery, sees: Callable[[str], bool], now: int, cursor: Cursor | None
) -> Iterator[tuple[Cursor, Event]]:
    """The assets matching `query` at `now`, in its order, strictly after `cursor`: `(sort key, event)` pairs.

    Walks the activity hour by hour from the cursor (never from the start), merged with the static assets; for
    `updatedAt` (at most `MAX_UPDATE_DELAY` after `createdAt`) a small buffer reorders the `createdAt` walk.
    """
    descending = query.descending
    by_update = query.sort_by == "updatedAt"
    low, high = 0, now  # createdAt bounds of the walk, inclusive
    if query.created_after is not None:
        low = max(low, query.created_after + 1)
    if query.created_before is not None:
        high = min(high, query.created_before - 1)
    if by_update:
        if query.updated_after is not None:
            low = max(low, query.updated_after + 1 - MAX_UPDATE_DELAY)
        if query.updated_before is not None:
            high = min(high, query.updated_before - 1)
    if cursor is not None:
        if descending:
            high = min(high, int(cursor[0]))
        else:
            low = max(low, int(cursor[0]) - (MAX_UPDATE_DELAY if by_update else 0))
    if low > high:
        return
    rows = heapq.merge(
        _activity_rows(world, low, high, descending),
        _static_rows(world, low, high, descending),
        key=lambda row: (row[0], row[1]),
        reverse=descending,
    )
    matches = _matcher(world, query, sees, now)
    wanted = (row for row in rows if matches(row[2]))
    keyed: Iterable[tuple[Cursor, Event]]
    if by_update:
        keyed = _by_update(world, wanted, now, descending)
    else:
        keyed = (((t, asset_id), event) for t, asset_id, event in wanted)
    for key, event in keyed:
        if cursor is None or (key < cursor if descending else key > cursor):
            yield key, event


def _activity_rows(world: World, low: int, high: int, descending: bool) -> Iterator[Row]:
    """The assets created by events with `low <= t <= high`, ordered by (t, id), ties grouped by instant."""
    events = newest_first(world, low, high + 1) if descending else world.events(low, high + 1)
    group: list[Row] = []
    for event in events:
        if not event.created:
            continue
        asset_id = event.asset
        if asset_id is None:
            continue
        if group and group[0][0] != event.t:
            yield from _ordered(group, descending)
            group = []
        group.append((event.t, asset_id, event))
    yield from _ordered(group, descending)


def _ordered(group: list[Row], descending: bool) -> list[Row]:
    if len(group) > 1:
        group.sort(key=lambda row: row[1], reverse=descending)
    return group


def _static_rows(world: World, low: int, high: int, descending: bool) -> Iterator[Row]:
    static = static_assets(world)
    first = bisect_left(static.keys, (low, ""))
    last = bisect_right(static.keys, (high, "\U0010ffff"))
    chosen = static.rows[first:last]
    return reversed(chosen) if descending else iter(chosen)


def _by_update(world: World, rows: Iterable[Row], now: int, descending: bool) -> Iterator[tuple[Cursor, Event]]:
    """Rows in `createdAt` order, re-sorted by `(updatedAt, id)` with a buffer `MAX_UPDATE_DELAY` wide."""
    buffer: list[tuple[tuple[int, str], Event]] = []  # sorted ascending by key
    for created, asset_id, event in rows:
        if descending:
            # Rows still to come have updatedAt <= created + MAX_UPDATE_DELAY: the keys above that are final.
            while buffer and buffer[-1][0][0] > created + MAX_UPDATE_DELAY:
                yield buffer.pop()
        else:
            while buffer and buffer[0][0][0] < created:
                yield buffer.pop(0)
        insort(buffer, ((updated_ms(world, event, now), asset_id), event), key=lambda pair: pair[0])
    if descending:
        yield from reversed(buffer)
    else:
        yield from buffer


def _matcher(world: World, query: AssetListQuery, sees: Callable[[str], bool], now: int) -> Callable[[Event], bool]:
    """The filter of a query (the caller's scope included), cheapest tests first."""
    types = frozenset(query.types) if query.types is not None else None
    tags = frozenset(query.tags) if query.tags is not None else None

    def matches(event: Event) -> bool:
        asset_id = event.asset or ""
        if not sees(event.project):
            return False
        if query.project_id is not None and event.project != query.project_id:
            return False
        if query.author_id is not None and event.user != query.author_id:
            return False
        if types is not None and (event.asset_type or "unknown") not in types:
            return False
        if query.model_id is not None and event.model != query.model_id:
            return False
        if query.inference_id is not None and inference_of(world, event) != query.inference_id:
            return False
        if query.parent_asset_id is not None and parent_of(world, event) != query.parent_asset_id:
            return False
        if query.root_asset_id is not None and parent_of(world, event) != query.root_asset_id:
            return False
        if query.collection_id is not None and query.collection_id not in asset_collections(world, asset_id):
            return False
        if query.privacy is not None and privacy_of(world, asset_id) != query.privacy:
            return False
        if tags is not None and not tags.issubset(tags_of(world, asset_id)):
            return False
        if query.updated_after is not None or query.updated_before is not None:
            updated = updated_ms(world, event, now)
            if query.updated_after is not None and updated <= query.updated_after:
                return False
            if query.updated_before is not None and updated >= query.updated_before:
                return False
        return True

    return matches
