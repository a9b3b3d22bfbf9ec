"""A live server whose app the test can inspect, and a small SSE reader."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from fastapi import FastAPI
from psycopg.types.json import Jsonb
from websockets.asyncio.client import ClientConnection, connect

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.db import libpq_dsn
from slotwise.models import User
from slotwise.security import create_access_token
from tests.factories import World
from tests.live_server import serve_app


@dataclass
class Live:
    url: str
    app: FastAPI

    @property
    def hub_subscribers(self) -> int:
        return int(self.app.state.hub.subscriber_count())


@contextmanager
def live(settings: Settings, **overrides: Any) -> Iterator[Live]:
    """Like tests.live_server, but with settings overrides and the app in reach; ready once
    the app's LISTEN connection is up."""
    app = create_app(settings.model_copy(update=overrides))
    with serve_app(app) as url:
        deadline = time.monotonic() + 20
        while not app.state.listener.connected.is_set():  # set from the server's thread
            if time.monotonic() > deadline:
                raise RuntimeError("the listener did not connect")
            time.sleep(0.02)
        yield Live(url, app)


@dataclass
class Message:
    event: str | None = None
    id: str | None = None
    data: str = ""
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


class SseReader:
    """Parses the stream in a task of its own, so that waiting with a timeout never breaks
    the response's line iterator."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._messages: asyncio.Queue[Message | None] = asyncio.Queue()
        self.connected = Message()
        self._task = asyncio.create_task(self._parse())

    async def _parse(self) -> None:
        message, data = Message(), list[str]()
        try:
            async for line in self.response.aiter_lines():
                if line == "":
                    if data or message.event or message.comments or message.retry is not None:
                        message.data = "\n".join(data)
                        self._messages.put_nowait(message)
                    message, data = Message(), []
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "":
                    message.comments.append(value)
                elif name == "data":
                    data.append(value)
                elif name == "event":
                    message.event = value
                elif name == "id":
                    message.id = value
                elif name == "retry":
                    message.retry = int(value)
        except httpx.HTTPError:
            pass
        finally:
            self._messages.put_nowait(None)

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def next(self, timeout: float = 5.0) -> Message:
        """The next message (a comment-only block counts as one)."""
        async with asyncio.timeout(timeout):
            message = await self._messages.get()
        if message is None:
            self._messages.put_nowait(None)
            raise EOFError("the stream ended")
        return message

    async def event(self, timeout: float = 5.0) -> Message:
        """The next message that is not a keepalive."""
        while True:
            message = await self.next(timeout)
            if message.event is not None:
                return message

    async def events(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        return [(await self.event(timeout)).json() for _ in range(count)]


@asynccontextmanager
async def sse(
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    connected: bool = True,
) -> AsyncIterator[SseReader]:
    """An open stream; with ``connected`` the ``connected`` message is read already and kept
    as ``reader.connected``."""
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
        http.stream("GET", "/api/v1/events/stream", headers=headers, params=params) as response,
    ):
        assert response.status_code == 200, await response.aread()
        reader = SseReader(response)
        try:
            if connected:
                first = await reader.next()
                assert first.event == "connected", first
                reader.connected = first
            yield reader
        finally:
            await reader.close()


async def add_user(
    app: FastAPI,
    world: World,
    key: str,
    role: str,
    *,
    specialist_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> None:
    """Another user in the world (e.g. a login for specialist C or the other client)."""
    async with app.state.sessionmaker.begin() as session:
        user = User(
            firm_id=world.firm_id,
            email=f"{key}@{world.slug}.example.com",
            password_hash="x",
            role=role,
            full_name=key.title(),
            specialist_id=specialist_id,
            client_id=client_id,
        )
        session.add(user)
        await session.flush()
        token, _ = create_access_token(
            user_id=user.id,
            firm_id=world.firm_id,
            role=role,
            secret=app.state.secret_key,
            ttl_seconds=3600,
        )
    world.tokens[key] = token
    world.emails[key] = user.email


async def stream_token(client: httpx.AsyncClient, world: World, role: str) -> str:
    resp = await client.post("/api/v1/events/stream-token", headers=world.headers(role))
    assert resp.status_code == 200, resp.text
    token: str = resp.json()["token"]
    return token


def slot(day: int, hour: int = 10) -> datetime:
    """A Monday far ahead (no booking rule gets in the way), plus ``day`` weeks."""
    return datetime(2031, 1, 6, hour, tzinfo=UTC) + timedelta(weeks=day)


async def create(
    client: httpx.AsyncClient,
    world: World,
    workers: list[uuid.UUID],
    *,
    client_id: uuid.UUID | None = None,
    start: datetime | None = None,
    notes: str = "",
    location_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    start = start or slot(0)
    resp = await client.post(
        "/api/v1/appointments",
        headers=world.headers("director"),
        json={
            "location_id": str(location_id or world.location_id),
            "start_at": start.isoformat(),
            "end_at": (start + timedelta(minutes=30)).isoformat(),
            "worker_ids": [str(w) for w in workers],
            "services": [{"service_id": str(world.service_id)}],
            "client_id": str(client_id) if client_id else None,
            "notes": notes,
        },
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def bulk_events(
    settings: Settings,
    world: World,
    appointment: dict[str, Any],
    count: int,
    *,
    notify: bool = True,
    notes_size: int = 10,
) -> None:
    """``count`` events in one transaction (as a bulk job would write them)."""
    data = {**appointment, "notes": "x" * notes_size}
    async with await psycopg.AsyncConnection.connect(
        libpq_dsn(settings.database_url or "")
    ) as conn:
        await conn.execute(
            """WITH taken AS (UPDATE firms SET event_seq = event_seq + %(n)s
                              WHERE id = %(firm)s RETURNING event_seq)
               INSERT INTO events (firm_id, seq, type, appointment_id, location_id,
                                   worker_ids, worker_ids_before, changed, data)
               SELECT %(firm)s, taken.event_seq - %(n)s + g, 'appointment.updated',
                      %(appt)s, %(loc)s, %(workers)s, %(workers)s, '{notes}', %(data)s
               FROM taken, generate_series(1, %(n)s) AS g""",
            {
                "n": count,
                "firm": world.firm_id,
                "appt": uuid.UUID(appointment["id"]),
                "loc": world.location_id,
                "data": Jsonb(data),
                "workers": [uuid.UUID(w["id"]) for w in appointment["workers"]],
            },
        )
        if notify:
            await conn.execute("SELECT pg_notify('slotwise_events', %s)", (f"{world.firm_id}:0",))
        await conn.commit()


@asynccontextmanager
async def ws(
    base_url: str, token: str | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[ClientConnection]:
    url = base_url.replace("http://", "ws://") + "/api/v1/ws"
    if token is not None:
        url += f"?token={token}"
    async with connect(url, additional_headers=headers, open_timeout=5) as conn:
        yield conn


async def recv(conn: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):  # cancelling recv() loses nothing
        data = await conn.recv()
    message: dict[str, Any] = json.loads(data)
    return message


async def subscribe(
    conn: ClientConnection, ref: str, topic: str = "appointments", since: int | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "subscribe", "id": ref, "topic": topic}
    if since is not None:
        message["since"] = since
    await conn.send(json.dumps(message))
    ack = await recv(conn)
    assert ack["type"] == "ack" and ack["id"] == ref, ack
    return ack
