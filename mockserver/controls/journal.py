"""The request journal: every request the mock served, bounded in count and bytes, and the verification helpers.

Helpers raise `VerificationError` (an `AssertionError`) that says what was expected and lists the most similar
requests that were seen, so a failing test can be fixed without a debugger.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from mockserver.contract.enums import JOB_STATUSES
from mockserver.controls.masking import (
    DROPPED_HEADER,
    ENTRY_BYTES,
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
from mockserver.controls.routes import PathPattern, check_endpoint_name, endpoint, endpoint_name
from mockserver.world.clock import format_ms, parse_duration

ACTIVITY_PAGE_SIZE = 100
# Internal response headers: the journal learns values of a body from them (it never parses bodies), and the
# controls middleware strips them before the response leaves. Set by the /usages handler (the events on the
# activity page) and by `jobs.retrieve` (the job's status).
ACTIVITY_COUNT_HEADER = "x-mock-activity-count"
JOB_STATUS_HEADER = "x-mock-job-status"
INTERNAL_HEADERS = frozenset({ACTIVITY_COUNT_HEADER, JOB_STATUS_HEADER})
RETRY_COUNT_HEADER = "x-stainless-retry-count"
SIMILAR_SHOWN = 10
DEFAULT_JOURNAL_BYTES = 8 * 1024 * 1024
# Estimated bytes an entry costs beyond its strings (tracemalloc): the tuple or dataclass, and per header or
# query item its tuple and two objects.
ENTRY_OVERHEAD = 600
ITEM_OVERHEAD = 120
# Clients repeat their headers (an SDK, wrk): raw entries with equal headers of at most SHARED_HEADERS_BYTES (as
# `entry_size` counts them) share one tuple of them, otherwise most of an entry's memory (a new list of new tuples of
# new bytes every request). At most SHARED_SETS sets are kept (under 1 MB): a client sending ever new values clears
# them rather than grows them. `entry_size` still counts each entry's headers whole (an upper bound).
SHARED_SETS = 256
SHARED_HEADERS_BYTES = 4096

QueryValue = str | int | float | None


class VerificationError(AssertionError):
    """A journal verification did not hold; the message lists what was expected and the similar requests seen."""


def _same_value(actual: str, expected: str | int | float) -> bool:
    if isinstance(expected, bool):
        expected = str(expected).lower()
    if isinstance(expected, int | float):
        try:
            return float(actual) == float(expected)
        except ValueError:
            return False
    return actual == expected


def query_matches(items: Sequence[tuple[str, str]], expected: Mapping[str, QueryValue]) -> bool:
    """True if the query holds every expected parameter: equal, one item of a comma list, or absent for None."""
    return not _query_mismatches(items, expected)


def _query_mismatches(items: Sequence[tuple[str, str]], expected: Mapping[str, QueryValue]) -> list[str]:
    wrong = []
    for name, want in expected.items():
        values = [v for k, v in items if k == name]
        if want is None:
            ok = not values
        else:
            ok = any(_same_value(v, want) or any(_same_value(p.strip(), want) for p in v.split(",")) for v in values)
        if not ok:
            wrong.append(f"query.{name}")
    return wrong


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


@dataclass(frozen=True)
class _Criteria:
    method: str | None = None
    path: str | None = None
    query: Mapping[str, QueryValue] | None = None
    scenario: str | None = None
    status: int | Collection[int] | None = None
    endpoint: str | None = None
    pattern: PathPattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.endpoint is not None:
            check_endpoint_name(self.endpoint)
        if self.path is not None:
            object.__setattr__(self, "pattern", PathPattern.of(self.path))

    def mismatches(self, entry: JournalEntry) -> list[str]:
        """The criteria `entry` fails (empty: it matches)."""
        wrong = []
        if self.method is not None and entry.method != self.method.upper():
            wrong.append("method")
        if self.pattern is not None and not self.pattern.matches(entry.path):
            wrong.append("path")
        if self.endpoint is not None and entry.endpoint != self.endpoint:
            wrong.append("endpoint")
        if self.query:
            wrong += _query_mismatches(entry.query, self.query)
        if self.scenario is not None and entry.scenario != self.scenario:
            wrong.append("scenario")
        if self.status is not None:
            statuses = (self.status,) if isinstance(self.status, int) else self.status
            if entry.status not in statuses:
                wrong.append("status")
        return wrong

    def describe(self) -> str:
        parts = [
            f"method={self.method.upper()}" if self.method else None,
            f"path={self.path}" if self.path else None,
            f"endpoint={self.endpoint}" if self.endpoint else None,
            f"query={dict(self.query)!r}" if self.query else None,
            f"scenario={self.scenario!r}" if self.scenario is not None else None,
            f"status={self.status!r}" if self.status is not None else None,
        ]
        shown = " ".join(p for p in parts if p)
        return f"requests matching {shown}" if shown else "requests"


class Journal:
    """The last `maxlen` requests within about `max_bytes`, oldest first (older ones are dropped).

    An entry larger than ENTRY_BYTES is cut when recorded (see `RawRequest.entry`). Safe to read from another thread.
    """

    def __init__(self, maxlen: int = 10_000, max_bytes: int = DEFAULT_JOURNAL_BYTES) -> None:
        self.maxlen = maxlen
        self.max_bytes = max_bytes
        self._entries: deque[JournalEntry | RawRequest] = deque()
        self._sizes: deque[int] = deque()
        self.bytes = 0  # the estimated size of the entries kept
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._header_sets: dict[tuple[tuple[bytes, bytes], ...], tuple[tuple[bytes, bytes], ...]] = {}

    @classmethod
    def of(cls, entries: Iterable[JournalEntry]) -> Journal:
        """A journal holding these entries (e.g. fetched from a remote server), for the verification helpers."""
        items = list(entries)
        journal = cls(max(len(items), 1), max_bytes=1 << 62)
        for item in items:
            journal.record(item)
        journal._ids = itertools.count(max((e.id for e in items), default=0) + 1)
        return journal

    def next_id(self) -> int:
        return next(self._ids)  # atomic under the GIL

    def record(self, entry: JournalEntry | RawRequest) -> None:
        """Append an entry (a `RawRequest` is decoded when read, or now if too big); drop the oldest past a bound."""
        size = entry_size(entry)
        if size > ENTRY_BYTES and isinstance(entry, RawRequest):
            entry = entry.entry()  # cut now: the raw headers are not kept
            size = entry_size(entry)
        with self._lock:
            if isinstance(entry, RawRequest):
                headers_size = size - ENTRY_OVERHEAD - len(entry.path) - len(entry.query_string)
                if headers_size <= SHARED_HEADERS_BYTES:
                    entry = entry._replace(headers=self._shared(tuple(entry.headers)))
            entries, sizes = self._entries, self._sizes
            entries.append(entry)
            sizes.append(size)
            self.bytes += size
            while len(entries) > self.maxlen or (self.bytes > self.max_bytes and len(entries) > 1):
                entries.popleft()
                self.bytes -= sizes.popleft()

    def _shared(self, headers: tuple[tuple[bytes, bytes], ...]) -> tuple[tuple[bytes, bytes], ...]:
        """The kept tuple equal to `headers` (now kept if none is); the caller holds `_lock`."""
        shared = self._header_sets.get(headers)
        if shared is None:
            if len(self._header_sets) >= SHARED_SETS:
                self._header_sets.clear()
            shared = self._header_sets[headers] = headers
        return shared

    def clear(self) -> int:
        """Forget every entry (ids keep counting up); return how many were dropped."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self._sizes.clear()
            self._header_sets.clear()
            self.bytes = 0
            return count

    def usage(self) -> dict[str, int]:
        """Entries and estimated bytes kept, and the bounds."""
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self.bytes,
                "maxEntries": self.maxlen,
                "limit": self.max_bytes,
            }

    def __len__(self) -> int:
        return len(self._entries)

    def _snapshot(self) -> list[JournalEntry]:
        with self._lock:
            items = list(self._entries)
        return [item.entry() if isinstance(item, RawRequest) else item for item in items]

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        query: Mapping[str, QueryValue] | None = None,
        scenario: str | None = None,
        status: int | Collection[int] | None = None,
        endpoint: str | None = None,
    ) -> list[JournalEntry]:
        """The entries matching every given criterion, oldest first.

        `path` names an endpoint (`/v1/usages` also matches `/usages/`), or a template (`/v1/jobs/{id}`: any job);
        `endpoint` names it by SDK call (`jobs.retrieve`; `usages.list` for `/usages`; ValueError if unknown);
        `query` is a subset: `{"type": "activity"}` matches `type=activity` and `type=usages,activity`, and a `None`
        value means the parameter is absent.
        """
        criteria = _Criteria(method, path, query, scenario, status, endpoint)
        return [e for e in self._snapshot() if not criteria.mismatches(e)]

    # -- verification helpers ---------------------------------------------------------------------------------
    def assert_called(
        self,
        times: int | None = None,
        *,
        at_least: int | None = None,
        method: str | None = None,
        path: str | None = None,
        query: Mapping[str, QueryValue] | None = None,
        scenario: str | None = None,
        status: int | Collection[int] | None = None,
        endpoint: str | None = None,
    ) -> list[JournalEntry]:
        """Check how many requests matched (exactly `times`, or at least `at_least`, default at least one)."""
        criteria = _Criteria(method, path, query, scenario, status, endpoint)
        seen = self._snapshot()
        found = [e for e in seen if not criteria.mismatches(e)]
        if times is not None and len(found) != times:
            expected = f"exactly {times}"
        elif times is None and len(found) < (1 if at_least is None else at_least):
            expected = f"at least {1 if at_least is None else at_least}"
        else:
            return found
        message = f"expected {expected} {criteria.describe()}, saw {len(found)}"
        raise VerificationError(message + _listing(found, seen, criteria))

    def assert_walked_activity_pages(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        query: Mapping[str, QueryValue] | None = None,
        scenario: str | None = None,
        endpoint: str | None = None,
    ) -> list[JournalEntry]:
        """Check that a client fetched every activity page of one query: offsets 0, 100, ... up to a short page.

        Pages are grouped by everything but `activityOffset`; a page counts when it was answered 200.
        Return the pages of the first complete walk.
        """
        criteria = _Criteria(method, path, query, scenario, endpoint=endpoint)
        seen = self._snapshot()
        pages = [e for e in seen if not criteria.mismatches(e) and e.status == 200 and e.activity_count is not None]
        groups: dict[tuple[object, ...], dict[int, JournalEntry]] = {}
        for entry in pages:
            offsets = groups.setdefault(_page_group(entry), {})
            offsets.setdefault(_activity_offset(entry), entry)
        reports = []
        for offsets in groups.values():
            walk, missing = _walk(offsets)
            if missing is None:
                return walk
            reports.append((len(walk), walk, missing))
        message = (
            f"expected the activity pages of {criteria.describe()} to be walked: offsets 0, "
            f"{ACTIVITY_PAGE_SIZE}, ... until a page with fewer than {ACTIVITY_PAGE_SIZE} events"
        )
        if not reports:
            message += "; no 200 response with an activity page matched"
        else:
            best = max(reports, key=lambda r: r[0])
            pages_seen = ", ".join(f"offset {_activity_offset(e)}: {e.activity_count} events" for e in best[1])
            message += f"; the longest walk stopped before offset {best[2]} (pages: {pages_seen or 'none'})"
        raise VerificationError(message + _listing(pages, seen, criteria))

    def assert_waited_retry_after(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        query: Mapping[str, QueryValue] | None = None,
        scenario: str | None = None,
        tolerance_ms: float = 0.0,
        require_retry: bool = True,
        endpoint: str | None = None,
    ) -> list[tuple[JournalEntry, JournalEntry]]:
        """Check that every retry of a response that asked for a delay (`Retry-After`, `retry-after-ms`) came after it.

        A retry is the next request with the same method, endpoint, query and scenario (and, when the client sends
        `x-stainless-retry-count`, the next count). The wait runs from the end of the response to the arrival of
        the retry. With `require_retry`, fail when no such retry was seen at all. Return the (response, retry) pairs.
        """
        criteria = _Criteria(method, path, query, scenario, endpoint=endpoint)
        seen = sorted(self._snapshot(), key=lambda e: e.monotonic)
        asked = [e for e in seen if not criteria.mismatches(e) and e.retry_after_ms]
        pairs: list[tuple[JournalEntry, JournalEntry]] = []
        too_early = []
        for response in asked:
            retry = _retry_of(response, seen)
            if retry is None:
                continue
            pairs.append((response, retry))
            waited = (retry.monotonic - response.monotonic) * 1000 - response.duration_ms
            assert response.retry_after_ms is not None
            if waited + tolerance_ms < response.retry_after_ms:
                too_early.append(
                    f"  {retry.describe()} came {waited:.0f} ms after {response.describe()}, "
                    f"which asked for {response.retry_after_ms:.0f} ms"
                )
        if too_early:
            message = f"expected retries of {criteria.describe()} to wait at least the delay the response asked for:\n"
            raise VerificationError(message + "\n".join(too_early))
        if require_retry and not pairs:
            if asked:
                message = f"no retry followed any of the {len(asked)} response(s) asking for a delay"
                message += f" among {criteria.describe()}"
            else:
                message = f"no response with Retry-After or retry-after-ms among {criteria.describe()}"
            raise VerificationError(message + _listing(asked, seen, criteria))
        return pairs

    def assert_polled(
        self,
        job_id: str,
        until: str = "success",
        max_interval: float | str | None = None,
        min_interval: float | str | None = None,
        *,
        scenario: str | None = None,
    ) -> list[JournalEntry]:
        """Check that a client polled `GET /jobs/{job_id}` until the job was at `until`, waiting between polls.

        The polls are the GET requests of that job (with or without `/v1`, whatever they were answered); the last
        one must have been answered with the job at `until`. The wait between two polls runs from the end of one
        response to the arrival of the next; each must be at most `max_interval` and at least `min_interval`
        (seconds, or a duration such as `"2s"` or `"500ms"`). Return the polls, oldest first.
        """
        if until not in JOB_STATUSES:
            raise ValueError(f"until must be a job status ({', '.join(JOB_STATUSES)}), not {until!r}")
        longest, shortest = _seconds(max_interval, "max_interval"), _seconds(min_interval, "min_interval")
        criteria = _Criteria("GET", f"/jobs/{job_id}", scenario=scenario)
        seen = self._snapshot()
        polls = sorted((e for e in seen if not criteria.mismatches(e)), key=lambda e: e.monotonic)
        expected = f"expected GET /jobs/{job_id} to be polled until the job status was {until!r}"
        if not polls:
            raise VerificationError(f"{expected}; it was never called" + _listing([], seen, criteria))
        problems = []
        last = polls[-1]
        if last.job_status != until:
            problems.append(
                f"the last poll #{last.id} was answered {last.status or 'no response'} with job status "
                f"{last.job_status or 'none'}"
            )
        lines = [f"polls seen ({len(polls)}):", f"  {_poll_line(polls[0])}"]
        for previous, poll in itertools.pairwise(polls):
            wait = _wait_s(previous, poll)
            lines.append(f"  {_poll_line(poll)}, {wait:.3f} s after the previous one")
            if longest is not None and wait > longest:
                problems.append(
                    f"#{poll.id} came {wait:.3f} s after #{previous.id}, more than max_interval {longest:g} s"
                )
            if shortest is not None and wait < shortest:
                problems.append(
                    f"#{poll.id} came {wait:.3f} s after #{previous.id}, less than min_interval {shortest:g} s"
                )
        if problems:
            raise VerificationError(f"{expected}: " + "; ".join(problems) + "".join("\n" + line for line in lines))
        return polls


def _listing(found: list[JournalEntry], seen: list[JournalEntry], criteria: _Criteria) -> str:
    """The matching requests, then the most similar other requests with what differs."""
    lines = []
    if found:
        lines.append("matching requests:")
        lines += [f"  {e.describe()}" for e in found[-SIMILAR_SHOWN:]]
    others = [(criteria.mismatches(e), e) for e in seen]
    others = [(wrong, e) for wrong, e in others if wrong]
    others.sort(key=lambda item: (len(item[0]), -item[1].id))
    if others:
        lines.append("similar requests (most similar first):")
        lines += [f"  {e.describe()} [differs in {', '.join(wrong)}]" for wrong, e in others[:SIMILAR_SHOWN]]
        if len(others) > SIMILAR_SHOWN:
            lines.append(f"  ... and {len(others) - SIMILAR_SHOWN} more")
    if not seen:
        lines.append("no requests were recorded")
    return "".join("\n" + line for line in lines)


def _seconds(value: float | str | None, name: str) -> float | None:
    """Seconds from a number or a duration text (`2s`, `500ms`); ValueError naming the parameter if neither."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            seconds = parse_duration(value) / 1000
        except ValueError:
            raise ValueError(f"{name} must be seconds or a duration such as '2s' or '500ms', not {value!r}") from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be seconds or a duration such as '2s' or '500ms', not {value!r}")
    else:
        seconds = float(value)
    if not seconds >= 0:
        raise ValueError(f"{name} must not be negative: {value!r}")
    return seconds


def _poll_line(poll: JournalEntry) -> str:
    status = poll.status or "no response"
    return f"#{poll.id} {format_ms(poll.time)} -> {status}, job status {poll.job_status or 'none'}"


def _wait_s(response: JournalEntry, later: JournalEntry) -> float:
    """Seconds from the end of a response to the arrival of a later request."""
    return later.monotonic - response.monotonic - response.duration_ms / 1000


def _activity_offset(entry: JournalEntry) -> int:
    for key, value in entry.query:
        if key == "activityOffset":
            try:
                offset = float(value)
            except ValueError:
                return 0
            return int(offset) if offset == offset and 0 <= offset < float("inf") else 0
    return 0


def _page_group(entry: JournalEntry) -> tuple[object, ...]:
    rest = tuple(sorted((k, v) for k, v in entry.query if k != "activityOffset"))
    return (entry.method, endpoint(entry.path), entry.scenario, rest)


def _walk(offsets: dict[int, JournalEntry]) -> tuple[list[JournalEntry], int | None]:
    """The pages from offset 0 on, and the first missing offset (None: the walk reached a short page)."""
    walk = []
    offset = 0
    while offset in offsets:
        page = offsets[offset]
        walk.append(page)
        if (page.activity_count or 0) < ACTIVITY_PAGE_SIZE:
            return walk, None
        offset += ACTIVITY_PAGE_SIZE
    return walk, offset


def _retry_of(response: JournalEntry, seen: list[JournalEntry]) -> JournalEntry | None:
    key = (response.method, endpoint(response.path), response.scenario, sorted(response.query))
    for later in seen:
        if later.monotonic <= response.monotonic or later.id == response.id:
            continue
        if (later.method, endpoint(later.path), later.scenario, sorted(later.query)) != key:
            continue
        if response.retry_count is not None and later.retry_count is not None:
            return later if later.retry_count == response.retry_count + 1 else None
        return later
    return None
