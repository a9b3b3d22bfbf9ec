"""Real servers on loopback for the channel tests: an ASGI app under uvicorn in the test's
own event loop, a scripted JSON API, and a TCP server that accepts and never answers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def closed_port() -> int:
    """A loopback port nobody listens on (bound once, then released)."""
    with bound_socket() as sock:
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serve_asgi(app: ASGIApp) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) until the block ends; yields the base URL."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections, reads whatever comes, never answers; yields the port."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


@dataclass
class Scripted:
    """An HTTP API whose next responses a test queues; without a queued one it answers with
    ``respond_ok``. Every request is recorded."""

    respond_ok: Callable[[Recorded], Awaitable[Response]]
    requests: list[Recorded] = field(default_factory=list)
    queued: list[Response] = field(default_factory=list)

    def queue(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.queued.append(JSONResponse(body, status_code=status, headers=headers))

    def reset(self) -> None:
        self.requests.clear()
        self.queued.clear()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        recorded = Recorded(
            request.method, request.url.path, dict(request.headers), await request.body()
        )
        self.requests.append(recorded)
        response = self.queued.pop(0) if self.queued else await self.respond_ok(recorded)
        await response(scope, receive, send)
