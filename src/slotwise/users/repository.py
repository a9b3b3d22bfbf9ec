"""Every query of staff logins; each one is scoped by the caller's firm."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import User
from slotwise.repository import PageParams, paginate

STAFF_ROLES = ("owner", "director", "manager", "worker")


async def staff_page(
    session: AsyncSession,
    firm_id: uuid.UUID,
    *,
    role: str | None,
    active: bool | None,
    page: PageParams,
) -> tuple[list[User], int]:
    stmt = select(User).where(User.firm_id == firm_id, User.role.in_(STAFF_ROLES))
    if role is not None:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    return await paginate(session, stmt.order_by(User.full_name, User.email, User.id), page)


async def get_staff(
    session: AsyncSession, firm_id: uuid.UUID, user_id: uuid.UUID, *, for_update: bool = False
) -> User | None:
    stmt = select(User).where(
        User.id == user_id, User.firm_id == firm_id, User.role.in_(STAFF_ROLES)
    )
    if for_update:
        # Fresh values once the lock is ours, not those read before waiting for it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def email_taken(session: AsyncSession, firm_id: uuid.UUID, email: str) -> bool:
    return bool(
        await session.scalar(
            select(exists().where(User.firm_id == firm_id, func.lower(User.email) == email))
        )
    )


async def specialist_linked(
    session: AsyncSession,
    firm_id: uuid.UUID,
    specialist_id: uuid.UUID,
    *,
    except_id: uuid.UUID | None = None,
) -> bool:
    criteria = [User.firm_id == firm_id, User.specialist_id == specialist_id]
    if except_id is not None:
        criteria.append(User.id != except_id)
    return bool(await session.scalar(select(exists().where(*criteria))))


async def lock_active_owners(session: AsyncSession, firm_id: uuid.UUID) -> list[uuid.UUID]:
    """The active owners' ids, locked: two requests demoting the last two owners at once
    see each other's change."""
    rows = await session.scalars(
        select(User.id)
        .where(User.firm_id == firm_id, User.role == "owner", User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )
    return list(rows)
