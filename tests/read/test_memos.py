"""The read views' memos (bodies that no longer move, the billing period's totals, the static collection contents)
answer what a world with nothing memoised answers: at one instant, and as the clock moves on across hours and days.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from mockserver.api.read import ENDPOINTS
from mockserver.contract.lists import QueryReader
from mockserver.world.access import Access, ReadContext, access_of
from mockserver.world.clock import DAY, HOUR
from mockserver.world.world import World
from mockserver.worlds import build_world_from_file
from tests.conftest import NOW
from tests.read.library_support import SCENARIOS

REPO_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
# Instants in the order a moving clock meets them: within an hour, into the next hour, a day later.
INSTANTS = (NOW - 3 * DAY - 1_234_567, NOW - HOUR - 1, NOW - HOUR, NOW, NOW + 1, NOW + HOUR + 7, NOW + 2 * DAY)


def _fresh(name: str) -> World:
    return build_world_from_file(REPO_SCENARIOS / f"{name}.yaml", now=NOW)


def _bodies(world: World, now: int, access: Access) -> dict[str, bytes]:
    """Every read endpoint's body at `now` (the retrieves of each list's first item); an error as its repr."""
    found: dict[str, bytes] = {}
    ids: dict[str, str | None] = {"teams": world.team.id, "projects": world.projects[0].id if world.projects else None}
    for endpoint in ENDPOINTS:
        kind = endpoint.name.split(".")[0]
        entity = None if endpoint.is_list else ids.get(kind)
        if endpoint.name == "teams.list":
            entity = None
        ctx = ReadContext(now, access, QueryReader([("pageSize", "100")] if endpoint.is_list else []), entity)
        try:
            data = endpoint.view(world, ctx)
        except Exception as exc:  # a 403 or a 404 is an answer too
            found[endpoint.name] = repr(exc).encode()
            continue
        found[endpoint.name] = orjson.dumps(data)
        rows = orjson.loads(found[endpoint.name]).get(kind) if endpoint.is_list else None  # items may be serialised
        if rows:
            ids.setdefault(kind, rows[0].get("jobId") or rows[0].get("id"))
    return found


@pytest.mark.parametrize("name", SCENARIOS)
def test_memoised_bodies_are_those_of_a_world_with_nothing_memoised(name: str) -> None:
    warm = _fresh(name)
    scopes = [Access(), *[access_of(key) for key in warm.keys if key.scope == "project"][:1]]
    for now in INSTANTS:
        for access in scopes:
            first = _bodies(warm, now, access)
            again = _bodies(warm, now, access)  # from the memos the first filled
            assert again == first
            assert _bodies(_fresh(name), now, access) == first, (name, now)


@pytest.mark.parametrize("name", SCENARIOS)
def test_memos_kept_between_two_events_change_exactly_at_an_event(name: str) -> None:
    # The tallies, the billing period's spend and the instant memo are kept by how many of the hour's events are due:
    # one instant before an event, at it and just after it must each answer as a fresh world does.
    warm = _fresh(name)
    hour = NOW - NOW % HOUR
    events = [e for e in warm.hour(hour) if e.t > hour][:2] or [e for e in warm.hour(hour - HOUR)][:2]
    instants = sorted({t for e in events for t in (e.t - 1, e.t, e.t + 1)})
    for now in instants:
        first = _bodies(warm, now, Access())
        assert _bodies(warm, now, Access()) == first
        assert _bodies(_fresh(name), now, Access()) == first, (name, now)


def test_the_instant_memo_holds_one_instant_and_a_bounded_number_of_values() -> None:
    from mockserver.world.world import INSTANT_ENTRIES

    world = _fresh("default")
    world.memo_at(NOW)["kept"] = 1
    assert world.memo_at(NOW)["kept"] == 1
    assert "kept" not in world.memo_at(NOW + 1)  # another instant: started afresh
    assert "kept" not in world.memo_at(NOW)
    memo = world.memo_at(NOW)
    for i in range(INSTANT_ENTRIES + 10):  # a client varying its filters at one instant
        memo[("rows", i)] = i
    assert len(world.memo_at(NOW)) == 0
    world.memo_at(NOW)["kept"] = 2
    world.reset()
    assert "kept" not in world.memo_at(NOW)
