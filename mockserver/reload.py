"""Live reload: watch the scenario directory and rebuild the worlds of edited files in the background."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from mockserver.worlds import SCENARIO_SUFFIXES, Worlds

log = logging.getLogger("mockserver")


async def watch_scenarios(worlds: Worlds, stop: asyncio.Event) -> None:
    """Rebuild each changed scenario file's world until `stop` is set; a broken edit keeps the old world, a
    deleted file's world goes (the default's stays, with a warning)."""
    from watchfiles import awatch

    directory = worlds.settings.scenario_directory()
    async for changes in awatch(directory, stop_event=stop, debounce=200, step=50, recursive=False):
        paths = sorted({Path(p) for _, p in changes if Path(p).suffix in SCENARIO_SUFFIXES})
        # Removals first: a file moved to another name must give up its scenario name before the new path claims it.
        # Both off the event loop: building a world is CPU work, and a removal waits for a load in progress.
        for path in paths:
            if not path.is_file():
                await asyncio.to_thread(worlds.remove_file, path)
        for path in paths:
            if path.is_file() and await asyncio.to_thread(worlds.load_file, path):
                log.info("reloaded scenario %s", path)
