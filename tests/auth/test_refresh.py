"""Refresh rotation: a just-rotated token presented again within the grace gets the same
new pair; after the grace it is reuse and every session of the user ends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.config import Settings
from slotwise.models import RefreshToken
from slotwise.security import hash_refresh_token
from tests.auth.helpers import login
from tests.factories import World


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def _me(client: httpx.AsyncClient, access: str) -> int:
    return (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
    ).status_code


async def test_concurrent_refreshes_get_the_same_new_pair(
    client: httpx.AsyncClient, world: World
) -> None:
    other_session = (await login(client, world.emails["director"])).json()
    pair = (await login(client, world.emails["director"])).json()

    first, second = await asyncio.gather(
        _refresh(client, pair["refresh_token"]), _refresh(client, pair["refresh_token"])
    )
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert first.json()["refresh_token"] == second.json()["refresh_token"]
    assert first.json()["refresh_token"] != pair["refresh_token"]
    assert await _me(client, first.json()["access_token"]) == 200
    assert await _me(client, second.json()["access_token"]) == 200

    # Nothing was revoked: the new token and the user's other session go on.
    assert (await _refresh(client, first.json()["refresh_token"])).status_code == 200
    assert (await _refresh(client, other_session["refresh_token"])).status_code == 200


async def test_a_retry_after_a_lost_response_gets_the_same_refresh_token(
    client: httpx.AsyncClient, world: World
) -> None:
    pair = (await login(client, world.emails["worker"])).json()
    lost = await _refresh(client, pair["refresh_token"])
    retry = await _refresh(client, pair["refresh_token"])
    assert lost.status_code == retry.status_code == 200
    assert retry.json()["refresh_token"] == lost.json()["refresh_token"]


async def _rotated_past_the_grace(app: FastAPI, settings: Settings, token: str) -> None:
    """Moves the token's rotation back to just before the grace began."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == hash_refresh_token(token))
            .values(
                revoked_at=RefreshToken.revoked_at
                - timedelta(seconds=settings.refresh_reuse_grace_seconds + 1)
            )
        )


async def test_reuse_after_the_grace_ends_every_session(
    client: httpx.AsyncClient, app: FastAPI, world: World, settings: Settings
) -> None:
    other_session = (await login(client, world.emails["manager"])).json()
    pair = (await login(client, world.emails["manager"])).json()
    new_pair = (await _refresh(client, pair["refresh_token"])).json()
    await _rotated_past_the_grace(app, settings, pair["refresh_token"])

    reused = await _refresh(client, pair["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_token_reused"
    for token in (new_pair["refresh_token"], other_session["refresh_token"]):
        after = await _refresh(client, token)
        assert after.status_code == 401
        assert after.json()["code"] == "refresh_token_reused"


async def test_a_logged_out_successor_is_not_handed_out_again(
    client: httpx.AsyncClient, world: World
) -> None:
    pair = (await login(client, world.emails["client"])).json()
    new_pair = (await _refresh(client, pair["refresh_token"])).json()
    out = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": new_pair["refresh_token"]}
    )
    assert out.status_code == 204
    again = await _refresh(client, pair["refresh_token"])
    assert again.status_code == 401
    assert again.json()["code"] == "refresh_token_reused"


async def test_token_responses_are_not_stored(client: httpx.AsyncClient, world: World) -> None:
    issued = await login(client, world.emails["owner"])
    refreshed = await _refresh(client, issued.json()["refresh_token"])
    for response in (issued, refreshed):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"
