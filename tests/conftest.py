"""Test fixtures: a real PostgreSQL (embedded, or SLOTWISE_TEST_DATABASE_URL), a migrated
database per test run, the app served in-process, and firms with a user of every role."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.db import libpq_dsn
from slotwise.migrate import upgrade
from tests.factories import World, make_world

# The tests' own connections (making and dropping databases), as pg_stat_activity names them.
TESTS_APPLICATION_NAME = "slotwise-tests"


def admin_dsn(url: str) -> str:
    return libpq_dsn(url, TESTS_APPLICATION_NAME)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A URL of a PostgreSQL server's maintenance database, where test databases are made."""
    external = os.environ.get("SLOTWISE_TEST_DATABASE_URL")
    if external:
        yield external
        return
    from slotwise.embedded.server import EmbeddedPostgres

    # Not under tmp_path_factory: as root, each pytest run makes /tmp/pytest-of-root 0700,
    # which would lock the server's own OS user out of a concurrently running session's dir.
    data_dir = Path(tempfile.mkdtemp(prefix="slotwise-test-pg-"))
    server = EmbeddedPostgres(data_dir)
    try:
        yield server.start(database="postgres")
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def make_database(server_url: str) -> Iterator[object]:
    """Creates empty databases on the test server; drops them all at the end."""
    created: list[str] = []

    def create(prefix: str = "slotwise_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin_dsn(server_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return _with_database(server_url, name)

    yield create
    with psycopg.connect(admin_dsn(server_url), autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(make_database: object) -> str:
    url: str = make_database()  # type: ignore[operator]
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        # Every test's requests come from the same few addresses into one database: the
        # public per-address limits would count the whole session. tests/public/test_rate_limit
        # checks them with limits of its own.
        public_rate_max_requests=1_000_000,
        public_rate_max_writes=1_000_000,
        public_rate_max_codes=1_000_000,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def world(app: FastAPI) -> World:
    """A fresh firm with a user of every role; each test gets its own, so tests never
    see each other's data."""
    return await make_world(app)


@pytest.fixture
async def other_world(app: FastAPI) -> World:
    """A second firm, for tenant isolation."""
    return await make_world(app)
