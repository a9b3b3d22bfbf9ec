"""Double booking is impossible: many simultaneous requests over separate connections for
overlapping slots, of different durations, and exactly one wins."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.config import Settings
from slotwise.models import Specialist
from tests.factories import World
from tests.live_server import live_server

REQUESTS = 50


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    with live_server(settings) as base_url:
        yield base_url


async def _fire(base_url: str, headers: dict[str, str], bodies: list[dict[str, object]],
                path: str = "/api/v1/appointments") -> list[httpx.Response]:
    """Sends every body at once, each on its own connection."""
    clients = [httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60)
               for _ in bodies]
    try:
        start = asyncio.Event()

        async def one(client: httpx.AsyncClient, body: dict[str, object]) -> httpx.Response:
            await start.wait()
            return await client.post(path, json=body)

        tasks = [asyncio.create_task(one(c, b)) for c, b in zip(clients, bodies, strict=True)]
        await asyncio.sleep(0.05)
        start.set()
        return await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def _overlapping_bodies(world: World, *, worker_ids: list[uuid.UUID],
                        workplace_id: uuid.UUID | None) -> list[dict[str, object]]:
    """Slots of different durations and starts that all contain 10:00-10:05, so every pair
    overlaps and at most one may exist."""
    base = datetime(2031, 3, 3, 10, tzinfo=UTC)
    bodies = []
    for i in range(REQUESTS):
        start = base - timedelta(minutes=5 * (i % 12))
        end = base + timedelta(minutes=5 + 5 * (i % 7))
        bodies.append({
            "location_id": str(world.location_id),
            "workplace_id": str(workplace_id) if workplace_id else None,
            "start_at": start.isoformat(), "end_at": end.isoformat(),
            "worker_ids": [str(worker_ids[i % len(worker_ids)])],
            "services": [{"service_id": str(world.service_id)}],
        })
    return bodies


async def _overlaps(app: FastAPI, firm_id: uuid.UUID) -> int:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        count = await session.scalar(text("""
            SELECT count(*) FROM appointments a
            JOIN appointments b ON a.id < b.id AND a.firm_id = b.firm_id
             AND tstzrange(a.start_at, a.end_at) && tstzrange(b.start_at, b.end_at)
             AND a.status <> 'cancelled' AND b.status <> 'cancelled'
            WHERE a.firm_id = :firm AND (
              a.workplace_id = b.workplace_id OR EXISTS (
                SELECT 1 FROM appointment_workers wa JOIN appointment_workers wb
                  ON wa.specialist_id = wb.specialist_id
                WHERE wa.appointment_id = a.id AND wb.appointment_id = b.id))
        """), {"firm": firm_id})
        return int(count or 0)


async def _appointment_count(app: FastAPI, firm_id: uuid.UUID) -> int:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        count = await session.scalar(
            text("SELECT count(*) FROM appointments WHERE firm_id = :firm"), {"firm": firm_id})
        return int(count or 0)


async def test_same_specialist_exactly_one_wins(app: FastAPI, server: str, world: World) -> None:
    bodies = _overlapping_bodies(world, worker_ids=[world.specialist_a], workplace_id=None)
    responses = await _fire(server, world.headers("director"), bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == REQUESTS - 1, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"slot_taken"}
    assert await _appointment_count(app, world.firm_id) == 1
    assert await _overlaps(app, world.firm_id) == 0


async def test_same_workplace_different_specialists_exactly_one_wins(
        app: FastAPI, server: str, world: World) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        specialists = [Specialist(firm_id=world.firm_id, name=f"Extra {i}")
                       for i in range(REQUESTS)]
        session.add_all(specialists)
        await session.flush()
        ids = [s.id for s in specialists]
    bodies = _overlapping_bodies(world, worker_ids=ids, workplace_id=world.workplace_id)
    responses = await _fire(server, world.headers("director"), bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == REQUESTS - 1, statuses
    assert await _appointment_count(app, world.firm_id) == 1
    assert await _overlaps(app, world.firm_id) == 0
