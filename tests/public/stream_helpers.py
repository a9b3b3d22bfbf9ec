"""The public availability stream from a test: open it, read its announcements."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, update

from slotwise.models import Hold
from tests.factories import World
from tests.realtime.helpers import Message, SseReader

API = "/api/v1"


def stream_path(world: World) -> str:
    return f"{API}/public/{world.slug}/availability/stream"


async def go_public(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.patch(
        f"{API}/firm", headers=world.headers("director"), json={"public_booking": True}
    )
    assert resp.status_code == 200, resp.text


async def expire_soon(app: FastAPI, hold_id: str, seconds: float) -> datetime:
    """Moves the hold's expiry to ``seconds`` from now (sooner than a firm's shortest
    time to live, 10 s); returns it."""
    async with app.state.sessionmaker.begin() as session:
        expires = await session.scalar(
            update(Hold)
            .where(Hold.id == uuid.UUID(hold_id))
            .values(expires_at=func.now() + timedelta(seconds=seconds))
            .returning(Hold.expires_at)
        )
    assert isinstance(expires, datetime)
    return expires


class PublicStream:
    def __init__(self, reader: SseReader, location_id: uuid.UUID) -> None:
        self.reader = reader
        self.location_id = location_id

    async def change(self, timeout: float = 5.0) -> list[str] | None:
        """The next announcement's days; checks that it says nothing else."""
        message = await self.reader.event(timeout)
        assert message.event == "availability.changed", message
        assert message.id is None  # nothing to resume from: a page refetches instead
        data = message.json()
        assert set(data) == {"location_id", "days"}, data
        assert data["location_id"] == str(self.location_id)
        days: list[str] | None = data["days"]
        return days

    async def change_with(self, day: str, timeout: float = 5.0) -> list[str] | None:
        """Announcements until one that names ``day`` (or every day)."""
        while True:
            days = await self.change(timeout)
            if days is None or day in days:
                return days

    async def message(self, timeout: float = 5.0) -> Message:
        return await self.reader.event(timeout)


@asynccontextmanager
async def public_stream(
    base_url: str, world: World, location_id: uuid.UUID | None = None
) -> AsyncIterator[PublicStream]:
    location = location_id or world.location_id
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
        http.stream("GET", stream_path(world), params={"location_id": str(location)}) as resp,
    ):
        assert resp.status_code == 200, await resp.aread()
        assert resp.headers["content-type"].startswith("text/event-stream")
        reader = SseReader(resp)
        try:
            first = await reader.next()
            assert first.event == "connected", first
            assert first.retry == 3000
            assert first.json() == {"location_id": str(location)}
            yield PublicStream(reader, location)
        finally:
            await reader.close()


async def hold(
    client: httpx.AsyncClient,
    world: World,
    start: datetime,
    *,
    specialist_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    role: str = "client",
) -> dict[str, Any]:
    resp = await client.post(
        f"{API}/holds",
        headers=world.headers(role),
        json={
            "service_id": str(world.service_id),
            "location_id": str(location_id or world.location_id),
            "start_at": start.isoformat(),
            "specialist_id": str(specialist_id or world.specialist_a),
        },
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def offered(
    client: httpx.AsyncClient, world: World, start: datetime, specialist_id: uuid.UUID
) -> bool:
    """Whether the slot at ``start`` is offered with this specialist."""
    resp = await client.get(
        f"{API}/availability",
        headers=world.headers("director"),
        params={
            "service_id": str(world.service_id),
            "location_id": str(world.location_id),
            "from": start.isoformat(),
            "to": (start + timedelta(minutes=1)).isoformat(),
            "specialist_id": str(specialist_id),
        },
    )
    assert resp.status_code == 200, resp.text
    return any(
        slot["start"] == start.isoformat().replace("+00:00", "Z")
        or datetime.fromisoformat(slot["start"]) == start
        for slot in resp.json()["slots"]
    )
