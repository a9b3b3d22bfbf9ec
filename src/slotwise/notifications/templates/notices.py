"""The notices to a firm's operators about its connections to external systems, in their
language, with times in the connection's location's zone:

    rendered = render_notice(MessageType.CONNECTION_FAILING, "de", NoticeContext(...))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slotwise.notifications.templates.context import OPERATOR_NOTICES, MessageType, Rendered
from slotwise.notifications.templates.formatting import (
    format_datetime,
    format_span,
    resolve_locale,
)
from slotwise.notifications.templates.layout import Row, html_page, one_line, text_body
from slotwise.notifications.templates.locales import CATALOGS, Catalog

# The poller's reasons are sentences in English ("The server refused the login", "YClients
# answered 401 Unauthorized"); these words mark the ones that a person fixes by entering
# the credentials again. Anything else is told as "the answers could not be used".
_REFUSED = re.compile(
    r"\b40[13]\b|unauthori[sz]ed|forbidden|login|credential|token|password", re.IGNORECASE
)


def credentials_refused(reason: str | None) -> bool:
    return reason is not None and _REFUSED.search(reason) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeContext:
    """What a notice says about one connection. Times are aware datetimes, shown in
    ``time_zone`` (the connection's location's zone).

    ``connection_failing``: ``reason`` (as the poller recorded it) and ``failing_since``.
    ``sync_conflict``: the external record (``external_*``, its specialists) and the Slotwise
    appointment it overlaps (``appointment_*``, ``client_name``, ``services``); a time that
    is not known is left out.
    """

    firm_name: str
    time_zone: str
    connection_name: str
    connection_kind: str
    recipient_name: str | None = None
    reason: str | None = None
    failing_since: datetime | None = None
    external_id: str | None = None
    external_starts_at: datetime | None = None
    external_ends_at: datetime | None = None
    specialists: Sequence[str] = ()
    appointment_starts_at: datetime | None = None
    appointment_ends_at: datetime | None = None
    client_name: str | None = None
    services: Sequence[str] = ()
    # The connection (or its conflicts) on the staff app's connections page.
    url: str | None = None

    def __post_init__(self) -> None:
        for name in (
            "failing_since",
            "external_starts_at",
            "external_ends_at",
            "appointment_starts_at",
            "appointment_ends_at",
        ):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone: {self.time_zone!r}") from None
        if self.url is not None and urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError("url must be an http(s) URL")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _names(values: Sequence[str]) -> list[str]:
    return [one_line(value) for value in values if value.strip()]


def _failing_rows(context: NoticeContext, catalog: Catalog, kind: str) -> list[Row]:
    words = catalog.notices
    plain = (
        words.credentials_refused if credentials_refused(context.reason) else words.unusable_answers
    )
    rows: list[Row] = [
        (words.connection, one_line(context.connection_name), False),
        (words.kind, kind, False),
        (words.reason, plain, False),
    ]
    if context.reason and context.reason.strip():
        rows.append((words.details, one_line(context.reason), False))
    if context.failing_since is not None:
        rows.append(
            (
                words.failing_since,
                format_datetime(context.failing_since, context.zone, catalog),
                False,
            )
        )
    rows.append((words.what_to_do, words.check_credentials, False))
    return rows


def _conflict_rows(context: NoticeContext, catalog: Catalog, kind: str) -> list[Row]:
    words = catalog.notices
    zone = context.zone
    rows: list[Row] = [(words.connection, f"{one_line(context.connection_name)} ({kind})", False)]
    if context.external_starts_at is not None:
        span = format_span(context.external_starts_at, context.external_ends_at, zone, catalog)
        rows.append((words.external_record.format(kind=kind), span, False))
    if context.external_id:
        rows.append((words.record_id, one_line(context.external_id), False))
    specialists = _names(context.specialists)
    if specialists:
        label = catalog.specialist if len(specialists) == 1 else catalog.specialists
        rows.append((label, ", ".join(specialists), False))
    if context.appointment_starts_at is not None:
        span = format_span(
            context.appointment_starts_at, context.appointment_ends_at, zone, catalog
        )
        rows.append((words.in_slotwise, span, False))
    if context.client_name and context.client_name.strip():
        rows.append((catalog.client, one_line(context.client_name), False))
    services = _names(context.services)
    if services:
        label = catalog.service if len(services) == 1 else catalog.services
        rows.append((label, ", ".join(services), False))
    rows.append((words.how_it_resolves, words.conflict_resolves.format(kind=kind), False))
    return rows


def render_notice(
    message_type: MessageType | str, locale: str | None, context: NoticeContext
) -> Rendered:
    """Render an operator notice (``connection_failing``, ``sync_conflict``) in ``locale``
    (any tag; unsupported or ``None`` → English)."""
    notice = MessageType(message_type)
    if notice not in OPERATOR_NOTICES:
        raise ValueError(f"{notice.value} is about an appointment: render it with render")
    language = resolve_locale(locale)
    catalog = CATALOGS[language]
    words = catalog.notices
    kind = words.kinds.get(context.connection_kind, context.connection_kind)
    firm = one_line(context.firm_name)
    shown = context.external_starts_at or context.appointment_starts_at
    values = {
        "firm": firm,
        "connection": one_line(context.connection_name),
        "kind": kind,
        "when": format_datetime(shown, context.zone, catalog) if shown is not None else "",
    }
    phrases = catalog.messages[notice]
    # A conflict whose times are unknown has no "{when}" to name: no dangling ", ".
    subject = one_line(phrases.subject.format(**values)).rstrip(", :")
    intro = phrases.intro.format(**values)
    name = one_line(context.recipient_name or "")
    greeting = catalog.greeting.format(name=name) if name else catalog.greeting_anonymous
    # What a notification bubble says under the intro: the reason in plain words, or the
    # record's time.
    headline = ""
    if notice is MessageType.CONNECTION_FAILING:
        rows = _failing_rows(context, catalog, kind)
        headline = rows[2][1]
    else:
        rows = _conflict_rows(context, catalog, kind)
        if context.external_starts_at is not None:
            headline = format_span(
                context.external_starts_at, context.external_ends_at, context.zone, catalog
            )
    footer = words.footer.format(firm=firm)
    failing = notice is MessageType.CONNECTION_FAILING
    label = words.open_connection if failing else words.open_conflicts
    link = (label, context.url) if context.url else None
    return Rendered(
        subject=subject,
        text=text_body(greeting, intro, rows, link, footer),
        html=html_page(language, subject, greeting, intro, rows, link, footer),
        locale=language,
        summary=f"{intro}\n{headline}".rstrip(),
        url=context.url,
    )
