"""Run-time state shared by the processes of a fleet (`serve --state redis://...`): where it lives and how a
process reaches it. The worlds never go through the store: every process builds them from the same files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockserver.settings import Settings
    from mockserver.state.store import StateStore


def open_store(settings: Settings) -> StateStore:
    """The store `settings.state` names: Redis, or this process only (None)."""
    if settings.state is None:
        from mockserver.state.local import LocalStore

        return LocalStore()
    from mockserver.state.redis_store import RedisStore

    return RedisStore(settings.state, settings.state_namespace)
