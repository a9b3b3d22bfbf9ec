"""Delivery channels: email (SMTP), Web Push (VAPID), WhatsApp Cloud API, Telegram Bot API.

``await send(message, settings)`` delivers one :class:`OutgoingMessage` on the channel its
recipient belongs to, or raises :class:`RetryableError` (try again later, honouring
``retry_after``), :class:`PermanentError` (don't), or :class:`SubscriptionGone` (a
``PermanentError``: delete the push subscription). It returns the provider's id for the
message when there is one. Every network call has a deadline from ``ChannelSettings``.
"""

from __future__ import annotations

import httpx

from slotwise.notifications.channels.errors import (
    ChannelNotConfigured,
    PermanentError,
    RetryableError,
    SubscriptionGone,
)
from slotwise.notifications.channels.message import (
    Channel,
    EmailRecipient,
    OutgoingMessage,
    PushRecipient,
    Recipient,
    TelegramRecipient,
    WhatsAppRecipient,
    WhatsAppTemplate,
)
from slotwise.notifications.channels.settings import ChannelSettings
from slotwise.notifications.channels.smtp import message_id_for, send_email
from slotwise.notifications.channels.telegram import send_telegram
from slotwise.notifications.channels.vapid import generate_vapid_keys, public_key_of
from slotwise.notifications.channels.webpush import push_topic, send_webpush
from slotwise.notifications.channels.whatsapp import send_whatsapp

__all__ = [
    "Channel",
    "ChannelNotConfigured",
    "ChannelSettings",
    "EmailRecipient",
    "OutgoingMessage",
    "PermanentError",
    "PushRecipient",
    "Recipient",
    "RetryableError",
    "SubscriptionGone",
    "TelegramRecipient",
    "WhatsAppRecipient",
    "WhatsAppTemplate",
    "generate_vapid_keys",
    "message_id_for",
    "public_key_of",
    "push_topic",
    "send",
    "send_email",
    "send_telegram",
    "send_webpush",
    "send_whatsapp",
]


async def send(
    message: OutgoingMessage, settings: ChannelSettings, *, http: httpx.AsyncClient | None = None
) -> str | None:
    """Deliver ``message``; ``http`` is an optional shared client (connection reuse) for the
    providers we configured (Web Push endpoints come from users and get a guarded client of
    their own). Returns the provider's message id, if it gave one."""
    match message.channel:
        case Channel.EMAIL:
            return await send_email(message, settings)
        case Channel.WEBPUSH:
            return await send_webpush(message, settings)
        case Channel.WHATSAPP:
            return await send_whatsapp(message, settings, http)
        case Channel.TELEGRAM:
            return await send_telegram(message, settings, http)
