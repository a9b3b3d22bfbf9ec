"""The public booking flag: off by default, turned on by the owner or director."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.public.errors import PublicFirmNotFound
from slotwise.public.firms import public_firm
from tests.factories import World


async def test_a_firm_takes_public_bookings_only_once_turned_on(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    settings = await client.get("/api/v1/firm", headers=world.headers("owner"))
    assert settings.json()["public_booking"] is False
    async with maker() as session:
        with pytest.raises(PublicFirmNotFound):
            await public_firm(session, world.slug)
    refused = await client.patch(
        "/api/v1/firm", headers=world.headers("manager"), json={"public_booking": True}
    )
    assert refused.status_code == 403
    for bad in ("yes", 1, None):
        invalid = await client.patch(
            "/api/v1/firm", headers=world.headers("director"), json={"public_booking": bad}
        )
        assert invalid.status_code == 422, bad
        assert invalid.json()["code"] == "validation_error"
    turned_on = await client.patch(
        "/api/v1/firm", headers=world.headers("director"), json={"public_booking": True}
    )
    assert turned_on.status_code == 200, turned_on.text
    assert turned_on.json()["public_booking"] is True
    async with maker() as session:
        firm = await public_firm(session, world.slug)
        assert firm.id == world.firm_id
        with pytest.raises(PublicFirmNotFound):
            await public_firm(session, "no-such-firm")
