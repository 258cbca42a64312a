"""The walk behind `jobs.list`: the jobs a query selects, newest first by createdAt (or by updatedAt when filtered by
status, type or workflow), read hour by hour backward from the cursor with a bounded look-behind."""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import TYPE_CHECKING

from mockserver.generate.ids import make_id
from mockserver.world.access import Access
from mockserver.world.clock import HOUR, floor_to
from mockserver.world.job_history import MAX_JOB_DURATION, created_at, job_times, progressing_jobs
from mockserver.world.pages import Cursor
from mockserver.world.timeline import Event
from mockserver.world.world import World

if TYPE_CHECKING:
    from mockserver.contract.jobs import JobListQuery

Row = tuple[Cursor, Event]
_ROW_KEY = itemgetter(0)


def workflow_id(world: World, event: Event) -> str | None:
    """`metadata.workflowId` of an event's job (as `World.job_entity` makes it), without building the entity."""
    if event.job_type != "workflow":
        return None
    return make_id("wflow_", world.seed, "workflow", event.key % 5)


def scan_jobs(world: World, query: JobListQuery, access: Access, now: int, cursor: Cursor | None) -> Iterator[Row]:
    """The jobs of `query` that `access` sees at `now`, in list order, strictly after `cursor` (None: from the top).

    Keys are `(sort ms, job id)`, descending. Jobs that progress with the clock (a few explicit ones, created at their
    event's time and updated later) are merged in from a list of their own; every other job's sort time is at most
    its event's time and, for createdAt, at least `MAX_JOB_DURATION` before it: a buffer of that look-behind turns the
    backward walk of events into createdAt order, and a page walks back only from its cursor.
    """
    passes = _filter(world, query, access, now)
    # The earliest sort time listed; without one, every job (some were created before the world's first event).
    since = query.since(now)
    low = since if since is not None else -(2**63)
    walked = _walked(world, query.by_update, passes, low, now, cursor)
    progressing = _progressing(world, query.by_update, passes, low, now, cursor)
    if not progressing:
        return walked
    return heapq.merge(walked, iter(progressing), key=_ROW_KEY, reverse=True)


def _filter(world: World, query: JobListQuery, access: Access, now: int) -> Callable[[Event], bool] | None:
    """Whether an event's job is listed (None: every job is, for a team caller listing without filters)."""
    types = frozenset(query.types) if query.types is not None else None
    unfiltered = (query.project_id, query.author_id, query.types, query.status, query.workflow_id) == (None,) * 5
    if unfiltered and access.projects is None:
        return None

    def passes(event: Event) -> bool:
        if not access.sees(event.project):
            return False
        if query.project_id is not None and event.project != query.project_id:
            return False
        if query.author_id is not None and event.user != query.author_id:
            return False
        if types is not None and (event.job_type or "inference") not in types:
            return False
        if query.status is not None and world.job_status(event, now) != query.status:
            return False
        return query.workflow_id is None or workflow_id(world, event) == query.workflow_id
        # hideResults: no job of the world is submitted with `hideResults: true`, so it filters none out.

    return passes


def _walked(
    world: World,
    by_update: bool,
    passes: Callable[[Event], bool] | None,
    low: int,
    now: int,
    cursor: Cursor | None,
) -> Iterator[Row]:
    # A job's sort time s and its event's time t: s = t (updatedAt), or t - MAX_JOB_DURATION <= s <= t (createdAt).
    # Rows after the cursor have s <= cursor's, so their events have t <= cursor's s + look-behind.
    behind = 0 if by_update else MAX_JOB_DURATION
    top = now if cursor is None else min(now, int(cursor[0]) + behind)
    buffer: list[Row] = []  # ascending by key: the next row to emit is the last
    moving = frozenset(progressing_jobs(world))  # (listed by `_progressing`)
    for event in _newest_first(world, max(low, world.start), top + 1):
        # Every event still to come has time <= event.t, so sort time <= event.t: rows above it are final.
        while buffer and buffer[-1][0][0] > event.t:
            yield buffer.pop()
        if event.job_type is None:  # (set exactly when the event has a job: reading `job` would derive its id)
            continue
        job = event.job
        if job in moving or (passes is not None and not passes(event)):
            continue
        at = event.t if by_update else created_at(world, event, event.job_status or "success")  # it does not progress
        key = (at, job)
        if at < low or (cursor is not None and key >= cursor):
            continue
        insort(buffer, (key, event), key=_ROW_KEY)
    while buffer:
        yield buffer.pop()


def _progressing(
    world: World,
    by_update: bool,
    passes: Callable[[Event], bool] | None,
    low: int,
    now: int,
    cursor: Cursor | None,
) -> list[Row]:
    rows = []
    for job in progressing_jobs(world):
        event = world.index.job(job, now)
        if event is None or (passes is not None and not passes(event)):
            continue
        times = job_times(world, event, now)
        key = ((times.updated if by_update else times.created), job)
        if key[0] >= low and (cursor is None or key < cursor):
            rows.append((key, event))
    rows.sort(key=_ROW_KEY, reverse=True)
    return rows


def _newest_first(world: World, since: int, before: int) -> Iterator[Event]:
    """Events with `since <= t < before`, newest first; starts inside the hour of `before` (bisected, not scanned)."""
    hour = floor_to(before - 1, HOUR)
    earliest = max(floor_to(since, HOUR), floor_to(world.start, HOUR))
    first = True
    while hour >= earliest:
        events = world.hour(hour)
        end = bisect_left(events, before, key=lambda e: e.t) if first else len(events)
        first = False
        for i in range(end - 1, -1, -1):
            event = events[i]
            if event.t < since:
                return
            yield event
        hour -= HOUR
