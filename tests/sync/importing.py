"""Helpers of the YClients import tests: a connection to the local YClients server, one poll
of it (``run_connection``, as the poller's job runs it), and reading back what it wrote."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections.secrets import encrypt_credentials
from slotwise.models import (
    Appointment,
    Client,
    Connection,
    ConnectionMapping,
    Event,
    Notification,
)
from slotwise.outbound import AllowList
from slotwise.sync.yclients import RetryPolicy
from slotwise.sync.yclients_run import ApiOptions, RunReport, run_connection
from tests.factories import World
from tests.sync.conftest import UNLIMITED
from tests.sync.yclients_server import COMPANY_ID, PARTNER_TOKEN, USER_TOKEN, FakeYclients

BERLIN = ZoneInfo("Europe/Berlin")
OPTIONS = ApiOptions(rate_limits=(UNLIMITED,), retry=RetryPolicy(max_attempts=1), timeout=5)
LOOPBACK = AllowList.parse(["127.0.0.1"])
# The world's specialists are Anna, Ben and Cem, its one service Haircut: these YClients
# names are suggested as their mappings on the first poll.
STAFF = {9: "Anna", 49: "Ben"}
SERVICES = {331: ("Haircut", Decimal("1300.00"))}


def workday() -> date:
    """The next Monday to Friday after today (the world's specialists work those days),
    within the connections' window of a week."""
    day = datetime.now(BERLIN).date() + timedelta(days=1)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


def at(hour: int, minute: int = 0, day: date | None = None) -> datetime:
    return datetime.combine(day or workday(), time(hour, minute), tzinfo=BERLIN)


def key(record_id: int) -> str:
    return f"{COMPANY_ID}:{record_id}"


def maker_of(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    return maker


def with_names(fake: FakeYclients) -> FakeYclients:
    fake.staff = dict(STAFF)
    fake.services = dict(SERVICES)
    return fake


async def add_connection(
    app: FastAPI,
    world: World,
    fake: FakeYclients,
    *,
    user_token: str = USER_TOKEN,
    **settings: Any,
) -> uuid.UUID:
    async with maker_of(app).begin() as session:
        connection = Connection(
            firm_id=world.firm_id,
            kind="yclients",
            name=f"YClients {uuid.uuid4().hex[:6]}",
            location_id=world.location_id,
            settings={
                "company_id": COMPANY_ID,
                "base_url": fake.base_url,
                "window_days": 7,
                **settings,
            },
            credentials=encrypt_credentials(
                app.state.secret_key, {"partner_token": PARTNER_TOKEN, "user_token": user_token}
            ),
        )
        session.add(connection)
        await session.flush()
        return connection.id


def mapped(
    world: World, connection_id: uuid.UUID, *, map_service: bool = True
) -> list[ConnectionMapping]:
    """YClients staff 9 is specialist A (Anna) and service 331 the world's Haircut (left
    unmapped when not ``map_service``): where the push and end-to-end tests start from."""
    return [
        ConnectionMapping(
            firm_id=world.firm_id,
            connection_id=connection_id,
            kind="staff",
            external_id="9",
            external_name=STAFF[9],
            specialist_id=world.specialist_a,
        ),
        ConnectionMapping(
            firm_id=world.firm_id,
            connection_id=connection_id,
            kind="service",
            external_id="331",
            external_name=SERVICES[331][0],
            service_id=world.service_id if map_service else None,
        ),
    ]


async def poll(app: FastAPI, connection_id: uuid.UUID, now: datetime | None = None) -> RunReport:
    return await run_connection(
        maker_of(app),
        connection_id,
        secret_key=app.state.secret_key,
        allowed=LOOPBACK,
        now=now or datetime.now(BERLIN),
        api_options=OPTIONS,
    )


async def connection(app: FastAPI, connection_id: uuid.UUID) -> Connection:
    async with maker_of(app)() as session:
        row = await session.get(Connection, connection_id)
        assert row is not None
        return row


async def imported(app: FastAPI, world: World) -> list[Appointment]:
    async with maker_of(app)() as session:
        rows = await session.scalars(
            select(Appointment)
            .where(Appointment.firm_id == world.firm_id, Appointment.source == "yclients")
            .order_by(Appointment.start_at)
        )
        return list(rows.all())


async def client_of(app: FastAPI, client_id: uuid.UUID | None) -> Client:
    assert client_id is not None
    async with maker_of(app)() as session:
        row = await session.get(Client, client_id)
        assert row is not None
        return row


async def events_of(app: FastAPI, world: World, appointment_id: uuid.UUID) -> list[str]:
    async with maker_of(app)() as session:
        rows = await session.scalars(
            select(Event.type)
            .where(Event.firm_id == world.firm_id, Event.appointment_id == appointment_id)
            .order_by(Event.seq)
        )
        return list(rows.all())


async def client_messages(app: FastAPI, appointment_id: uuid.UUID) -> list[Notification]:
    """The client's messages of the appointment, reminders aside."""
    async with maker_of(app)() as session:
        rows = await session.scalars(
            select(Notification)
            .where(
                Notification.appointment_id == appointment_id,
                Notification.recipient_kind == "client",
                Notification.type != "reminder",
            )
            .order_by(Notification.created_at)
        )
        return list(rows.all())


async def operator_notices(app: FastAPI, world: World, type_: str) -> list[str]:
    """The addresses the firm's operators are told at, one per notice of that type."""
    async with maker_of(app)() as session:
        rows = await session.scalars(
            select(Notification.address).where(
                Notification.firm_id == world.firm_id,
                Notification.recipient_kind == "operator",
                Notification.type == type_,
            )
        )
        return sorted(str(address) for address in rows.all())


async def firm_events(app: FastAPI, world: World, type_: str) -> int:
    async with maker_of(app)() as session:
        count = await session.scalar(
            select(func.count()).where(Event.firm_id == world.firm_id, Event.type == type_)
        )
        return int(count or 0)


async def get_json(client: httpx.AsyncClient, world: World, path: str) -> Any:
    resp = await client.get(f"/api/v1/connections/{path}", headers=world.headers("director"))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def free_starts(
    client: httpx.AsyncClient, world: World, specialist_id: uuid.UUID, day: date
) -> set[datetime]:
    resp = await client.get(
        "/api/v1/availability",
        headers=world.headers("director"),
        params={
            "service_id": str(world.service_id),
            "location_id": str(world.location_id),
            "from": day.isoformat(),
            "to": day.isoformat(),
            "specialist_id": str(specialist_id),
        },
    )
    assert resp.status_code == 200, resp.text
    return {datetime.fromisoformat(slot["start"]) for slot in resp.json()["slots"]}


async def book(
    client: httpx.AsyncClient, world: World, start: datetime, specialist_id: uuid.UUID
) -> httpx.Response:
    """A staff booking of the world's Haircut (30 min, 10 min break after)."""
    return await client.post(
        "/api/v1/appointments",
        headers=world.headers("director"),
        json={
            "location_id": str(world.location_id),
            "start_at": start.isoformat(),
            "worker_ids": [str(specialist_id)],
            "services": [{"service_id": str(world.service_id)}],
            "client_id": str(world.client_id),
        },
    )
