"""Database engines and libpq DSNs (the one place that makes them), the per-request
transaction, and URL handling.

Every connection says which process opened it: ``application_name`` is set on every engine
and DSN made here, so ``pg_stat_activity`` tells the API server's connections from the
worker's, the LISTEN connection's, the tools' (createuser, the demo loader, the migrations)
and the tests' own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum

import sqlalchemy
from fastapi import Request
from sqlalchemy import Engine, NullPool
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from slotwise.config import Settings
from slotwise.state import sessionmaker_of

_SETTINGS = "slotwise.settings"


class ApplicationName(StrEnum):
    """Who a connection belongs to, as ``pg_stat_activity.application_name`` shows it."""

    SERVER = "slotwise-server"
    WORKER = "slotwise-worker"
    LISTENER = "slotwise-listener"
    ADMIN = "slotwise-admin"
    DEMO = "slotwise-demo"
    MIGRATE = "slotwise-migrate"


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as tools print them) and use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _named(url: str, drivername: str, application_name: str | None) -> str:
    parsed = make_url(url).set(drivername=drivername)
    if application_name is not None:
        # The process's name wins over one the URL may carry: it is how operators tell
        # the connections apart.
        parsed = parsed.update_query_dict({"application_name": application_name})
    return parsed.render_as_string(hide_password=False)


def libpq_dsn(url: str, application_name: str | None = None) -> str:
    """``url`` as libpq takes it (``psycopg.connect``, procrastinate's connector): without a
    SQLAlchemy driver name, with ``application_name`` when given."""
    return _named(url, "postgresql", application_name)


def create_engine(
    url: str,
    settings: Settings,
    *,
    application_name: str = ApplicationName.SERVER,
    pool_pre_ping: bool = True,
) -> AsyncEngine:
    """The engine of a process (the API server's unless ``application_name`` says otherwise),
    its pool sized by ``settings``."""
    return create_async_engine(
        _named(normalize_url(url), "postgresql+psycopg", application_name),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=pool_pre_ping,
    )


def create_tool_engine(url: str, *, application_name: str) -> AsyncEngine:
    """The engine of a one-shot tool (``createuser``, the demo loader; scripts and tests too):
    a connection per session, closed when the session ends (``NullPool``). Such a tool runs a
    transaction or two and exits, so there is no pool worth keeping, nor sizing by
    ``Settings``; and it has no process of its own to be named after: ``application_name``
    says which tool it is."""
    return create_async_engine(
        _named(normalize_url(url), "postgresql+psycopg", application_name), poolclass=NullPool
    )


def create_sync_engine(
    url: str, *, application_name: str, connect_timeout: int | None = None
) -> Engine:
    """A synchronous engine (psycopg), for Alembic and the schema checks before serving: like
    :func:`create_tool_engine`, a connection at a time and none kept (``NullPool``).
    ``connect_timeout``: seconds until a database that does not answer is given up on."""
    connect_args = {} if connect_timeout is None else {"connect_timeout": connect_timeout}
    return sqlalchemy.create_engine(
        _named(normalize_url(url), "postgresql+psycopg", application_name),
        poolclass=NullPool,
        connect_args=connect_args,
    )


def create_sessionmaker(
    engine: AsyncEngine, settings: Settings | None = None
) -> async_sessionmaker[AsyncSession]:
    """``settings``: those of the app or worker the sessions serve; every session carries them
    (``settings_of``), so what runs inside a transaction follows its own process's settings
    rather than the environment. Tools that never change appointments may leave them out."""
    # expire_on_commit=False: responses are built from objects after the commit.
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        autoflush=True,
        info={_SETTINGS: settings} if settings is not None else {},
    )


def settings_of(session: AsyncSession) -> Settings:
    """The settings of the app or worker whose sessionmaker opened ``session``."""
    settings = session.info.get(_SETTINGS)
    if not isinstance(settings, Settings):
        raise RuntimeError("this session's sessionmaker was created without settings")
    return settings


async def session_dependency(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the route returns, rolled back on error.

    Used with ``scope="function"`` so the commit happens before the response is sent: a
    commit that fails becomes an error response instead of a success that was never stored.
    """
    async with sessionmaker_of(request.app)() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
