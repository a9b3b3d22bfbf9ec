"""VAPID (RFC 8292): the application server's P-256 key pair and the signed JWT that
identifies it to push services."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from slotwise.notifications.channels.ece import b64url_decode, b64url_encode, public_key_bytes

# RFC 8292 4.2: a push service may reject tokens valid for more than 24 hours.
TOKEN_LIFETIME_SECONDS = 12 * 3600


@dataclass(frozen=True, slots=True)
class VapidKeys:
    """``private_key``: the raw 32-byte scalar, base64url (SLOTWISE_VAPID_PRIVATE_KEY).
    ``public_key``: the uncompressed point, base64url: the ``applicationServerKey`` a browser
    passes to ``pushManager.subscribe``."""

    private_key: str
    public_key: str


def generate_vapid_keys() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    return VapidKeys(
        private_key=b64url_encode(scalar),
        public_key=b64url_encode(public_key_bytes(key.public_key())),
    )


def load_private_key(value: str) -> ec.EllipticCurvePrivateKey:
    """A VAPID private key from base64url (raw 32 bytes, or DER) or PEM."""
    value = value.strip()
    if value.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(value.encode(), password=None)
    else:
        raw = b64url_decode(value)
        if len(raw) == 32:
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        else:
            key = serialization.load_der_private_key(raw, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("a VAPID key must be a P-256 (secp256r1) key")
    return key


def public_key_of(private_key: str) -> str:
    return b64url_encode(public_key_bytes(load_private_key(private_key).public_key()))


def audience(endpoint: str) -> str:
    """The origin of a push endpoint: the ``aud`` claim a push service checks."""
    parts = urlsplit(endpoint)
    if not parts.scheme or not parts.hostname:
        raise ValueError("a push endpoint must be an absolute URL")
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def authorization_header(
    endpoint: str, key: ec.EllipticCurvePrivateKey, subject: str, *, now: float | None = None
) -> str:
    """``Authorization: vapid t=<JWT>, k=<public key>`` for a request to ``endpoint``."""
    issued = int(now if now is not None else time.time())
    token = jwt.encode(
        {"aud": audience(endpoint), "exp": issued + TOKEN_LIFETIME_SECONDS, "sub": subject},
        key,
        algorithm="ES256",
        headers={"typ": "JWT"},
    )
    public = b64url_encode(public_key_bytes(key.public_key()))
    return f"vapid t={token}, k={public}"
