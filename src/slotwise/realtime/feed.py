"""One subscriber's ordered stream: what it missed, read from the table, then the live events.

The subscriber is registered with the hub *before* the firm's position is read, so every
event committed after that read is already on its way to the queue; the backlog is read from
the table up to wherever it ends, and queued events at or below the position reached are
skipped. Nothing falls between the two and nothing comes twice.
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.realtime import repository
from slotwise.realtime.hub import Closed, Hub, Inbox, Subscriber
from slotwise.realtime.views import Delivery, View, deliver, render

_BACKLOG_PAGE = 200


@dataclass(frozen=True)
class Resume:
    """Where a subscriber starts: ``current`` is the firm's position when it connected;
    ``reset`` says the asked position is gone (purged, or from another database) and the
    client must refetch its state."""

    current: int
    reset: bool


async def check_resume(session: AsyncSession, firm_id: uuid.UUID, after: int | None) -> Resume:
    current = await repository.firm_position(session, firm_id)
    if after is None or after == current:
        return Resume(current, False)
    if after > current:
        return Resume(current, True)
    oldest = await repository.oldest_after(session, firm_id, after)
    return Resume(current, oldest is None or oldest > after + 1)


class Feed:
    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        sub: Subscriber,
        resume: Resume,
        after: int | None,
    ) -> None:
        self._maker = maker
        self.sub = sub
        self.current = resume.current
        self.reset = resume.reset
        catching_up = after is not None and not resume.reset and after < resume.current
        # The last sequence number handed out (or skipped as invisible).
        self.position = after if catching_up and after is not None else resume.current
        self.start = self.position
        self._catching_up = catching_up
        self._cursor = self.position  # how far the backlog has been read
        self._backlog: deque[Delivery] = deque()

    async def next(self, timeout: float | None) -> Delivery | None:
        """The next event for this subscriber; None after ``timeout`` without one. Raises
        ``hub.Closed`` once the subscriber is closed."""
        while True:
            delivery = self.ready()
            if delivery is not None:
                return delivery
            if self._catching_up:
                await self._read_backlog()
                continue
            item = await self.sub.get(timeout)
            if item is None:
                return None
            delivery = self._accept(item)
            if delivery is not None:
                return delivery

    def ready(self) -> Delivery | None:
        """The next event if it is already here, without reading or waiting."""
        if self.sub.closed:  # e.g. the client left in the middle of a long backlog
            raise Closed(self.sub.reason)
        if self._backlog:
            delivery = self._backlog.popleft()
            self.position = delivery.seq
            return delivery
        if self._catching_up:
            return None
        self.position = max(self.position, self._cursor)
        while not self.sub.queue.empty():
            accepted = self._accept(self.sub.queue.get_nowait())
            if accepted is not None:
                return accepted
        return None

    def _accept(self, item: Inbox) -> Delivery | None:
        """A queued delivery not already handed out (the backlog may have covered it)."""
        if isinstance(item, Delivery) and item.seq > self.position:
            self.position = item.seq
            return item
        return None

    async def _read_backlog(self) -> None:
        async with self._maker() as session:
            events = await repository.read_visible(
                session, self.sub.firm_id, self.sub.view, self._cursor, _BACKLOG_PAGE
            )
        if len(events) < _BACKLOG_PAGE:
            self._catching_up = False
        if events:
            self._cursor = events[-1].seq
        self._backlog.extend(d for e in events if (d := deliver(e, self.sub.view)) is not None)


async def open_feed(
    hub: Hub,
    maker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    firm_id: uuid.UUID,
    user_id: uuid.UUID,
    view: View,
    after: int | None,
) -> Feed:
    sub = await hub.subscribe(firm_id, view, session, user_id)
    try:
        resume = await check_resume(session, firm_id, after)
    except BaseException:
        hub.unsubscribe(sub)
        raise
    return Feed(maker, sub, resume, after)


async def read_page(
    session: AsyncSession, firm_id: uuid.UUID, view: View, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """A page for polling: the visible envelopes after ``after``, the position to poll from
    next, and whether the client must refetch (``reset``)."""
    resume = await check_resume(session, firm_id, after)
    if after is None or resume.reset:
        return [], resume.current, resume.reset
    events = await repository.read_visible(session, firm_id, view, after, limit)
    items = [e for event in events if (e := render(event, view)) is not None]
    # A full page may stop short of the firm's position: continue from its last event.
    last = events[-1].seq if len(events) == limit else resume.current
    return items, max(last, after), False
