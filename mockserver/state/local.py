"""The in-process store: run-time state lives in this process's worlds only (the default, nothing to install)."""

from __future__ import annotations

from mockserver.state.store import ClockState, apply_clock
from mockserver.worlds import Worlds


class LocalStore:
    """State kept by the worlds themselves; no other process sees it."""

    shared: frozenset[str] = frozenset()

    async def sync(self, worlds: Worlds) -> None:
        return None

    async def set_clocks(self, worlds: Worlds, clocks: dict[str, ClockState]) -> None:
        for name, state in clocks.items():
            apply_clock(worlds, name, state)

    async def set_default(self, worlds: Worlds, name: str | None) -> None:
        if name is None:
            worlds.default_name = worlds.initial_default
        else:
            worlds.set_default(name)

    async def close(self) -> None:
        return None
