"""Login, token refresh (with rotation and reuse detection) and logout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.schemas import TokenPair
from slotwise.config import Settings
from slotwise.errors import AppError, NotAuthenticated
from slotwise.models import Firm, RefreshToken, User
from slotwise.security import (
    create_access_token,
    hash_refresh_token,
    new_refresh_token,
    verify_password,
)


class RefreshTokenReused(NotAuthenticated):
    """A revoked refresh token came back: it leaked, so every session of the user ends."""

    def __init__(self, user_id: uuid.UUID) -> None:
        super().__init__("The refresh token was already used", code="refresh_token_reused")
        self.user_id = user_id


class FirmRequired(AppError):
    status_code = 400
    code = "firm_required"


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def authenticate(session: AsyncSession, *, email: str, password: str,
                       firm_slug: str | None) -> User | None:
    """The active user with these credentials, or ``None``.

    An email is unique per firm, not globally: when it exists in several firms the caller
    must name the firm (``client_id`` = firm slug in the OAuth2 form).
    """
    stmt = select(User).where(User.email == email, User.is_active.is_(True))
    if firm_slug:
        stmt = stmt.join(Firm, Firm.id == User.firm_id).where(Firm.slug == firm_slug)
    users = (await session.scalars(stmt)).all()
    if len(users) > 1:
        raise FirmRequired("This email exists in several firms; pass the firm slug as client_id")
    user = users[0] if users else None
    if not verify_password(user.password_hash if user else None, password):
        return None
    return user


async def issue_tokens(session: AsyncSession, settings: Settings, secret: str,
                       user: User) -> TokenPair:
    access, _ = create_access_token(
        user_id=user.id, firm_id=user.firm_id, role=user.role, secret=secret,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    refresh, refresh_hash = new_refresh_token()
    session.add(RefreshToken(
        user_id=user.id,
        token_hash=refresh_hash,
        expires_at=datetime.now(UTC) + timedelta(seconds=settings.refresh_token_ttl_seconds),
    ))
    await session.flush()
    return TokenPair(access_token=access, expires_in=settings.access_token_ttl_seconds,
                     refresh_token=refresh)


async def rotate_refresh_token(session: AsyncSession, settings: Settings, secret: str,
                               token: str) -> TokenPair:
    row = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_refresh_token(token))
        .with_for_update()
    )
    now = datetime.now(UTC)
    if row is None or row.expires_at <= now:
        raise NotAuthenticated("The refresh token is invalid or expired", code="invalid_token")
    if row.revoked_at is not None:
        raise RefreshTokenReused(row.user_id)
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("The user no longer exists or is disabled", code="invalid_token")
    row.revoked_at = now
    return await issue_tokens(session, settings, secret, user)


async def revoke_refresh_token(session: AsyncSession, token: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == hash_refresh_token(token),
               RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def revoke_all(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
