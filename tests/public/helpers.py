"""A firm that takes public bookings, and visitors calling its public API from addresses
of their own (the per-address limit of one test never meets another's)."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
