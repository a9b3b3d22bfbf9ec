"""One message about an appointment in one language, as a subject, plain text and HTML
(``layout``); the operators' notices are rendered by ``notices``."""

from __future__ import annotations

from datetime import UTC, datetime

from slotwise.notifications.templates.context import (
    OPERATOR_NOTICES,
    MessageType,
    Rendered,
    TemplateContext,
)
from slotwise.notifications.templates.formatting import (
    format_datetime,
    format_lead,
    format_span,
    resolve_locale,
)
from slotwise.notifications.templates.layout import Row, html_page, one_line, text_body
from slotwise.notifications.templates.locales import CATALOGS, Catalog

_WORKER_TYPES = frozenset({MessageType.WORKER_ASSIGNED, MessageType.WORKER_REMOVED})


def _rows(message_type: MessageType, context: TemplateContext, catalog: Catalog) -> list[Row]:
    """(label, value, struck through) rows of the details table."""
    zone = context.zone
    span = format_span(context.starts_at, context.ends_at, zone, catalog)
    rows: list[Row] = []
    if message_type is MessageType.CHANGE and context.previous_starts_at is not None:
        rows.append((catalog.new_time, span, False))
        rows.append(
            (
                catalog.previous_time,
                format_span(context.previous_starts_at, context.previous_ends_at, zone, catalog),
                True,
            )
        )
    else:
        rows.append((catalog.when, span, False))
    services = [one_line(name) for name in context.services if name.strip()]
    if services:
        rows.append(
            (
                catalog.service if len(services) == 1 else catalog.services,
                ", ".join(services),
                False,
            )
        )
    specialists = [one_line(name) for name in context.specialists if name.strip()]
    if specialists:
        rows.append(
            (
                catalog.specialist if len(specialists) == 1 else catalog.specialists,
                ", ".join(specialists),
                False,
            )
        )
    if message_type in _WORKER_TYPES and context.client_name:
        rows.append((catalog.client, one_line(context.client_name), False))
    if context.location_name:
        rows.append((catalog.location, one_line(context.location_name), False))
    if context.location_address:
        rows.append((catalog.address, one_line(context.location_address), False))
    if context.note and context.note.strip():
        rows.append((catalog.note, context.note.strip(), False))
    return rows


def render(
    message_type: MessageType | str, locale: str | None, context: TemplateContext
) -> Rendered:
    """Render ``message_type`` in ``locale`` (any tag: ``de-AT`` → German; unsupported or
    ``None`` → English; use ``resolve_locale(client, firm_default)`` for the fallback)."""
    kind = MessageType(message_type)
    if kind in OPERATOR_NOTICES:
        raise ValueError(f"{kind.value} is an operator notice: render it with render_notice")
    language = resolve_locale(locale)
    catalog = CATALOGS[language]
    phrases = catalog.messages[kind]
    lead = context.reminder_lead
    if lead is None:
        lead = context.starts_at - datetime.now(UTC)
    firm = one_line(context.firm_name)
    values = {
        "firm": firm,
        "when": format_datetime(context.starts_at, context.zone, catalog),
        "lead": format_lead(lead, catalog),
        "code": context.code or "",
    }
    subject = one_line(phrases.subject.format(**values))
    intro = phrases.intro.format(**values)
    name = one_line(context.recipient_name or "")
    greeting = catalog.greeting.format(name=name) if name else catalog.greeting_anonymous
    rows = _rows(kind, context, catalog)
    footer = catalog.footer.format(firm=firm)
    link = (
        (catalog.manage_link, context.manage_url)
        if context.manage_url
        else (catalog.open_link, context.url)
        if context.url
        else None
    )

    text = text_body(greeting, intro, rows, link, footer)
    html = html_page(language, subject, greeting, intro, rows, link, footer)
    where = one_line(context.location_name) if context.location_name else None
    summary = f"{intro}\n{rows[0][1]}" + (f", {where}" if where else "")
    return Rendered(
        subject=subject,
        text=text,
        html=html,
        locale=language,
        summary=summary,
        url=link[1] if link is not None else None,
    )
