"""The per-address limit of the public API: 429 ``rate_limited`` with ``Retry-After``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.public import routes
from tests.booking.helpers import at, next_monday
from tests.factories import World, make_world
from tests.jobs.support import smtp_sink
from tests.public.flow import Guest
from tests.public.helpers import base, next_address, open_booking, visitor


@pytest.fixture
async def limited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    limited = settings.model_copy(
        update={"public_rate_max_requests": 5, "public_rate_max_writes": 2}
    )
    application = create_app(limited)
    async with application.router.lifespan_context(application):
        yield application


async def _restart_window(app: FastAPI, address: str) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            text(
                "UPDATE login_throttle SET window_started_at = now() - interval '1 hour'"
                " WHERE key LIKE :key"
            ),
            {"key": f"%:{address}"},
        )


async def test_an_address_over_its_limit_waits(limited_app: FastAPI) -> None:
    world: World = await make_world(limited_app)
    await open_booking(limited_app, world)
    address = next_address()
    async with visitor(limited_app, address) as http, visitor(limited_app) as neighbour:
        # Failures count too: a bad slug and bad input are requests like any other.
        answers = [
            await http.get(f"{base(world)}/locations"),
            await http.get("/api/v1/public/no-such-firm"),
            await http.get(f"{base(world)}/services", params={"location_id": "x"}),
            await http.get(base(world)),
            await http.get(base(world)),
        ]
        assert [a.status_code for a in answers] == [200, 404, 422, 200, 200]
        refused = await http.get(base(world))
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # Refusals do not count on: the next request is refused the same way, no longer.
        again = await http.get(base(world))
        assert again.status_code == 429
        assert int(again.headers["Retry-After"]) <= int(refused.headers["Retry-After"])
        # Another address is not affected, and neither is the staff API.
        assert (await neighbour.get(base(world))).status_code == 200
        staff = await http.get("/api/v1/locations", headers=world.headers("director"))
        assert staff.status_code == 200
        # A new window lets the address in again.
        await _restart_window(limited_app, address)
        assert (await http.get(base(world))).status_code == 200


async def test_writes_have_a_lower_limit_of_their_own(limited_app: FastAPI) -> None:
    world: World = await make_world(limited_app)
    await open_booking(limited_app, world)
    async with visitor(limited_app) as http:
        url = f"{base(world)}/holds"
        assert [(await http.post(url, json={})).status_code for _ in range(2)] == [422, 422]
        refused = await http.post(url, json={})
        assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
        assert int(refused.headers["Retry-After"]) >= 1
        # Reads go on up to their own limit (the refused write counted for neither).
        assert (await http.get(base(world))).status_code == 200


async def test_code_sends_have_the_lowest_limit(settings: Settings) -> None:
    """Each code is a message to whatever address was typed in: one address may ask for
    only a few, across holds, before it waits."""
    limited = settings.model_copy(update={"public_rate_max_codes": 1})
    application = create_app(limited)
    with smtp_sink() as sink:
        application.dependency_overrides[routes._channels] = sink.channel_settings
        async with application.router.lifespan_context(application):
            world: World = await make_world(application)
            await open_booking(application, world)
            async with visitor(application) as http:
                first, second = Guest(http, world), Guest(http, world)
                assert (await first.hold(at(next_monday(), 10))).status_code == 201
                assert (await second.hold(at(next_monday(), 11))).status_code == 201
                asked = await first.ask_code(name="Rosa Rate", email="rosa@example.com")
                assert asked.status_code == 202, asked.text
                refused = await second.ask_code(name="Rosa Rate", email="rosa@example.com")
                assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
                assert int(refused.headers["Retry-After"]) >= 1
            # Another address may still ask.
            async with visitor(application) as other:
                third = Guest(other, world)
                assert (await third.hold(at(next_monday(), 12))).status_code == 201
                asked = await third.ask_code(name="Otto Other", email="otto@example.com")
                assert asked.status_code == 202, asked.text
