"""Typed access to the public hub the application's lifespan keeps on ``app.state``."""

from __future__ import annotations

from starlette.applications import Starlette

from slotwise.public.live import PublicHub
from slotwise.state import read_state


def public_hub_of(app: Starlette) -> PublicHub:
    return read_state(app, "public_hub", PublicHub)
