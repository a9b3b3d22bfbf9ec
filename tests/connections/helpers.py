"""Helpers of the connections tests: bodies per kind, creating a connection through the API,
and reading its row straight from the database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections.settings import ConnectionSettings, connection_settings
from slotwise.models import Connection
from tests.factories import World

API = "/api/v1/connections"
PARTNER_TOKEN = "partner-token-7f3a9c1e5b"
USER_TOKEN = "user-token-2d8e4f6a0c"
CALDAV_PASSWORD = "caldav-password-9b1d3f5h"


def yclients_body(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "yclients",
        "name": "Barbershop on YClients",
        "location_id": str(world.location_id),
        "settings": {"company_id": 4564},
        "credentials": {"partner_token": PARTNER_TOKEN, "user_token": USER_TOKEN},
    }
    return {**body, **changes}


def caldav_body(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "caldav",
        "name": "Anna's calendar",
        "location_id": str(world.location_id),
        "specialist_id": str(world.specialist_a),
        "settings": {"url": "https://caldav.example.com/dav/anna/", "calendar": "work"},
        "credentials": {"username": "anna", "password": CALDAV_PASSWORD},
    }
    return {**body, **changes}


async def create(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], role: str = "owner"
) -> dict[str, Any]:
    resp = await client.post(API, json=body, headers=world.headers(role))
    assert resp.status_code == 201, resp.text
    created: dict[str, Any] = resp.json()
    return created


async def connection_row(app: FastAPI, connection_id: str | uuid.UUID) -> Connection:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        row = await session.get(Connection, uuid.UUID(str(connection_id)))
        assert row is not None
        return row


@contextmanager
def allowed_hosts(app: FastAPI, *hosts: str) -> Iterator[None]:
    """The app lets connection URLs reach these (loopback) hosts, as an operator's
    ``SLOTWISE_OUTBOUND_ALLOWED_HOSTS`` would."""
    settings = ConnectionSettings(outbound_allowed_hosts=list(hosts))
    app.dependency_overrides[connection_settings] = lambda: settings
    try:
        yield
    finally:
        del app.dependency_overrides[connection_settings]
