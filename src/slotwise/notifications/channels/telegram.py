"""Telegram Bot API: ``POST {base}/bot{token}/sendMessage`` with ``parse_mode=HTML``."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from slotwise.notifications.channels.errors import (
    ChannelNotConfigured,
    PermanentError,
    RetryableError,
    clamp_retry_after,
    parse_retry_after,
)
from slotwise.notifications.channels.http import post, redact, shorten
from slotwise.notifications.channels.message import OutgoingMessage, TelegramRecipient
from slotwise.notifications.channels.settings import ChannelSettings

# Telegram's limit is 4096 characters after entity parsing; escaping only adds characters,
# so cutting the plain text this short keeps the rendered message under it.
MAX_TEXT_LENGTH = 3800
_CHAT_ID = re.compile(r"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$")


def message_html(message: OutgoingMessage) -> str:
    """The subject in bold, then the plain text, both escaped: Telegram's HTML mode knows
    only a few tags, so the email HTML is not reusable, and names must not become markup."""
    text = message.text
    if len(text) > MAX_TEXT_LENGTH:
        text = text[: MAX_TEXT_LENGTH - 1] + "…"
    body = html.escape(text, quote=False)
    if message.subject:
        return f"<b>{html.escape(message.subject, quote=False)}</b>\n\n{body}"
    return body


def request_body(message: OutgoingMessage, chat_id: str) -> dict[str, Any]:
    return {
        "chat_id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
        "text": message_html(message),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }


async def send_telegram(
    message: OutgoingMessage, settings: ChannelSettings, client: httpx.AsyncClient | None = None
) -> str | None:
    """Send one message; returns Telegram's message id."""
    recipient = message.recipient
    if not isinstance(recipient, TelegramRecipient):
        raise TypeError("not a Telegram recipient")
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token:
        raise ChannelNotConfigured("Telegram is not configured (SLOTWISE_TELEGRAM_BOT_TOKEN)")
    chat_id = recipient.chat_id.strip()
    if not _CHAT_ID.match(chat_id):
        raise PermanentError("invalid Telegram chat id")
    url = f"{settings.telegram_api_base_url}/bot{token}/sendMessage"
    response = await post(
        url,
        what="Telegram",
        client=client,
        timeout=settings.telegram_timeout_seconds,
        headers={},
        json=request_body(message, chat_id),
        secrets=(token,),
    )
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        doc = {}
    status = response.status_code
    if 200 <= status < 300 and doc.get("ok") is True:
        result = doc.get("result")
        return str(result.get("message_id")) if isinstance(result, dict) else None
    description = doc.get("description") or response.text
    reason = shorten(redact(f"Telegram {status}: {description}", (token,)))
    if status == 429 or status >= 500:
        parameters = doc.get("parameters")
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise RetryableError(
            reason,
            retry_after=clamp_retry_after(retry_after)
            if isinstance(retry_after, int | float)
            else parse_retry_after(response.headers.get("retry-after")),
        )
    if 200 <= status < 300:
        # A 2xx without "ok": not the Bot API (a proxy page?); may work next time.
        raise RetryableError(reason)
    raise PermanentError(reason)
