"""Fixtures for tests that run workers: a database of their own (a worker takes every job in
its database, so it must not see the jobs other tests leave behind), and the app on it, with
1-second grace delays so that messages go out within the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.migrate import upgrade
from tests.factories import World, make_world
from tests.jobs.support import SmtpSink, smtp_sink


@dataclass
class Isolated:
    settings: Settings
    app: FastAPI


@pytest.fixture(scope="module")
async def iso(
    make_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Isolated]:
    url = make_database()
    upgrade(url)
    settings = Settings(
        database_url=url,
        data_dir=tmp_path_factory.mktemp("iso"),
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        confirmation_delay_seconds=1,
        notice_delay_seconds=1,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield Isolated(settings, application)


@pytest.fixture
async def iso_client(iso: Isolated) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=iso.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def iso_world(iso: Isolated) -> World:
    return await make_world(iso.app)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as running:
        yield running
