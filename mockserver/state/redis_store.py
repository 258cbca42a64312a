"""The Redis store: clocks and the default scenario under `NAMESPACE:*` keys, seen by every process of a fleet.

Keys: `NS:clock` (a hash: world name -> frozen epoch ms or `running`; no field: the clock the world was built with),
`NS:default` (the default scenario's name; absent: the settings' default) and `NS:version`, incremented in the same
transaction as every change, so that a process reads one short key per request and the rest only when it moved.

Timeouts: an API request waits at most `SYNC_TIMEOUT_S` for the store, then goes on with the state last seen (and
the store is not asked again for `RETRY_AFTER_S`); a control waits at most `CONTROL_TIMEOUT_S`, then answers 503.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from mockserver.errors import StateError, StoreUnavailableError
from mockserver.state.store import BUILT, RUNNING, ClockState, apply_clock
from mockserver.state.url import shown
from mockserver.worlds import Worlds

CONNECT_TIMEOUT_S = 2.0  # how long `serve --state` waits for Redis at start before it exits 1
SYNC_TIMEOUT_S = 0.1  # the longest an API request waits for the store
CONTROL_TIMEOUT_S = 1.0  # the longest a control (admin API) waits for the store before its 503
RETRY_AFTER_S = 1.0  # after a failed read, requests go on without asking the store for this long
_FAILURES = (redis.RedisError, OSError, TimeoutError)
log = logging.getLogger("mockserver.state")

Snapshot = tuple[dict[str, ClockState], str | None]


def check_reachable(url: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise StateError, one line naming the URL, unless the Redis server at `url` answers a PING."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise StateError(f"cannot reach the state store {shown(url)}: {_reason(exc)}") from None
    finally:
        client.close()


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()).rstrip(".") or type(exc).__name__


def _clock_state(raw: str) -> ClockState:
    return RUNNING if raw == RUNNING else int(raw)


class RedisStore:
    """Clocks and the default scenario shared through Redis; each process applies them on its next request."""

    shared: frozenset[str] = frozenset({"clock", "default scenario"})

    def __init__(self, url: str, namespace: str) -> None:
        self.url = url
        self.client = redis.asyncio.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=CONTROL_TIMEOUT_S,
            socket_connect_timeout=CONTROL_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0),  # a timeout bounds every call; retries would multiply it
        )
        self.clock_key = f"{namespace}:clock"
        self.default_key = f"{namespace}:default"
        self.version_key = f"{namespace}:version"
        self._snapshot: Snapshot | None = None
        self._version = -1  # the store's version of `_snapshot`
        self._reads = 0  # snapshots taken (a version number may repeat: a restarted Redis starts again from 0)
        # The snapshot number and the worlds dict last applied: a reload swaps in a new dict, whose clocks are built
        # afresh (compared by identity: a dict comparison would compare every world)
        self._applied_reads = -1
        self._applied_worlds: object = None
        self._reading: asyncio.Task[None] | None = None
        self._quiet_until = 0.0
        self._lost = False

    async def sync(self, worlds: Worlds) -> None:
        if time.monotonic() >= self._quiet_until:
            if self._reading is None:
                self._reading = asyncio.ensure_future(self._read())
                self._reading.add_done_callback(self._read_done)
            try:
                # Shielded: concurrent requests share one read, and a request that stops waiting leaves it running.
                await asyncio.wait_for(asyncio.shield(self._reading), SYNC_TIMEOUT_S)
            except _FAILURES as exc:
                self._quiet_until = time.monotonic() + RETRY_AFTER_S
                self._version = -1  # read everything when it answers again: it may have restarted empty
                if not self._lost:
                    self._lost = True
                    log.warning("state store %s does not answer (%s): serving the state last seen", self, _reason(exc))
        self._apply(worlds)

    def _read_done(self, task: asyncio.Task[None]) -> None:
        self._reading = None
        if not task.cancelled() and task.exception() is None and self._lost:
            self._lost = False
            log.warning("state store %s answers again", self)

    async def _read(self) -> None:
        version = int(await self.client.get(self.version_key) or 0)
        if version == self._version:
            return
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hgetall(self.clock_key)
            pipe.get(self.default_key)
            pipe.get(self.version_key)
            clocks, default, version_now = await pipe.execute()
        self._store(clocks, default, version_now)

    def _store(self, clocks: dict[str, str], default: str | None, version: str | None) -> None:
        self._snapshot = ({name: _clock_state(raw) for name, raw in clocks.items()}, default)
        self._version = int(version or 0)
        self._reads += 1

    def _apply(self, worlds: Worlds) -> None:
        if self._snapshot is None or (self._applied_reads == self._reads and self._applied_worlds is worlds.worlds):
            return
        clocks, default = self._snapshot
        for name in worlds.worlds:
            apply_clock(worlds, name, clocks.get(name, BUILT))
        if default is None:
            worlds.default_name = worlds.initial_default
        elif default in worlds.worlds:
            worlds.default_name = default
        else:  # set by a process with other files: keep this one's default rather than serve nothing
            log.warning("shared default scenario %r is not loaded here; keeping %r", default, worlds.default_name)
        self._applied_reads, self._applied_worlds = self._reads, worlds.worlds

    async def _change(self, worlds: Worlds, write: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        """Run `write` (command, arguments) and bump the version in one transaction; apply the result here."""
        try:
            async with asyncio.timeout(CONTROL_TIMEOUT_S), self.client.pipeline(transaction=True) as pipe:
                for command, arguments in write:
                    getattr(pipe, command)(*arguments)
                pipe.incr(self.version_key)
                pipe.hgetall(self.clock_key)
                pipe.get(self.default_key)
                *_, version, clocks, default = await pipe.execute()
        except _FAILURES as exc:
            self._version = -1
            raise StoreUnavailableError(
                f"The state store {self} does not answer ({_reason(exc)}): run-time controls are unavailable until "
                "it does; API responses go on with the state last seen"
            ) from None
        self._store(clocks, default, version)
        self._apply(worlds)

    async def set_clocks(self, worlds: Worlds, clocks: dict[str, ClockState]) -> None:
        write = [
            ("hdel", (self.clock_key, name)) if state == BUILT else ("hset", (self.clock_key, name, str(state)))
            for name, state in clocks.items()
        ]
        await self._change(worlds, write)

    async def set_default(self, worlds: Worlds, name: str | None) -> None:
        write = ("delete", (self.default_key,)) if name is None else ("set", (self.default_key, name))
        await self._change(worlds, [write])

    async def close(self) -> None:
        await self.client.aclose()

    def __str__(self) -> str:
        return shown(self.url)
