"""Running answers off the event loop, shared by the faces that serve many people at once (Discord,
the HTTP server): a bounded number at once in worker threads, a bounded number waiting, and a
clear "busy" when both are full (never silence, never a blocked loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


class Busy(Exception):
    """Every worker is busy and the waiting line is full."""


class WorkQueue:
    """At most `workers` jobs run at once (in threads); at most `queue_size` more wait."""

    def __init__(self, workers: int, queue_size: int) -> None:
        self.workers = max(workers, 1)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="newsqa-answer")
        self._capacity = self.workers + max(queue_size, 0)
        self._taken = 0  # only touched from the event loop's thread

    @property
    def taken(self) -> int:
        return self._taken

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Start fn(*args) in a worker thread (or wait for one); Busy, at once, when the workers
        and the waiting line are full. Call from the event loop."""
        if self._taken >= self._capacity:
            raise Busy()
        self._taken += 1
        future = asyncio.get_running_loop().run_in_executor(self._executor, partial(fn, *args))
        future.add_done_callback(self._release)
        return future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.submit(fn, *args)

    def _release(self, _: asyncio.Future) -> None:
        self._taken -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
