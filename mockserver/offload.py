"""Heavy work off the event loop: renders in daemon threads, equal renders in flight shared, a deadline for waiters.

Daemon threads, not `asyncio.to_thread`: the default executor's threads are joined when the loop closes and at
interpreter exit, so a SIGTERMed server would live until the render ends; a daemon thread dies with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from mockserver.errors import RequestError, UnavailableError

T = TypeVar("T")
log = logging.getLogger("mockserver")

RENDER_THREADS = 2  # renders at once per server: more would only share the GIL with the event loop more thinly
RENDER_QUEUE = 64  # distinct renders waiting for a thread; past that a new one is refused with a 503 at once
RETRY_AFTER_S = 1  # a retry joins the render in flight, so retrying soon costs nothing
# How long a worker thread with nothing to do waits for the next job before it ends: starting a thread per job costs
# about as much as a fast render (a server answering distinct queries back to back would start one per request).
IDLE_S = 1.0
# Work whose last run of its kind took under this much CPU runs on the event loop instead (`Renderer.quick`): handing
# a sub-millisecond render to a thread and back (two wake-ups, the GIL passed twice) costs more than the render.
INLINE_MS = 2.0
KINDS_KEPT = 4096  # kinds of work timed (an endpoint in a world), then forgotten all at once
_WORK_CLOCK = time.thread_time if time.get_clock_info("thread_time").resolution <= 1e-6 else time.perf_counter


@dataclass(eq=False)
class _Job:
    key: Hashable
    group: Hashable | None  # jobs of one group run one at a time (a world's renders take its lock anyway)
    work: Callable[[], Any]
    future: Future[Any]


class Renderer:
    """Runs the renders of one app in at most `threads` daemon threads; callers wait at most `timeout` seconds.

    A render past the deadline goes on (its result lands wherever `work` stores it: the render cache), while its
    caller gets `UnavailableError`. Equal keys in flight share one render. Jobs of a busy group wait without holding
    a thread, so a heavy world's queue never keeps another world's small render from a thread. Thread-safe (the
    uvicorn loop and the pytest plugin's in-process client may use one app from two loops): `_lock` guards the
    bookkeeping and is held only for a few container operations, never while work runs.
    """

    def __init__(self, timeout: float, threads: int = RENDER_THREADS, queue: int = RENDER_QUEUE) -> None:
        self.timeout = timeout
        self._threads = threads
        self._queue = queue
        self._lock = threading.Lock()
        self._running = 0  # worker threads alive
        self._idle = threading.Condition(self._lock)  # worker threads waiting for a job wait on this
        self._idlers = 0  # worker threads waiting
        self._waiting: deque[_Job] = deque()
        self._busy: set[Hashable] = set()  # groups with a job running
        self._inflight: dict[Hashable, Future[Any]] = {}  # key -> its future, from submit until its job ends
        self._last_ms: dict[Hashable, float] = {}  # kind -> CPU milliseconds of its last timed work

    def quick(self, kind: Hashable) -> bool:
        """Whether the last work of `kind` took under `INLINE_MS` (unknown: no), so the next may run on the loop."""
        return self._last_ms.get(kind, INLINE_MS) < INLINE_MS

    def timed(self, kind: Hashable, work: Callable[[], T]) -> Callable[[], T]:
        """`work`, noting the CPU time it takes (in whichever thread runs it) as the last of `kind`."""

        def run() -> T:
            started = _WORK_CLOCK()
            try:
                return work()
            finally:
                if len(self._last_ms) >= KINDS_KEPT:
                    self._last_ms.clear()
                self._last_ms[kind] = (_WORK_CLOCK() - started) * 1000

        return run

    async def run(self, key: Hashable, work: Callable[[], T], group: Hashable | None = None) -> T:
        """The result of `work()` (or of the equal work in flight under `key`), within the deadline."""
        future = self.submit(key, work, group)
        try:
            return await asyncio.wait_for(on_loop(future), self.timeout)
        except TimeoutError:
            raise UnavailableError(
                f"The render of this response is still running after {self.timeout:g} s; it goes on and will be"
                f" cached when done: retry in {RETRY_AFTER_S} s",
                retry_after=RETRY_AFTER_S,
            ) from None

    def submit(self, key: Hashable, work: Callable[[], T], group: Hashable | None = None) -> Future[T]:
        """The future result of `work()` run in a daemon thread; the one already in flight for an equal `key`."""
        with self._lock:
            future = self._inflight.get(key)
            if future is not None:
                return future
            if len(self._waiting) >= self._queue:
                raise UnavailableError(
                    f"{len(self._waiting)} renders are already waiting for a thread; retry in {RETRY_AFTER_S} s",
                    retry_after=RETRY_AFTER_S,
                )
            future = Future()
            self._inflight[key] = future
            self._waiting.append(_Job(key, group, work, future))
            # A job of a busy group is taken by the thread running that group, when it is done.
            start = self._wake_or_start(group is None or group not in self._busy)
        if start:
            threading.Thread(target=self._work, name="mockserver-render", daemon=True).start()
        return future

    def _take(self) -> _Job | None:
        """The first waiting job whose group is not busy, now marked busy (the caller holds `_lock`)."""
        for i, job in enumerate(self._waiting):
            if job.group is None or job.group not in self._busy:
                del self._waiting[i]
                if job.group is not None:
                    self._busy.add(job.group)
                return job
        return None

    def _wake_or_start(self, runnable: bool) -> bool:
        """Have a thread take a runnable job: wake a waiting one, else say to start one if one is to spare (the
        caller holds `_lock`, and starts the thread after releasing it)."""
        if not runnable:
            return False
        if self._idlers:
            self._idle.notify()
            return False
        if self._running < self._threads:
            self._running += 1
            return True
        return False

    def _runnable(self) -> bool:
        return any(job.group is None or job.group not in self._busy for job in self._waiting)

    def _work(self) -> None:
        """A worker thread: run the jobs it can take until none is left for `IDLE_S` seconds."""
        done: _Job | None = None
        while True:
            with self._lock:
                if done is not None:
                    self._inflight.pop(done.key, None)
                    self._busy.discard(done.group)
                job = self._take()
                while job is None:
                    self._idlers += 1
                    woken = self._idle.wait(IDLE_S)
                    self._idlers -= 1
                    job = self._take()
                    if job is None and not woken:
                        self._running -= 1
                        return
                # Freeing a group may have made a waiting job runnable while a thread is to spare.
                spawn = self._wake_or_start(self._runnable())
            if spawn:
                threading.Thread(target=self._work, name="mockserver-render", daemon=True).start()
            try:
                job.future.set_result(job.work())
            except BaseException as exc:  # handed to every waiter, like concurrent.futures does
                if not isinstance(exc, RequestError):  # an answer (a 404, a 400), not a failure
                    log.exception("render failed")
                job.future.set_exception(exc)
            done = job


def on_loop(future: Future[T]) -> asyncio.Future[T]:
    """An asyncio future of the running loop that follows `future` (cancelling it leaves `future` alone)."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[T] = loop.create_future()

    def settle(done: Future[T]) -> None:  # on the loop
        if waiter.done():  # its caller stopped waiting (deadline, disconnect)
            return
        error = done.exception()
        if error is None:
            waiter.set_result(done.result())
        else:
            waiter.set_exception(error)

    def notify(done: Future[T]) -> None:  # in the worker thread
        with contextlib.suppress(RuntimeError):  # that loop is closed (its server stopped): nobody waits any more
            loop.call_soon_threadsafe(settle, done)

    future.add_done_callback(notify)
    return waiter


async def in_daemon_thread(function: Callable[..., T], *args: Any) -> T:
    """`await asyncio.to_thread(function, *args)`, in a daemon thread (no deadline: the caller waits)."""
    future: Future[T] = Future()

    def work() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=work, name="mockserver-worker", daemon=True).start()
    return await on_loop(future)
