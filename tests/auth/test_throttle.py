"""Login throttling: atomic under concurrency, one counter per account of a firm, purged."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.admin import UserSpec, add_user
from slotwise.auth.throttle import account_key, address_key
from slotwise.config import Settings
from slotwise.models import Firm, LoginThrottle
from slotwise.ops.cleanup import cleanup
from tests.auth.helpers import attempts_counted, client_at, login, new_address
from tests.factories import PASSWORD, World


async def test_fifty_parallel_wrong_passwords_get_only_the_limit_evaluated(
    app: FastAPI, world: World, settings: Settings
) -> None:
    limit = settings.login_max_failures_per_account
    address = new_address()
    async with client_at(app, address) as http:
        answers = await asyncio.gather(
            *(login(http, world.emails["manager"], "wrong password") for _ in range(50))
        )
        codes = Counter(answer.json()["code"] for answer in answers)
        assert codes == {"invalid_credentials": limit, "too_many_attempts": 50 - limit}
        assert all(int(a.headers["retry-after"]) > 0 for a in answers if a.status_code == 429)
        # Refused attempts count nowhere: the address holds only the evaluated ones.
        assert await attempts_counted(app, address) == limit
        assert (await login(http, world.emails["manager"])).status_code == 429


async def test_the_same_email_in_another_firm_is_another_account(
    app: FastAPI, world: World, other_world: World, settings: Settings
) -> None:
    email = world.emails["director"]
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        other_firm = await session.get(Firm, other_world.firm_id)
        assert other_firm is not None
        await add_user(
            session,
            other_firm,
            UserSpec(firm_slug=other_world.slug, email=email, password=PASSWORD, role="manager"),
        )
    async with client_at(app, new_address()) as http:
        for _ in range(settings.login_max_failures_per_account):
            wrong = await login(http, email, "wrong password", client_id=world.slug)
            assert wrong.status_code == 401
        assert (await login(http, email, client_id=world.slug)).status_code == 429
        other = await login(http, email, client_id=other_world.slug)
        assert other.status_code == 200, other.text


async def test_with_and_without_the_firm_slug_one_counter(
    app: FastAPI, world: World, settings: Settings
) -> None:
    email = world.emails["owner"]
    async with client_at(app, new_address()) as http:
        for attempt in range(settings.login_max_failures_per_account):
            extra = {"client_id": world.slug} if attempt % 2 else {}
            assert (await login(http, email, "wrong password", **extra)).status_code == 401
        assert (await login(http, email)).status_code == 429
        assert (await login(http, email, client_id=world.slug)).status_code == 429


async def test_a_successful_login_takes_its_attempt_back(app: FastAPI, world: World) -> None:
    address = new_address()
    async with client_at(app, address) as http:
        assert (await login(http, world.emails["worker"], "wrong password")).status_code == 401
        assert (await login(http, world.emails["client"], "nope")).status_code == 401
        assert (await login(http, world.emails["client"])).status_code == 200
        # Only the two failures count at the address; the client's account starts over.
        assert await attempts_counted(app, address) == 2
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    account = account_key(world.emails["client"], firm_id=world.firm_id, firm_slug=None)
    async with maker() as session:
        assert await session.get(LoginThrottle, account) is None


async def test_cleanup_purges_counters_of_past_windows(
    app: FastAPI, world: World, settings: Settings
) -> None:
    address = new_address()
    async with client_at(app, address) as http:
        assert (await login(http, world.emails["worker"], "wrong password")).status_code == 401
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    key = select(LoginThrottle.key).where(LoginThrottle.key == address_key(address))
    now = datetime.now(UTC)

    await cleanup(maker, settings, now)
    async with maker() as session:
        assert await session.scalar(key) is not None  # its window is still open

    later = now + timedelta(seconds=settings.login_window_seconds + 60)
    purged = await cleanup(maker, settings, later)
    assert purged["login_throttles"] >= 1
    async with maker() as session:
        assert await session.scalar(key) is None
