"""The state store protocol: what a process shares with its fleet, whoever holds it.

Shared areas: clocks, the default scenario, fault rules with their counters, the journal, and reloads. A clock's
shared state is one of three: frozen at an instant (epoch ms), `RUNNING` on real time, or `BUILT` (the clock the
world was built with, as after `reset`). The store never holds worlds: each process builds its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

from mockserver.worlds import Worlds

if TYPE_CHECKING:
    from mockserver.controls.faults import FaultAction, FaultRequest
    from mockserver.controls.journal import Journal, RawRequest
    from mockserver.scenario.faults import FaultRule
    from mockserver.world.world import World

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
    """Where run-time state lives. `shared`: the areas (`clock`, `faults`, ...) other processes see."""

    shared: frozenset[str]
    process: str  # this process's name in a fleet's journal and listings (`host:pid`)

    async def sync(self, worlds: Worlds) -> None:
        """Bring this process's worlds up to the store's state; never raises, never waits past a short timeout."""
        ...

    async def set_clocks(self, worlds: Worlds, clocks: dict[str, ClockState]) -> None:
        """Set these worlds' clocks, here and (when shared) for every process; StoreUnavailableError if it cannot."""
        ...

    async def set_default(self, worlds: Worlds, name: str | None) -> None:
        """Serve `name` by default (None: the settings' default again), here and (when shared) everywhere."""
        ...

    # -- faults
    def could_apply(self, world: World | None) -> bool:
        """True if a rule could fire for a request of this world (else the middleware skips the rules)."""
        ...

    async def decide(
        self, request: FaultRequest, fault_header: str | None, latency_header: str | None
    ) -> FaultAction | None:
        """The fault for one request (None: answer normally); never waits past a short timeout."""
        ...

    async def add_faults(self, rules: Sequence[FaultRule]) -> list[int]:
        """Install rules after the others; their ids. ValueError past the bound on rules."""
        ...

    async def remove_fault(self, rule_id: int) -> None:
        """Uninstall a rule; KeyError if there is none with this id."""
        ...

    async def clear_faults(self) -> None:
        """Uninstall every rule added at run time (scenario rules stay)."""
        ...

    async def describe_faults(self) -> list[dict[str, Any]]:
        """The rules added at run time with their counters."""
        ...

    # -- journal
    def next_id(self) -> int:
        """The id of the next entry this process records (0 when the store numbers them)."""
        ...

    def record(self, raw: RawRequest) -> asyncio.Future[None] | None:
        """Record one request; a future to wait for (bounded by `wait_recorded`) when it is written elsewhere."""
        ...

    async def wait_recorded(self, pending: asyncio.Future[None]) -> None:
        """Wait, a short bounded time, for a recorded entry to be written."""
        ...

    async def journal(self) -> tuple[Journal, dict[str, int]]:
        """The journal the verification helpers read (the fleet's), and entries each process could not write."""
        ...

    async def clear_journal(self) -> int:
        """Forget every entry; how many there were."""
        ...

    # -- everything
    async def reset(self, worlds: Worlds, *, clear_faults: bool = False) -> None:
        """Clocks, default scenario, contract, rule counters and sequences, journal back to the start."""
        ...

    async def announce_reload(self) -> None:
        """Tell the other processes to rebuild their worlds from their files (this one has just done so)."""
        ...

    async def processes(self, worlds: Worlds) -> list[dict[str, Any]]:
        """The processes sharing the store, with their loaded generation (this one alone when nothing is shared)."""
        ...

    async def run(self, worlds: Worlds, stop: asyncio.Event) -> None:
        """Background work while serving (a periodic sync); returns when `stop` is set."""
        ...

    async def close(self) -> None:
        """Let go of connections."""
        ...
