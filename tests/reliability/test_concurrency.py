"""Requests during live reloads, admin reloads and resets: none fails, and no body mixes two versions of a world.

Every version of the edited scenario names its people and projects with its own tag (`v7-p1`, `v7-proj-a`), so a
body whose ids carry two tags was built from two worlds. Broken edits in between must keep the last good version
serving. Bounded: a fixed number of edits, a hard time limit, loopback only.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, start_server

EDITS = 8  # valid versions written while requests run (a broken edit follows each)
EDIT_PAUSE_S = 0.4
WORKERS = 24
TIME_LIMIT_S = 90
SETTLE_S = 20  # how long the last valid version may take to be served

BROKEN_EDITS = [
    "name: alpha\npeple: 3\n",  # an unknown key
    "name: alpha\npeople: [\n",  # not YAML
    "name: alpha\nseed: !!python/object/apply:os.system ['true']\n",  # a tag that is never constructed
    "name: alpha\npeople: -4\n",  # a value out of range
]


def version_text(tag: str, name: str = "alpha", seed: int = 1) -> str:
    """A scenario whose people and projects all carry `tag`."""
    return f"""\
name: {name}
seed: {seed}
team: {{id: team_{tag}}}
people:
  - {{id: {tag}-p1, name: Person 1 of {tag}}}
  - {{id: {tag}-p2, name: Person 2 of {tag}}}
  - {{id: {tag}-p3, name: Person 3 of {tag}, avatar: false}}
projects:
  - {{id: {tag}-proj-a, name: Project A of {tag}}}
  - {{id: {tag}-proj-b, name: Project B of {tag}}}
activity:
  generators:
    - {{actions: {{txt2img: 3, upscale: 1}}, perWorkingDay: 80, days: 10}}
"""


def tags_of(body: dict[str, Any]) -> set[str]:
    """The version tags of every id and name that a body shows."""
    ids = [e["userId"] for e in body.get("activity", [])]
    ids += [e["projectId"] for e in body.get("activity", [])]
    ids += [c["userId"] for c in body.get("consumption", [])]
    ids += [u["id"] for u in body["entities"]["users"]]
    tags = {i.split("-")[0] for i in ids}
    tags |= {u["fullName"].rsplit(" of ", 1)[1] for u in body["entities"]["users"] if "fullName" in u}
    return tags


@dataclass
class Seen:
    statuses: Counter[int] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    admin: Counter[str] = field(default_factory=Counter)


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    (tmp_path / "alpha.yaml").write_text(version_text("v0"))
    (tmp_path / "beta.yaml").write_text(version_text("beta", name="beta", seed=2))
    return tmp_path


@pytest.fixture
def server_url(scenario_dir: Path) -> Iterator[str]:
    settings = Settings(scenarios_dir=scenario_dir, scenario="alpha", now=NOW, log_requests=False, reload=True)
    server, thread, url = start_server(settings)
    yield url
    server.should_exit = True
    thread.join(10)


async def _requests(http: aiohttp.ClientSession, seen: Seen, done: asyncio.Event, seed: int) -> None:
    rng = random.Random(seed)
    while not done.is_set():
        scenario = "alpha" if rng.random() < 0.8 else "beta"
        params = {
            "timeRange": rng.choice(["last-hour", "last-day", "last-seven-days"]),
            "type": rng.choice(["activity,consumption", "consumption", "activity,usages", "activity"]),
        }
        async with http.get("/v1/usages", params=params, headers={"X-Mock-Scenario": scenario}) as response:
            body = await response.read()
        seen.statuses[response.status] += 1
        if response.status != 200:
            seen.problems.append(f"{scenario} {params}: {response.status} {body[:200]!r}")
            continue
        tags = tags_of(orjson.loads(body))
        if scenario == "beta" and tags != {"beta"}:
            seen.problems.append(f"beta answered with {sorted(tags)}")
        elif scenario == "alpha" and len(tags) > 1:
            seen.problems.append(f"one alpha body mixes versions {sorted(tags)} ({params})")
        seen.tags.update(tags)


async def _admin(http: aiohttp.ClientSession, seen: Seen, done: asyncio.Event) -> None:
    calls = 0
    while not done.is_set():
        calls += 1
        path = "/__admin/scenarios/reload" if calls % 10 == 0 else "/__admin/reset"
        # aiohttp types an empty POST `application/octet-stream`: the admin API changes state only on JSON.
        async with http.post(path, headers={"Content-Type": "application/json"}) as response:
            await response.read()
        seen.admin[f"{path} {response.status}"] += 1
        await asyncio.sleep(0.05)


async def _edits(scenario_dir: Path, done: asyncio.Event) -> None:
    file = scenario_dir / "alpha.yaml"
    try:
        for n in range(1, EDITS + 1):
            file.write_text(version_text(f"v{n}", seed=n))  # a plain rewrite, as editors and scripts do
            await asyncio.sleep(EDIT_PAUSE_S)
            file.write_text(BROKEN_EDITS[n % len(BROKEN_EDITS)])
            await asyncio.sleep(EDIT_PAUSE_S)
        file.write_text(version_text(f"v{EDITS + 1}", seed=EDITS + 1))
    finally:
        done.set()


async def _run(url: str, scenario_dir: Path) -> Seen:
    seen = Seen()
    done = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=WORKERS + 1)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(url, headers=BASIC, connector=connector, timeout=timeout) as http:
        tasks = [_requests(http, seen, done, seed) for seed in range(WORKERS)]
        await asyncio.wait_for(
            asyncio.gather(_edits(scenario_dir, done), _admin(http, seen, done), *tasks), TIME_LIMIT_S
        )
    return seen


async def _served_tag(url: str) -> str:
    async with (
        aiohttp.ClientSession(url, headers=BASIC) as http,
        http.get("/v1/usages", params={"type": "consumption"}) as response,
    ):
        tags = tags_of(await response.json())
    assert len(tags) == 1
    return tags.pop()


def test_reloads_and_resets_under_load_never_fail_nor_mix_worlds(server_url: str, scenario_dir: Path) -> None:
    seen = asyncio.run(_run(server_url, scenario_dir))
    total = sum(seen.statuses.values())
    print(f"\nconcurrency: {total} requests, {dict(seen.statuses)}, versions {dict(seen.tags)}, {dict(seen.admin)}")
    assert not seen.problems, "\n".join(seen.problems[:10])
    assert set(seen.statuses) == {200}
    assert all(label.endswith(" 200") for label in seen.admin), seen.admin
    assert total >= 200, "too few requests ran during the edits to prove anything"
    alpha_versions = {tag for tag in seen.tags if tag.startswith("v")}
    assert len(alpha_versions) >= 3, f"the edits were not served while requests ran: {alpha_versions}"

    deadline = time.monotonic() + SETTLE_S
    while (tag := asyncio.run(_served_tag(server_url))) != f"v{EDITS + 1}" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tag == f"v{EDITS + 1}", "the last valid edit is served"
