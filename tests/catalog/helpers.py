"""Helpers of the catalog tests: the API prefix, a full read of a firm's catalog, and
direct database tweaks that the shared factories do not offer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Appointment, Hold, User
from tests.factories import World

API = "/api/v1"


async def get_json(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Any:
    resp = await client.get(f"{API}{path}", headers=headers)
    assert resp.status_code == 200, (path, resp.text)
    return resp.json()


async def snapshot(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """Everything the catalog API shows of a firm, read as its owner.

    Comparing two snapshots proves that a refused request wrote nothing.
    """
    headers = world.headers("owner")
    state: dict[str, Any] = {}
    for collection in ("locations", "workplaces", "services", "specialists"):
        state[collection] = await get_json(client, f"/{collection}?limit=500", headers)
    for location in state["locations"]["items"]:
        for sub in ("hours", "holidays"):
            path = f"/locations/{location['id']}/{sub}"
            state[path] = await get_json(client, path, headers)
    for workplace in state["workplaces"]["items"]:
        path = f"/workplaces/{workplace['id']}/services"
        state[path] = await get_json(client, path, headers)
    for specialist in state["specialists"]["items"]:
        for sub in ("services", "schedules", "breaks"):
            path = f"/specialists/{specialist['id']}/{sub}"
            state[path] = await get_json(client, path, headers)
    return state


async def set_appointment_workplace(
    app: FastAPI, appointment_id: uuid.UUID, workplace_id: uuid.UUID
) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            update(Appointment)
            .where(Appointment.id == appointment_id)
            .values(workplace_id=workplace_id)
        )


async def add_hold(
    app: FastAPI, world: World, *, specialist_id: uuid.UUID, workplace_id: uuid.UUID | None = None
) -> uuid.UUID:
    """A client's hold on a slot (already expired: even those block deletes until the
    cleanup removes them, because the database refuses a dangling reference)."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    start = datetime(2030, 1, 7, 10, tzinfo=UTC)
    async with maker.begin() as session:
        user_id = await session.scalar(
            select(User.id).where(
                User.firm_id == world.firm_id, User.email == world.emails["client"]
            )
        )
        hold = Hold(
            firm_id=world.firm_id,
            user_id=user_id,
            location_id=world.location_id,
            workplace_id=workplace_id,
            specialist_id=specialist_id,
            service_id=world.service_id,
            client_id=world.client_id,
            start_at=start,
            end_at=start + timedelta(minutes=30),
            expires_at=datetime.now(UTC) - timedelta(minutes=1),
        )
        session.add(hold)
        await session.flush()
        return hold.id


def location_body(name: str = "Kreuzberg", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "address": "Oranienstr. 5, Berlin",
        "time_zone": "Europe/Berlin",
        "capacity": 3,
        **extra,
    }


def service_body(name: str = "Beard trim", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "duration_minutes": 20,
        "break_after_minutes": 5,
        "price": "15.50",
        "currency": "EUR",
        **extra,
    }
