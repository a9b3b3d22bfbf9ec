"""One-time set-password links, with nothing stored.

The token is signed (HS256 with the server's secret), expires, and carries a fingerprint of
the login's password hash at the time it was made: setting a password changes the hash, so a
used link (and every older one) stops working without a table of issued links.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

_ALGORITHM = "HS256"
_PURPOSE = "set_password"
# A login invited without a password gets a hash that no password verifies against (argon2
# refuses it as malformed), until the link is used.
UNUSABLE_PREFIX = "!unset:"


def unusable_password_hash() -> str:
    return UNUSABLE_PREFIX + secrets.token_urlsafe(24)


def _fingerprint(password_hash: str, secret: str) -> str:
    return hmac.new(secret.encode(), password_hash.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class PasswordLink:
    user_id: uuid.UUID
    firm_id: uuid.UUID
    fingerprint: str

    def matches(self, password_hash: str, secret: str) -> bool:
        return hmac.compare_digest(self.fingerprint, _fingerprint(password_hash, secret))


def create_password_token(
    *, user_id: uuid.UUID, firm_id: uuid.UUID, password_hash: str, secret: str, ttl_seconds: int
) -> tuple[str, datetime]:
    expires = datetime.now(UTC) + timedelta(seconds=ttl_seconds)
    payload = {
        "sub": str(user_id),
        "firm": str(firm_id),
        "typ": _PURPOSE,
        "pwd": _fingerprint(password_hash, secret),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=_ALGORITHM), expires


def read_password_token(token: str, *, secret: str) -> PasswordLink | None:
    """The link a valid, unexpired token names; ``None`` otherwise (whether it still matches
    the login's password is for the caller to check)."""
    try:
        payload = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "pwd"]}
        )
        if payload.get("typ") != _PURPOSE:
            return None
        return PasswordLink(
            user_id=uuid.UUID(payload["sub"]),
            firm_id=uuid.UUID(payload["firm"]),
            fingerprint=str(payload["pwd"]),
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None
