"""The one LISTEN connection of a process.

It is opened directly with psycopg (not taken from the pool, whose connections are reset and
recycled) in autocommit mode. A notification is only a wake-up for a firm; the hub reads the
events from the table. A connection that says nothing for a while is asked ``SELECT 1`` with
a timeout, so a silently dead one (a killed backend, a dropped network path) is noticed and
replaced; reconnecting retries forever with exponential backoff, and after every (re)connect
the hub reads every firm's events from its last position, so a gap in notifications loses
nothing.

Other channels ride on the same connection (``channels``: name -> handler of the payload),
so a process still holds one LISTEN connection however many kinds of signal it follows; their
handlers learn of a reconnect through ``on_connect`` like the hub.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping

import psycopg
from psycopg import sql

from slotwise.db import ApplicationName, libpq_dsn
from slotwise.realtime.events import CHANNEL

logger = logging.getLogger("slotwise.realtime")

_FIRST_DELAY, _MAX_DELAY = 0.05, 10.0


class Listener:
    def __init__(
        self,
        database_url: str,
        *,
        on_wake: Callable[[uuid.UUID], None],
        on_connect: Callable[[], None],
        liveness_interval: float,
        liveness_timeout: float,
        channels: Mapping[str, Callable[[str], None]] | None = None,
    ) -> None:
        self._dsn = libpq_dsn(database_url, ApplicationName.LISTENER)
        self._on_wake = on_wake
        self._on_connect = on_connect
        self._interval = liveness_interval
        self._timeout = liveness_timeout
        self._channels = dict(channels or {})
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.connections = 0  # successful (re)connects, for tests and monitoring
        self.backend_pid: int | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="slotwise-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        delay = _FIRST_DELAY
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError, TimeoutError) as exc:
                logger.warning(
                    "event listener lost its connection (%s); reconnecting in %.2f s", exc, delay
                )
            except Exception:
                logger.exception("event listener failed; reconnecting in %.2f s", delay)
            if self.connected.is_set():  # it had been up: start the backoff afresh
                delay = _FIRST_DELAY
            self.connected.clear()
            self.backend_pid = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, _MAX_DELAY)

    async def _listen(self) -> None:
        async with asyncio.timeout(self._timeout * 2):
            conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
        try:
            for channel in (CHANNEL, *self._channels):
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self.backend_pid = conn.info.backend_pid
            self.connections += 1
            self.connected.set()
            # Listening before catching up: anything committed from here on also wakes us.
            self._on_connect()
            while True:
                async for note in conn.notifies(timeout=self._interval):
                    if note.channel == CHANNEL:
                        self._wake(note.payload)
                    else:
                        self._dispatch(note.channel, note.payload)
                async with asyncio.timeout(self._timeout):
                    await conn.execute("SELECT 1")
        finally:
            await self._close(conn)

    def _wake(self, payload: str) -> None:
        firm, _, _ = payload.partition(":")
        try:
            self._on_wake(uuid.UUID(firm))
        except ValueError:
            logger.warning("ignoring a malformed event notification: %r", payload)

    def _dispatch(self, channel: str, payload: str) -> None:
        handler = self._channels.get(channel)
        if handler is None:
            return
        try:
            handler(payload)
        except Exception:  # one bad signal must not cost the connection
            logger.exception("handling a notification on %s failed: %r", channel, payload[:200])

    async def _close(self, conn: psycopg.AsyncConnection[object]) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await conn.close()
        except (psycopg.Error, OSError, TimeoutError):
            pass
