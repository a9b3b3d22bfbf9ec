"""Web Push (RFC 8030) with VAPID (RFC 8292) and an encrypted payload (RFC 8291)."""

from __future__ import annotations

import binascii
import hashlib
import json
import re
import uuid

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from slotwise import outbound
from slotwise.notifications.channels import ece, vapid
from slotwise.notifications.channels.errors import (
    ChannelNotConfigured,
    PermanentError,
    RetryableError,
    SubscriptionGone,
    parse_retry_after,
)
from slotwise.notifications.channels.http import post, shorten
from slotwise.notifications.channels.message import OutgoingMessage, PushRecipient
from slotwise.notifications.channels.settings import ChannelSettings

MAX_TTL_SECONDS = 28 * 24 * 3600
# The one text for every refused endpoint, whatever its address and whatever listens there.
ENDPOINT_NOT_ALLOWED = "push endpoint not allowed: its host is not a public internet address"
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def push_topic(value: str) -> str:
    """A ``Topic`` header value (RFC 8030 5.4: at most 32 base64url characters) for an id:
    a UUID becomes its 32 hex digits, another short safe value stays, anything else is
    hashed, so equal ids always give equal topics."""
    try:
        return uuid.UUID(value).hex
    except ValueError:
        pass
    if _TOPIC.match(value):
        return value
    return ece.b64url_encode(hashlib.sha256(value.encode()).digest())[:32]


def payload(message: OutgoingMessage) -> bytes:
    """The JSON the service worker receives; the body is shortened to fit one record."""
    text = message.summary or message.text
    doc: dict[str, object] = {
        "title": message.subject,
        "body": text,
        "id": message.idempotency_key,
    }
    if message.topic:
        doc["tag"] = message.topic
    if message.url:
        doc["url"] = message.url
    if message.data:
        doc["data"] = dict(message.data)

    def encoded(body: str) -> bytes:
        doc["body"] = body
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()

    raw = encoded(text)
    if len(raw) <= ece.MAX_PLAINTEXT:
        return raw
    if len(encoded("…")) > ece.MAX_PLAINTEXT:
        raise PermanentError("push payload too large even without the body")
    # The longest prefix that fits (characters vary in bytes, escapes vary in length).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(encoded(text[:middle] + "…")) <= ece.MAX_PLAINTEXT:
            low = middle
        else:
            high = middle - 1
    return encoded(text[:low] + "…")


def _check_endpoint(endpoint: str, settings: ChannelSettings) -> None:
    # Parsed as the client that sends will parse it.
    try:
        url: httpx.URL | None = httpx.URL(endpoint)
    except httpx.InvalidURL:
        url = None
    allowed = {"https", "http"} if settings.webpush_allow_http else {"https"}
    if url is None or url.scheme not in allowed or not url.host:
        raise PermanentError("invalid push endpoint (must be an https URL)")


def _vapid_key(settings: ChannelSettings) -> ec.EllipticCurvePrivateKey:
    assert settings.vapid_private_key is not None
    try:
        key = vapid.load_private_key(settings.vapid_private_key.get_secret_value())
    except (ValueError, TypeError, binascii.Error):
        raise ChannelNotConfigured("SLOTWISE_VAPID_PRIVATE_KEY is not a P-256 key") from None
    public = ece.b64url_encode(ece.public_key_bytes(key.public_key()))
    if settings.vapid_public_key and settings.vapid_public_key.strip() != public:
        # Browsers subscribed with the configured public key; pushes signed by another key
        # would all be rejected with 403.
        raise ChannelNotConfigured("SLOTWISE_VAPID_PUBLIC_KEY does not match the private key")
    return key


async def send_webpush(message: OutgoingMessage, settings: ChannelSettings) -> str | None:
    """Deliver one push; returns the push service's message URL (``Location``), if any.

    The endpoint is the user's word, so the push goes through a guarded client of its own
    (see :mod:`slotwise.outbound`), never a shared one that reaches our configured APIs."""
    recipient = message.recipient
    if not isinstance(recipient, PushRecipient):
        raise TypeError("not a push recipient")
    if settings.vapid_private_key is None or not settings.vapid_private_key.get_secret_value():
        raise ChannelNotConfigured("Web Push is not configured (SLOTWISE_VAPID_PRIVATE_KEY)")
    key = _vapid_key(settings)
    _check_endpoint(recipient.endpoint, settings)
    try:
        ua_public = ece.b64url_decode(recipient.p256dh)
        auth_secret = ece.b64url_decode(recipient.auth)
        body = ece.encrypt(payload(message), ua_public=ua_public, auth_secret=auth_secret)
    except (ValueError, binascii.Error) as exc:
        # A subscription with broken keys can never receive anything: drop it.
        raise SubscriptionGone(f"invalid subscription keys: {exc}") from None

    ttl = (
        settings.webpush_default_ttl_seconds if message.ttl_seconds is None else message.ttl_seconds
    )
    headers = {
        "Authorization": vapid.authorization_header(
            recipient.endpoint, key, settings.vapid_subject
        ),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(min(max(ttl, 0), MAX_TTL_SECONDS)),
        "Urgency": message.urgency,
    }
    if message.topic:
        headers["Topic"] = push_topic(message.topic)
    try:
        async with outbound.guarded_client(settings.outbound_allow_list()) as client:
            response = await post(
                recipient.endpoint,
                what="push service",
                client=client,
                timeout=settings.webpush_timeout_seconds,
                headers=headers,
                content=body,
            )
    except outbound.OutboundRefused:
        raise PermanentError(ENDPOINT_NOT_ALLOWED) from None
    status = response.status_code
    if 200 <= status < 300:
        location: str | None = response.headers.get("location")
        return location
    detail = shorten(f"push service {status}: {response.text}")
    if status in (404, 410):
        raise SubscriptionGone(detail)
    if status == 429 or status >= 500:
        raise RetryableError(
            detail, retry_after=parse_retry_after(response.headers.get("retry-after"))
        )
    raise PermanentError(detail)
