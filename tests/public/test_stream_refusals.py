"""Who gets no public availability stream: unknown pages and locations, too many streams."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from slotwise.config import Settings
from slotwise.models import Location
from tests.factories import World
from tests.public.stream_helpers import API, go_public, public_stream, stream_path
from tests.realtime.helpers import Live, live


async def test_unknown_pages_and_locations_are_404(
    app: FastAPI, client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    location = {"location_id": str(world.location_id)}
    # Not public yet: the same answer as a slug nobody has.
    for slug in (world.slug, "no-such-firm"):
        resp = await client.get(f"{API}/public/{slug}/availability/stream", params=location)
        assert resp.status_code == 404, resp.text
        assert resp.json()["code"] == "booking_page_not_found"

    await go_public(client, world)
    await go_public(client, other_world)
    for location_id in (other_world.location_id, uuid.uuid4()):
        resp = await client.get(stream_path(world), params={"location_id": str(location_id)})
        assert resp.status_code == 404, resp.text
        assert resp.json()["code"] == "public_location_not_found"
        assert str(location_id) not in resp.text
    async with app.state.sessionmaker.begin() as session:
        await session.execute(
            update(Location).where(Location.id == world.location_id).values(is_active=False)
        )
    closed = await client.get(stream_path(world), params=location)
    assert closed.status_code == 404
    assert closed.json()["code"] == "public_location_not_found"

    for params in ({}, {"location_id": "nope"}, {"location_id": ""}):
        bad = await client.get(stream_path(world), params=params)
        assert bad.status_code == 422, params
        assert bad.json()["code"] == "validation_error"


async def _streams(server: Live, world: World, count: int) -> None:
    async with asyncio.timeout(10):
        while server.app.state.public_hub.watcher_count(world.firm_id) != count:
            await asyncio.sleep(0.02)


async def test_an_address_may_open_only_so_many_streams(
    client: httpx.AsyncClient, settings: Settings, world: World, other_world: World
) -> None:
    await go_public(client, world)
    await go_public(client, other_world)
    with live(settings, public_max_streams_per_address=2) as server:
        async with AsyncExitStack() as stack, httpx.AsyncClient(base_url=server.url) as http:
            first = await stack.enter_async_context(public_stream(server.url, world))
            await stack.enter_async_context(public_stream(server.url, other_world))
            # Counted per address, whichever firm or location it watches.
            refused = await http.get(
                stream_path(world), params={"location_id": str(world.location_id)}
            )
            assert refused.status_code == 429, refused.text
            assert refused.json()["code"] == "too_many_public_streams"

            await first.reader.response.aclose()  # the page went away: its place is free
            await _streams(server, world, 0)
            async with public_stream(server.url, world) as again:
                assert again.location_id == world.location_id
            await _streams(server, world, 0)
