"""The worlds a server holds: every scenario file of a directory, loaded, built and looked up by name."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mockserver.cache import CacheBudget
from mockserver.errors import NotFoundError, ScenarioError, ScenarioProblem, SetupError
from mockserver.scenario.budget import MAX_BYTES
from mockserver.scenario.loader import read_scenario, read_scenario_text
from mockserver.settings import Settings
from mockserver.world.builder import WorldError, build_world
from mockserver.world.world import World

log = logging.getLogger("mockserver")
SCENARIO_SUFFIXES = (".yaml", ".yml")


DEFAULT_SCENARIO = "default"
CHOOSE_HINT = "pick one with --scenario NAME (MOCK_SCENARIO in the container, mockserver_scenario in pytest's ini)"


def scenario_files(location: Path) -> list[Path]:
    """The scenario files of a directory, sorted by name; or the one file `location` names."""
    if location.is_dir():
        return sorted(p for p in location.iterdir() if p.suffix in SCENARIO_SUFFIXES and p.is_file())
    return [location] if location.is_file() else []  # one file (gone: none)


def build_world_from_file(
    path: Path, now: int | None = None, seed: int | None = None, budget: CacheBudget | None = None
) -> World:
    """Load a scenario file and build its world; every problem becomes a `ScenarioError` located in the file."""
    located = read_scenario(path)
    try:
        return build_world(located.scenario, now, seed, budget)
    except WorldError as exc:
        raise ScenarioError([located.problem(exc.field, exc.message)]) from None


def _hint(path: Path) -> tuple[str, frozenset[str] | None] | None:
    """The name a scenario file gives (its `name:`, else `default`) and the API key ids and secrets it may declare
    (None: it could declare any), read with libyaml alone; None if that cannot tell (the loader will).

    A file the loader accepts has exactly this name, and keys among these (it reads the same YAML): what the
    loader refuses has no world at all, so the hint may only be wrong about a file that fails to load.
    """
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        document = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError, ValueError, RecursionError):
        return None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        return None
    name = document.get("name", DEFAULT_SCENARIO)
    if not isinstance(name, str):
        return None
    specs = document.get("apiKeys", [])
    if not isinstance(specs, list) or "api_keys" in document:
        return name, None
    keys: set[str] = set()
    for spec in specs:
        if not isinstance(spec, dict):
            return name, None
        for field in ("id", "secret"):
            value = spec.get(field)
            if value is not None:
                if not isinstance(value, str):
                    return name, None
                keys.add(value)
    return name, frozenset(keys)


SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
SCENARIO_HEADER = "x-mock-scenario"
# Every answer of a world says the instant it was answered at (its clock may be frozen, or moved by a test): a
# validating proxy in front of the mock reads windows against it rather than against its own clock.
NOW_HEADER = "x-mock-now"
WORLD_SCOPE_KEY = "mockserver.world"  # the world a request's middleware already selected (ASGI scope)


def _kept(name: str, path: str, change: str) -> str:
    """The warning for a default world kept after its file changed (`change`: "was removed", "now defines ...")."""
    return (
        f"the file that defined the default scenario {name!r} ({path}) {change}; its last good world keeps "
        f"serving until a file defines {name!r} again (PUT /__admin/scenarios/default picks another default)"
    )


class Worlds:
    """The loaded worlds by scenario name, the default one, and the errors of files that failed to load.

    A reload builds the new world aside and swaps it in with one assignment of a new dict (`worlds`, `errors`,
    `files` and `warnings` are never changed in place), so a request that already holds a world finishes with it
    and no response ever mixes two worlds. Loads and removals run one at a time (a lock), off the event loop.

    The default world (and the one `reset` returns to) is never dropped: when its file is deleted or renames it,
    its last good world keeps serving under its name and `warnings` says why, until a file defines it again.
    """

    def __init__(self, settings: Settings, *, require_default: bool = True) -> None:
        self.settings = settings
        self._worlds: dict[str, World] = {}
        self._errors: dict[str, ScenarioError] = {}
        self._files: dict[str, str] = {}  # file path -> scenario name
        self._warnings: dict[str, tuple[str, str]] = {}  # scenario name -> (file path, what happened): kept worlds
        self._by_key: dict[str, World] = {}
        # The files not loaded yet (sorted), and the keys each one may declare (None: it could declare any): see
        # `_load_default_first`. Empty once every file has been loaded: then every lookup is the eager one.
        self._pending: list[Path] = []
        self._pending_keys: list[frozenset[str] | None] = []
        self._order: dict[str, int] = {}  # file path -> its place in the directory, while files are pending
        # The default scenario as configured (`reset` returns to it): the one asked for, else `default`, else the
        # only scenario of the directory (resolved once the files are loaded).
        self.initial_default = settings.scenario or DEFAULT_SCENARIO
        self.default_name = self.initial_default
        self.contract: Any = None  # a ContractAdapter while a contract version is pinned at run time
        self.drift = False
        # Worlds from documents in memory (`use_document`) until `reset`, and the file worlds they stand in for.
        self.documents: dict[str, World | None] = {}
        self._lock = threading.Lock()
        # One byte budget for the caches of every world, reloaded ones included (a replaced world's go with it).
        self.cache_budget = CacheBudget(settings.cache_bytes)
        if settings.lazy_worlds and require_default:
            self._load_default_first()
        else:
            self.load_all(require_default)
        self.generation = 1  # reloads completed, plus one: `/__admin/scenarios` shows it for every process
        if settings.contract:
            self.set_contract(settings.contract)

    # What lists or changes every world sees them all: the files not loaded yet are loaded first (`_complete`).
    @property
    def worlds(self) -> dict[str, World]:
        """The worlds by scenario name (never changed in place: a reload assigns a new dict)."""
        self._complete()
        return self._worlds

    @property
    def errors(self) -> dict[str, ScenarioError]:
        """The errors of the files that did not load, by file path."""
        self._complete()
        return self._errors

    @property
    def files(self) -> dict[str, str]:
        """The scenario name each loaded file defines, by file path."""
        self._complete()
        return self._files

    @property
    def warnings(self) -> dict[str, tuple[str, str]]:
        """The default worlds kept after their file went or renamed them: name -> (file path, why)."""
        self._complete()
        return self._warnings

    def load_all(self, require_default: bool = True) -> None:
        """Load every file of the directory, in order, and choose the default scenario."""
        location = self.settings.scenario_directory()
        for path in scenario_files(location):
            self.load_file(path)
        if require_default:
            self.initial_default = self.default_name = self._choose_default(location)

    def _load_default_first(self) -> None:
        """Load the default scenario's file now and the others on first use: the same worlds as `load_all`.

        The file of the default is the first whose `name:` (read with libyaml, without the loader) is the one asked
        for; it is loaded alone only if every file before it says another name, so no earlier file could have
        claimed the name. The others wait in `_pending`, with the keys they may declare, so that `select` knows
        a key no pending file declares without building them. Anything else (no such file, a file that does not
        say its name, the default failing to load) loads every file as `load_all` does.
        """
        location = self.settings.scenario_directory()
        files = scenario_files(location)
        hints = [_hint(path) for path in files]
        first = next((i for i, hint in enumerate(hints) if hint is None or hint[0] == self.default_name), None)
        if first is None or hints[first] is None:
            self.load_all()
            return
        self._order = {str(path): i for i, path in enumerate(files)}
        self._pending = files[:first] + files[first + 1 :]
        self._pending_keys = [hint[1] if hint else None for hint in hints[:first] + hints[first + 1 :]]
        with self._lock:
            if self._load_file(files[first]) and self.default_name in self._worlds:
                return
            # Its error stays (logged once, before the others'): the others load in order, as `load_all` does.
            self._load_pending()
        self._errors = dict(sorted(self._errors.items(), key=lambda item: self._order[item[0]]))
        self.initial_default = self.default_name = self._choose_default(location)

    def _complete(self) -> None:
        """Load the files not loaded yet (a no-op once they all are)."""
        if self._pending:
            with self._lock:
                self._load_pending()

    def _load_pending(self) -> None:
        """Load the pending files in order (the lock held); the worlds then stand in the order `load_all` gives."""
        while self._pending:
            path = self._pending[0]
            self._load_file(path)
            self._pending, self._pending_keys = self._pending[1:], self._pending_keys[1:]
        self._files = dict(sorted(self._files.items(), key=lambda item: self._order.get(item[0], len(self._order))))
        self._swap(self._ranked(self._worlds), self._warnings)

    def _ranked(self, worlds: dict[str, World]) -> dict[str, World]:
        """`worlds` in the order of their files (while files are pending: the default's was loaded first)."""
        ranks = {name: self._order.get(path, len(self._order)) for path, name in self._files.items()}
        return dict(sorted(worlds.items(), key=lambda item: ranks.get(item[0], len(ranks))))

    def _choose_default(self, location: Path) -> str:
        """The scenario served by default: the one asked for, else `default`, else the only one; `SetupError`."""
        asked = self.settings.scenario
        known = ", ".join(sorted(self._worlds)) or "none"
        failed = f"; not loaded (see the errors above): {', '.join(sorted(self._errors))}" if self._errors else ""
        if asked is not None:
            if asked in self._worlds:
                return asked
            raise SetupError(f"no scenario named {asked!r} in {location}; loaded: {known}{failed}")
        if DEFAULT_SCENARIO in self._worlds:
            return DEFAULT_SCENARIO
        if len(self._worlds) == 1 and not self._errors:
            return next(iter(self._worlds))
        if not self._worlds:
            raise SetupError(f"no scenario loaded from {location}{failed}")
        raise SetupError(
            f"{location} has several scenarios and none named 'default' (loaded: {known}{failed}); {CHOOSE_HINT}"
        )

    def reload_all(self) -> list[str]:
        """Reload every file of the directory and forget the files that are gone; the paths that failed."""
        self._complete()
        present = scenario_files(self.settings.scenario_directory())
        for path in sorted({*self._files, *self._errors} - {str(p) for p in present}):
            self.remove_file(Path(path))  # first: a moved file's new path can then claim its scenario name
        failed = [str(path) for path in present if not self.load_file(path)]
        self.generation += 1
        return failed

    def load_file(self, path: Path) -> bool:
        """(Re)load one file; on error keep the last good world and record the error. True if it loaded."""
        self._complete()
        with self._lock:
            return self._load_file(path)

    def _load_file(self, path: Path) -> bool:
        key = str(path)
        previous = self._files.get(key)
        try:
            world = build_world_from_file(path, self.settings.now, self.settings.seed, self.cache_budget)
            owner = next((f for f, n in self._files.items() if n == world.name and f != key), None)
            if owner is not None:
                raise ScenarioError(
                    [ScenarioProblem(key, 1, 1, "name", f"scenario {world.name!r} is already defined in {owner}")]
                )
        except ScenarioError as exc:
            self._errors = {**self._errors, key: exc}
            if previous is None:
                log.error("scenario %s not loaded:\n%s", path, exc)
            else:
                log.error("scenario %s not reloaded (the last good version keeps serving):\n%s", path, exc)
            return False
        if world.name == self.default_name:
            # The default world answers the first request without generating its week; the others generate their
            # hours on first use (start-up stays short however many scenarios a directory holds).
            world.warm(world.clock.now())
        if world.name in self.documents:  # a document stands in for it: the file's new world comes back at reset
            self.documents = {**self.documents, world.name: world}
            self._errors = {p: e for p, e in self._errors.items() if p != key}
            self._files = {**self._files, key: world.name}
            return True
        worlds = {**self._worlds, world.name: world}
        warnings = {n: w for n, w in self._warnings.items() if n != world.name}  # defined again: no longer kept
        if previous is not None and previous != world.name:
            self._drop(previous, key, f"now defines {world.name!r}", worlds, warnings)
        self._errors = {p: e for p, e in self._errors.items() if p != key}
        self._files = {**self._files, key: world.name}
        self._swap(worlds, warnings)
        return True

    def remove_file(self, path: Path) -> None:
        """Forget a deleted file: its world goes, unless it is the default, which keeps serving with a warning."""
        self._complete()
        with self._lock:
            key = str(path)
            self._errors = {p: e for p, e in self._errors.items() if p != key}
            # A default kept after this file renamed it: the file is gone now, and its warning says so.
            warnings = {
                n: (key, _kept(n, key, "was removed")) if p == key else (p, m) for n, (p, m) in self._warnings.items()
            }
            name = self._files.get(key)
            if name is not None:
                self._files = {p: n for p, n in self._files.items() if p != key}
                worlds = dict(self._worlds)
                self._drop(name, key, "was removed", worlds, warnings)
                self._swap(worlds, warnings)
            else:
                self._warnings = warnings

    def _drop(
        self,
        name: str,
        path: str,
        change: str,
        worlds: dict[str, World],
        warnings: dict[str, tuple[str, str]],
    ) -> None:
        """Take `name` out of `worlds` (a file no longer defines it), or keep it with a warning if it is a default."""
        if name not in (self.default_name, self.initial_default):
            worlds.pop(name, None)
            log.info("scenario file %s %s: scenario %r is no longer served", path, change, name)
            return
        message = _kept(name, path, change)
        warnings[name] = (path, message)
        log.warning("%s", message)

    def _swap(self, worlds: dict[str, World], warnings: dict[str, tuple[str, str]]) -> None:
        self._worlds = worlds  # one assignment: a request sees the old dict or the new one
        self._warnings = warnings
        self._index_keys()

    def _index_keys(self) -> None:
        index: dict[str, World] = {}
        # A key two worlds declare selects the first in file order (the order `load_all` gives once all are loaded).
        for world in self._ranked(self._worlds).values() if self._pending else self._worlds.values():
            for key in world.keys:
                index.setdefault(key.id, world)
                if key.secret:
                    index.setdefault(key.secret, world)
        self._by_key = index

    @property
    def default(self) -> World:
        """The world served when a request picks none; `NotFoundError` listing the names if it is not loaded."""
        world = self._worlds.get(self.default_name)
        if world is None and self._pending:
            self._complete()
            world = self._worlds.get(self.default_name)
        if world is None:  # only without `require_default`: a served default is never dropped
            known = ", ".join(sorted(self._worlds)) or "none"
            raise NotFoundError(
                f"The default scenario {self.default_name!r} is not loaded; known scenarios: {known}",
                code="UNKNOWN_SCENARIO",
            )
        return world

    def set_default(self, name: str) -> None:
        """Serve `name` when a request picks no scenario (until `reset`)."""
        self.get(name)  # NotFoundError listing the known names
        self.default_name = name

    def set_contract(self, version: str | None, *, drift: bool = False) -> None:
        """Pin every response to a published contract version (None: the newest) until `reset`."""
        from mockserver.contract.adapt import adapter_for
        from mockserver.contract.versions import LATEST_VERSION

        # Drift past the newest contract pins to it: without a pin, the scenario's own contract would decide.
        self.contract = adapter_for(version or LATEST_VERSION) if version or drift else None
        self.drift = drift

    def get(self, name: str) -> World:
        """The world of a scenario name; `NotFoundError` listing the names if there is none."""
        world = self._worlds.get(name) if SCENARIO_NAME.fullmatch(name) else None
        if world is None and self._pending:  # no earlier file claims a loaded world's name: only a miss loads
            self._complete()
            world = self._worlds.get(name) if SCENARIO_NAME.fullmatch(name) else None
        if world is None:
            known = ", ".join(sorted(self._worlds))
            shown = name if len(name) <= 64 else name[:64] + "..."
            raise NotFoundError(f"Unknown scenario {shown!r}; known scenarios: {known}", code="UNKNOWN_SCENARIO")
        return world

    def select(self, header: str | None, credential_key: str | None) -> World:
        """The world a request asks for: by header, else by a declared API key, else the default."""
        if header is not None:
            return self.get(header.strip())
        if credential_key is not None:
            if self._pending and any(keys is None or credential_key in keys for keys in self._pending_keys):
                self._complete()  # a file not loaded yet may declare it
            world = self._by_key.get(credential_key)
            if world is not None:
                return world
        return self.default

    def use_document(self, document: Mapping[str, Any], source: str = "<document>") -> World:
        """Build the world of a scenario document held in memory and serve it by default until `reset`.

        The document is validated like a file (a `ScenarioError` names `source` and the field); a world of the same
        name stands aside until `reset` brings it back.
        """
        if not isinstance(document, Mapping):
            found = type(document).__name__
            problem = ScenarioProblem(source, 1, 1, "(document)", f"a scenario document is a mapping, not {found}")
            raise ScenarioError([problem])
        try:
            text = yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True)
        except yaml.YAMLError as exc:
            raise ScenarioError([ScenarioProblem(source, 1, 1, "(document)", f"not a YAML document: {exc}")]) from None
        located = read_scenario_text(text, source)
        try:
            world = build_world(located.scenario, self.settings.now, self.settings.seed, self.cache_budget)
        except WorldError as exc:
            raise ScenarioError([located.problem(exc.field, exc.message)]) from None
        self._complete()
        with self._lock:
            if world.name not in self.documents:
                self.documents = {**self.documents, world.name: self._worlds.get(world.name)}
            self._swap({**self._worlds, world.name: world}, self._warnings)
            self.default_name = world.name
        return world

    def _drop_documents(self) -> None:
        """Forget the worlds of documents; the file worlds they stood in for serve again."""
        with self._lock:
            worlds = dict(self._worlds)
            for name, replaced in self.documents.items():
                if replaced is None:
                    worlds.pop(name, None)
                else:
                    worlds[name] = replaced
            self.documents = {}
            self._swap(worlds, self._warnings)

    def reset(self) -> None:
        """Every world back to its initial state; the default scenario and contract back to the settings'.

        Worlds of documents (`use_document`) go, and the worlds they stood in for come back."""
        if self.documents:
            self._drop_documents()
        for world in self._worlds.values():  # (a file not loaded yet builds its world as it starts)
            world.reset()
        self.default_name = self.initial_default
        self.set_contract(self.settings.contract)
