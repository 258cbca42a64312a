"""Worlds built on first use (`Settings.lazy_worlds`, the pytest plugin's): the same worlds as loading them all."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

import mockserver.worlds
from mockserver.api import build_app
from mockserver.errors import MockServerError
from mockserver.settings import Settings, shipped_scenarios_dir
from mockserver.worlds import Worlds
from tests.conftest import NOW

ALPHA = "name: alpha\nseed: 1\npeople: 2\napiKeys:\n  - {id: api_alphaKey, secret: alpha-secret}\n"
DEFAULT = "name: default\nseed: 2\npeople: 3\napiKeys:\n  - {id: api_defaultKey, secret: default-secret}\n"
SHARED = "name: {name}\nseed: 3\npeople: 2\napiKeys:\n  - {{id: api_sharedKey, secret: shared-secret}}\n"
# Keys no file declares and keys of the default first: they select without reading the files not loaded yet.
KEYS = ["nope", "api_defaultKey", "default-secret", "api_alphaKey", "alpha-secret", "api_sharedKey", "shared-secret"]

CASES = [
    pytest.param({"alpha.yaml": ALPHA, "default.yaml": DEFAULT}, None, True, id="default-after-another"),
    pytest.param({"default.yaml": DEFAULT, "zeta.yaml": DEFAULT}, None, True, id="a-later-file-claims-the-default"),
    pytest.param({"a.yaml": "seed: 5\npeople: 1\n", "default.yaml": DEFAULT}, None, True, id="an-earlier-file-unnamed"),
    pytest.param({"a.yaml": "name: [oops\n", "default.yaml": DEFAULT}, None, False, id="an-earlier-file-unreadable"),
    pytest.param({"a.yaml": ALPHA, "default.yaml": "name: default\npeple: 3\n"}, None, False, id="the-default-broken"),
    pytest.param(
        {"a.yaml": ALPHA, "b.yaml": "name: b\npeple: 3\n", "default.yaml": DEFAULT}, None, True, id="one-broken"
    ),
    pytest.param(
        {"a.yaml": SHARED.format(name="a"), "default.yaml": SHARED.format(name="default")},
        None,
        True,
        id="a-shared-key",
    ),
    pytest.param({"alpha.yaml": ALPHA, "default.yaml": DEFAULT}, "alpha", True, id="asked-for"),
    pytest.param({"alpha.yaml": ALPHA, "beta.yaml": ALPHA.replace("alpha", "beta")}, None, False, id="no-default"),
    pytest.param({"alpha.yaml": ALPHA}, None, False, id="the-only-one"),
]


def _state(worlds: Worlds) -> dict[str, Any]:
    """What every listing and lookup can see of a `Worlds`, read in an order that finds pending files last."""
    selected = {key: worlds.select(None, key).name for key in KEYS}
    return {
        "default": (worlds.default_name, worlds.initial_default, worlds.default.name),
        "selected": selected,
        "worlds": [(name, world.scenario.seed) for name, world in worlds.worlds.items()],
        "files": list(worlds.files.items()),
        "errors": [(path, str(error)) for path, error in worlds.errors.items()],
        "warnings": worlds.warnings,
        "after": {key: worlds.select(None, key).name for key in KEYS},
    }


def _built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files built from now on."""
    built: list[str] = []
    build = mockserver.worlds.build_world_from_file

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        built.append(path.name)
        return build(path, *args, **kwargs)

    monkeypatch.setattr(mockserver.worlds, "build_world_from_file", counting)
    return built


@pytest.mark.parametrize(("files", "asked", "deferred"), CASES)
def test_lazy_worlds_are_the_worlds_of_loading_them_all(
    tmp_path: Path, files: dict[str, str], asked: str | None, deferred: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every case gives the same worlds, files, errors, default and key selection; `deferred`: some files wait."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    eager = Settings(scenarios_dir=tmp_path, scenario=asked, now=NOW)
    try:
        expected: Any = _state(Worlds(eager))
    except MockServerError as exc:
        expected = str(exc)
    built = _built(monkeypatch)
    try:
        lazy = Worlds(Settings(scenarios_dir=tmp_path, scenario=asked, now=NOW, lazy_worlds=True))
        assert (len(built) < len(files)) == deferred
        got: Any = _state(lazy)
    except MockServerError as exc:
        got = str(exc)
    assert got == expected


def test_only_the_default_world_is_built_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _built(monkeypatch)
    worlds = Worlds(Settings(now=NOW, lazy_worlds=True))
    assert built == ["default.yaml"]
    assert worlds.select(None, "mockserver-key").name == "default"  # a key no file declares: no file read
    assert worlds.select(None, None).name == "default"
    worlds.reset()
    assert built == ["default.yaml"]
    assert worlds.select(None, "api_heavyBatch000000000001").name == "heavy-usage"  # a declared key: its world
    assert len(built) == len(list(shipped_scenarios_dir().glob("*.yaml")))
    assert sorted(built) == built[:1] + sorted(built[1:])


def test_a_name_not_built_yet_is_served_by_get(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _built(monkeypatch)
    worlds = Worlds(Settings(now=NOW, lazy_worlds=True))
    assert worlds.get("edge-cases").name == "edge-cases"
    assert "edge-cases.yaml" in built
    with pytest.raises(MockServerError, match="known scenarios: default, edge-cases, empty-team, heavy-usage"):
        worlds.get("missing")


def _answers(settings: Settings, requests: list[tuple[str, dict[str, str]]]) -> list[tuple[int, Any]]:
    async def run() -> list[tuple[int, Any]]:
        transport = httpx.ASGITransport(app=build_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            answers = []
            for path, headers in requests:
                response = await client.get(path, headers=headers)
                body = response.json()
                body.pop("traceId", None)  # one per error response
                answers.append((response.status_code, body))
            return answers

    return asyncio.run(run())


def _basic(key: str, secret: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def test_lazy_worlds_answer_as_the_eager_ones_over_http() -> None:
    """A world not built at start answers its first request (by header, by declared key) and the lists show it."""
    anyone = _basic("test-key", "test-secret")
    requests = [
        ("/v1/usages", anyone),
        ("/v1/usages", {**anyone, "x-mock-scenario": "heavy-usage"}),
        ("/v1/usages", _basic("api_revokedActive00000001", "active-secret")),
        ("/v1/usages", {**anyone, "x-mock-scenario": "missing"}),
        ("/__admin/scenarios", {}),
    ]
    eager = _answers(Settings(now=NOW, log_requests=False), requests)
    assert _answers(Settings(now=NOW, log_requests=False, lazy_worlds=True), requests) == eager
    assert [status for status, _ in eager] == [200, 200, 200, 404, 200]


def test_the_listing_of_a_fresh_lazy_server_shows_every_scenario() -> None:
    eager = _answers(Settings(now=NOW, log_requests=False), [("/__admin/scenarios", {})])
    assert _answers(Settings(now=NOW, log_requests=False, lazy_worlds=True), [("/__admin/scenarios", {})]) == eager
