"""A local Web Push service: checks the VAPID JWT (RFC 8292) and decrypts the aes128gcm
payload (RFC 8291) with the subscriber's private key, as a browser would. The decryption is
written here independently of the code under test (plain HMAC, no HKDF helper)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response


def allowed_host(base_url: str) -> str:
    """The ``SLOTWISE_OUTBOUND_ALLOWED_HOSTS`` entry that lets pushes reach a local service
    (loopback is refused to every other endpoint)."""
    return base_url.split("://", 1)[1]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def _hkdf_expand_one_block(prk: bytes, info: bytes, length: int) -> bytes:
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]


@dataclass
class Browser:
    """A subscriber: its key pair and auth secret, as ``pushManager.subscribe`` makes them."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(_point(self.private_key.public_key()))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def decrypt(self, body: bytes) -> bytes:
        salt, record_size, id_length = body[:16], *struct.unpack("!IB", body[16:21])
        sender_public = body[21 : 21 + id_length]
        ciphertext = body[21 + id_length :]
        assert record_size >= len(ciphertext), "one record expected"
        sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
        shared = self.private_key.exchange(ec.ECDH(), sender)
        prk_key = hmac.new(self.auth_secret, shared, hashlib.sha256).digest()
        key_info = b"WebPush: info\x00" + _point(self.private_key.public_key()) + sender_public
        ikm = _hkdf_expand_one_block(prk_key, key_info, 32)
        prk = hmac.new(salt, ikm, hashlib.sha256).digest()
        cek = _hkdf_expand_one_block(prk, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = _hkdf_expand_one_block(prk, b"Content-Encoding: nonce\x00", 12)
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
        plaintext = padded.rstrip(b"\x00")
        assert plaintext.endswith(b"\x02"), "the last record must end with delimiter 0x02"
        return plaintext[:-1]


@dataclass
class Delivered:
    subscription: str
    payload: dict[str, Any]
    headers: dict[str, str]
    jwt_claims: dict[str, Any]
    vapid_public_key: str


def _check_vapid(request: Request) -> tuple[dict[str, Any], str]:
    scheme, _, params = request.headers.get("authorization", "").partition(" ")
    assert scheme == "vapid", "Authorization must use the vapid scheme"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    public = unb64url(fields["k"])
    assert len(public) == 65 and public[0] == 4
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    header = jwt.get_unverified_header(fields["t"])
    assert header["alg"] == "ES256"
    claims: dict[str, Any] = jwt.decode(
        fields["t"],
        key,
        algorithms=["ES256"],
        audience=origin,
        options={"require": ["aud", "exp", "sub"]},
    )
    assert claims["exp"] <= time.time() + 24 * 3600, "exp must be within 24 hours"
    assert claims["sub"].startswith(("mailto:", "https://"))
    return claims, fields["k"]


@dataclass
class PushService:
    browsers: dict[str, Browser] = field(default_factory=dict)
    delivered: list[Delivered] = field(default_factory=list)
    # Statuses to answer with (instead of 201), one per request.
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def subscribe(self, name: str) -> Browser:
        self.browsers[name] = Browser()
        return self.browsers[name]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        response = await self._handle(request)
        await response(scope, receive, send)

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        if self.failures:
            status, headers = self.failures.pop(0)
            return PlainTextResponse(
                f"push service says {status}", status_code=status, headers=headers
            )
        name = request.url.path.removeprefix("/push/")
        browser = self.browsers.get(name)
        if request.method != "POST" or browser is None:
            return PlainTextResponse("no such subscription", status_code=404)
        try:
            claims, public = _check_vapid(request)
            assert request.headers.get("content-encoding") == "aes128gcm"
            assert request.headers.get("ttl", "").isdigit(), "TTL header required"
            payload = json.loads(browser.decrypt(body))
        except (AssertionError, KeyError, ValueError, InvalidTag, jwt.PyJWTError) as exc:
            return PlainTextResponse(f"rejected: {type(exc).__name__}: {exc}", status_code=400)
        self.delivered.append(Delivered(name, payload, dict(request.headers), claims, public))
        return Response(status_code=201, headers={"Location": f"/message/{len(self.delivered)}"})
