"""Double booking is impossible: many simultaneous requests over separate connections for
overlapping slots, of different durations, and exactly one wins."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.config import Settings
from slotwise.models import Service, Specialist, SpecialistService
from tests.booking.helpers import at, next_monday
from tests.factories import World
from tests.live_server import live_server

REQUESTS = 50


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    with live_server(settings) as base_url:
        yield base_url


async def _fire(
    base_url: str,
    headers: dict[str, str],
    bodies: list[dict[str, object]],
    path: str = "/api/v1/appointments",
) -> list[httpx.Response]:
    """Sends every body at once, each on its own connection."""
    clients = [httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) for _ in bodies]
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


def _overlapping_bodies(
    world: World, *, worker_ids: list[uuid.UUID], workplace_id: uuid.UUID | None
) -> list[dict[str, Any]]:
    """Slots of different durations and starts that all contain 10:00-10:05, so every pair
    overlaps and at most one may exist."""
    base = datetime(2031, 3, 3, 10, tzinfo=UTC)
    bodies = []
    for i in range(REQUESTS):
        start = base - timedelta(minutes=5 * (i % 12))
        end = base + timedelta(minutes=5 + 5 * (i % 7))
        bodies.append(
            {
                "location_id": str(world.location_id),
                "workplace_id": str(workplace_id) if workplace_id else None,
                "start_at": start.isoformat(),
                "end_at": end.isoformat(),
                "worker_ids": [str(worker_ids[i % len(worker_ids)])],
                "services": [{"service_id": str(world.service_id)}],
            }
        )
    return bodies


async def _overlaps(app: FastAPI, firm_id: uuid.UUID) -> int:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        count = await session.scalar(
            text("""
            SELECT count(*) FROM appointments a
            JOIN appointments b ON a.id < b.id AND a.firm_id = b.firm_id
             AND tstzrange(a.start_at, a.end_at) && tstzrange(b.start_at, b.end_at)
             AND a.status <> 'cancelled' AND b.status <> 'cancelled'
            WHERE a.firm_id = :firm AND (
              a.workplace_id = b.workplace_id OR EXISTS (
                SELECT 1 FROM appointment_workers wa JOIN appointment_workers wb
                  ON wa.specialist_id = wb.specialist_id
                WHERE wa.appointment_id = a.id AND wb.appointment_id = b.id))
        """),
            {"firm": firm_id},
        )
        return int(count or 0)


async def _appointment_count(app: FastAPI, firm_id: uuid.UUID) -> int:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        count = await session.scalar(
            text("SELECT count(*) FROM appointments WHERE firm_id = :firm"), {"firm": firm_id}
        )
        return int(count or 0)


async def test_same_specialist_exactly_one_wins(app: FastAPI, server: str, world: World) -> None:
    bodies = _overlapping_bodies(world, worker_ids=[world.specialist_a], workplace_id=None)
    responses = await _fire(server, world.headers("director"), bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == REQUESTS - 1, statuses
    _losers_name_the_winner(responses)
    assert await _appointment_count(app, world.firm_id) == 1
    assert await _overlaps(app, world.firm_id) == 0


def _losers_name_the_winner(responses: list[httpx.Response]) -> None:
    """Every loser, whenever it lost (at the check, the constraint or in a deadlock), gets
    slot_taken naming the winning booking."""
    losers = [r.json() for r in responses if r.status_code == 409]
    assert {body["code"] for body in losers} == {"slot_taken"}
    assert all(body.get("details") for body in losers), losers


async def test_same_workplace_different_specialists_exactly_one_wins(
    app: FastAPI, server: str, world: World
) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        specialists = [
            Specialist(firm_id=world.firm_id, name=f"Extra {i}") for i in range(REQUESTS)
        ]
        session.add_all(specialists)
        await session.flush()
        ids = [s.id for s in specialists]
    bodies = _overlapping_bodies(world, worker_ids=ids, workplace_id=world.workplace_id)
    responses = await _fire(server, world.headers("director"), bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == REQUESTS - 1, statuses
    _losers_name_the_winner(responses)
    assert await _appointment_count(app, world.firm_id) == 1
    assert await _overlaps(app, world.firm_id) == 0


async def test_simultaneous_holds_of_different_durations_exactly_one_wins(
    app: FastAPI, server: str, world: World
) -> None:
    """Clients racing for overlapping slots of a 30-minute and a 60-minute service with one
    specialist: one hold, the rest 409, and no overlapping claims."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        long_service = Service(
            firm_id=world.firm_id,
            name="Colouring",
            duration_minutes=60,
            break_after_minutes=0,
            price=Decimal("80.00"),
        )
        session.add(long_service)
        await session.flush()
        session.add(
            SpecialistService(
                firm_id=world.firm_id, specialist_id=world.specialist_a, service_id=long_service.id
            )
        )
        long_id = long_service.id
    day = next_monday()
    bodies: list[dict[str, object]] = [
        {
            "service_id": str(long_id if i % 2 else world.service_id),
            "location_id": str(world.location_id),
            "specialist_id": str(world.specialist_a),
            "start_at": at(day, 10, 15 * (i % 3)).isoformat(),
        }
        for i in range(REQUESTS)
    ]
    responses = await _fire(server, world.headers("client"), bodies, path="/api/v1/holds")
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == REQUESTS - 1, statuses
    _losers_name_the_winner(responses)
    async with maker() as session:
        overlapping = await session.scalar(
            text("""
            SELECT count(*) FROM time_claims a JOIN time_claims b
              ON a.id < b.id AND a.specialist_id = b.specialist_id AND a.during && b.during
            WHERE a.firm_id = :firm"""),
            {"firm": world.firm_id},
        )
    assert overlapping == 0
