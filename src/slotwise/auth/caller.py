"""Who is asking: the authenticated user as every service sees it, and the roles.

A plain dataclass with no web framework behind it, so that services, jobs and tests build and
read it the same way; ``auth.dependencies.current_caller`` makes one per request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import User


class Role(StrEnum):
    """A user's role in their firm (``models.firm.ROLES`` is the same list for the database)."""

    OWNER = "owner"
    DIRECTOR = "director"
    MANAGER = "manager"
    WORKER = "worker"
    CLIENT = "client"


# The staff who see and change the whole firm's plan.
ADMIN_ROLES = frozenset({Role.OWNER, Role.DIRECTOR, Role.MANAGER})
# The staff who run the firm itself: its settings, its users, the operations pages.
OPERATOR_ROLES = frozenset({Role.OWNER, Role.DIRECTOR})


@dataclass(frozen=True)
class Caller:
    """The authenticated user; every query of a request is scoped by ``firm_id``."""

    user_id: uuid.UUID
    firm_id: uuid.UUID
    role: Role
    specialist_id: uuid.UUID | None
    client_id: uuid.UUID | None
    email: str
    full_name: str

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def is_worker(self) -> bool:
        return self.role is Role.WORKER

    @property
    def is_client(self) -> bool:
        return self.role is Role.CLIENT


async def load_caller(
    session: AsyncSession, user_id: uuid.UUID, firm_id: uuid.UUID
) -> Caller | None:
    """The caller a token names, or None when the user is gone or disabled.

    Read on every request and stream so that a deactivated user or a changed role takes
    effect at once, not when the token expires. Only the columns a caller needs: no ORM
    object to build and track each time.
    """
    user = (
        await session.execute(
            select(
                User.id,
                User.firm_id,
                User.role,
                User.specialist_id,
                User.client_id,
                User.email,
                User.full_name,
            ).where(User.id == user_id, User.firm_id == firm_id, User.is_active)
        )
    ).one_or_none()
    if user is None:
        return None
    return Caller(
        user_id=user.id,
        firm_id=user.firm_id,
        role=Role(user.role),
        specialist_id=user.specialist_id,
        client_id=user.client_id,
        email=user.email,
        full_name=user.full_name,
    )
