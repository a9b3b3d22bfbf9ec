"""A push subscription that points inside the network (stored before the check existed, or its
name resolves elsewhere now) is never connected to when the worker sends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import delete, select, update

from slotwise.config import Settings
from slotwise.models import Client, Notification, PushSubscription, User
from slotwise.notifications.channels import (
    ChannelSettings,
    RetryableError,
    generate_vapid_keys,
)
from slotwise.notifications.channels.webpush import ENDPOINT_NOT_ALLOWED
from slotwise.notifications.delivery import DeliveryFailed, DeliveryRuntime, deliver
from tests.factories import World
from tests.jobs.support import maker
from tests.listeners import counting_listener
from tests.notifications.channels.push_service import Browser
from tests.notifications.channels.servers import closed_port
from tests.notifications.helpers import book, of, planned, slot

KEYS = generate_vapid_keys()


def _push_only(*allowed_hosts: str) -> ChannelSettings:
    return ChannelSettings(
        _env_file=None,
        smtp_host=None,
        telegram_bot_token=None,
        whatsapp_token=None,
        vapid_private_key=SecretStr(KEYS.private_key),
        outbound_allowed_hosts=list(allowed_hosts),
    )


@pytest.fixture
async def shared_http() -> AsyncIterator[httpx.AsyncClient]:
    # The worker's own client, shared by the HTTP channels, as `run_worker` makes it.
    async with httpx.AsyncClient() as http:
        yield http


async def _subscribe_directly(app: FastAPI, world: World, endpoint: str) -> None:
    """Stores the subscription as it is, past the API's check."""
    browser = Browser()
    async with maker(app).begin() as session:
        await session.execute(
            update(Client)
            .where(Client.id == world.client_id)
            .values(preferred_channels=["webpush"])
        )
        user_id = await session.scalar(
            select(User.id).where(User.firm_id == world.firm_id, User.client_id == world.client_id)
        )
        assert user_id is not None
        await session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))
        session.add(
            PushSubscription(
                firm_id=world.firm_id,
                user_id=user_id,
                endpoint=endpoint,
                p256dh=browser.p256dh,
                auth=browser.auth,
            )
        )


async def _confirmation(
    client: httpx.AsyncClient, app: FastAPI, world: World, weeks: int
) -> Notification:
    [row] = of(await planned(app, await book(client, world, slot(weeks))), "confirmation")
    return row


async def _reload(app: FastAPI, row_id: uuid.UUID) -> Notification:
    async with maker(app)() as session:
        row = await session.get(Notification, row_id)
        assert row is not None
        return row


async def test_the_worker_never_connects_to_an_internal_endpoint(
    client: httpx.AsyncClient,
    app: FastAPI,
    world: World,
    settings: Settings,
    shared_http: httpx.AsyncClient,
) -> None:
    runtime = DeliveryRuntime(maker(app), settings, _push_only(), shared_http)
    async with counting_listener() as listener:
        endpoints = [
            f"https://127.0.0.1:{listener.port}/push/x",
            f"https://localhost:{listener.port}/push/x",
            f"https://[::ffff:127.0.0.1]:{listener.port}/push/x",
            f"https://127.0.0.1:{closed_port()}/push/x",
        ]
        errors = set()
        for weeks, endpoint in enumerate(endpoints, start=2):
            await _subscribe_directly(app, world, endpoint)
            row = await _confirmation(client, app, world, weeks)
            with pytest.raises(DeliveryFailed):
                await deliver(runtime, row.id, now=row.send_after, final_attempt=False)
            failed = await _reload(app, row.id)
            # For good at the first attempt, and the same words for an open or a closed port.
            assert (failed.status, failed.attempts) == ("failed", 1), endpoint
            assert failed.last_error is not None
            assert failed.last_error.partition("; ")[0] == f"webpush: {ENDPOINT_NOT_ALLOWED}"
            errors.add(failed.last_error)
        assert len(errors) == 1
        assert listener.accepted == 0

        # Allowed by the operator, the same endpoint is reached: the listener does count.
        allowing = _push_only(f"127.0.0.1:{listener.port}")
        await _subscribe_directly(app, world, endpoints[0])
        row = await _confirmation(client, app, world, weeks=len(endpoints) + 2)
        with pytest.raises(RetryableError):
            await deliver(
                DeliveryRuntime(maker(app), settings, allowing, shared_http),
                row.id,
                now=row.send_after,
                final_attempt=False,
            )
        assert listener.accepted == 1
