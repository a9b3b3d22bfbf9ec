"""Login throttling: attempts counted per account and per client address in a fixed window.

``count_in_window`` is the fixed-window counter itself, shared with the public booking
API's per-address limit (``public/throttle.py``).

An attempt is counted *before* its password is checked, in a transaction of its own that
commits at once: the upsert locks the counter row, so however many logins for one account
arrive together, no more than the limit are ever evaluated. A successful login then takes
its attempt back. Counts live in PostgreSQL so that every server process shares them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.config import Settings
from slotwise.errors import TooManyRequests
from slotwise.models import LoginThrottle


def account_key(email: str, *, firm_id: uuid.UUID | None, firm_slug: str | None) -> str:
    """One counter per account, however the login names its firm.

    An existing user is keyed by its firm's id, so that a login with the slug and one
    without it share the counter; an email unknown in that firm by the slug as given.
    The same email in another firm is another account with a counter of its own.
    """
    firm = str(firm_id) if firm_id is not None else f"slug:{firm_slug or ''}"
    return f"account:{firm}:{email}"


def address_key(address: str) -> str:
    return f"address:{address}"


@dataclass(frozen=True)
class Attempt:
    """A counted login attempt; ``window_started_at`` is the address window it counts in."""

    account_key: str
    address_key: str
    address_window_started_at: datetime


@dataclass(frozen=True)
class Count:
    """A key's count in its current fixed window, after adding one."""

    count: int
    window_started_at: datetime
    window_seconds: int

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window starts over (at least 1)."""
        ends = self.window_started_at + timedelta(seconds=self.window_seconds)
        return max(1, int((ends - now).total_seconds()))


async def count_in_window(
    session: AsyncSession, key: str, *, window_seconds: int, now: datetime
) -> Count:
    """Adds one to the key's fixed window (a new window when the last one is over).

    The shared counter of every throttle (logins here, the public booking API's requests):
    the upsert locks the key's row until the caller's transaction ends, so concurrent
    counts of one key never both see the same number.
    """
    window = timedelta(seconds=window_seconds)
    stale = LoginThrottle.window_started_at < now - window
    stmt = (
        insert(LoginThrottle)
        .values(key=key, failures=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                "window_started_at": case((stale, now), else_=LoginThrottle.window_started_at),
            },
        )
        .returning(LoginThrottle.failures, LoginThrottle.window_started_at)
    )
    count, started = (await session.execute(stmt)).one()
    return Count(count, started, window_seconds)


async def _count(
    session: AsyncSession, settings: Settings, key: str, limit: int, now: datetime
) -> datetime:
    """Adds one attempt to the key's window; raises when that exceeds the limit."""
    counted = await count_in_window(
        session, key, window_seconds=settings.login_window_seconds, now=now
    )
    if counted.count > limit:
        retry_after = counted.retry_after(now)
        raise TooManyRequests(
            f"Too many failed logins; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
    return counted.window_started_at


async def count_attempt(
    session: AsyncSession, settings: Settings, *, account: str, address: str
) -> Attempt:
    """Counts a login attempt before its password is checked.

    Raises ``TooManyRequests`` when the account or the address is over its limit; the
    caller's transaction must then roll back, so a refused attempt counts nowhere. The
    account is always locked before the address, so two attempts never deadlock.
    """
    now = datetime.now(UTC)
    await _count(session, settings, account, settings.login_max_failures_per_account, now)
    started = await _count(session, settings, address, settings.login_max_failures_per_address, now)
    return Attempt(account_key=account, address_key=address, address_window_started_at=started)


async def forgive(session: AsyncSession, attempt: Attempt) -> None:
    """After a successful login: the account starts over, and the address loses the
    attempt (it was no failure) unless its window has started over since."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == attempt.account_key))
    await session.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.key == attempt.address_key,
            LoginThrottle.window_started_at == attempt.address_window_started_at,
            LoginThrottle.failures > 0,
        )
        .values(failures=LoginThrottle.failures - 1)
    )


async def delete_expired(session: AsyncSession, before: datetime, limit: int) -> int:
    """Deletes up to ``limit`` counters whose window started before ``before``."""
    old = select(LoginThrottle.key).where(LoginThrottle.window_started_at < before).limit(limit)
    result = await session.execute(
        delete(LoginThrottle).where(LoginThrottle.key.in_(old)).returning(LoginThrottle.key)
    )
    return len(result.all())
