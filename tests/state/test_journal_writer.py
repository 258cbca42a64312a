"""The fleet journal's writer against a real Redis: a batch is one call, numbered in order; a version read alone
writes nothing; the writer's own connection survives a flushed script cache."""

from __future__ import annotations

import asyncio

import redis
import redis.asyncio

from mockserver.controls.journal import RawRequest
from mockserver.state.redis_journal import APPEND_SCRIPT, JournalWriter

HEADERS = [(b"host", b"127.0.0.1"), (b"authorization", b"Basic azpz")]


def raw(path: str) -> RawRequest:
    return RawRequest(0, 1796049432000, 1.0, 0.5, "GET", path, b"", HEADERS, "default", 200, None, None, None)


def evalsha_calls(url: str) -> int:
    """EVALSHA calls so far, with the writer's script loaded (a NOSCRIPT answer would count as one more)."""
    client = redis.Redis.from_url(url)
    try:
        client.script_load(APPEND_SCRIPT)
        stats = client.info("commandstats")
    finally:
        client.close()
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


def test_a_batch_is_one_call_numbered_in_order(redis_url: str) -> None:
    async def main() -> list[tuple[int, str]]:
        client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
        writer = JournalWriter(client, "ns", "host:1", 100, "ns:version")
        try:
            version = writer.version(1.0)
            batch = [writer.record(raw(f"/v1/jobs/j{i}")) for i in range(5)]  # before the writer's task runs
            assert await version == 0
            await asyncio.gather(*(writer.wait(future) for future in batch))
            assert await writer.version(1.0) == 0  # a read alone
            entries, unwritten = await writer.read()
        finally:
            await writer.close()
            await client.aclose()
        assert unwritten == {}
        return [(entry.id, entry.path) for entry in entries]

    before = evalsha_calls(redis_url)
    assert asyncio.run(main()) == [(i + 1, f"/v1/jobs/j{i}") for i in range(5)]
    assert evalsha_calls(redis_url) - before == 2  # the batch with its version read, then the read alone


def test_the_writer_loads_its_script_again_after_a_flush(redis_url: str) -> None:
    async def main() -> list[int]:
        client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
        writer = JournalWriter(client, "ns", "host:1", 100, "ns:version")
        try:
            await writer.wait(writer.record(raw("/v1/usages")))
            await client.script_flush()
            await writer.wait(writer.record(raw("/v1/usages")))
            entries, unwritten = await writer.read()
        finally:
            await writer.close()
            await client.aclose()
        assert unwritten == {} and writer.unwritten == 0
        return [entry.id for entry in entries]

    assert asyncio.run(main()) == [1, 2]
