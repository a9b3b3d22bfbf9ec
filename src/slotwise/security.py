"""Password hashing (argon2) and access tokens (JWT, HS256)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_ALGORITHM = "HS256"
# A hash to verify against when the account does not exist, so that a login for an unknown
# email costs the same time as one with a wrong password (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    firm_id: uuid.UUID
    role: str
    purpose: str


def create_access_token(*, user_id: uuid.UUID, firm_id: uuid.UUID, role: str, secret: str,
                        ttl_seconds: int, purpose: str = "access") -> tuple[str, datetime]:
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
        payload = jwt.decode(token, secret, algorithms=[_ALGORITHM],
                             options={"require": ["exp", "sub", "firm", "typ"]})
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


def new_refresh_token() -> tuple[str, str]:
    """A random refresh token and the SHA-256 hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
