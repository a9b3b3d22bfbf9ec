"""A client-side request budget: at most ``limit`` requests in any ``period`` seconds, for
each of several such windows at once (YClients: 5 a second and 200 a minute)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Window:
    limit: int
    period: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError("a rate window needs a limit >= 1 and a positive period")


@dataclass
class _Sent:
    window: Window
    times: deque[float] = field(default_factory=deque)


class RateLimiter:
    """Sliding windows over the start times of past requests.

    ``margin`` seconds are added to every period: the provider counts requests when they
    arrive, and a request that waited longer on the way than its successor would otherwise
    land inside a window the client thought closed.
    """

    def __init__(self, windows: Iterable[Window], *, margin: float = 0.1) -> None:
        self._sent = [_Sent(window) for window in windows]
        self._margin = margin
        # One waiter at a time, so requests leave in the order they asked.
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one more request fits in every window, and count it as sent now."""
        async with self._lock:
            while True:
                now = time.monotonic()
                wait = 0.0
                for sent in self._sent:
                    period = sent.window.period + self._margin
                    while sent.times and now - sent.times[0] >= period:
                        sent.times.popleft()
                    if len(sent.times) >= sent.window.limit:
                        wait = max(wait, sent.times[0] + period - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            for sent in self._sent:
                sent.times.append(now)
