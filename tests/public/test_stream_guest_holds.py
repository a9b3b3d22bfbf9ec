"""A guest hold of the public booking API shows on the stream, and so does its release.

Nothing in the stream's code knows of guest holds: the database's triggers announce any hold.
"""

from __future__ import annotations

import httpx

from slotwise.config import Settings
from tests.factories import World
from tests.public.stream_helpers import API, go_public, public_stream
from tests.public.test_stream_live import DAY, slot
from tests.realtime.helpers import live


async def test_a_guest_hold_and_its_release_are_announced(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    await go_public(client, world)
    with live(settings) as server:
        async with public_stream(server.url, world) as stream:
            made = await client.post(
                f"{API}/public/{world.slug}/holds",
                json={
                    "location_id": str(world.location_id),
                    "service_id": str(world.service_id),
                    "start_at": slot(0).isoformat(),
                },
            )
            assert made.status_code == 201, made.text
            held = made.json()
            assert held["hold_token"]
            assert await stream.change() == [DAY]
            released = await client.delete(
                f"{API}/public/{world.slug}/holds/{held['id']}",
                headers={"X-Hold-Token": held["hold_token"]},
            )
            assert released.status_code == 204, released.text
            assert await stream.change_with(DAY) == [DAY]
