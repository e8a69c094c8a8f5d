"""Running answers off the event loop, shared by the faces that serve many people at once (Discord,
the HTTP server): a bounded number at once in worker threads, a bounded number waiting, and a
clear "busy" when both are full (never silence, never a blocked loop). When the process is asked to
stop, the line is drained: what waits is refused at once (the asker is told to come back), what
runs is finished."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


class Busy(Exception):
    """Every worker is busy and the waiting line is full."""


class ShuttingDown(Busy):
    """The process is stopping: nothing new starts (what runs is finished); ask again shortly."""


class _Job:
    """One submitted job: waiting for a worker, then running, or refused while it waited."""

    def __init__(self, future: asyncio.Future) -> None:
        self.future = future
        self._state = "waiting"
        self._lock = threading.Lock()  # the worker's start and the drain's refusal race

    def begin(self) -> bool:
        with self._lock:
            if self._state == "waiting":
                self._state = "running"
            return self._state == "running"

    def refuse(self) -> bool:
        with self._lock:
            if self._state == "waiting":
                self._state = "refused"
            return self._state == "refused"


class WorkQueue:
    """At most `workers` jobs run at once (in threads); at most `queue_size` more wait."""

    def __init__(self, workers: int, queue_size: int) -> None:
        self.workers = max(workers, 1)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="newsqa-answer")
        self._capacity = self.workers + max(queue_size, 0)
        self._jobs: set[_Job] = set()  # only touched from the event loop's thread
        self._draining = False
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def taken(self) -> int:
        return len(self._jobs)

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Start fn(*args) in a worker thread (or wait for one); Busy, at once, when the workers
        and the waiting line are full, ShuttingDown once the line is drained. Call from the event
        loop."""
        if self._draining:
            raise ShuttingDown()
        if len(self._jobs) >= self._capacity:
            raise Busy()
        self._loop = loop = asyncio.get_running_loop()
        job = _Job(loop.create_future())
        self._jobs.add(job)
        ran = loop.run_in_executor(self._executor, partial(self._run, job, fn, *args))
        ran.add_done_callback(partial(self._finished, job))
        return job.future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.submit(fn, *args)

    @staticmethod
    def _run(job: _Job, fn: Callable[..., T], *args: Any) -> T | None:
        return fn(*args) if job.begin() else None

    def _finished(self, job: _Job, ran: asyncio.Future) -> None:
        self._jobs.discard(job)
        if job.future.done():  # refused while it waited
            return
        if ran.cancelled():
            job.future.cancel()
        elif ran.exception() is not None:
            job.future.set_exception(ran.exception())
        else:
            job.future.set_result(ran.result())

    def drain(self) -> None:
        """Start nothing more: the jobs waiting are refused with ShuttingDown now, the running ones
        finish. Call from the event loop (`drain_soon` from elsewhere)."""
        self._draining = True
        for job in list(self._jobs):
            if job.refuse() and not job.future.done():
                job.future.set_exception(ShuttingDown())

    def drain_soon(self) -> None:
        """`drain` from a signal handler or another thread."""
        self._draining = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.drain)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
