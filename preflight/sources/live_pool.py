"""A bounded pool of daemon worker threads for the live scheduler: a call stuck past the run deadline is
abandoned, never joined, so it cannot hold the process.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class _DaemonPool:
    """A bounded pool of daemon worker threads.

    ``ThreadPoolExecutor`` joins its threads when the interpreter exits, so one call stuck on a slow-loris
    endpoint would hold the process past the run deadline. These threads are abandoned instead: the scheduler
    stops waiting at the deadline, and the process may exit with a call still hanging."""

    def __init__(self, workers: int, name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._workers = workers
        self._name = name

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((future, fn))
        if len(self._threads) < self._workers:
            thread = threading.Thread(target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return future

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn()
            except BaseException as exc:  # handed to the scheduler, which re-raises it
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool) -> None:
        while True:  # calls not started yet are not made
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join()
