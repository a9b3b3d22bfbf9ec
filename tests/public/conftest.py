from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import World
from tests.public.helpers import open_booking, visitor


@pytest.fixture
async def public_world(app: FastAPI, world: World) -> World:
    """The world's firm, with its public booking turned on."""
    await open_booking(app, world)
    return world


@pytest.fixture
async def guest(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A visitor without a login, from an address of their own."""
    async with visitor(app) as http:
        yield http
