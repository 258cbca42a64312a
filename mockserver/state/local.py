"""The in-process store: run-time state lives in this process only (the default, nothing to install)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mockserver.controls.faults import FaultAction, FaultRequest, Faults
from mockserver.controls.journal import Journal, RawRequest
from mockserver.scenario.faults import FaultRule
from mockserver.state.store import ClockState, apply_clock
from mockserver.worlds import Worlds

if TYPE_CHECKING:
    from mockserver.world.world import World


def process_name() -> str:
    """This process as a fleet names it: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LocalStore:
    """State kept by this process's worlds, fault rules and journal; no other process sees it."""

    shared: frozenset[str] = frozenset()

    def __init__(self, faults: Faults, journal: Journal) -> None:
        self.faults = faults
        self.local_journal = journal
        self.process = process_name()

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

    def could_apply(self, world: World | None) -> bool:
        return self.faults.could_apply(world)

    async def decide(
        self, request: FaultRequest, fault_header: str | None, latency_header: str | None
    ) -> FaultAction | None:
        return self.faults.decide(request, fault_header, latency_header)

    async def add_faults(self, rules: Sequence[FaultRule]) -> list[int]:
        return [self.faults.add(rule) for rule in rules]

    async def remove_fault(self, rule_id: int) -> None:
        self.faults.remove(rule_id)

    async def clear_faults(self) -> None:
        self.faults.clear()

    async def describe_faults(self) -> list[dict[str, Any]]:
        return self.faults.describe()

    def next_id(self) -> int:
        return self.local_journal.next_id()

    def record(self, raw: RawRequest) -> asyncio.Future[None] | None:
        self.local_journal.record(raw)
        return None

    async def wait_recorded(self, pending: asyncio.Future[None]) -> None:
        return None

    async def journal(self) -> tuple[Journal, dict[str, int]]:
        return self.local_journal, {}

    async def clear_journal(self) -> int:
        return self.local_journal.clear()

    async def reset(self, worlds: Worlds, *, clear_faults: bool = False) -> None:
        worlds.reset()
        if clear_faults:
            self.faults.clear()
        self.faults.reset()
        self.local_journal.clear()

    async def announce_reload(self) -> None:
        return None

    async def processes(self, worlds: Worlds) -> list[dict[str, Any]]:
        return [{"process": self.process, "generation": worlds.generation}]

    async def run(self, worlds: Worlds, stop: asyncio.Event) -> None:
        await stop.wait()

    async def close(self) -> None:
        return None
