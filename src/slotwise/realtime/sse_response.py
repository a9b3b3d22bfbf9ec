"""The shape every Server-Sent Events response of ours shares, over a plain ASGI response.

Not a ``StreamingResponse``: an async generator cannot be interrupted while the server waits
for a client that stopped reading to drain its socket. Here every write is bounded in time by
the subclass, and a task group runs a watcher beside the writer that notices a client gone
while the stream is idle (writes to a closed connection are silently dropped). Because it is a
task group, the watcher has ended, not merely been asked to, when the response returns:
nothing of a closed stream keeps running or holds its ``receive``.
"""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

logger = logging.getLogger("slotwise.realtime")

RETRY_MILLISECONDS = 3000
KEEPALIVE = b": keepalive\n\n"
_FINAL_WRITE_TIMEOUT = 1.0


class SseResponse(Response):
    media_type = "text/event-stream"
    # What the subclass's writes raise once the stream is over (its client left, it was too
    # slow, the server is stopping): the stream then ends quietly.
    closed: tuple[type[Exception], ...] = ()

    def __init__(self, *, keepalive: float, send_timeout: float) -> None:
        # No body attribute: it would make the headers declare a Content-Length.
        self.status_code = 200
        self.background = None
        # X-Accel-Buffering tells nginx-style proxies not to buffer the stream.
        self.init_headers({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self._keepalive = keepalive
        self._send_timeout = send_timeout

    @abstractmethod
    async def stream(self, send: Send) -> None:
        """Writes the messages, each with a bounded write, until the stream is closed."""

    @abstractmethod
    def client_left(self) -> None:
        """The client disconnected: close what the writer waits on."""

    @abstractmethod
    def finish(self) -> None:
        """The stream is over: let go of its subscription."""

    @abstractmethod
    def timed_out(self) -> bool:
        """Whether a write timed out: a client that does not read gets no last write."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with asyncio.TaskGroup() as tasks:
            watcher = tasks.create_task(self._watch(receive))
            try:
                await self._respond(send)
            finally:
                watcher.cancel()
                self.finish()
        if not self.timed_out():
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
            await self.stream(send)
        except self.closed:
            pass

    async def _watch(self, receive: Receive) -> None:
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except Exception:  # the connection is unusable either way
            logger.debug("receiving from an event stream's client failed", exc_info=True)
        self.client_left()
