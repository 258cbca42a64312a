"""The fleet's journal: one Redis stream, capped by length, that every process appends its requests to.

Entries are written by group commit: a request's entry joins the batch being written and the response's last
byte waits for it (at most `WRITE_TIMEOUT_S`), so a test that reads the journal once its call has returned finds
the call there, whichever process served it; concurrent requests share one round trip. Ids come from one counter
in the same script, so the fleet's entries are numbered in the order they were written. Credentials are masked
before an entry leaves the process. An entry that cannot be written is counted, and the count is written (and
logged) once the store answers again.
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

from mockserver.controls.journal import JournalEntry, RawRequest

WRITE_TIMEOUT_S = 0.1  # the longest a response waits for its journal entry to be written
MAX_BATCH = 500
log = logging.getLogger("mockserver.state")

# KEYS: the stream, the id counter, the unwritten-count hash. ARGV[1]: the stream's length cap; ARGV[2], [3]: the
# process and the entries it could not write before; then one JSON entry each.
APPEND_SCRIPT = """
local cap = ARGV[1]
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBY', KEYS[3], ARGV[2], ARGV[3]) end
for i = 4, #ARGV do
  local id = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', cap, '*', 'id', id, 'e', ARGV[i])
end
return #ARGV - 3
"""


class JournalWriter:
    """Ships this process's journal entries to the fleet's stream, in batches, in the order they were recorded."""

    def __init__(self, client: redis.asyncio.Redis, namespace: str, process: str, cap: int) -> None:
        self.client = client
        self.process = process
        self.cap = cap
        self.keys = [f"{namespace}:journal", f"{namespace}:journal:id", f"{namespace}:journal:unwritten"]
        self._script = client.register_script(APPEND_SCRIPT)
        self._pending: list[bytes] = []
        self._batch: asyncio.Future[None] | None = None  # done when the pending entries are written
        self._writing = False
        self._task: asyncio.Future[None] | None = None
        self.unwritten = 0  # entries lost since the store last answered (written into the store when it does)
        # Arrival times on the wall clock, comparable between processes (a process's monotonic clock is not).
        self._wall_offset = time.time() - time.perf_counter()

    def encode(self, raw: RawRequest) -> bytes:
        """The entry as the stream keeps it: masked and cut, with the process that served it."""
        entry = raw.entry()
        data: dict[str, Any] = entry.to_json()
        data["monotonic"] = entry.monotonic + self._wall_offset
        data["process"] = self.process
        return orjson.dumps(data)

    def record(self, raw: RawRequest) -> asyncio.Future[None]:
        """Queue an entry; the future is done once its batch is written (or could not be)."""
        self._pending.append(self.encode(raw))
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
        batch = self._batch
        if not self._writing:
            self._writing = True
            # A task, not a write now: the entries recorded before it runs go out in the same round trip.
            self._task = asyncio.ensure_future(self._write_all())
        return batch

    async def _write_all(self) -> None:
        try:
            while self._pending:
                entries, batch = self._pending, self._batch
                self._pending, self._batch = [], None
                for start in range(0, len(entries), MAX_BATCH):
                    await self._write(entries[start : start + MAX_BATCH])
                if batch is not None and not batch.done():
                    batch.set_result(None)
        finally:
            self._writing = False

    async def _write(self, entries: list[bytes]) -> None:
        lost_before = self.unwritten
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_S * 5):
                await self._script(keys=self.keys, args=[self.cap, self.process, lost_before, *entries])
        except Exception as exc:
            if not self.unwritten:
                log.warning("state store does not answer (%s): journal entries are not written", exc)
            self.unwritten += len(entries)
            if isinstance(exc, redis.ConnectionError | OSError):
                # The pool's idle connections lead to the same lost server, and redis-py finds one dead only when a
                # command fails on it: after a restart the first write on each would fail too, losing its entries.
                # Dropped now, every later command connects afresh.
                with contextlib.suppress(Exception):
                    await self.client.connection_pool.disconnect(inuse_connections=False)
            return
        if lost_before:
            log.warning("state store answers again: %d journal entries could not be written meanwhile", lost_before)
            self.unwritten -= lost_before

    async def wait(self, batch: asyncio.Future[None]) -> None:
        """Wait for a batch to be written, at most WRITE_TIMEOUT_S (the response goes out either way)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(batch), WRITE_TIMEOUT_S)

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
