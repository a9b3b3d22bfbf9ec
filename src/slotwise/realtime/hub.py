"""Fan-out in process: subscribers per firm, each with its view and a bounded queue.

The listener only says "firm F has news". One reader task then reads, per firm with
subscribers, every event after the last one it read (a burst of wake-ups becomes one query)
and hands each event, rendered once per view, to the subscribers of the views that see it.
A subscriber whose queue is full is closed instead of buffered without limit: its client
resumes from the last sequence number it got.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.realtime import repository
from slotwise.realtime.errors import TooManyStreams
from slotwise.realtime.views import Delivery, StoredEvent, View, deliver

logger = logging.getLogger("slotwise.realtime")

# Rows read per query; a firm with more pending is read again at once.
_READ_BATCH = 500
_MAX_RETRY_DELAY = 5.0


T = TypeVar("T")


class Closed(Exception):
    """The subscriber was closed: dropped for being too slow, disconnected or shut down."""


@dataclass(frozen=True)
class ClientCommand:
    """A message a WebSocket client sent, queued behind the deliveries before it."""

    text: str


# What a subscriber's queue holds.
Inbox = Delivery | ClientCommand


class Subscriber:
    """One connection's inbox. Its consumer waits through ``get``/``guard``, which a close
    interrupts at once (also a consumer stuck writing to a client that stopped reading).

    The deadlines of those waits (the keepalive, the send timeout) share one timer per
    subscriber, armed at most once per deadline period, instead of one ``asyncio.timeout``
    (a timer created and cancelled) per wait: a busy stream waits twice per event, and at
    thousands of streams the timers were a fifth of the event loop's time."""

    __slots__ = (
        "_interrupted",
        "_limit",
        "_since",
        "_task",
        "_timer",
        "_timer_due",
        "closed",
        "firm_id",
        "queue",
        "reason",
        "user_id",
        "view",
    )

    def __init__(self, firm_id: uuid.UUID, view: View, size: int, user_id: uuid.UUID) -> None:
        self.firm_id = firm_id
        self.user_id = user_id
        self.view = view
        # Deliveries from the hub; a WebSocket also queues its client's commands here, so
        # both are handled in the order they happened.
        self.queue: asyncio.Queue[Inbox] = asyncio.Queue(size)
        self.closed = False
        self.reason = ""
        self._task: asyncio.Task[object] | None = None  # the consumer, while it waits
        self._since = 0.0  # when the current wait started
        self._limit: float | None = None  # how long it may take
        self._interrupted = False  # the consumer's wait was cancelled by us
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due = 0.0

    def push(self, item: Inbox) -> bool:
        if self.closed:
            return False
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            return False
        return True

    def close(self, reason: str) -> None:
        if self.closed:
            return
        self.closed, self.reason = True, reason
        while not self.queue.empty():  # the backlog is of no use to anyone now
            self.queue.get_nowait()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._interrupt()

    async def get(self, timeout: float | None) -> Inbox | None:
        """The next item, or None after ``timeout`` seconds without one."""
        if self.closed:
            raise Closed(self.reason)
        if not self.queue.empty():
            return self.queue.get_nowait()
        done, item = await self._wait(self.queue.get(), timeout)
        if done:
            return item
        if self.closed:
            raise Closed(self.reason)
        return None

    async def guard(self, write: Awaitable[None], timeout: float) -> None:
        """Awaits ``write`` (a send to the client); a write that does not finish in time, or
        a close meanwhile, raises ``Closed``."""
        if self.closed:
            if isinstance(write, Coroutine):
                write.close()  # never awaited: closing it spares the "never awaited" warning
            raise Closed(self.reason)
        done, _ = await self._wait(write, timeout)
        if not done:
            self.close(self.reason or "send_timeout")
            raise Closed(self.reason)

    async def _wait(self, awaitable: Awaitable[T], limit: float | None) -> tuple[bool, T | None]:
        """Awaits; (False, None) when interrupted (closed, or ``limit`` seconds passed)."""
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        self._task, self._since, self._limit = task, loop.time(), limit
        if limit is not None:
            self._arm(loop, self._since + limit)
        try:
            return True, await awaitable
        except asyncio.CancelledError:
            # Ours only if nobody else cancelled the task too (then it must stop).
            if not self._interrupted or task.uncancel() > 0:
                raise
            return False, None
        finally:
            self._task, self._limit, self._interrupted = None, None, False

    def _arm(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        if self._timer is not None:
            if self._timer_due <= due:
                return  # it fires earlier and re-arms then
            self._timer.cancel()
        self._timer, self._timer_due = loop.call_at(due, self._expire, loop), due

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        if self._task is None or self._limit is None:
            return
        due = self._since + self._limit
        if loop.time() < due:
            self._arm(loop, due)
        else:
            self._interrupt()

    def _interrupt(self) -> None:
        if self._task is not None and not self._interrupted:
            self._interrupted = True
            self._task.cancel()


class _Channel:
    __slots__ = ("last_read", "lock", "views")

    def __init__(self) -> None:
        self.views: dict[View, set[Subscriber]] = {}
        # The last sequence number read and fanned out; None until the first subscriber has
        # read the firm's position.
        self.last_read: int | None = None
        self.lock = asyncio.Lock()

    def __len__(self) -> int:
        return sum(len(subs) for subs in self.views.values())


class Hub:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        queue_size: int,
        max_streams_per_user: int,
    ) -> None:
        self._maker = sessionmaker
        self.queue_size = queue_size
        self.max_streams_per_user = max_streams_per_user
        self._channels: dict[uuid.UUID, _Channel] = {}
        # Open subscribers per user, in this process only: a user's streams spread over
        # several server processes are limited per process.
        self._per_user: dict[uuid.UUID, int] = {}
        self.shutting_down = False
        self._dirty: set[uuid.UUID] = set()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0  # subscribers closed for being too slow, since start

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._read_forever(), name="slotwise-hub"
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.shut_down()
        self._channels.clear()

    def shut_down(self) -> None:
        """Ends every stream now and every later one at once (the server is stopping): the
        server waits for open responses before it stops the app, and streams would
        otherwise never end. Their clients resume by sequence number."""
        self.shutting_down = True
        for channel in list(self._channels.values()):
            for subs in list(channel.views.values()):
                for sub in list(subs):
                    sub.close("shutdown")

    def subscriber_count(self, firm_id: uuid.UUID | None = None) -> int:
        if firm_id is not None:
            channel = self._channels.get(firm_id)
            return len(channel) if channel is not None else 0
        return sum(len(channel) for channel in self._channels.values())

    async def subscribe(
        self, firm_id: uuid.UUID, view: View, session: AsyncSession, user_id: uuid.UUID
    ) -> Subscriber:
        """Registers a subscriber; every event committed after this returns reaches it.
        Raises ``TooManyRequests`` when the user has ``max_streams_per_user`` open.

        ``session`` is the caller's own: taking a second pooled connection here, while
        requests queue on the lock holding theirs, could exhaust the pool for good."""
        open_streams = self._per_user.get(user_id, 0)
        if open_streams >= self.max_streams_per_user:
            raise TooManyStreams(
                f"At most {self.max_streams_per_user} event streams may be open at once; "
                "close one first",
            )
        channel = self._channels.get(firm_id)
        if channel is None:
            channel = self._channels[firm_id] = _Channel()
        sub = Subscriber(firm_id, view, self.queue_size, user_id)
        channel.views.setdefault(view, set()).add(sub)
        self._per_user[user_id] = open_streams + 1
        if self.shutting_down:  # it ends at once, as the others did
            sub.close("shutdown")
        try:
            async with channel.lock:
                if channel.last_read is None:
                    channel.last_read = await repository.firm_position(session, firm_id)
                    # Wake-ups that came while the position was unknown were ignored.
                    self.wake(firm_id)
        except BaseException:
            self.unsubscribe(sub)
            raise
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        sub.close(sub.reason or "unsubscribed")
        channel = self._channels.get(sub.firm_id)
        if channel is None:
            return
        subs = channel.views.get(sub.view)
        if subs is not None and sub in subs:
            subs.discard(sub)
            self._release(sub)
            if not subs:
                del channel.views[sub.view]
        if not channel.views:
            del self._channels[sub.firm_id]

    def _release(self, sub: Subscriber) -> None:
        left = self._per_user.pop(sub.user_id, 1) - 1
        if left > 0:
            self._per_user[sub.user_id] = left

    def wake(self, firm_id: uuid.UUID) -> None:
        """A NOTIFY arrived for the firm: read its new events soon."""
        if firm_id in self._channels:
            self._dirty.add(firm_id)
            self._wakeup.set()

    def wake_all(self) -> None:
        """After the listener (re)connected: notifications may have been missed."""
        self._dirty.update(self._channels)
        self._wakeup.set()

    async def _read_forever(self) -> None:
        delay = 0.1
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            firms, self._dirty = self._dirty, set()
            try:
                await self._read(firms)
                delay = 0.1
            except Exception as exc:
                # The database away (a restart) is expected now and then: one line, no trace.
                logger.warning(
                    "reading events failed (%s); retrying in %.1f s",
                    type(exc).__name__,
                    delay,
                    exc_info=not isinstance(exc, DBAPIError | OSError),
                )
                self._dirty |= firms
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_RETRY_DELAY)
                self._wakeup.set()

    async def _read(self, firms: set[uuid.UUID]) -> None:
        channels = {
            f: c
            for f in firms
            if (c := self._channels.get(f)) is not None and c.last_read is not None
        }
        positions = {f: c.last_read for f, c in channels.items() if c.last_read is not None}
        if not positions:
            return
        async with self._maker() as session:
            events = await repository.read_after(session, positions, _READ_BATCH)
        # A burst (a catch-up after a reconnect, a bulk change) is handed out in slices
        # smaller than a queue, with a turn for the consumers in between: a subscriber that
        # keeps up is never dropped for a burst, only one that really stopped reading.
        slice_size = max(1, self.queue_size // 2)
        for index, event in enumerate(events):
            if index and index % slice_size == 0:
                await asyncio.sleep(0)
            channel = channels[event.firm_id]
            # A channel emptied (and maybe recreated) meanwhile reads for itself.
            if self._channels.get(event.firm_id) is channel:
                self._fan_out(channel, event)
        if len(events) == _READ_BATCH:
            self._dirty.update(positions)
            self._wakeup.set()

    def _fan_out(self, channel: _Channel, event: StoredEvent) -> None:
        if channel.last_read is None or event.seq <= channel.last_read:
            return
        channel.last_read = event.seq
        for view in event.views():
            subs = channel.views.get(view)
            if not subs:
                continue
            delivery: Delivery | None = deliver(event, view)
            if delivery is None:
                continue
            for sub in list(subs):
                if not sub.push(delivery):
                    self._drop(sub)

    def _drop(self, sub: Subscriber) -> None:
        if not sub.closed:
            self.dropped += 1
            logger.info(
                "dropping a subscriber of firm %s that fell %d events behind",
                sub.firm_id,
                self.queue_size,
            )
        sub.close("too_slow")
        self.unsubscribe(sub)
