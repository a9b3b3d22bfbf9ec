"""How a send failed, as the delivery job needs to know it: try again later, give up, or
forget the address."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

# A provider asking for more than this is treated as asking for this: the job's own backoff
# and retry limit take over from there.
MAX_RETRY_AFTER_SECONDS = 24 * 3600


class DeliveryError(Exception):
    """A message was not delivered; ``reason`` is safe to store in the outbox (no secrets)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryableError(DeliveryError):
    """A transient failure (network, timeout, 429, 5xx, SMTP 4xx): the same message may
    succeed later. ``retry_after`` is the provider's requested wait in seconds, if it gave one."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """Sending this message again will fail the same way (a rejected address, a 4xx, an SMTP
    5xx, a channel that is not configured)."""


class ChannelNotConfigured(PermanentError):
    """The channel lacks the settings it needs (no SMTP host, no VAPID key, no bot token)."""


class SubscriptionGone(PermanentError):
    """The push service says the subscription no longer exists (404/410): delete it.

    A subclass of :class:`PermanentError`, so a caller that only knows "retry or not" does
    not retry; catch it first to remove the subscription.
    """


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), or ``None``."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(min(int(value), MAX_RETRY_AFTER_SECONDS))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return float(min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS))


def clamp_retry_after(seconds: float | int | None) -> float | None:
    if seconds is None or seconds < 0:
        return None
    return float(min(seconds, MAX_RETRY_AFTER_SECONDS))
