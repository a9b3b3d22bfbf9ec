"""The staff event stream as Server-Sent Events (see ``sse_response`` for its shape): every
write is guarded by the hub's subscriber, so one the hub drops for being too slow is closed at
once and its memory freed.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.exc import DBAPIError
from starlette.types import Send

from slotwise.realtime.feed import Feed
from slotwise.realtime.frames import sse_message
from slotwise.realtime.hub import Closed, Hub
from slotwise.realtime.sse_response import KEEPALIVE, RETRY_MILLISECONDS, SseResponse

logger = logging.getLogger("slotwise.realtime")

# Events already waiting are written together up to about this size: a stream that fell
# behind catches up in a few sends instead of one per event.
_MAX_CHUNK = 64 * 1024


class EventStreamResponse(SseResponse):
    closed = (Closed,)

    def __init__(self, hub: Hub, feed: Feed, *, keepalive: float, send_timeout: float) -> None:
        super().__init__(keepalive=keepalive, send_timeout=send_timeout)
        self._hub = hub
        self._feed = feed

    def client_left(self) -> None:
        self._feed.sub.close("disconnected")

    def finish(self) -> None:
        self._hub.unsubscribe(self._feed.sub)

    def timed_out(self) -> bool:
        return self._feed.sub.reason == "send_timeout"

    async def stream(self, send: Send) -> None:
        try:
            await self._events(send)
        except DBAPIError as exc:  # a backlog read while the database is away (a restart)
            logger.warning(
                "ending an event stream: the database is unavailable (%s)", type(exc).__name__
            )

    async def _events(self, send: Send) -> None:
        feed = self._feed
        first = f"retry: {RETRY_MILLISECONDS}\n".encode() + sse_message(
            "connected", json.dumps({"seq": feed.current}), feed.start
        )
        if feed.reset:
            first += sse_message("reset", json.dumps({"seq": feed.current}), feed.current)
        await self._write(send, first)
        while True:
            delivery = await feed.next(self._keepalive)
            if delivery is None:
                await self._write(send, KEEPALIVE)
                continue
            parts, size = [delivery.sse], len(delivery.sse)
            while size < _MAX_CHUNK and (delivery := feed.ready()) is not None:
                parts.append(delivery.sse)
                size += len(delivery.sse)
            await self._write(send, b"".join(parts))

    async def _write(self, send: Send, body: bytes) -> None:
        await self._feed.sub.guard(
            send({"type": "http.response.body", "body": body, "more_body": True}),
            self._send_timeout,
        )
