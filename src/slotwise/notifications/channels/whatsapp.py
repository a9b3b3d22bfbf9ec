"""WhatsApp Cloud API: ``POST {base}/{version}/{phone_number_id}/messages``."""

from __future__ import annotations

import re
from typing import Any

import httpx

from slotwise.notifications.channels.errors import (
    ChannelNotConfigured,
    PermanentError,
    RetryableError,
    parse_retry_after,
)
from slotwise.notifications.channels.http import post, redact, shorten
from slotwise.notifications.channels.message import OutgoingMessage, WhatsAppRecipient
from slotwise.notifications.channels.settings import ChannelSettings

MAX_TEXT_LENGTH = 4096
_E164 = re.compile(r"^[1-9][0-9]{6,14}$")
# Graph API error codes that mean "not now" even when the HTTP status is 400: throttling
# (4, 80007, 130429, 131048, 131056) and service trouble (1, 2, 131000, 131016, 133004).
RETRYABLE_ERROR_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004})


def normalize_phone(phone: str) -> str:
    """The digits of an international number (country code first, no ``+``)."""
    digits = re.sub(r"[\s().\-/]", "", phone)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not _E164.match(digits):
        raise PermanentError("invalid WhatsApp phone number (international format expected)")
    return digits


def request_body(message: OutgoingMessage, phone: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": phone,
        # Echoed in status webhooks: ties delivery reports to the outbox row.
        "biz_opaque_callback_data": message.idempotency_key[:512],
    }
    template = message.whatsapp_template
    if template is not None:
        body["type"] = "template"
        body["template"] = {"name": template.name, "language": {"code": template.language}}
        if template.body_parameters:
            body["template"]["components"] = [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": value} for value in template.body_parameters
                    ],
                }
            ]
        return body
    text = f"*{message.subject}*\n\n{message.text}" if message.subject else message.text
    if len(text) > MAX_TEXT_LENGTH:
        text = text[: MAX_TEXT_LENGTH - 1] + "…"
    body["type"] = "text"
    body["text"] = {"preview_url": False, "body": text}
    return body


def _error_reason(response: httpx.Response, token: str) -> tuple[str, int | None]:
    code: int | None = None
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    if isinstance(error, dict) and error:
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, int) else None
        details = (
            (error.get("error_data") or {}).get("details")
            if isinstance(error.get("error_data"), dict)
            else None
        )
        text = str(error.get("message") or "")
        if code is not None:
            text += f" (code {code})"
        if details:
            text += f": {details}"
    else:
        text = response.text
    return shorten(redact(f"WhatsApp {response.status_code}: {text}", (token,))), code


async def send_whatsapp(
    message: OutgoingMessage, settings: ChannelSettings, client: httpx.AsyncClient | None = None
) -> str | None:
    """Send one message; returns WhatsApp's message id (``wamid...``)."""
    recipient = message.recipient
    if not isinstance(recipient, WhatsAppRecipient):
        raise TypeError("not a WhatsApp recipient")
    token = settings.whatsapp_token.get_secret_value() if settings.whatsapp_token else ""
    if not token or not settings.whatsapp_phone_number_id:
        raise ChannelNotConfigured(
            "WhatsApp is not configured (SLOTWISE_WHATSAPP_TOKEN, "
            "SLOTWISE_WHATSAPP_PHONE_NUMBER_ID)"
        )
    phone = normalize_phone(recipient.phone)
    url = (
        f"{settings.whatsapp_api_base_url}/{settings.whatsapp_api_version}/"
        f"{settings.whatsapp_phone_number_id}/messages"
    )
    response = await post(
        url,
        what="WhatsApp",
        client=client,
        timeout=settings.whatsapp_timeout_seconds,
        headers={"Authorization": f"Bearer {token}"},
        json=request_body(message, phone),
        secrets=(token,),
    )
    status = response.status_code
    if 200 <= status < 300:
        try:
            messages = response.json().get("messages") or []
            return str(messages[0]["id"]) if messages else None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
    reason, code = _error_reason(response, token)
    if status == 429 or status >= 500 or code in RETRYABLE_ERROR_CODES:
        raise RetryableError(
            reason, retry_after=parse_retry_after(response.headers.get("retry-after"))
        )
    raise PermanentError(reason)
