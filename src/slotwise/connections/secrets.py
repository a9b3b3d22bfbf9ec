"""A connection's credentials, encrypted at rest with a key derived from the secret key.

The key is HKDF-SHA256 over the application's secret key with a purpose of its own, so it is
never the key that signs tokens, and a new secret key is a new credentials key: what the old
one encrypted then reads as :class:`CredentialsUnreadable` (the connection needs its
credentials again), never as garbage. Fernet authenticates as well as encrypts, so a changed
byte is refused too.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Changing this makes every stored credential unreadable: it names the key's purpose.
_PURPOSE = b"slotwise/connections/credentials/v1"


class CredentialsUnreadable(Exception):
    """The stored credentials were encrypted with another secret key, or changed since."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_credentials(secret_key: str, credentials: dict[str, str]) -> bytes:
    return _fernet(secret_key).encrypt(json.dumps(credentials, sort_keys=True).encode())


def decrypt_credentials(secret_key: str, token: bytes) -> dict[str, str]:
    """The credentials as they were stored; raises :class:`CredentialsUnreadable`."""
    try:
        plain = _fernet(secret_key).decrypt(token)
    except InvalidToken:
        raise CredentialsUnreadable(
            "The connection's credentials cannot be read with this secret key; enter them again"
        ) from None
    data: Any = json.loads(plain)
    return {str(name): str(value) for name, value in data.items()}
