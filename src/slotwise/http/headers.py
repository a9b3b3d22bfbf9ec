"""Headers every HTTP response carries, whichever route, error handler or guard produced it."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Browsers must take the declared Content-Type at its word: a JSON answer that echoes a
# caller's text is never sniffed into HTML or script.
_NOSNIFF = (b"x-content-type-options", b"nosniff")


class NoSniff:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), _NOSNIFF]}
            await send(message)

        await self.app(scope, receive, send_with_header)
