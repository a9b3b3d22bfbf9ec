"""A client-side request budget: at most ``limit`` requests in any ``period`` seconds, for
each of several such windows at once (YClients: 5 a second and 200 a minute).

The provider counts requests when they arrive, and a request that took longer on its way
than the one after it would make two windows overlap if the client counted start times. So a
request counts from when its answer came back (no later than it arrived), and while it is on
its way it takes a place in every window: the provider can never see more than ``limit``
requests arrive within ``period``, whatever the network does.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    limit: int
    period: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError("a rate window needs a limit >= 1 and a positive period")


class RateLimiter:
    """``async with limiter.slot(): send one request``. ``margin`` seconds are added to every
    period, for a provider whose clock and ours do not tick together."""

    def __init__(self, windows: Iterable[Window], *, margin: float = 0.05) -> None:
        self._windows = tuple(windows)
        self._margin = margin
        self._finished: tuple[deque[float], ...] = tuple(deque() for _ in self._windows)
        self._in_flight = 0
        self._finish = asyncio.Event()
        # One waiter at a time, so requests leave in the order they asked.
        self._lock = asyncio.Lock()

    def _wait(self, now: float) -> float:
        """Seconds until one more request fits in every window (``inf``: until one of
        those on their way finishes)."""
        wait = 0.0
        for window, finished in zip(self._windows, self._finished, strict=True):
            period = window.period + self._margin
            while finished and now - finished[0] >= period:
                finished.popleft()
            # How many of the counted requests must leave the window first.
            excess = len(finished) + self._in_flight - window.limit + 1
            if excess <= 0:
                continue
            if excess > len(finished):
                return math.inf
            wait = max(wait, finished[excess - 1] + period - now)
        return wait

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._lock:
            while (wait := self._wait(time.monotonic())) > 0:
                finish = self._finish
                try:
                    async with asyncio.timeout(None if math.isinf(wait) else wait):
                        await finish.wait()
                except TimeoutError:
                    pass
            self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            now = time.monotonic()
            for finished in self._finished:
                finished.append(now)
            self._finish.set()
            self._finish = asyncio.Event()
