"""Login throttling: failed attempts counted per account and per client address.

Failures are stored in PostgreSQL so that every server process shares the count, and are
written in their own transaction because the login request itself fails and rolls back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.config import Settings
from slotwise.errors import TooManyRequests
from slotwise.models import LoginThrottle


def account_key(email: str) -> str:
    return f"account:{email}"


def address_key(address: str) -> str:
    return f"address:{address}"


async def check_not_throttled(session: AsyncSession, settings: Settings, *,
                              email: str, address: str) -> None:
    limits = {
        account_key(email): settings.login_max_failures_per_account,
        address_key(address): settings.login_max_failures_per_address,
    }
    rows = (await session.scalars(
        select(LoginThrottle).where(LoginThrottle.key.in_(list(limits)))
    )).all()
    now = datetime.now(UTC)
    window = timedelta(seconds=settings.login_window_seconds)
    for row in rows:
        ends = row.window_started_at + window
        if ends > now and row.failures >= limits[row.key]:
            retry_after = max(1, int((ends - now).total_seconds()))
            raise TooManyRequests(
                f"Too many failed logins; try again in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )


async def record_failure(session: AsyncSession, settings: Settings, *,
                         email: str, address: str) -> None:
    now = datetime.now(UTC)
    window_start = now - timedelta(seconds=settings.login_window_seconds)
    for key in (account_key(email), address_key(address)):
        stmt = insert(LoginThrottle).values(key=key, failures=1, window_started_at=now)
        # A window that has passed starts over; otherwise the failure adds to it.
        stale = LoginThrottle.window_started_at < window_start
        stmt = stmt.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                "window_started_at": case((stale, now), else_=LoginThrottle.window_started_at),
            },
        )
        await session.execute(stmt)


async def clear_account(session: AsyncSession, email: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(email)))

