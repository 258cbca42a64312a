"""Live reload: watch the scenario directory and rebuild the worlds of edited files in the background."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from mockserver.offload import in_daemon_thread
from mockserver.worlds import SCENARIO_SUFFIXES, Worlds

log = logging.getLogger("mockserver")


async def watch_scenarios(worlds: Worlds, stop: asyncio.Event) -> None:
    """Rebuild each changed scenario file's world until `stop` is set; a broken edit keeps the old world."""
    from watchfiles import awatch

    directory = worlds.settings.scenario_directory()
    async for changes in awatch(directory, stop_event=stop, debounce=200, step=50, recursive=False):
        paths = sorted({Path(p) for _, p in changes if Path(p).suffix in SCENARIO_SUFFIXES})
        for path in paths:
            if not path.is_file():
                log.warning("scenario file %s was removed; its world keeps serving until restart", path)
                continue
            # Building a world is CPU work: do it off the event loop so requests keep flowing (in a daemon thread,
            # which a SIGTERM does not wait for).
            if await in_daemon_thread(worlds.load_file, path):
                log.info("reloaded scenario %s", path)
