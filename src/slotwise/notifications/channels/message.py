"""What the delivery job hands a channel: one message to one recipient."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Urgency = Literal["very-low", "low", "normal", "high"]


class Channel(StrEnum):
    EMAIL = "email"
    WEBPUSH = "webpush"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"


@dataclass(frozen=True, slots=True)
class EmailRecipient:
    address: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class PushRecipient:
    """A browser's push subscription (``PushSubscription.toJSON()``): the push service
    endpoint and the keys ``p256dh`` (the browser's P-256 public key) and ``auth`` (16-byte
    secret), both base64url."""

    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True, slots=True)
class WhatsAppRecipient:
    """A phone number in international format (``+49 151 2345678`` or ``491512345678``)."""

    phone: str


@dataclass(frozen=True, slots=True)
class TelegramRecipient:
    """A private chat id (the user's Telegram id, as the bot saw it) or ``@channelname``."""

    chat_id: str


Recipient = EmailRecipient | PushRecipient | WhatsAppRecipient | TelegramRecipient

_CHANNEL_OF: dict[type[object], Channel] = {
    EmailRecipient: Channel.EMAIL,
    PushRecipient: Channel.WEBPUSH,
    WhatsAppRecipient: Channel.WHATSAPP,
    TelegramRecipient: Channel.TELEGRAM,
}


@dataclass(frozen=True, slots=True)
class WhatsAppTemplate:
    """A pre-approved WhatsApp message template. Outside the 24-hour customer service window
    WhatsApp only delivers business-initiated messages as templates; ``body_parameters``
    fill the template's ``{{1}}``, ``{{2}}``, ... in order."""

    name: str
    language: str
    body_parameters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMessage:
    """One message to one recipient; the channel follows from the recipient's type.

    ``idempotency_key`` identifies the message across retries (the outbox row): the email
    ``Message-ID`` and WhatsApp's callback data are derived from it, so a resend after a
    crash between "sent" and "recorded" is recognisable as the same message.
    ``ttl_seconds`` and ``topic`` matter to Web Push: how long the push service keeps the
    message for an offline browser (until the appointment starts), and which earlier
    undelivered message it replaces (the appointment id).
    """

    recipient: Recipient
    subject: str
    text: str
    idempotency_key: str
    html: str | None = None
    # A short body for notification bubbles (Web Push); ``text`` when absent.
    summary: str | None = None
    ttl_seconds: int | None = None
    topic: str | None = None
    urgency: Urgency = "normal"
    # Where a click on a push notification leads (a page of the app).
    url: str | None = None
    whatsapp_template: WhatsAppTemplate | None = None
    # Extra data for the service worker (appointment id, message type, ...).
    data: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.idempotency_key.strip():
            raise ValueError("idempotency_key must not be empty")
        if type(self.recipient) not in _CHANNEL_OF:
            raise TypeError(f"not a recipient: {type(self.recipient).__name__}")

    @property
    def channel(self) -> Channel:
        return _CHANNEL_OF[type(self.recipient)]
