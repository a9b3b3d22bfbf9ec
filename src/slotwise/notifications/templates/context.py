"""What a template needs to know, and what rendering produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class MessageType(StrEnum):
    CONFIRMATION = "confirmation"
    CHANGE = "change"
    CANCELLATION = "cancellation"
    REMINDER = "reminder"
    WORKER_ASSIGNED = "worker_assigned"
    WORKER_REMOVED = "worker_removed"
    # A guest's code for confirming a held slot on the public booking page.
    VERIFICATION_CODE = "verification_code"
    # To the firm's operators (``NoticeContext``, ``render_notice``): a connection to an
    # external system stopped working; an external record overlaps an appointment.
    CONNECTION_FAILING = "connection_failing"
    SYNC_CONFLICT = "sync_conflict"


OPERATOR_NOTICES = frozenset({MessageType.CONNECTION_FAILING, MessageType.SYNC_CONFLICT})


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateContext:
    """The facts of one appointment as one recipient sees them.

    Times are aware datetimes (any zone); they are shown in ``time_zone``, the location's
    IANA zone. ``recipient_name`` is who the greeting addresses (the client, or the worker
    for ``worker_*`` messages); ``client_name`` is shown to workers. ``previous_*`` are the
    times before a reschedule; ``reminder_lead`` is how long before the start a reminder is
    meant for (its offset), so a reminder sent a minute late still says "in 1 hour".
    """

    firm_name: str
    time_zone: str
    starts_at: datetime
    ends_at: datetime | None = None
    recipient_name: str | None = None
    client_name: str | None = None
    services: Sequence[str] = ()
    specialists: Sequence[str] = ()
    location_name: str | None = None
    location_address: str | None = None
    previous_starts_at: datetime | None = None
    previous_ends_at: datetime | None = None
    reminder_lead: timedelta | None = None
    note: str | None = None
    url: str | None = None
    # ``verification_code`` only: the code, shown as ``{code}``; its lifetime is
    # ``reminder_lead`` (``{lead}``).
    code: str | None = None
    # The client's manage link (see, move or cancel the appointment), shown instead of ``url``.
    manage_url: str | None = None

    def __post_init__(self) -> None:
        for name in ("starts_at", "ends_at", "previous_starts_at", "previous_ends_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone: {self.time_zone!r}") from None
        for link in (self.url, self.manage_url):
            if link is not None and urlsplit(link).scheme not in ("http", "https"):
                # Anything else (javascript:, data:) in an href is an injection.
                raise ValueError("url must be an http(s) URL")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True, slots=True)
class Rendered:
    """``text`` and ``html`` are the full message (email, chat); ``summary`` is the short
    version for a notification bubble (Web Push): what happened, when and where."""

    subject: str
    text: str
    html: str
    locale: str
    summary: str
    # Where a click on the message leads (a push notification's action), if anywhere.
    url: str | None = None
