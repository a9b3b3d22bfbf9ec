"""Typed access to the realtime objects the application's lifespan keeps on ``app.state``."""

from __future__ import annotations

from starlette.applications import Starlette

from slotwise.realtime.hub import Hub
from slotwise.realtime.listener import Listener
from slotwise.state import read_state


def hub_of(app: Starlette) -> Hub:
    return read_state(app, "hub", Hub)


def listener_of(app: Starlette) -> Listener:
    return read_state(app, "listener", Listener)
