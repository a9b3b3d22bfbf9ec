"""A fresh YClients fake on loopback for each test, and a client for it that keeps no
provider-sized rate limit (the rate-limit test makes its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from slotwise.outbound import AllowList
from slotwise.sync.yclients import RetryPolicy, Window, YclientsApi, YclientsCredentials
from tests.sync.yclients_server import PARTNER_TOKEN, USER_TOKEN, FakeYclients, running

LOOPBACK = AllowList.parse(["127.0.0.1"])
CREDENTIALS = YclientsCredentials(PARTNER_TOKEN, USER_TOKEN)
UNLIMITED = Window(1000, 1.0)


@pytest.fixture
async def yclients() -> AsyncIterator[FakeYclients]:
    async with running() as fake:
        yield fake


def make_api(
    fake: FakeYclients,
    *,
    credentials: YclientsCredentials = CREDENTIALS,
    rates: tuple[Window, ...] = (UNLIMITED,),
    retry: RetryPolicy | None = None,
) -> YclientsApi:
    return YclientsApi(
        credentials,
        base_url=fake.base_url,
        allowed=LOOPBACK,
        timeout=5,
        rate_limits=rates,
        retry=retry or RetryPolicy(backoff=0.01),
    )


@pytest.fixture
async def api(yclients: FakeYclients) -> AsyncIterator[YclientsApi]:
    async with make_api(yclients) as client:
        yield client
