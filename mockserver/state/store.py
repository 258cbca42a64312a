"""The state store protocol: what a process shares with its fleet (clocks, default scenario), whoever holds it.

A clock's shared state is one of three: frozen at an instant (epoch ms), `RUNNING` on real time, or `BUILT` (the
clock the world was built with, as after `reset`). The store never holds worlds: each process builds its own.
"""

from __future__ import annotations

from typing import Literal, Protocol

from mockserver.worlds import Worlds

ClockState = int | Literal["running", "built"]
RUNNING: ClockState = "running"
BUILT: ClockState = "built"


def apply_clock(worlds: Worlds, name: str, state: ClockState) -> None:
    """Set the clock of world `name` (if this process has it) to a shared clock state."""
    world = worlds.worlds.get(name)
    if world is None:
        return
    if state == BUILT:
        world.clock.reset()
    elif state == RUNNING:
        world.clock.unfreeze()
    else:
        world.clock.freeze(int(state))


class StateStore(Protocol):
    """Where run-time state lives. `shared`: the areas (`clock`, `default scenario`, ...) other processes see."""

    shared: frozenset[str]

    async def sync(self, worlds: Worlds) -> None:
        """Bring this process's worlds up to the store's state; never raises, never waits past a short timeout."""
        ...

    async def set_clocks(self, worlds: Worlds, clocks: dict[str, ClockState]) -> None:
        """Set these worlds' clocks, here and (when shared) for every process; StoreUnavailableError if it cannot."""
        ...

    async def set_default(self, worlds: Worlds, name: str | None) -> None:
        """Serve `name` by default (None: the settings' default again), here and (when shared) everywhere."""
        ...

    async def close(self) -> None:
        """Let go of connections."""
        ...
