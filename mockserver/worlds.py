"""The worlds a server holds: every scenario file of a directory, loaded, built and looked up by name."""

from __future__ import annotations

import logging
from pathlib import Path

from mockserver.errors import NotFoundError, ScenarioError, ScenarioProblem
from mockserver.scenario.loader import load_scenario
from mockserver.settings import Settings
from mockserver.world.world import World, WorldError, build_world

log = logging.getLogger("mockserver")
SCENARIO_SUFFIXES = (".yaml", ".yml")


def scenario_files(directory: Path) -> list[Path]:
    """The scenario files of a directory, sorted by name."""
    return sorted(p for p in directory.iterdir() if p.suffix in SCENARIO_SUFFIXES and p.is_file())


def build_world_from_file(path: Path, now: int | None = None) -> World:
    """Load a scenario file and build its world; every problem becomes a `ScenarioError`."""
    scenario = load_scenario(path)
    try:
        return build_world(scenario, now)
    except WorldError as exc:
        raise ScenarioError([ScenarioProblem(str(path), 1, 1, exc.field, exc.message)]) from None


class Worlds:
    """The loaded worlds by scenario name, the default one, and the errors of files that failed to load."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.worlds: dict[str, World] = {}
        self.errors: dict[str, ScenarioError] = {}
        self.load_all()

    def load_all(self) -> None:
        directory = self.settings.scenario_directory()
        for path in scenario_files(directory):
            self.load_file(path)
        if self.settings.scenario not in self.worlds:
            known = ", ".join(sorted(self.worlds)) or "none"
            raise ScenarioError([
                ScenarioProblem(str(directory), 1, 1, "scenario",
                                f"no scenario named {self.settings.scenario!r} loaded; loaded: {known}")
            ])

    def load_file(self, path: Path) -> None:
        try:
            world = build_world_from_file(path, self.settings.now)
        except ScenarioError as exc:
            self.errors[str(path)] = exc
            log.error("scenario %s not loaded:\n%s", path, exc)
            return
        self.errors.pop(str(path), None)
        world.warm(world.clock.now())
        self.worlds[world.name] = world

    @property
    def default(self) -> World:
        return self.worlds[self.settings.scenario]

    def get(self, name: str) -> World:
        world = self.worlds.get(name)
        if world is None:
            known = ", ".join(sorted(self.worlds))
            raise NotFoundError(f"Unknown scenario {name!r}; known scenarios: {known}", code="UNKNOWN_SCENARIO")
        return world
