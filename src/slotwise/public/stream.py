"""The public availability stream as Server-Sent Events (the shape of every stream of ours:
``realtime.sse_response``). What it writes is only ``connected`` and ``availability.changed``
``{"location_id", "days"}`` messages and keepalive comments, each write bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import uuid

from starlette.types import Send

from slotwise.public.live import Closed, PublicHub, Watcher
from slotwise.realtime.frames import sse_message
from slotwise.realtime.sse_response import KEEPALIVE, RETRY_MILLISECONDS, SseResponse

CONNECTED, CHANGED = "connected", "availability.changed"


def changed_message(location_id: uuid.UUID, days: list[str] | None) -> bytes:
    data = json.dumps({"location_id": str(location_id), "days": days}, separators=(",", ":"))
    return sse_message(CHANGED, data)


class AvailabilityStreamResponse(SseResponse):
    closed = (Closed,)

    def __init__(
        self, hub: PublicHub, watcher: Watcher, *, keepalive: float, send_timeout: float
    ) -> None:
        super().__init__(keepalive=keepalive, send_timeout=send_timeout)
        self._hub = hub
        self._watcher = watcher
        self._timed_out = False

    def client_left(self) -> None:
        self._watcher.close()

    def finish(self) -> None:
        self._hub.unwatch(self._watcher)

    def timed_out(self) -> bool:
        return self._timed_out

    async def stream(self, send: Send) -> None:
        location_id = self._watcher.location_id
        hello = json.dumps({"location_id": str(location_id)})
        await self._write(
            send, f"retry: {RETRY_MILLISECONDS}\n".encode() + sse_message(CONNECTED, hello)
        )
        while True:
            announcement = await self._watcher.next(self._keepalive)
            if announcement is None:
                await self._write(send, KEEPALIVE)
            else:
                await self._write(send, changed_message(location_id, announcement.days))

    async def _write(self, send: Send, body: bytes) -> None:
        try:
            async with asyncio.timeout(self._send_timeout):
                await send({"type": "http.response.body", "body": body, "more_body": True})
        except TimeoutError:
            self._timed_out = True
            raise Closed() from None
