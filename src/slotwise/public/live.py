"""Live availability for the public booking page: which days of a location may have changed.

The signals come from the database itself (migrations 0008, 0010): triggers on claims, holds,
appointments and the catalog rules NOTIFY ``slotwise_availability`` with the firm, the
locations and the time range they may touch (turned into local days here, in each
location's time zone), whichever code path wrote the row. They arrive on the process's
one LISTEN connection (``realtime.listener``), and the hub here hands each open public
stream of that location the days, merged with whatever it has not written yet: a slow
client never makes a queue grow, its next message just names more days. Nothing in a
signal or a message names a booking or a person.

A hold stops blocking at its expiry without any write, so its signal carries the expiry and
the hub announces the same days again then (a timer). Holds that were made while nobody of
the firm watched, or while the listener was away, are read from the table when a stream
opens and after every reconnect; a reconnect also tells every stream that anything may
have changed (``days: null``), since signals sent meanwhile are lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import time
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.public.stream_errors import TooManyPublicStreams

logger = logging.getLogger("slotwise.public")

AVAILABILITY_CHANNEL = "slotwise_availability"
# A message naming more days than a booking page shows at once says "everything" instead.
MAX_DAYS = 62
# Announcing an expiry a moment late, so that the page's refetch finds the hold expired.
_EXPIRY_SLACK = 0.05
_LOAD_LIMIT = 10_000

# A location's affected days: an inclusive range of local dates, or None for every day.
DayRange = tuple[dt.date, dt.date] | None


@dataclass(frozen=True, slots=True)
class Signal:
    """One NOTIFY: ``locations`` None means every location of the firm."""

    firm_id: uuid.UUID
    locations: tuple[tuple[uuid.UUID, DayRange], ...] | None
    expires_at: float | None = None


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _day_range(value: Any) -> DayRange:
    """``[time zone, from, to]`` (epoch seconds) as the local days it covers; None for
    every day (also for a zone this process does not know)."""
    if value is None:
        return None
    name, low, high = value
    zone = _zone(str(name))
    if zone is None:
        return None
    first = dt.datetime.fromtimestamp(float(low), zone).date()
    last = dt.datetime.fromtimestamp(float(high), zone).date()
    return first, max(first, last)


def _reach(value: Any) -> tuple[tuple[uuid.UUID, DayRange], ...]:
    return tuple(sorted((uuid.UUID(loc), _day_range(days)) for loc, days in value.items()))


def parse(payload: str) -> Signal:
    """Raises ValueError (or a subclass) for a payload that is not a signal."""
    data = json.loads(payload)
    locations = data.get("l")
    expires = data.get("x")
    return Signal(
        uuid.UUID(data["f"]),
        None if locations is None else _reach(locations),
        float(expires) if expires is not None else None,
    )


class Closed(Exception):
    """The stream was closed: its client left, or the server is stopping."""


@dataclass(frozen=True, slots=True)
class Announcement:
    """What a stream writes next: sorted ISO dates, or None for "every day"."""

    days: list[str] | None


class Watcher:
    """One open public stream: the days it has been told of and not written yet."""

    __slots__ = ("_ready", "address", "closed", "days", "everything", "firm_id", "location_id")

    def __init__(self, firm_id: uuid.UUID, location_id: uuid.UUID, address: str) -> None:
        self.firm_id = firm_id
        self.location_id = location_id
        self.address = address
        self.days: set[dt.date] = set()
        self.everything = False
        self.closed = False
        self._ready = asyncio.Event()

    def announce(self, days: DayRange) -> None:
        if self.closed:
            return
        if days is None or (days[1] - days[0]).days >= MAX_DAYS:
            self.everything, self.days = True, set()
        elif not self.everything:
            first, last = days
            self.days.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
            if len(self.days) > MAX_DAYS:
                self.everything, self.days = True, set()
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next(self, timeout: float) -> Announcement | None:
        """The pending days, or None when ``timeout`` passed without any. Raises
        ``Closed``."""
        if not self._ready.is_set():
            try:
                async with asyncio.timeout(timeout):
                    await self._ready.wait()
            except TimeoutError:
                pass
        if self.closed:
            raise Closed()
        if not self._ready.is_set():
            return None
        self._ready.clear()
        if self.everything:
            self.everything, self.days = False, set()
            return Announcement(None)
        days, self.days = sorted(self.days), set()
        return Announcement([day.isoformat() for day in days])


_PENDING_HOLDS = text("""
SELECT h.firm_id, extract(epoch FROM h.expires_at) AS expires,
       slotwise_availability_reach(h.firm_id, ARRAY[h.location_id], ARRAY[h.specialist_id],
                                   ARRAY[h.workplace_id], h.start_at, h.end_at) AS reach
  FROM holds h
 WHERE h.firm_id = ANY(:firms) AND h.expires_at > now()
 ORDER BY h.expires_at
 LIMIT :limit
""")


class PublicHub:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], max_streams_per_address: int
    ) -> None:
        self._maker = sessionmaker
        self.max_streams_per_address = max_streams_per_address
        self._watchers: dict[uuid.UUID, dict[uuid.UUID, set[Watcher]]] = {}
        self._per_address: dict[str, int] = {}
        self._timers: dict[Signal, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.shutting_down = False
        self.signals = 0  # signals received, for tests and monitoring

    def watcher_count(self, firm_id: uuid.UUID | None = None) -> int:
        firms = [firm_id] if firm_id is not None else list(self._watchers)
        return sum(
            len(watchers) for firm in firms for watchers in self._watchers.get(firm, {}).values()
        )

    def pending_expiries(self) -> int:
        return len(self._timers)

    async def watch(
        self, firm_id: uuid.UUID, location_id: uuid.UUID, address: str, session: AsyncSession
    ) -> Watcher:
        """Registers a stream; every signal from now on reaches it. Raises
        ``TooManyPublicStreams`` when the address has the most open already."""
        open_streams = self._per_address.get(address, 0)
        if open_streams >= self.max_streams_per_address:
            raise TooManyPublicStreams(
                f"At most {self.max_streams_per_address} live availability streams may be "
                "open from one address at once"
            )
        watcher = Watcher(firm_id, location_id, address)
        first = firm_id not in self._watchers
        self._watchers.setdefault(firm_id, {}).setdefault(location_id, set()).add(watcher)
        self._per_address[address] = open_streams + 1
        if self.shutting_down:
            watcher.close()
        if not first:  # the firm's holds have their timers already
            return watcher
        try:
            # Registered first: a hold written from here on arrives as a signal; those
            # written before are read here (a timer for both is kept once).
            await self._load_expiries(session, [firm_id])
        except BaseException:
            self.unwatch(watcher)
            raise
        return watcher

    def unwatch(self, watcher: Watcher) -> None:
        watcher.close()
        locations = self._watchers.get(watcher.firm_id)
        watchers = locations.get(watcher.location_id) if locations is not None else None
        if locations is None or watchers is None or watcher not in watchers:
            return
        watchers.discard(watcher)
        left = self._per_address.pop(watcher.address, 1) - 1
        if left > 0:
            self._per_address[watcher.address] = left
        if not watchers:
            del locations[watcher.location_id]
        if not locations:
            del self._watchers[watcher.firm_id]

    def on_signal(self, payload: str) -> None:
        """A NOTIFY on ``AVAILABILITY_CHANNEL`` (called by the listener)."""
        self.signals += 1
        try:
            signal = parse(payload)
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("ignoring a malformed availability signal: %r", payload[:200])
            return
        if signal.firm_id not in self._watchers:
            return  # a stream opened later reads the firm's live holds itself
        self._dispatch(signal)
        self._expire_later(signal)

    def on_reconnect(self) -> None:
        """After the listener (re)connected: signals may have been lost meanwhile."""
        firms = list(self._watchers)
        for firm in firms:
            self._dispatch(Signal(firm, None))
        if firms:
            task = asyncio.get_running_loop().create_task(self._reload(firms))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def shut_down(self) -> None:
        """Ends every stream now and every later one at once (the server is stopping)."""
        self.shutting_down = True
        for locations in list(self._watchers.values()):
            for watchers in list(locations.values()):
                for watcher in list(watchers):
                    watcher.close()

    async def stop(self) -> None:
        self.shut_down()
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._watchers.clear()

    def _dispatch(self, signal: Signal) -> None:
        locations = self._watchers.get(signal.firm_id)
        if not locations:
            return
        reach: Iterable[tuple[uuid.UUID, DayRange]] = (
            signal.locations
            if signal.locations is not None
            else [(location, None) for location in locations]
        )
        for location, days in reach:
            for watcher in locations.get(location, ()):
                watcher.announce(days)

    def _expire_later(self, signal: Signal) -> None:
        if signal.expires_at is None or signal in self._timers:
            return
        delay = signal.expires_at - time.time()
        if delay <= 0:
            return
        loop = asyncio.get_running_loop()
        self._timers[signal] = loop.call_later(delay + _EXPIRY_SLACK, self._expired, signal)

    def _expired(self, signal: Signal) -> None:
        self._timers.pop(signal, None)
        self._dispatch(signal)

    async def _reload(self, firms: list[uuid.UUID]) -> None:
        try:
            async with self._maker() as session:
                await self._load_expiries(session, firms)
        except Exception as exc:  # the next reconnect reads them again
            logger.warning("reading the live holds failed (%s)", type(exc).__name__)

    async def _load_expiries(self, session: AsyncSession, firms: list[uuid.UUID]) -> None:
        rows = await session.execute(_PENDING_HOLDS, {"firms": firms, "limit": _LOAD_LIMIT})
        for firm_id, expires, reach in rows:
            if reach is not None:
                self._expire_later(Signal(firm_id, _reach(reach), float(expires)))
