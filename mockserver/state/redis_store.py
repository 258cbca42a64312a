"""The Redis store: the run-time state of a fleet under `NAMESPACE:*` keys, seen by every process.

Keys: `NS:clock` (a hash: world name -> frozen epoch ms or `running`; no field: the clock the world was built with),
`NS:default` (the default scenario's name; absent: the settings' default), `NS:faults` (rule id -> rule JSON, ids
from `NS:fault-ids`), `NS:fault-counts` (every rule's matching calls and firings, see `redis_faults`), `NS:reload`
(reloads announced), `NS:processes` (each process's generation) and `NS:version`, incremented in the same
transaction as every change of the first four, so that a process reads one short key per request and the rest
only when it moved. The journal is a stream, `NS:journal` (see `redis_journal`), and the version is read by the
call that writes the journal entries, so that a request costs a share of one round trip.

Timeouts: an API request waits at most `SYNC_TIMEOUT_S` for the store, then goes on with the state last seen (and
the store is not asked again for `RETRY_AFTER_S`); a control waits at most `CONTROL_TIMEOUT_S`, then answers 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from mockserver.controls.faults import MAX_RULES, FaultAction, FaultRequest, Faults
from mockserver.controls.journal import Journal, RawRequest
from mockserver.errors import StateError, StoreUnavailableError
from mockserver.offload import in_daemon_thread
from mockserver.scenario.faults import FaultRule
from mockserver.state import redis_faults
from mockserver.state.local import process_name
from mockserver.state.redis_journal import JournalWriter
from mockserver.state.store import BUILT, RUNNING, ClockState, apply_clock
from mockserver.state.url import shown
from mockserver.worlds import Worlds

if TYPE_CHECKING:
    from mockserver.world.world import World

CONNECT_TIMEOUT_S = 2.0  # how long `serve --state` waits for Redis at start before it exits 1
SYNC_TIMEOUT_S = 0.1  # the longest an API request waits for the store
CONTROL_TIMEOUT_S = 1.0  # the longest a control (admin API) waits for the store before its 503
RETRY_AFTER_S = 1.0  # after a failed read, requests go on without asking the store for this long
DECIDE_TIMEOUT_S = 0.1  # the longest a request waits for the fleet's fault counters (then: no fault)
SYNC_EVERY_S = 1.0  # a process with no requests still syncs (and reloads when told) this often
HEARTBEAT_EVERY = 10  # syncs between two writes of this process's entry in `NS:processes`
GONE_AFTER_S = 35.0  # a process whose entry is older than this is no longer listed
_FAILURES = (redis.RedisError, OSError, TimeoutError)
log = logging.getLogger("mockserver.state")

# KEYS: the rules hash, the id counter, the version. ARGV[1]: the bound on rules; then one rule JSON each.
ADD_RULES_SCRIPT = """
if redis.call('HLEN', KEYS[1]) + #ARGV - 1 > tonumber(ARGV[1]) then return -1 end
local ids = {}
for i = 2, #ARGV do
  local id = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], id, ARGV[i])
  ids[#ids + 1] = id
end
redis.call('INCR', KEYS[3])
return ids
"""


class Snapshot:
    """The shared state as last read: clocks, default scenario, rules (id -> JSON), reloads announced."""

    def __init__(self, clocks: dict[str, str], default: str | None, rules: dict[str, str], reloads: str | None):
        self.clocks = {name: _clock_state(raw) for name, raw in clocks.items()}
        self.default = default
        self.rules = rules
        self.reloads = int(reloads or 0)


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
    """Run-time state shared through Redis; each process applies it on its next request (or within a second)."""

    shared: frozenset[str] = frozenset({"clock", "default scenario", "faults", "journal", "reload"})

    def __init__(self, url: str, namespace: str, faults: Faults, journal_size: int) -> None:
        self.url = url
        self.client = redis.asyncio.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=CONTROL_TIMEOUT_S,
            socket_connect_timeout=CONTROL_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0),  # a timeout bounds every call; retries would multiply it
        )
        self.process = process_name()
        self.faults = faults  # the scenarios' rules and the header-forced faults; their counters are kept here
        self.rules = redis_faults.SharedRules()
        keys = {name: f"{namespace}:{name}" for name in ("clock", "default", "version", "faults", "reload")}
        self.clock_key, self.default_key, self.version_key = keys["clock"], keys["default"], keys["version"]
        self.rules_key, self.reload_key = keys["faults"], keys["reload"]
        self.rule_ids_key = f"{namespace}:fault-ids"
        self.counts_key = f"{namespace}:fault-counts"
        self.processes_key = f"{namespace}:processes"
        self.writer = JournalWriter(self.client, namespace, self.process, journal_size, self.version_key)
        self._count = self.client.register_script(redis_faults.COUNT_SCRIPT)
        self._fire = self.client.register_script(redis_faults.FIRE_SCRIPT)
        self._add_rules = self.client.register_script(ADD_RULES_SCRIPT)
        self._snapshot: Snapshot | None = None
        self._version = -1  # the store's version of `_snapshot`
        self._reads = 0  # snapshots taken (a version number may repeat: a restarted Redis starts again from 0)
        # The snapshot number and the worlds dict last applied: a reload swaps in a new dict, whose clocks are built
        # afresh (compared by identity: a dict comparison would compare every world)
        self._applied_reads = -1
        self._applied_worlds: object = None
        self._loading: asyncio.Task[None] | None = None  # reading everything, the version having moved
        self._quiet_until = 0.0
        self._lost = False
        self._reloads_seen: int | None = None  # reloads announced that this process has done (None: not read yet)
        self._reloading: asyncio.Task[None] | None = None
        self._published_generation = -1

    # -- reading the shared state
    async def sync(self, worlds: Worlds) -> None:
        if time.monotonic() >= self._quiet_until:
            try:
                # Shielded: concurrent requests share one read, and a request that stops waiting leaves it running.
                # The version is read by a call sent after this request arrived, never by one already under way.
                version = await asyncio.shield(self.writer.version(SYNC_TIMEOUT_S))
                if version != self._version:
                    async with asyncio.timeout(SYNC_TIMEOUT_S):
                        await asyncio.shield(self._load())
                        if self._version < version:  # it joined a read begun before this version was written
                            await asyncio.shield(self._load())
            except _FAILURES as exc:
                self._lose(exc)
            else:
                self._found()
        self._apply(worlds)

    def _lose(self, exc: BaseException) -> None:
        self._quiet_until = time.monotonic() + RETRY_AFTER_S
        self._version = -1  # read everything when it answers again: it may have restarted empty
        if not self._lost:
            self._lost = True
            log.warning("state store %s does not answer (%s): serving the state last seen", self, _reason(exc))

    def _found(self) -> None:
        if self._lost:
            self._lost = False
            log.warning("state store %s answers again", self)

    def _load(self) -> asyncio.Task[None]:
        """The read of everything under way (one for all the requests that found the version moved)."""
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._read_all())
            self._loading.add_done_callback(self._loaded)
        return self._loading

    def _loaded(self, task: asyncio.Task[None]) -> None:
        self._loading = None

    async def _read_all(self) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            self._queue_reads(pipe)
            self._store(*await pipe.execute())

    async def _read(self) -> None:
        # Shielded: a control that gives up must not cancel the read the requests share.
        if await asyncio.shield(self.writer.version(CONTROL_TIMEOUT_S)) != self._version:
            await asyncio.shield(self._load())

    def _queue_reads(self, pipe: Any) -> None:
        pipe.hgetall(self.clock_key)
        pipe.get(self.default_key)
        pipe.hgetall(self.rules_key)
        pipe.get(self.reload_key)
        pipe.get(self.version_key)

    def _store(
        self, clocks: dict[str, str], default: str | None, rules: dict[str, str], reloads: str | None, version: Any
    ) -> None:
        self._snapshot = Snapshot(clocks, default, rules, reloads)
        self.rules.update(rules)
        self._version = int(version or 0)
        self._reads += 1

    def _apply(self, worlds: Worlds) -> None:
        snapshot = self._snapshot
        if snapshot is None or (self._applied_reads == self._reads and self._applied_worlds is worlds.worlds):
            return
        for name in worlds.worlds:
            apply_clock(worlds, name, snapshot.clocks.get(name, BUILT))
        if snapshot.default is None:
            worlds.default_name = worlds.initial_default
        elif snapshot.default in worlds.worlds:
            worlds.default_name = snapshot.default
        else:  # set by a process with other files: keep this one's default rather than serve nothing
            log.warning(
                "shared default scenario %r is not loaded here; keeping %r", snapshot.default, worlds.default_name
            )
        if self._reloads_seen is None or snapshot.reloads < self._reloads_seen:
            self._reloads_seen = snapshot.reloads  # at start, or after Redis restarted empty: nothing to do
        elif snapshot.reloads > self._reloads_seen and self._reloading is None:
            self._reloads_seen = snapshot.reloads
            self._reloading = asyncio.ensure_future(self._reload(worlds))
        self._applied_reads, self._applied_worlds = self._reads, worlds.worlds

    async def _reload(self, worlds: Worlds) -> None:
        try:
            failed = await in_daemon_thread(worlds.reload_all)
            log.info(
                "reloaded every scenario, as another process asked%s", f" ({len(failed)} failed)" if failed else ""
            )
            await self._publish(worlds)
        except Exception:
            log.exception("reload asked by another process failed")
        finally:
            self._reloading = None
            self._applied_reads = -1  # the new worlds take the shared clocks

    # -- changing it
    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        self._version = -1
        return StoreUnavailableError(
            f"The state store {self} does not answer ({_reason(exc)}): run-time controls are unavailable until "
            "it does; API responses go on with the state last seen"
        )

    async def _change(self, worlds: Worlds | None, write: Sequence[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """Run `write` (command, arguments) and bump the version in one transaction; apply the result here.
        The results of the writes."""
        try:
            async with asyncio.timeout(CONTROL_TIMEOUT_S), self.client.pipeline(transaction=True) as pipe:
                for command, arguments in write:
                    getattr(pipe, command)(*arguments)
                pipe.incr(self.version_key)
                self._queue_reads(pipe)
                results = await pipe.execute()
        except _FAILURES as exc:
            raise self._unavailable(exc) from None
        self._store(*results[-5:])
        if worlds is not None:
            self._apply(worlds)
        return list(results[: len(write)])

    async def set_clocks(self, worlds: Worlds, clocks: dict[str, ClockState]) -> None:
        write = [
            ("hdel", (self.clock_key, name)) if state == BUILT else ("hset", (self.clock_key, name, str(state)))
            for name, state in clocks.items()
        ]
        await self._change(worlds, write)

    async def set_default(self, worlds: Worlds, name: str | None) -> None:
        write = ("delete", (self.default_key,)) if name is None else ("set", (self.default_key, name))
        await self._change(worlds, [write])

    # -- faults
    def could_apply(self, world: World | None) -> bool:
        return bool(self.rules.states) or self.faults.could_apply(world)

    async def decide(
        self, request: FaultRequest, fault_header: str | None, latency_header: str | None
    ) -> FaultAction | None:
        if fault_header is not None:
            return self.faults.with_latency(self.faults.forced(fault_header), latency_header)
        candidates = self.rules.candidates(self.faults, request)
        action = None
        if candidates:
            try:
                async with asyncio.timeout(DECIDE_TIMEOUT_S):
                    action = await self._count_calls(candidates)
            except _FAILURES as exc:
                # The API answers without the store: a rule's call cannot be counted, so it does not fire.
                self._lose(exc)
        return self.faults.with_latency(action, latency_header)

    async def _count_calls(self, candidates: list[tuple[str, Any]]) -> FaultAction | None:
        while candidates:
            index, call, firing = await self._count(keys=[self.counts_key], args=redis_faults.flatten(candidates))
            if index < 0:
                return None
            key, state = candidates[index]
            # A probability to draw: the same draw on every process, from (seed, call).
            if firing < 0 and redis_faults.drawn(state.rule, call).random() < state.rule.probability:
                arguments = [key, len(state.responses), redis_faults.effective_then(state.rule)]
                firing = await self._fire(keys=[self.counts_key], args=arguments)
            if firing > 0:
                return redis_faults.action_for(state, call, firing)
            candidates = candidates[index + 1 :]
        return None

    async def add_faults(self, rules: Sequence[FaultRule]) -> list[int]:
        texts = [orjson.dumps(rule.model_dump(mode="json", by_alias=True, exclude_unset=True)) for rule in rules]
        try:
            async with asyncio.timeout(CONTROL_TIMEOUT_S):
                ids = await self._add_rules(
                    keys=[self.rules_key, self.rule_ids_key, self.version_key], args=[MAX_RULES, *texts]
                )
        except _FAILURES as exc:
            raise self._unavailable(exc) from None
        if ids == -1:
            raise ValueError(f"at most {MAX_RULES} fault rules can be installed")
        self._version = -1  # read the new rules on the next request
        return [int(rule_id) for rule_id in ids]

    async def remove_fault(self, rule_id: int) -> None:
        removed, _ = await self._change(
            None, [("hdel", (self.rules_key, rule_id)), ("hdel", (self.counts_key, f"r{rule_id}:m", f"r{rule_id}:f"))]
        )
        if not removed:
            raise KeyError(rule_id)

    async def clear_faults(self) -> None:
        await self._change(None, [("delete", (self.rules_key,))])

    async def describe_faults(self) -> list[dict[str, Any]]:
        try:
            async with asyncio.timeout(CONTROL_TIMEOUT_S):
                await self._read()
                counters = await self.client.hgetall(self.counts_key)
        except _FAILURES as exc:
            raise self._unavailable(exc) from None
        return self.rules.describe(counters)

    # -- journal
    def next_id(self) -> int:
        return 0  # numbered by the store, in the order written

    def record(self, raw: RawRequest) -> asyncio.Future[None] | None:
        return self.writer.record(raw)

    async def wait_recorded(self, pending: asyncio.Future[None]) -> None:
        await self.writer.wait(pending)

    async def journal(self) -> tuple[Journal, dict[str, int]]:
        try:
            async with asyncio.timeout(CONTROL_TIMEOUT_S * 5):  # up to 10,000 entries
                entries, unwritten = await self.writer.read()
        except _FAILURES as exc:
            raise self._unavailable(exc) from None
        return Journal.of(entries), unwritten

    async def clear_journal(self) -> int:
        stream, _, unwritten = self.writer.keys
        count, _, _ = await self._change(None, [("xlen", (stream,)), ("delete", (stream,)), ("delete", (unwritten,))])
        return int(count)

    # -- everything
    async def reset(self, worlds: Worlds, *, clear_faults: bool = False) -> None:
        stream, _, unwritten = self.writer.keys
        keys = [self.clock_key, self.default_key, self.counts_key, stream, unwritten]
        if clear_faults:
            keys.append(self.rules_key)
        worlds.reset()  # the contract pinned here (not shared) and this process's caches
        self.faults.reset()
        self._applied_reads = -1
        await self._change(worlds, [("delete", tuple(keys))])

    async def announce_reload(self) -> None:
        results = await self._change(None, [("incr", (self.reload_key,))])
        self._reloads_seen = int(results[0])  # this process has reloaded already

    async def _publish(self, worlds: Worlds) -> None:
        """Write this process's generation where every process lists it."""
        info = {"process": self.process, "generation": worlds.generation, "updated": int(time.time() * 1000)}
        await self.client.hset(self.processes_key, self.process, orjson.dumps(info).decode())
        self._published_generation = worlds.generation

    async def processes(self, worlds: Worlds) -> list[dict[str, Any]]:
        try:
            async with asyncio.timeout(CONTROL_TIMEOUT_S):
                await self._publish(worlds)
                listed = await self.client.hgetall(self.processes_key)
        except _FAILURES as exc:
            raise self._unavailable(exc) from None
        # A process that went without a clean stop (killed) stops being listed once its heartbeats stop.
        alive = time.time() * 1000 - GONE_AFTER_S * 1000
        found = (orjson.loads(text) for text in listed.values())
        return sorted((info for info in found if info["updated"] >= alive), key=lambda info: info["process"])

    async def run(self, worlds: Worlds, stop: asyncio.Event) -> None:
        """Sync every SYNC_EVERY_S (a process with no requests still reloads when told) and publish the generation."""
        beats = 0
        while not stop.is_set():
            await self.sync(worlds)
            beats += 1
            heartbeat = beats % HEARTBEAT_EVERY == 0
            if (heartbeat or worlds.generation != self._published_generation) and not self._lost:
                try:
                    async with asyncio.timeout(SYNC_TIMEOUT_S * 5):
                        await self._publish(worlds)
                except _FAILURES as exc:
                    self._lose(exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SYNC_EVERY_S)

    async def close(self) -> None:
        try:
            async with asyncio.timeout(SYNC_TIMEOUT_S * 5):
                await self.client.hdel(self.processes_key, self.process)
        except _FAILURES:
            pass
        await self.writer.close()
        await self.client.aclose()

    def __str__(self) -> str:
        return shown(self.url)
