"""The worlds a server holds: every scenario file of a directory, loaded, built and looked up by name."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from mockserver.cache import CacheBudget
from mockserver.errors import NotFoundError, ScenarioError, ScenarioProblem
from mockserver.scenario.loader import read_scenario
from mockserver.settings import Settings
from mockserver.world.world import World, WorldError, build_world

log = logging.getLogger("mockserver")
SCENARIO_SUFFIXES = (".yaml", ".yml")


def scenario_files(directory: Path) -> list[Path]:
    """The scenario files of a directory, sorted by name."""
    return sorted(p for p in directory.iterdir() if p.suffix in SCENARIO_SUFFIXES and p.is_file())


def build_world_from_file(
    path: Path, now: int | None = None, seed: int | None = None, budget: CacheBudget | None = None
) -> World:
    """Load a scenario file and build its world; every problem becomes a `ScenarioError` located in the file."""
    located = read_scenario(path)
    try:
        return build_world(located.scenario, now, seed, budget)
    except WorldError as exc:
        raise ScenarioError([located.problem(exc.field, exc.message)]) from None


SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
SCENARIO_HEADER = "x-mock-scenario"
WORLD_SCOPE_KEY = "mockserver.world"  # the world a request's middleware already selected (ASGI scope)


class Worlds:
    """The loaded worlds by scenario name, the default one, and the errors of files that failed to load.

    A reload builds the new world aside and swaps it in with one assignment, so a request that already holds
    a world finishes with it: no response ever mixes two worlds.
    """

    def __init__(self, settings: Settings, *, require_default: bool = True) -> None:
        self.settings = settings
        self.worlds: dict[str, World] = {}
        self.errors: dict[str, ScenarioError] = {}
        self.files: dict[str, str] = {}  # file path -> scenario name
        self.default_name = settings.scenario
        self.contract: Any = None  # a ContractAdapter while a contract version is pinned at run time
        self.drift = False
        # One byte budget for the caches of every world, reloaded ones included (a replaced world's go with it).
        self.cache_budget = CacheBudget(settings.cache_bytes)
        self.load_all(require_default)
        if settings.contract:
            self.set_contract(settings.contract)

    def load_all(self, require_default: bool = True) -> None:
        directory = self.settings.scenario_directory()
        for path in scenario_files(directory):
            self.load_file(path)
        if require_default and self.settings.scenario not in self.worlds:
            known = ", ".join(sorted(self.worlds)) or "none"
            raise ScenarioError(
                [
                    ScenarioProblem(
                        str(directory),
                        1,
                        1,
                        "scenario",
                        f"no scenario named {self.settings.scenario!r} loaded; loaded: {known}",
                    )
                ]
            )

    def load_file(self, path: Path) -> bool:
        """(Re)load one file; on error keep the last good world and record the error. True if it loaded."""
        try:
            world = build_world_from_file(path, self.settings.now, self.settings.seed, self.cache_budget)
            owner = next((f for f, n in self.files.items() if n == world.name and f != str(path)), None)
            if owner is not None:
                raise ScenarioError(
                    [ScenarioProblem(str(path), 1, 1, "name", f"scenario {world.name!r} is already defined in {owner}")]
                )
        except ScenarioError as exc:
            self.errors[str(path)] = exc
            log.error("scenario %s not loaded (the last good version keeps serving):\n%s", path, exc)
            return False
        if world.name == self.default_name:
            # The default world answers the first request without generating its week; the others generate their
            # hours on first use (start-up stays short however many scenarios a directory holds).
            world.warm(world.clock.now())
        self.errors.pop(str(path), None)
        previous = self.files.get(str(path))
        if previous is not None and previous != world.name:
            self.worlds.pop(previous, None)
        self.files[str(path)] = world.name
        self.worlds[world.name] = world
        self._index_keys()
        return True

    def _index_keys(self) -> None:
        index: dict[str, World] = {}
        for world in self.worlds.values():
            for key in world.keys:
                index.setdefault(key.id, world)
                if key.secret:
                    index.setdefault(key.secret, world)
        self._by_key = index

    @property
    def default(self) -> World:
        return self.worlds[self.default_name]

    def set_default(self, name: str) -> None:
        """Serve `name` when a request picks no scenario (until `reset`)."""
        self.get(name)  # NotFoundError listing the known names
        self.default_name = name

    def set_contract(self, version: str | None, *, drift: bool = False) -> None:
        """Pin every response to a published contract version (None: the newest) until `reset`."""
        from mockserver.contract.adapt import adapter_for

        self.contract = adapter_for(version) if version else None
        self.drift = drift

    def get(self, name: str) -> World:
        """The world of a scenario name; `NotFoundError` listing the names if there is none."""
        world = self.worlds.get(name) if SCENARIO_NAME.fullmatch(name) else None
        if world is None:
            known = ", ".join(sorted(self.worlds))
            shown = name if len(name) <= 64 else name[:64] + "..."
            raise NotFoundError(f"Unknown scenario {shown!r}; known scenarios: {known}", code="UNKNOWN_SCENARIO")
        return world

    def select(self, header: str | None, credential_key: str | None) -> World:
        """The world a request asks for: by header, else by a declared API key, else the default."""
        if header is not None:
            return self.get(header.strip())
        if credential_key is not None:
            world = self._by_key.get(credential_key)
            if world is not None:
                return world
        return self.default

    def reset(self) -> None:
        """Every world back to its initial state; the default scenario and contract back to the settings'."""
        for world in self.worlds.values():
            world.reset()
        self.default_name = self.settings.scenario
        self.set_contract(self.settings.contract)
