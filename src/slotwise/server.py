"""Running the app under uvicorn: a deadline on request headers and a shutdown that ends the
event streams first.

uvicorn has no timeout for reading request headers: a client that sends half a request line
and then nothing holds its socket (and a file descriptor) for as long as it likes, and a few
hundred of them exhaust the server. The protocol here closes a connection whose headers are
not complete within ``http_header_timeout_seconds`` of the connection opening (or, on a
kept-alive connection, of the next request's first byte).

On SIGINT/SIGTERM uvicorn waits for open responses to finish before it tells the app (the
lifespan shutdown) anything; open SSE and WebSocket streams never finish on their own, so
each shutdown used to wait for the graceful timeout and then cancel them with a traceback.
The server here tells the hub at the signal itself, which ends every stream at once; the
clients resume by sequence number.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import sys
from collections.abc import Callable, Generator
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from slotwise.config import Settings

# A stream still open after this long at shutdown is cancelled (a backstop: the hub ends
# every stream at the signal).
_GRACEFUL_SHUTDOWN_SECONDS = 5


class _HeaderTimeoutProtocol(HttpToolsProtocol):
    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the next request on a kept-alive connection
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def _protocol_with_header_timeout(seconds: float) -> type[asyncio.Protocol]:
    return type("HeaderTimeoutProtocol", (_HeaderTimeoutProtocol,), {"header_timeout": seconds})


# A two-week availability listing allocates tens of thousands of short-lived tuples; with
# the default young-generation threshold (700) that meant ~4 collections and ~1.1 ms per
# request, with 10,000 none at all (measured with gc.callbacks).
YOUNG_GENERATION_THRESHOLD = 10_000


def tune_collector_for_serving() -> None:
    """Everything loaded before serving (modules, models, the app and its routes) lives for
    the whole process; moving it out of the collector's reach keeps full collections from
    pausing requests for tens of milliseconds (measured: availability p99 from ~140 ms to
    ~40 ms). Done once by the serving process, not by every app a test builds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 10, 10)


class Server(uvicorn.Server):
    """uvicorn's server, calling ``on_exit`` in the event loop as soon as a stop signal
    arrives (uvicorn's own shutdown follows as usual), and tuning the garbage collector before
    it serves."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        tune_collector_for_serving()
        await super().serve(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn raises the stop signal again once it has shut down; with the default
        # dispositions that is a KeyboardInterrupt traceback (SIGINT) or death by SIGTERM
        # before any ``finally`` ran. The shutdown was complete and clean: return instead.
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # A signal handler runs between two bytecodes of whatever the loop was doing: the
        # streams are closed from a callback of the loop instead.
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._on_exit)


def _end_streams(app: FastAPI) -> None:
    # Absent while the lifespan is still starting.
    for name in ("hub", "public_hub"):
        hub = getattr(app.state, name, None)
        if hub is not None:
            hub.shut_down()


def build_server(
    app: FastAPI, settings: Settings, host: str, port: int, *, log_level: str = "info"
) -> Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
        lifespan="on",
        http=_protocol_with_header_timeout(settings.http_header_timeout_seconds),
        timeout_keep_alive=settings.http_keep_alive_seconds,
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
    )
    return Server(config, on_exit=lambda: _end_streams(app))


def run(app: FastAPI, settings: Settings, host: str, port: int) -> None:
    server = build_server(app, settings, host, port)
    server.run()
    if not server.started:  # as uvicorn.run: a start-up that failed is an exit status
        sys.exit(STARTUP_FAILURE)
