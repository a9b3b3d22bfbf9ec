"""Dependencies shared by the routes: the session and the application's settings.

Who is calling (``CallerDep``, the role checks) is ``auth.dependencies``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.config import Settings
from slotwise.db import session_dependency
from slotwise.state import settings_of

SessionDep = Annotated[AsyncSession, Depends(session_dependency, scope="function")]


def get_app_settings(request: Request) -> Settings:
    return settings_of(request.app)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
