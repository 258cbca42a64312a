"""The fleet journal's entry encoding: the same entry as `RawRequest.entry`, masked and cut, whatever it reuses."""

from __future__ import annotations

import orjson
import pytest
import redis.asyncio

from mockserver.controls.journal import JournalEntry, RawRequest
from mockserver.state.redis_journal import JournalWriter

SECRET = b"Basic YXBpX2s6c2VjcmV0"
SHORT = [(b"host", b"127.0.0.1"), (b"authorization", SECRET), (b"x-stainless-retry-count", b"2")]
CASES = {
    "short": (SHORT, "/v1/usages", b"granularity=day&apiKey=api_k&startDate=2026-11-01"),
    "long header": ([*SHORT, (b"user-agent", b"x" * 5000)], "/v1/usages", b"type=activity"),
    "many headers": ([(f"x-h{i}".encode(), b"v" * 100) for i in range(80)], "/v1/jobs/j1", b""),
    "long query": (SHORT, "/v1/usages", b"&".join(b"p%d=%s" % (i, b"v" * 300) for i in range(20))),
    "long path": (SHORT, "/v1/assets/" + "a" * 2000, b"secret=s3"),
    "repeated header": ([*SHORT, (b"accept", b"a"), (b"accept", b"b")], "/v1/usages", b""),
}


@pytest.mark.parametrize("case", CASES)
def test_encoded_entry_is_the_masked_entry(case: str) -> None:
    headers, path, query = CASES[case]
    writer = JournalWriter(redis.asyncio.Redis(), "ns", "host:1", 100, "ns:version")
    raw = RawRequest(0, 1796049432000, 12.5, 3.25, "GET", path, query, headers, "default", 200, None, 0.0, 3, "x")
    for _ in range(2):  # the second time from what the first kept
        encoded = writer.encode(raw)
        assert SECRET.split()[1] not in encoded and b"s3" not in encoded
        data = orjson.loads(encoded)
        data["id"] = 0
        expected = raw.entry()
        got = JournalEntry.from_json(data)
        assert got.monotonic == pytest.approx(expected.monotonic + writer._wall_offset)
        assert got.process == "host:1"
        assert got.to_json() | {"monotonic": 0, "process": None} == expected.to_json() | {"monotonic": 0}
