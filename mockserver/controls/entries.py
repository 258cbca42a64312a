"""The journal's entries: a request as the middleware saw it (`RawRequest`), decoded and masked into a `JournalEntry`
when read, and the memory each costs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from mockserver.controls.masking import (
    DROPPED_HEADER,
    HEADERS_BYTES,
    MAX_HEADER_VALUE,
    MAX_NAME,
    MAX_PATH,
    QUERY_BYTES,
    TRUNCATION_MARK,
    cut,
    cut_query,
    decoded,
    is_secret_name,
    mask_header,
    mask_query,
    parse_query,
)
from mockserver.controls.routes import endpoint_name
from mockserver.world.clock import format_ms

RETRY_COUNT_HEADER = "x-stainless-retry-count"
# Estimated bytes an entry costs beyond its strings (tracemalloc): the tuple or dataclass, and per header or
# query item its tuple and two objects.
ENTRY_OVERHEAD = 600
ITEM_OVERHEAD = 120


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request: when, what was asked, which world answered, and how (status 0: no response was sent)."""

    id: int
    time: int  # wall clock, epoch ms, when the request arrived
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lowercased names, credentials masked
    scenario: str | None
    status: int
    duration_ms: float
    fault: str | None = None
    retry_count: int | None = None  # the client's `x-stainless-retry-count`
    retry_after_ms: float | None = None  # the delay the response asked for (`retry-after-ms` or `retry-after`)
    activity_count: int | None = None  # events in the response's activity page, when it had one
    monotonic: float = field(default=0.0, compare=False)  # arrival on the server's monotonic clock, seconds
    truncated: bool = False  # something was cut to keep the entry to about ENTRY_BYTES (values end with a mark)
    job_status: str | None = None  # the job's status in a `jobs.retrieve` answer
    process: str | None = None  # in a fleet's journal (`serve --state`): the process that served it, `host:pid`

    @property
    def endpoint(self) -> str | None:
        """The SDK call the path is (`jobs.retrieve`; `usages.list` for `/usages`), None for any other path."""
        return endpoint_name(self.path)

    @property
    def target(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return self.path + ("?" + query if query else "")

    def describe(self) -> str:
        """One line: `#id METHOD target -> status (retry n, scenario s, fault f)`."""
        details = [
            f"retry {self.retry_count}" if self.retry_count is not None else None,
            f"scenario {self.scenario}" if self.scenario else None,
            f"fault {self.fault}" if self.fault else None,
            f"process {self.process}" if self.process else None,
        ]
        shown = ", ".join(d for d in details if d)
        status = str(self.status) if self.status else "no response"
        return f"#{self.id} {self.method} {self.target} -> {status}" + (f" ({shown})" if shown else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": format_ms(self.time),
            "timeMs": self.time,
            "method": self.method,
            "path": self.path,
            "query": [[k, v] for k, v in self.query],
            "headers": self.headers,
            "scenario": self.scenario,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "fault": self.fault,
            "retryCount": self.retry_count,
            "retryAfterMs": self.retry_after_ms,
            "activityCount": self.activity_count,
            "monotonic": self.monotonic,
            "truncated": self.truncated,
            "endpoint": self.endpoint,
            "jobStatus": self.job_status,
            "process": self.process,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JournalEntry:
        """Rebuild an entry from `to_json()` output (e.g. the admin API's `GET /__admin/journal`)."""
        return cls(
            id=data["id"],
            time=data["timeMs"],
            method=data["method"],
            path=data["path"],
            query=[(k, v) for k, v in data["query"]],
            headers=dict(data["headers"]),
            scenario=data["scenario"],
            status=data["status"],
            duration_ms=data["durationMs"],
            fault=data.get("fault"),
            retry_count=data.get("retryCount"),
            retry_after_ms=data.get("retryAfterMs"),
            activity_count=data.get("activityCount"),
            monotonic=data.get("monotonic", 0.0),
            truncated=data.get("truncated", False),
            job_status=data.get("jobStatus"),
            process=data.get("process"),
        )


class RawRequest(NamedTuple):
    """A request as the middleware saw it, kept raw so that recording costs next to nothing.

    The journal decodes and masks it into a `JournalEntry` when it is read; the raw credentials never leave it.
    """

    id: int
    time: int
    monotonic: float
    duration_ms: float
    method: str
    path: str
    query_string: bytes
    headers: Sequence[tuple[bytes, bytes]]
    scenario: str | None
    status: int
    fault: str | None
    retry_after_ms: float | None
    activity_count: int | None
    job_status: str | None = None

    def entry(self) -> JournalEntry:
        """The decoded entry: credentials masked, long values cut, headers and parameters past the budget dropped."""
        cuts = 0
        headers: dict[str, str] = {}
        used = dropped = dropped_bytes = 0
        for raw_name, raw_value in self.headers:
            if used > HEADERS_BYTES:
                dropped += 1
                dropped_bytes += len(raw_name) + len(raw_value)
                continue
            name = decoded(raw_name, MAX_NAME).lower()
            value = mask_header(name, raw_value[:MAX_HEADER_VALUE].decode("latin-1"))  # never decode 10 MB whole
            if len(raw_value) > MAX_HEADER_VALUE and not is_secret_name(name):
                value += TRUNCATION_MARK.format(len(raw_value) - MAX_HEADER_VALUE)
                cuts += 1
            cuts += len(raw_name) > MAX_NAME
            used += len(name) + len(value)
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        if dropped:
            headers[DROPPED_HEADER] = f"{dropped} more headers, {dropped_bytes} bytes, not kept"
        query = mask_query(parse_query(self.query_string))
        if len(self.query_string) > QUERY_BYTES:
            query, cut_items = cut_query(query)
            cuts += cut_items
        retry = headers.get(RETRY_COUNT_HEADER, "")
        return JournalEntry(
            id=self.id,
            time=self.time,
            method=self.method,
            path=cut(self.path, MAX_PATH),
            query=query,
            headers=headers,
            scenario=self.scenario,
            status=self.status,
            duration_ms=self.duration_ms,
            fault=self.fault,
            retry_count=int(retry) if retry.isdigit() and len(retry) < 6 else None,
            retry_after_ms=self.retry_after_ms,
            activity_count=self.activity_count,
            monotonic=self.monotonic,
            truncated=bool(cuts or dropped or len(self.path) > MAX_PATH),
            job_status=self.job_status,
        )


def entry_size(entry: JournalEntry | RawRequest) -> int:
    """Estimated bytes an entry keeps in memory: its strings, plus a measured overhead per entry and per item."""
    if isinstance(entry, RawRequest):
        headers = entry.headers
        size = ENTRY_OVERHEAD + len(entry.path) + len(entry.query_string) + ITEM_OVERHEAD * len(headers)
        for raw_name, raw_value in headers:
            size += len(raw_name) + len(raw_value)
        return size
    size = ENTRY_OVERHEAD + len(entry.path)
    for name, value in entry.query:
        size += len(name) + len(value) + ITEM_OVERHEAD
    for name, value in entry.headers.items():
        size += len(name) + len(value) + ITEM_OVERHEAD
    return size
