"""Password hashing (argon2) and access tokens (JWT, HS256)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_ALGORITHM = "HS256"
# A hash to verify against when the account does not exist, so that a login for an unknown
# email costs the same time as one with a wrong password (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Blocks for ~100 ms: where an event loop runs, use ``hash_password_async``."""
    return _hasher.hash(password)


def _verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def argon2_threads(count: int) -> ThreadPoolExecutor:
    """The threads that run argon2 for a pool of ``count``.

    One argon2 call holds a core for ~100 ms: on the event loop it would stop every other
    request. Its own small pool bounds how many run at once; further calls wait in the
    pool's queue without holding a thread or the loop.
    """
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix="argon2")


async def hash_password_async(password: str, *, threads: int) -> str:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(argon2_threads(threads), hash_password, password)


async def verify_password_async(password_hash: str | None, password: str, *, threads: int) -> bool:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        argon2_threads(threads), _verify_password, password_hash, password
    )


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    firm_id: uuid.UUID
    role: str
    purpose: str


def create_access_token(
    *,
    user_id: uuid.UUID,
    firm_id: uuid.UUID,
    role: str,
    secret: str,
    ttl_seconds: int,
    purpose: str = "access",
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=ttl_seconds)
    payload = {
        "sub": str(user_id),
        "firm": str(firm_id),
        "role": role,
        "typ": purpose,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_urlsafe(8),
    }
    return jwt.encode(payload, secret, algorithm=_ALGORITHM), expires


def decode_access_token(token: str, *, secret: str, purpose: str = "access") -> AccessClaims | None:
    """The claims of a valid, unexpired token of the given purpose; ``None`` otherwise."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "sub", "firm", "typ"]},
        )
        if payload.get("typ") != purpose:
            return None
        return AccessClaims(
            user_id=uuid.UUID(payload["sub"]),
            firm_id=uuid.UUID(payload["firm"]),
            role=str(payload["role"]),
            purpose=purpose,
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """The SHA-256 hash that is stored instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def successor_refresh_token(token: str, *, secret: str) -> str:
    """The refresh token that replaces ``token`` when it is rotated.

    Derived rather than random, so that the same token presented again shortly after (two
    tabs, a retry after a lost response) gets the same successor without storing it: the
    database keeps only hashes, and without the server's secret the old token does not
    reveal its successor.
    """
    digest = hmac.new(
        secret.encode(), b"refresh-successor\0" + token.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
