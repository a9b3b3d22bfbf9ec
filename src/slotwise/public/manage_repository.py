"""The queries of the manage link besides the appointments package's own."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Client, User


async def client_of(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID
) -> Client | None:
    return await session.scalar(
        select(Client).where(Client.firm_id == firm_id, Client.id == client_id)
    )


async def client_login(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID
) -> uuid.UUID | None:
    """The client's active login, if it has one (the oldest)."""
    return await session.scalar(
        select(User.id)
        .where(
            User.firm_id == firm_id,
            User.client_id == client_id,
            User.role == "client",
            User.is_active.is_(True),
        )
        .order_by(User.created_at)
        .limit(1)
    )
