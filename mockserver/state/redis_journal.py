"""The fleet's journal: one Redis stream, capped by length, that every process appends its requests to.

Entries are written by group commit: a request's entry joins the batch being written and the response's last
byte waits for it (at most `WRITE_TIMEOUT_S`), so a test that reads the journal once its call has returned finds
the call there, whichever process served it; concurrent requests share one round trip. The same round trip reads
the store's version for the requests that arrived meanwhile (`RedisStore.sync`): one call to Redis per batch
carries both. Ids come from one counter in the same script, so the fleet's entries are numbered in the order they
were written. Credentials are masked before an entry leaves the process. An entry that cannot be written is
counted, and the count is written (and logged) once the store answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import orjson
import redis
import redis.asyncio
from redis.exceptions import NoScriptError

from mockserver.controls.journal import JournalEntry, RawRequest
from mockserver.controls.masking import MAX_PATH, QUERY_BYTES, mask_query, parse_query

WRITE_TIMEOUT_S = 0.1  # the longest a response waits for its journal entry to be written
MAX_BATCH = 500
PARTS_CACHED = 256  # the masked header sets kept encoded (wrk and SDK clients repeat theirs)
log = logging.getLogger("mockserver.state")

# KEYS: the stream, the id counter, the unwritten-count hash, the store's version. ARGV[1]: the stream's length cap;
# ARGV[2], [3]: the process and the entries it could not write before; ARGV[4]: 1 to read the store's version (after
# the entries were written: it is returned), 0 not to (nil is); then one JSON entry each. One INCRBY numbers them all.
APPEND_SCRIPT = """
local cap = ARGV[1]
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBY', KEYS[3], ARGV[2], ARGV[3]) end
local count = #ARGV - 4
if count > 0 then
  local id = redis.call('INCRBY', KEYS[2], count) - count
  for i = 5, #ARGV do
    id = id + 1
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', cap, '*', 'id', id, 'e', ARGV[i])
  end
end
if ARGV[4] == '1' then return redis.call('GET', KEYS[4]) or '0' end
return false
"""
# The fields of an entry that come from its headers alone, and from its method, path and query alone.
_HEADER_FIELDS = ("headers", "retryCount")
_TARGET_FIELDS = ("method", "path", "query")


class JournalWriter:
    """Ships this process's journal entries to the fleet's stream, in batches, in the order they were recorded."""

    def __init__(self, client: redis.asyncio.Redis, namespace: str, process: str, cap: int, version_key: str) -> None:
        self.client = client
        self.process = process
        self.cap = cap
        self.keys = [f"{namespace}:journal", f"{namespace}:journal:id", f"{namespace}:journal:unwritten"]
        self._script = client.register_script(APPEND_SCRIPT)
        # The writer's connection: no socket timeout of its own (a write is bounded as a whole, see `_write`).
        pool = client.connection_pool
        self._connection = pool.connection_class(**{**pool.connection_kwargs, "socket_timeout": None})
        self._keys = [*self.keys, version_key]
        # The command's fixed start (EVALSHA, the script, its keys), packed once: see `_command`.
        self._fixed = b"".join(
            _bulk(str(part).encode()) for part in ("EVALSHA", self._script.sha, len(self._keys), *self._keys)
        )
        self._pending: list[bytes] = []
        self._batch: asyncio.Future[None] | None = None  # done when the pending entries are written
        self._version: asyncio.Future[int] | None = None  # the version read by the next call, not yet sent
        self._writing = False
        self._task: asyncio.Future[None] | None = None
        self.unwritten = 0  # entries lost since the store last answered (written into the store when it does)
        # Arrival times on the wall clock, comparable between processes (a process's monotonic clock is not).
        self._wall_offset = time.time() - time.perf_counter()
        # Encoded fields (JSON members, no braces) and whether they were cut: most requests repeat their headers
        self._header_parts: dict[tuple[tuple[bytes, bytes], ...], tuple[bytes, bool]] = {}

    def encode(self, raw: RawRequest) -> bytes:
        """The entry as the stream keeps it: masked and cut, with the process that served it.

        What the headers give is masked and encoded once per distinct set (`RawRequest.entry` does it from the
        headers alone); a target too long to keep whole goes through `entry` too. Fields that `JournalEntry` derives
        (`time`, `endpoint`) and the id (the stream's) are left out.
        """
        headers_key = tuple(raw.headers)
        headers = self._header_parts.get(headers_key)
        if headers is None:
            headers = _encoded(raw._replace(path="", query_string=b""), _HEADER_FIELDS)
            if not headers[1]:  # cut ones are big: not kept
                if len(self._header_parts) >= PARTS_CACHED:
                    self._header_parts.clear()  # a client sending ever new values: start again rather than grow
                self._header_parts[headers_key] = headers
        if len(raw.query_string) <= QUERY_BYTES and len(raw.path) <= MAX_PATH:  # nothing to cut (see `entry`)
            query = [[name, value] for name, value in mask_query(parse_query(raw.query_string))]
            target = orjson.dumps({"method": raw.method, "path": raw.path, "query": query})[1:-1], False
        else:
            target = _encoded(raw._replace(headers=()), _TARGET_FIELDS)
        rest = orjson.dumps(
            {
                "timeMs": raw.time,
                "scenario": raw.scenario,
                "status": raw.status,
                "durationMs": round(raw.duration_ms, 3),
                "fault": raw.fault,
                "retryAfterMs": raw.retry_after_ms,
                "activityCount": raw.activity_count,
                "monotonic": raw.monotonic + self._wall_offset,
                "truncated": headers[1] or target[1],
                "jobStatus": raw.job_status,
                "process": self.process,
            }
        )
        return b"".join((rest[:-1], b",", headers[0], b",", target[0], b"}"))

    def record(self, raw: RawRequest) -> asyncio.Future[None]:
        """Queue an entry; the future is done once its batch is written (or could not be), or WRITE_TIMEOUT_S
        after the batch began, whichever comes first."""
        self._pending.append(self.encode(raw))
        if self._batch is None:
            # One timer per batch rather than one wait_for per request: the response goes out either way.
            loop = asyncio.get_running_loop()
            self._batch = loop.create_future()
            loop.call_later(WRITE_TIMEOUT_S, _settle, self._batch, None)
        self._start()
        return self._batch

    def version(self, timeout: float) -> asyncio.Future[int]:
        """The store's version, read by the next call to Redis (one not sent yet: it sees every change made before
        this); the call carries the entries recorded meanwhile. TimeoutError past `timeout` (from the first ask)."""
        if self._version is None:
            loop = asyncio.get_running_loop()
            self._version = loop.create_future()
            loop.call_later(timeout, _settle, self._version, TimeoutError("no answer in time"))
        self._start()
        return self._version

    def _start(self) -> None:
        if not self._writing:
            self._writing = True
            # A task, not a write now: the entries recorded before it runs go out in the same round trip.
            self._task = asyncio.ensure_future(self._write_all())

    async def _write_all(self) -> None:
        try:
            while self._pending or self._version is not None:
                entries, batch, version = self._pending, self._batch, self._version
                self._pending, self._batch, self._version = [], None, None
                read: int | BaseException | None = None
                chunks = range(0, max(len(entries), 1), MAX_BATCH)
                for start in chunks:
                    # The version (when asked) is read by the last call: after every entry of the batch.
                    last = start == chunks[-1]
                    read = await self._write(entries[start : start + MAX_BATCH], version is not None and last)
                if batch is not None:
                    _settle(batch, None)
                if version is not None:
                    _settle(version, read)
        finally:
            self._writing = False

    async def _write(self, entries: list[bytes], read_version: bool) -> int | BaseException | None:
        """Write entries (maybe none); the store's version after them when asked, or why it could not be read."""
        lost_before = self.unwritten
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_S * 5):
                version = await self._call([self.cap, self.process, lost_before, int(read_version), *entries])
        except Exception as exc:
            if entries and not self.unwritten:
                log.warning("state store does not answer (%s): journal entries are not written", exc)
            self.unwritten += len(entries)
            # Whatever went wrong, the connection may still owe a reply: the next call starts on a new one.
            with contextlib.suppress(Exception):
                await self._connection.disconnect(nowait=True)
            if isinstance(exc, redis.ConnectionError | OSError):
                # The pool's idle connections lead to the same lost server, and redis-py finds one dead only when a
                # command fails on it: after a restart the first command on each would fail too. Dropped now,
                # every later command connects afresh.
                with contextlib.suppress(Exception):
                    await self.client.connection_pool.disconnect(inuse_connections=False)
            return exc
        if lost_before:
            log.warning("state store answers again: %d journal entries could not be written meanwhile", lost_before)
            self.unwritten -= lost_before
        return None if version is None else int(version)

    async def _call(self, args: list[Any]) -> Any:
        # EVALSHA on the writer's own connection, not through the client: the client's call (pool, retries, socket
        # timeouts as tasks, metrics) costs more per call than the round trip's share of a request can afford. One
        # call at a time is under way (`_write_all`), and `_write` bounds it. The script is loaded when Redis does
        # not have it (yet).
        connection = self._connection
        command = self._command(args)
        try:
            await connection.send_packed_command(command, False)
            return await connection.read_response()
        except NoScriptError:
            await self.client.script_load(APPEND_SCRIPT)
        await connection.send_packed_command(command, False)
        return await connection.read_response()

    def _command(self, args: list[Any]) -> bytes:
        """EVALSHA of the script with these arguments, as Redis reads it (RESP): redis-py's packing encodes every
        argument through several calls, a cost per entry; these are bytes already, or short."""
        parts = [b"*%d\r\n" % (len(args) + 3 + len(self._keys)), self._fixed]
        for arg in args:
            parts.append(_bulk(arg if isinstance(arg, bytes) else str(arg).encode()))
        return b"".join(parts)

    async def wait(self, batch: asyncio.Future[None]) -> None:
        """Wait for a batch to be written, at most WRITE_TIMEOUT_S (the response goes out either way)."""
        if not batch.done():
            await asyncio.shield(batch)  # shielded: a request cancelled meanwhile leaves the others waiting

    async def read(self) -> tuple[list[JournalEntry], dict[str, int]]:
        """Every entry of the fleet's stream, in the order written, and the entries each process could not write."""
        stream, _, unwritten_key = self.keys
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xrange(stream)
            pipe.hgetall(unwritten_key)
            items, unwritten = await pipe.execute()
        entries = []
        for _, fields in items:
            data = orjson.loads(fields["e"])
            data["id"] = int(fields["id"])
            entries.append(JournalEntry.from_json(data))
        return entries, {name: int(count) for name, count in unwritten.items()}

    async def close(self) -> None:
        """Let go of the writer's connection."""
        await self._connection.disconnect()


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    """Give `future` its result (or exception), unless it has one already: the write's or the timer's."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
        future.exception()  # retrieved: the requests waiting for it may have given up
    else:
        future.set_result(outcome)


def _bulk(data: bytes) -> bytes:
    """One argument of a command, as RESP spells it."""
    return b"$%d\r\n%s\r\n" % (len(data), data)


def _encoded(raw: RawRequest, fields: tuple[str, ...]) -> tuple[bytes, bool]:
    """`fields` of the masked entry of `raw`, encoded (JSON members without braces), and whether it was cut."""
    entry = raw.entry()
    data = entry.to_json()
    return orjson.dumps({name: data[name] for name in fields})[1:-1], entry.truncated
