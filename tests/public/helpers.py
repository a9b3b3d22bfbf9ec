"""A firm that takes public bookings, and visitors calling its public API from addresses
of their own (the per-address limit of one test never meets another's)."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Firm
from tests.factories import World

# Addresses per process, so that concurrent test runs on one database rarely meet either.
_addresses = (f"10.{os.getpid() % 250}.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def next_address() -> str:
    return next(_addresses)


async def open_booking(app: FastAPI, world: World, **values: object) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            update(Firm).where(Firm.id == world.firm_id).values(public_booking=True, **values)
        )


@asynccontextmanager
async def visitor(app: FastAPI, address: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address or next_address(), 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def base(world: World) -> str:
    return f"/api/v1/public/{world.slug}"


def hold_body(
    world: World, start: datetime, specialist_id: uuid.UUID | None = None
) -> dict[str, str]:
    body = {
        "location_id": str(world.location_id),
        "service_id": str(world.service_id),
        "start_at": start.isoformat(),
    }
    if specialist_id is not None:
        body["specialist_id"] = str(specialist_id)
    return body


async def guest_hold(
    http: httpx.AsyncClient,
    world: World,
    start: datetime,
    specialist_id: uuid.UUID | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await http.post(
        f"{base(world)}/holds", json=hold_body(world, start, specialist_id), headers=headers
    )
