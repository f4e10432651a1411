"""Run an iterator one step ahead in a background thread, so reading overlaps with what consumes it.

Arrow releases the GIL while it decompresses parquet and while it writes IPC files, so preparing a split
reads row group i+1 while row group i is being written. Exceptions surface in the consumer, in order;
closing the consumer's generator stops the thread at its next step.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def prefetched(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield ``items`` in order, produced up to ``depth`` steps ahead by a daemon thread."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            buffer.put(_Failure(error))

    thread = threading.Thread(target=produce, name="crucible-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()


def mapped_ahead(function: Callable[[T], R], items: Iterable[T], workers: int = 2) -> Iterator[R]:
    """``map(function, items)`` in order, computed by ``workers`` daemon threads at most ``workers`` items ahead
    of the consumer: for work that releases the GIL (decoding parquet row groups), so several items decode at
    once while memory stays bounded. Exceptions surface in the consumer, in order. The threads are started once
    (not a ``ThreadPoolExecutor``, which refuses work once the interpreter starts shutting down, while a
    non-daemon consumer is still finishing)."""
    tasks: queue.Queue = queue.Queue()

    def work() -> None:
        while (job := tasks.get()) is not None:
            item, slot, done = job
            try:
                slot.append(function(item))
            except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
                slot.append(_Failure(error))
            finally:
                done.set()

    threads = [threading.Thread(target=work, name="crucible-prefetch", daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    pending: deque[tuple[list, threading.Event]] = deque()
    source = iter(items)

    def submit(item: T) -> None:
        slot: list = []
        done = threading.Event()
        tasks.put((item, slot, done))
        pending.append((slot, done))

    try:
        for item in itertools.islice(source, workers):
            submit(item)
        while pending:
            slot, done = pending.popleft()
            done.wait()
            for item in itertools.islice(source, 1):
                submit(item)
            if isinstance(slot[0], _Failure):
                raise slot[0].error
            yield slot[0]
    finally:
        for _ in threads:
            tasks.put(None)
