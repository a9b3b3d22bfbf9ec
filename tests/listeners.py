"""A TCP listener on loopback that counts the connections it accepts: proof that something
did, or did not, connect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass
class Listener:
    port: int
    accepted: int = 0


@asynccontextmanager
async def counting_listener() -> AsyncIterator[Listener]:
    """Listens on 127.0.0.1 (a free port); every connection is counted and closed at once."""
    listener = Listener(port=0)

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        listener.accepted += 1
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    listener.port = int(server.sockets[0].getsockname()[1])
    try:
        yield listener
    finally:
        server.close()
        await server.wait_closed()
