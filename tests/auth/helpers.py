"""Logins from an address of the test's own, so that address counters never meet."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.auth.throttle import address_key
from slotwise.models import LoginThrottle
from tests.factories import PASSWORD


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": email, "password": password, **extra}
    )


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def new_address() -> str:
    """A documentation-range IPv6 address no other test uses."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


async def attempts_counted(app: FastAPI, address: str) -> int:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        count = await session.scalar(
            select(LoginThrottle.failures).where(LoginThrottle.key == address_key(address))
        )
    return count or 0
