"""Web Push message encryption: RFC 8291 key derivation over RFC 8188 ``aes128gcm``."""

from __future__ import annotations

import base64
import os
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# One record holds the whole message: a push service accepts at most 4096 bytes of body.
RECORD_SIZE = 4096
_HEADER_SIZE = 16 + 4 + 1 + 65
_TAG_SIZE = 16
# Plaintext bytes that fit in one record: the body limit less header, tag and delimiter.
MAX_PLAINTEXT = RECORD_SIZE - _HEADER_SIZE - _TAG_SIZE - 1


def b64url_decode(value: str) -> bytes:
    """Strict: characters outside the base64url alphabet are an error, not skipped."""
    value = value.strip().rstrip("=")
    return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)


def b64url_encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")


def public_key_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def encrypt(
    plaintext: bytes,
    *,
    ua_public: bytes,
    auth_secret: bytes,
    salt: bytes | None = None,
    sender_private: ec.EllipticCurvePrivateKey | None = None,
) -> bytes:
    """The ``aes128gcm`` body for a browser with public key ``ua_public`` (65 bytes,
    uncompressed P-256) and ``auth_secret`` (16 bytes).

    ``salt`` and ``sender_private`` are fresh random values per message; they are parameters
    only so the RFC 8291 worked example can be reproduced byte for byte.
    """
    if len(ua_public) != 65 or ua_public[0] != 4:
        raise ValueError("p256dh must be an uncompressed P-256 public key (65 bytes)")
    if len(auth_secret) != 16:
        raise ValueError("auth must be a 16-byte secret")
    if len(plaintext) > MAX_PLAINTEXT:
        raise ValueError(f"push payload too large: {len(plaintext)} > {MAX_PLAINTEXT} bytes")
    salt = salt if salt is not None else os.urandom(16)
    sender_private = sender_private or ec.generate_private_key(ec.SECP256R1())
    sender_public = public_key_bytes(sender_private.public_key())
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    shared = sender_private.exchange(ec.ECDH(), receiver)

    ikm = _hkdf(auth_secret, shared, b"WebPush: info\x00" + ua_public + sender_public, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    # 0x02 marks the last (and only) record; no padding.
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    header = salt + struct.pack("!IB", RECORD_SIZE, len(sender_public)) + sender_public
    return header + ciphertext
