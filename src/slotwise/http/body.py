"""Request bodies are bounded in size and in the time they take to arrive.

A pure ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: it only wraps
``receive`` and ``send``, so event streams and WebSockets pass through unbuffered.

A body whose ``Content-Length`` is over the limit is refused before the application (routing,
authentication) runs and before any of it is read; a chunked body is refused as soon as it
passes the limit. Either way the connection is closed after the answer, so the server does not
go on draining a body nobody will read.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slotwise.errors import error_response

_DISCONNECT: Message = {"type": "http.disconnect"}


class RequestBodyGuard:
    def __init__(self, app: ASGIApp, *, max_bytes: int, read_timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = _content_length(headers)
        if declared is not None and declared > self.max_bytes:
            await _refuse(
                scope,
                receive,
                send,
                413,
                "body_too_large",
                f"The request body is larger than {self.max_bytes} bytes",
            )
            return
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        await _Exchange(self, scope, receive, send, expects_body=chunked or bool(declared)).run()


class _Exchange:
    """One request: counts its body as the application reads it, and answers for it when the
    body grows too large or stops arriving."""

    def __init__(
        self,
        guard: RequestBodyGuard,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        expects_body: bool,
    ) -> None:
        self.guard = guard
        self.scope = scope
        self._receive = receive
        self._send = send
        self.body_complete = not expects_body
        self.received = 0
        self.deadline = asyncio.get_running_loop().time() + guard.read_timeout
        self.response_started = False
        self.cut_off = False  # the application is told the client left
        self.answered = False  # the client has our answer instead of the application's

    async def run(self) -> None:
        await self.guard.app(self.scope, self.receive, self.send)

    async def receive(self) -> Message:
        if self.cut_off:
            return _DISCONNECT
        if self.body_complete:
            # Past the body only ``http.disconnect`` comes, whenever the client leaves: an
            # event stream waits for it as long as it lasts.
            return await self._receive()
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self._receive()
        except TimeoutError:
            return await self._stop(
                408,
                "body_timeout",
                f"The request body did not arrive within {self.guard.read_timeout:g} seconds",
            )
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.guard.max_bytes:
                return await self._stop(
                    413,
                    "body_too_large",
                    f"The request body is larger than {self.guard.max_bytes} bytes",
                )
            self.body_complete = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if self.answered:
            return
        if message["type"] == "http.response.start":
            self.response_started = True
            if not self.body_complete:
                # Answered without reading the whole body: closing beats draining the rest.
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"connection", b"close")],
                }
        await self._send(message)

    async def _stop(self, status: int, code: str, message: str) -> Message:
        """Answers in place of the application, which sees the client leave. A response
        already under way cannot be replaced; it ends with the connection."""
        self.cut_off = True
        if not self.response_started:
            self.answered = True
            await _refuse(self.scope, self._receive, self._send, status, code, message)
        return _DISCONNECT


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
) -> None:
    response = error_response(status, code, message, headers={"Connection": "close"})
    await response(scope, receive, send)


def _content_length(headers: Headers) -> int | None:
    # The server has already refused a malformed Content-Length; this is only its value.
    value = headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None
