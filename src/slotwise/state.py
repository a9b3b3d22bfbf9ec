"""Typed access to what ``create_app`` and its lifespan keep on ``app.state``.

Starlette's ``State`` is untyped: every read there is ``Any``. Routes and dependencies read
the application's objects only through these functions, which name the type and fail
clearly when the lifespan has not set the object (yet).
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from slotwise.config import Settings

T = TypeVar("T")


def read_state(app: Starlette, name: str, kind: type[T]) -> T:
    value = getattr(app.state, name, None)
    if not isinstance(value, kind):
        raise RuntimeError(f"app.state.{name} is not set: is the application's lifespan running?")
    return value


def settings_of(app: Starlette) -> Settings:
    return read_state(app, "settings", Settings)


def secret_key_of(app: Starlette) -> str:
    return read_state(app, "secret_key", str)


def engine_of(app: Starlette) -> AsyncEngine:
    return read_state(app, "engine", AsyncEngine)


def sessionmaker_of(app: Starlette) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = read_state(app, "sessionmaker", async_sessionmaker)
    return maker
