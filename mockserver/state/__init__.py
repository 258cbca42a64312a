"""Run-time state shared by the processes of a fleet (`serve --state redis://...`): where it lives and how a
process reaches it. The worlds never go through the store: every process builds them from the same files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockserver.controls.faults import Faults
    from mockserver.controls.journal import Journal
    from mockserver.settings import Settings
    from mockserver.state.store import StateStore


def open_store(settings: Settings, faults: Faults, journal: Journal) -> StateStore:
    """The store `settings.state` names: Redis, or this process only (None: `faults` and `journal` hold it all)."""
    if settings.state is None:
        from mockserver.state.local import LocalStore

        return LocalStore(faults, journal)
    from mockserver.state.redis_store import RedisStore

    return RedisStore(settings.state, settings.state_namespace, faults, settings.journal_size)
