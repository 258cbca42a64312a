"""The request journal: every request the mock served, bounded in count and bytes, and the verification helpers.

Helpers raise `VerificationError` (an `AssertionError`) that says what was expected and lists the most similar
requests that were seen, so a failing test can be fixed without a debugger.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Collection, Iterable, Mapping

from mockserver.contract.enums import JOB_STATUSES
from mockserver.controls.criteria import Criteria, QueryValue
from mockserver.controls.entries import ENTRY_OVERHEAD, JournalEntry, RawRequest, entry_size
from mockserver.controls.masking import ENTRY_BYTES
from mockserver.controls.routes import endpoint
from mockserver.world.clock import format_ms, parse_duration

__all__ = [
    "ACTIVITY_COUNT_HEADER",
    "ACTIVITY_PAGE_SIZE",
    "DEFAULT_JOURNAL_BYTES",
    "INTERNAL_HEADERS",
    "JOB_STATUS_HEADER",
    "SIMILAR_SHOWN",
    "Journal",
    "JournalEntry",
    "RawRequest",
    "VerificationError",
]

ACTIVITY_PAGE_SIZE = 100
# Internal response headers: the journal learns values of a body from them (it never parses bodies), and the
# controls middleware strips them before the response leaves. Set by the /usages handler (the events on the
# activity page) and by `jobs.retrieve` (the job's status).
ACTIVITY_COUNT_HEADER = "x-mock-activity-count"
JOB_STATUS_HEADER = "x-mock-job-status"
INTERNAL_HEADERS = frozenset({ACTIVITY_COUNT_HEADER, JOB_STATUS_HEADER})
SIMILAR_SHOWN = 10
DEFAULT_JOURNAL_BYTES = 8 * 1024 * 1024
# Clients repeat their headers (an SDK, wrk): raw entries with equal headers of at most SHARED_HEADERS_BYTES (as
# `entry_size` counts them) share one tuple of them, otherwise most of an entry's memory (a new list of new tuples of
# new bytes every request). At most SHARED_SETS sets are kept (under 1 MB): a client sending ever new values clears
# them rather than grows them. `entry_size` still counts each entry's headers whole (an upper bound).
SHARED_SETS = 256
SHARED_HEADERS_BYTES = 4096
# Entries are recorded in batches: a request only appends its raw entry; every SETTLE_BATCH entries (and before any
# read) the batch is sized, shared and bounded at once, while the journal's structures are warm (see bench/RESULTS.md:
# the per-request work of a cached answer is what costs, the body's write evicting the caches between requests). A
# batch holds at most SETTLE_BATCH heads of at most 128 KB each (the server's limits) before it is bounded.
SETTLE_BATCH = 32


class VerificationError(AssertionError):
    """A journal verification did not hold; the message lists what was expected and the similar requests seen."""


class Journal:
    """The last `maxlen` requests within about `max_bytes`, oldest first (older ones are dropped).

    An entry larger than ENTRY_BYTES is cut when recorded (see `RawRequest.entry`). Safe to read from another thread.
    """

    def __init__(self, maxlen: int = 10_000, max_bytes: int = DEFAULT_JOURNAL_BYTES) -> None:
        self.maxlen = maxlen
        self.max_bytes = max_bytes
        self._entries: deque[JournalEntry | RawRequest] = deque()
        self._sizes: deque[int] = deque()
        self._batch: list[JournalEntry | RawRequest] = []  # recorded, not yet sized and bounded (under `_lock`)
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
        """Append an entry (a `RawRequest` is decoded when read, or once settled if too big); the oldest are dropped
        past a bound."""
        with self._lock:
            batch = self._batch
            batch.append(entry)
            if len(batch) >= SETTLE_BATCH:
                self._settle()

    def _settle(self) -> None:
        """Size, share and keep the batch recorded since the last time; drop the oldest past a bound (`_lock` held)."""
        batch, self._batch = self._batch, []
        entries, sizes = self._entries, self._sizes
        for entry in batch:
            size = entry_size(entry)
            if isinstance(entry, RawRequest):
                if size > ENTRY_BYTES:
                    entry = entry.entry()  # cut now: the raw headers are not kept
                    size = entry_size(entry)
                elif size - ENTRY_OVERHEAD - len(entry.path) - len(entry.query_string) <= SHARED_HEADERS_BYTES:
                    entry = entry._replace(headers=self._shared(tuple(entry.headers)))
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
            self._settle()
            count = len(self._entries)
            self._entries.clear()
            self._sizes.clear()
            self._header_sets.clear()
            self.bytes = 0
            return count

    def usage(self) -> dict[str, int]:
        """Entries and estimated bytes kept, and the bounds."""
        with self._lock:
            self._settle()
            return {
                "entries": len(self._entries),
                "bytes": self.bytes,
                "maxEntries": self.maxlen,
                "limit": self.max_bytes,
            }

    def __len__(self) -> int:
        with self._lock:
            self._settle()
            return len(self._entries)

    def _snapshot(self) -> list[JournalEntry]:
        with self._lock:
            self._settle()
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
        criteria = Criteria(method, path, query, scenario, status, endpoint)
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
        criteria = Criteria(method, path, query, scenario, status, endpoint)
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
        criteria = Criteria(method, path, query, scenario, endpoint=endpoint)
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
        criteria = Criteria(method, path, query, scenario, endpoint=endpoint)
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
        criteria = Criteria("GET", f"/jobs/{job_id}", scenario=scenario)
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


def _listing(found: list[JournalEntry], seen: list[JournalEntry], criteria: Criteria) -> str:
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
