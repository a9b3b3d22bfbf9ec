"""Database engine, the per-request transaction, and URL handling."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from slotwise.config import Settings

_SETTINGS = "slotwise.settings"


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as tools print them) and use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    return create_async_engine(
        normalize_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
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
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
