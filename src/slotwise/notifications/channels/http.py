"""One HTTP request to a provider, with a hard deadline and transport failures mapped to
:class:`RetryableError`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

from slotwise.notifications.channels.errors import RetryableError

MAX_REASON_LENGTH = 500


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_LENGTH else text[: MAX_REASON_LENGTH - 1] + "…"


async def post(
    url: str,
    *,
    what: str,
    timeout: float,
    client: httpx.AsyncClient | None,
    headers: Mapping[str, str],
    json: Any = None,
    content: bytes | None = None,
    secrets: tuple[str, ...] = (),
) -> httpx.Response:
    """POST with ``timeout`` for each phase and for the whole exchange: a server that
    accepts and never answers, or answers a byte a minute, costs at most ``timeout``."""
    limits = httpx.Timeout(timeout)
    try:
        async with asyncio.timeout(timeout):
            if client is None:
                async with httpx.AsyncClient(timeout=limits, follow_redirects=False) as own:
                    return await own.post(url, headers=dict(headers), json=json, content=content)
            return await client.post(
                url, headers=dict(headers), json=json, content=content, timeout=limits
            )
    except (TimeoutError, httpx.TimeoutException):
        raise RetryableError(f"{what}: no response within {timeout:g} s") from None
    except httpx.TransportError as exc:
        detail = redact(str(exc) or type(exc).__name__, secrets)
        raise RetryableError(shorten(f"{what}: {detail}")) from None
