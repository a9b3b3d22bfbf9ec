"""Typed access to app.state: what create_app sets is there at once, what the lifespan
starts is there while it runs, and a read before that says so."""

from __future__ import annotations

import pytest

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.realtime.hub import Hub
from slotwise.realtime.state import hub_of, listener_of
from slotwise.state import engine_of, secret_key_of, sessionmaker_of, settings_of


async def test_state_before_and_while_the_lifespan_runs(settings: Settings) -> None:
    app = create_app(settings)
    assert settings_of(app) is settings
    assert secret_key_of(app) == settings.resolved_secret_key()
    for read in (engine_of, sessionmaker_of, hub_of, listener_of):
        with pytest.raises(RuntimeError, match="lifespan"):
            read(app)
    async with app.router.lifespan_context(app):
        assert isinstance(hub_of(app), Hub)
        assert engine_of(app) is sessionmaker_of(app).kw["bind"]
        assert listener_of(app) is app.state.listener
