"""What a driver reported, for tests that wait on it with a deadline instead of sleeping."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable


class Events:
    """An EventSink that collects events; `wait_for` returns the first one matching, or fails."""

    def __init__(self, timeout: float = 3.0) -> None:
        self.q: queue.Queue[object] = queue.Queue()
        self.seen: list[object] = []
        self.timeout = timeout

    def __call__(self, event: object) -> None:
        self.q.put(event)

    def wait_for(self, pred: Callable[[object], bool], timeout: float | None = None) -> object:
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching event within {timeout}s; saw {self.seen!r}")
            try:
                ev = self.q.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(ev)
            if pred(ev):
                return ev
