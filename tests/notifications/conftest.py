"""Fixtures of the notification tests: a local SMTP server and a delivery runtime on it, a
local Web Push service and the app's channel settings pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from slotwise.config import Settings
from slotwise.notifications import subscriptions
from slotwise.notifications.channels import ChannelSettings, generate_vapid_keys
from slotwise.notifications.delivery import DeliveryRuntime
from tests.jobs.support import SmtpSink, runtime_for, smtp_sink
from tests.notifications.channels.push_service import PushService, allowed_host
from tests.notifications.channels.servers import serve_asgi

KEYS = generate_vapid_keys()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as running:
        yield running


@pytest.fixture
def runtime(app: FastAPI, settings: Settings, sink: SmtpSink) -> DeliveryRuntime:
    return runtime_for(app, settings, sink.channel_settings())


@pytest.fixture
async def push() -> AsyncIterator[tuple[PushService, str]]:
    service = PushService()
    async with serve_asgi(service) as base_url:
        yield service, base_url


@pytest.fixture
def allow_push(app: FastAPI, push: tuple[PushService, str]) -> Iterator[ChannelSettings]:
    """The app's channel settings with VAPID keys and the local push service allowed."""
    channels = ChannelSettings(
        _env_file=None,
        vapid_private_key=SecretStr(KEYS.private_key),
        vapid_public_key=KEYS.public_key,
        vapid_subject="mailto:ops@slotwise.example",
        webpush_allow_http=True,
        webpush_timeout_seconds=5,
        outbound_allowed_hosts=[allowed_host(push[1])],
    )
    app.dependency_overrides[subscriptions.channel_settings] = lambda: channels
    try:
        yield channels
    finally:
        del app.dependency_overrides[subscriptions.channel_settings]
