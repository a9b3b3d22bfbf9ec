"""The per-user cap on open event streams (SSE and WebSocket together)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from slotwise.config import Settings
from slotwise.realtime.ws import CLOSE_TRY_AGAIN
from tests.factories import World
from tests.realtime.helpers import Live, live, recv, sse, stream_token, subscribe, ws


async def _streams_of_firm(server: Live, world: World, count: int) -> None:
    async with asyncio.timeout(10):
        while server.app.state.hub.subscriber_count(world.firm_id) != count:
            await asyncio.sleep(0.02)


async def test_the_next_stream_past_the_cap_is_refused_until_one_ends(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    headers = world.headers("director")
    with live(settings, realtime_max_streams_per_user=3) as server:
        async with AsyncExitStack() as stack, httpx.AsyncClient(base_url=server.url) as http:
            first = await stack.enter_async_context(sse(server.url, headers=headers))
            await stack.enter_async_context(sse(server.url, headers=headers))
            socket = await stack.enter_async_context(ws(server.url, headers=headers))
            await subscribe(socket, "a")

            refused = await http.get("/api/v1/events/stream", headers=headers)
            assert refused.status_code == 429
            assert refused.json()["code"] == "too_many_streams"
            async with ws(server.url, await stream_token(client, world, "director")) as extra:
                with pytest.raises(ConnectionClosed) as closed:
                    await recv(extra)
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == CLOSE_TRY_AGAIN
            # Another user of the firm is not counted with them.
            async with sse(server.url, headers=world.headers("manager")):
                pass

            await first.response.aclose()  # the client goes away: its place is free again
            await _streams_of_firm(server, world, 2)
            async with sse(server.url, headers=headers) as again:
                assert again.connected.event == "connected"
