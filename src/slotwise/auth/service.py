"""Login, token refresh (with rotation and reuse detection) and logout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.errors import FirmRequired, InvalidToken, RefreshTokenReused
from slotwise.auth.schemas import TokenPair
from slotwise.config import Settings
from slotwise.models import Firm, RefreshToken, User
from slotwise.security import (
    create_access_token,
    hash_refresh_token,
    new_refresh_token,
    successor_refresh_token,
    verify_password_async,
)


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def find_user(session: AsyncSession, *, email: str, firm_slug: str | None) -> User | None:
    """The active user a login names, or ``None``.

    An email is unique per firm, not globally: when it exists in several firms the caller
    must name the firm (``client_id`` = firm slug in the OAuth2 form).
    """
    stmt = select(User).where(User.email == email, User.is_active.is_(True))
    if firm_slug:
        stmt = stmt.join(Firm, Firm.id == User.firm_id).where(Firm.slug == firm_slug)
    users = (await session.scalars(stmt)).all()
    if len(users) > 1:
        raise FirmRequired("This email exists in several firms; pass the firm slug as client_id")
    return users[0] if users else None


async def password_matches(settings: Settings, user: User | None, password: str) -> bool:
    """Checks off the event loop; without a user it costs the same, so a login cannot tell
    an unknown email from a wrong password by timing."""
    return await verify_password_async(
        user.password_hash if user else None, password, threads=settings.password_hashing_threads
    )


async def issue_tokens(
    session: AsyncSession,
    settings: Settings,
    secret: str,
    user: User,
    *,
    refresh: str | None = None,
) -> TokenPair:
    """A new pair; ``refresh`` is the refresh token to store (a random one without it)."""
    if refresh is None:
        refresh = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=hash_refresh_token(refresh),
            expires_at=datetime.now(UTC) + timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    await session.flush()
    return _pair(settings, secret, user, refresh)


def _pair(settings: Settings, secret: str, user: User, refresh: str) -> TokenPair:
    access, _ = create_access_token(
        user_id=user.id,
        firm_id=user.firm_id,
        role=user.role,
        secret=secret,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    return TokenPair(
        access_token=access, expires_in=settings.access_token_ttl_seconds, refresh_token=refresh
    )


async def _active_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise InvalidToken("The user no longer exists or is disabled")
    return user


async def rotate_refresh_token(
    session: AsyncSession, settings: Settings, secret: str, token: str
) -> TokenPair:
    # The lock makes a concurrent refresh of the same token wait for this one's commit and
    # then take the replay path below.
    row = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_refresh_token(token))
        .with_for_update()
    )
    now = datetime.now(UTC)
    if row is None or row.expires_at <= now:
        raise InvalidToken("The refresh token is invalid or expired")
    successor = successor_refresh_token(token, secret=secret)
    if row.revoked_at is not None:
        return await _replay_rotation(session, settings, secret, row, successor, now)
    user = await _active_user(session, row.user_id)
    row.revoked_at = now
    return await issue_tokens(session, settings, secret, user, refresh=successor)


async def _replay_rotation(
    session: AsyncSession,
    settings: Settings,
    secret: str,
    row: RefreshToken,
    successor: str,
    now: datetime,
) -> TokenPair:
    """The answer to a revoked token: within the grace after its rotation, and while its
    successor is still live, the same successor (with a fresh access token); otherwise
    it is reuse of a leaked token."""
    assert row.revoked_at is not None
    grace = timedelta(seconds=settings.refresh_reuse_grace_seconds)
    # Read without a lock: on reuse, revoke_all (another transaction) updates this row.
    live = await session.scalar(
        select(RefreshToken.id).where(
            RefreshToken.token_hash == hash_refresh_token(successor),
            RefreshToken.user_id == row.user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
    )
    if live is None or now - row.revoked_at > grace:
        raise RefreshTokenReused(row.user_id)
    return _pair(settings, secret, await _active_user(session, row.user_id), successor)


async def revoke_refresh_token(session: AsyncSession, token: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.token_hash == hash_refresh_token(token), RefreshToken.revoked_at.is_(None)
        )
        .values(revoked_at=datetime.now(UTC))
    )


async def revoke_all(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
