"""The public availability stream as Server-Sent Events, over a plain ASGI response.

Shaped like the staff stream (``realtime.sse``): a task group whose watcher notices a client
that went away while the stream is idle, every write bounded in time, the SSE frames from
``realtime.frames``. What it writes is only ``connected`` and ``availability.changed``
``{"location_id", "days"}`` messages and keepalive comments.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from slotwise.public.live import Closed, PublicHub, Watcher
from slotwise.realtime.frames import sse_message
from slotwise.realtime.sse import RETRY_MILLISECONDS

logger = logging.getLogger("slotwise.public")

CONNECTED, CHANGED = "connected", "availability.changed"
_KEEPALIVE = b": keepalive\n\n"
_FINAL_WRITE_TIMEOUT = 1.0


def changed_message(location_id: uuid.UUID, days: list[str] | None) -> bytes:
    data = json.dumps({"location_id": str(location_id), "days": days}, separators=(",", ":"))
    return sse_message(CHANGED, data)


class AvailabilityStreamResponse(Response):
    media_type = "text/event-stream"

    def __init__(
        self, hub: PublicHub, watcher: Watcher, *, keepalive: float, send_timeout: float
    ) -> None:
        # No body attribute: it would make the headers declare a Content-Length.
        self.status_code = 200
        self.background = None
        self.init_headers({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self._hub = hub
        self._watcher = watcher
        self._keepalive = keepalive
        self._send_timeout = send_timeout
        self._timed_out = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with asyncio.TaskGroup() as tasks:
            watcher = tasks.create_task(self._watch(receive))
            try:
                await self._respond(send)
            finally:
                watcher.cancel()
                self._hub.unwatch(self._watcher)
        if not self._timed_out:
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

    async def _stream(self, send: Send) -> None:
        location_id = self._watcher.location_id
        hello = json.dumps({"location_id": str(location_id)})
        await self._write(
            send, f"retry: {RETRY_MILLISECONDS}\n".encode() + sse_message(CONNECTED, hello)
        )
        while True:
            announcement = await self._watcher.next(self._keepalive)
            if announcement is None:
                await self._write(send, _KEEPALIVE)
            else:
                await self._write(send, changed_message(location_id, announcement.days))

    async def _write(self, send: Send, body: bytes) -> None:
        try:
            async with asyncio.timeout(self._send_timeout):
                await send({"type": "http.response.body", "body": body, "more_body": True})
        except TimeoutError:
            self._timed_out = True
            raise Closed() from None

    async def _watch(self, receive: Receive) -> None:
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except Exception:  # the connection is unusable either way
            logger.debug("receiving from a public stream's client failed", exc_info=True)
        self._watcher.close()
