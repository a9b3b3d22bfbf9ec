from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from slotwise.models import Service, SpecialistService, WorkplaceServiceOverride
from tests.appointments.helpers import API, count_rows, create, created, read
from tests.factories import World, add_appointment


async def test_create_returns_everything(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    resp = await create(
        client,
        world,
        worker_ids=[str(world.specialist_b), str(world.specialist_a)],
        client_id=str(world.client_id),
        workplace_id=str(world.workplace_id),
        notes="bring the dog",
        external_id="ext-1",
        source="import",
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert resp.headers["etag"] == '"1"'
    assert resp.headers["location"].endswith(f"/api/v1/appointments/{body['id']}")
    assert body["version"] == 1
    assert body["status"] == "scheduled"
    assert body["is_open"] is False
    assert body["opened_at"] is None and body["closed_at"] is None
    assert body["notes"] == "bring the dog"
    assert (body["source"], body["external_id"]) == ("import", "ext-1")
    assert body["location_id"] == str(world.location_id)
    assert body["workplace_id"] == str(world.workplace_id)
    assert datetime.fromisoformat(body["start_at"]) == datetime(2030, 1, 7, 10, tzinfo=UTC)
    # No end_at: the service's 30 minutes.
    assert datetime.fromisoformat(body["end_at"]) == datetime(2030, 1, 7, 10, 30, tzinfo=UTC)
    assert body["workers"] == [
        {"id": str(world.specialist_a), "name": "Anna"},
        {"id": str(world.specialist_b), "name": "Ben"},
    ]
    assert body["services"] == [
        {"id": str(world.service_id), "name": "Haircut", "price": "25.00", "duration_minutes": 30}
    ]
    assert body["client"] == {
        "id": str(world.client_id),
        "first_name": "Clara",
        "last_name": "Client",
    }
    me = (await client.get(f"{API}/me", headers=world.headers("manager"))).json()
    assert body["created_by"] == me["id"]
    assert body["created_at"] and body["updated_at"]

    again = await read(client, world, body["id"])
    assert again.status_code == 200
    assert again.headers["etag"] == '"1"'
    assert again.json() == body
    assert await count_rows(app, world.firm_id) == (1, 2, 1)


async def test_explicit_end_and_price_and_no_client(
    client: httpx.AsyncClient, world: World
) -> None:
    body = await created(
        client,
        world,
        end_at="2030-01-07T12:15:00+01:00",
        services=[{"service_id": str(world.service_id), "price": "19.90"}],
        status="completed",
    )
    assert datetime.fromisoformat(body["end_at"]) == datetime(2030, 1, 7, 11, 15, tzinfo=UTC)
    assert body["services"][0]["price"] == "19.90"
    assert body["services"][0]["duration_minutes"] == 30
    assert body["client"] is None
    assert body["status"] == "completed"


async def test_price_precedence(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        colour = Service(
            firm_id=world.firm_id, name="Colour", duration_minutes=60, price=Decimal("80.00")
        )
        session.add(colour)
        await session.flush()
        colour_id = colour.id
        # Anna is dearer for haircuts and slower for colour; Ben has no custom terms.
        await session.execute(
            update(SpecialistService)
            .where(SpecialistService.specialist_id == world.specialist_a)
            .values(custom_price=Decimal("30.00"), custom_duration_minutes=40)
        )
        session.add(
            SpecialistService(
                firm_id=world.firm_id,
                specialist_id=world.specialist_a,
                service_id=colour_id,
                custom_duration_minutes=75,
            )
        )
        # The workplace overrides only the haircut's price (its duration falls through).
        session.add(
            WorkplaceServiceOverride(
                firm_id=world.firm_id,
                workplace_id=world.workplace_id,
                service_id=world.service_id,
                price=Decimal("27.50"),
            )
        )
    lines = [{"service_id": str(world.service_id)}, {"service_id": str(colour_id)}]

    def terms(body: dict[str, Any]) -> dict[str, tuple[str, int]]:
        return {s["name"]: (s["price"], s["duration_minutes"]) for s in body["services"]}

    def minutes(body: dict[str, Any]) -> float:
        delta = datetime.fromisoformat(body["end_at"]) - datetime.fromisoformat(body["start_at"])
        return delta.total_seconds() / 60

    at_workplace = await created(
        client, world, services=lines, workplace_id=str(world.workplace_id)
    )
    assert terms(at_workplace) == {"Haircut": ("27.50", 40), "Colour": ("80.00", 75)}
    assert minutes(at_workplace) == 40 + 75

    anna_first = await created(
        client,
        world,
        services=lines,
        start_at="2030-01-08T10:00:00Z",
        worker_ids=[str(world.specialist_a), str(world.specialist_b)],
    )
    assert terms(anna_first) == {"Haircut": ("30.00", 40), "Colour": ("80.00", 75)}

    ben_first = await created(
        client,
        world,
        services=lines,
        start_at="2030-01-09T10:00:00Z",
        worker_ids=[str(world.specialist_b), str(world.specialist_a)],
    )
    assert terms(ben_first) == {"Haircut": ("25.00", 30), "Colour": ("80.00", 60)}
    assert minutes(ben_first) == 90

    explicit = await created(
        client,
        world,
        start_at="2030-01-10T10:00:00Z",
        workplace_id=str(world.workplace_id),
        services=[{"service_id": str(world.service_id), "price": "0.00"}],
    )
    assert terms(explicit) == {"Haircut": ("0.00", 40)}

    # An inactive override is ignored.
    async with maker.begin() as session:
        await session.execute(
            update(WorkplaceServiceOverride)
            .where(WorkplaceServiceOverride.workplace_id == world.workplace_id)
            .values(is_active=False)
        )
    inactive = await created(
        client,
        world,
        start_at="2030-01-11T10:00:00Z",
        workplace_id=str(world.workplace_id),
        services=lines[:1],
    )
    assert terms(inactive) == {"Haircut": ("30.00", 40)}


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_page_costs_a_fixed_number_of_queries(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    start = datetime(2030, 2, 4, 8, tzinfo=UTC)
    for i in range(12):
        client_id = world.client_id if i % 2 else world.other_client_id
        await add_appointment(
            app,
            world,
            workers=[world.specialist_a, world.specialist_b],
            client_id=client_id,
            start=start + timedelta(hours=i),
        )
    head = world.headers("manager")
    with count_statements(app.state.engine) as small:
        one = await client.get(f"{API}/appointments", params={"limit": 1}, headers=head)
    with count_statements(app.state.engine) as large:
        twelve = await client.get(f"{API}/appointments", params={"limit": 12}, headers=head)
    assert len(one.json()["items"]) == 1
    assert len(twelve.json()["items"]) == 12
    assert all(len(item["workers"]) == 2 and item["client"] for item in twelve.json()["items"])
    assert len(large) == len(small), large
    # The caller, the count, the page, its workers, services and clients.
    assert len(large) <= 6, large


async def test_read_missing_and_malformed(client: httpx.AsyncClient, world: World) -> None:
    missing = await read(client, world, uuid.uuid4())
    assert missing.status_code == 404
    assert missing.json()["code"] == "appointment_not_found"
    assert (await read(client, world, "nope")).status_code == 422
    assert (await client.get(f"{API}/appointments/{uuid.uuid4()}")).status_code == 401


async def test_start_is_kept_with_its_instant(client: httpx.AsyncClient, world: World) -> None:
    body = await created(client, world, start_at="2030-03-31T09:00:00+02:00")
    assert datetime.fromisoformat(body["start_at"]) == datetime(2030, 3, 31, 7, tzinfo=UTC)
