"""Live reload: watch the scenario directory and rebuild the worlds of edited files in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from mockserver.offload import in_daemon_thread
from mockserver.worlds import SCENARIO_SUFFIXES, Worlds

log = logging.getLogger("mockserver")


async def watch_scenarios(
    worlds: Worlds, stop: asyncio.Event, on_reload: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Rebuild each changed scenario file's world until `stop` is set; a broken edit keeps the old world, a
    deleted file's world goes (the default's stays, with a warning); `on_reload` runs after each round of changes."""
    from watchfiles import awatch

    location = worlds.settings.scenario_directory()
    # One file: watch its directory (editors save by replacing the file, which ends a watch on the file itself).
    single = location if location.is_file() else None
    directory = location.parent if single is not None else location
    watched = {directory.absolute(), directory.resolve()}  # as given, and with symbolic links resolved
    async for changes in awatch(directory, stop_event=stop, debounce=200, step=50, recursive=False):
        # watchfiles reports absolute paths; the worlds know each file by the path it was loaded from (relative if
        # the directory was given relative), so a change is mapped back to that form.
        changed = {directory / Path(p).name for _, p in changes if Path(p).parent in watched}
        paths = sorted(p for p in changed if p.suffix in SCENARIO_SUFFIXES and single in (None, p))
        # Removals first: a file moved to another name must give up its scenario name before the new path claims it.
        # Both off the event loop: building a world is CPU work, and a removal waits for a load in progress.
        for path in paths:
            if not path.is_file():
                await in_daemon_thread(worlds.remove_file, path)
        for path in paths:
            # In a daemon thread, which a SIGTERM does not wait for.
            if path.is_file() and await in_daemon_thread(worlds.load_file, path):
                log.info("reloaded scenario %s", path)
        if paths:
            worlds.generation += 1
            if on_reload is not None:
                await on_reload()
