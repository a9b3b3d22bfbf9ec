"""Server-Sent Events over a plain ASGI response.

Not a ``StreamingResponse``: an async generator cannot be interrupted while the server waits
for a client that stopped reading to drain its socket. Here every write is guarded, so a
subscriber the hub drops for being too slow is closed at once and its memory freed.
"""

from __future__ import annotations

import asyncio
import json
import logging

from sqlalchemy.exc import DBAPIError
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from slotwise.realtime.feed import Feed
from slotwise.realtime.frames import sse_message
from slotwise.realtime.hub import Closed, Hub

logger = logging.getLogger("slotwise.realtime")

RETRY_MILLISECONDS = 3000
_KEEPALIVE = b": keepalive\n\n"
_FINAL_WRITE_TIMEOUT = 1.0
# Events already waiting are written together up to about this size: a stream that fell
# behind catches up in a few sends instead of one per event.
_MAX_CHUNK = 64 * 1024


class EventStreamResponse(Response):
    media_type = "text/event-stream"

    def __init__(self, hub: Hub, feed: Feed, *, keepalive: float, send_timeout: float) -> None:
        # No body attribute: it would make the headers declare a Content-Length.
        self.status_code = 200
        self.background = None
        self.init_headers(
            {
                "Cache-Control": "no-cache",
                # Tells nginx-style proxies not to buffer the stream.
                "X-Accel-Buffering": "no",
            }
        )
        self._hub = hub
        self._feed = feed
        self._keepalive = keepalive
        self._send_timeout = send_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sub = self._feed.sub
        # A task group, so that the watcher has ended (not merely been asked to) when the
        # response returns: nothing of a closed stream keeps running or holds its receive.
        async with asyncio.TaskGroup() as tasks:
            # It notices a client that went away while the stream is idle (writes to a
            # closed connection are silently dropped).
            watcher = tasks.create_task(self._watch(receive))
            try:
                await self._respond(send)
            finally:
                watcher.cancel()
                self._hub.unsubscribe(sub)
        if sub.reason != "send_timeout":
            # A client that is still reading learns the stream ended (and reconnects).
            try:
                async with asyncio.timeout(_FINAL_WRITE_TIMEOUT):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            except (TimeoutError, OSError):
                pass

    async def _respond(self, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            await self._stream(send)
        except Closed:
            pass
        except DBAPIError as exc:  # a backlog read while the database is away (a restart)
            logger.warning(
                "ending an event stream: the database is unavailable (%s)", type(exc).__name__
            )

    async def _stream(self, send: Send) -> None:
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
                await self._write(send, _KEEPALIVE)
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

    async def _watch(self, receive: Receive) -> None:
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except Exception:  # the connection is unusable either way
            logger.debug("receiving from an event stream's client failed", exc_info=True)
        self._feed.sub.close("disconnected")
