"""One message type in one language, as a subject, plain text and HTML built from the same
parts, so the two bodies cannot drift apart. Every value from the database is escaped in
the HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from slotwise.notifications.templates.context import MessageType, Rendered, TemplateContext
from slotwise.notifications.templates.formatting import (
    format_datetime,
    format_lead,
    format_span,
    resolve_locale,
)
from slotwise.notifications.templates.locales import CATALOGS, Catalog

_WORKER_TYPES = frozenset({MessageType.WORKER_ASSIGNED, MessageType.WORKER_REMOVED})

_LABEL_STYLE = (
    "text-align:left;padding:4px 16px 4px 0;vertical-align:top;color:#666;"
    "font-weight:normal;white-space:nowrap"
)


def _line(value: str) -> str:
    # Names reach the subject header and table cells: no line breaks, no runs of spaces.
    return " ".join(value.split())


def _rows(
    message_type: MessageType, context: TemplateContext, catalog: Catalog
) -> list[tuple[str, str, bool]]:
    """(label, value, struck through) rows of the details table."""
    zone = context.zone
    span = format_span(context.starts_at, context.ends_at, zone, catalog)
    rows: list[tuple[str, str, bool]] = []
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
    services = [_line(name) for name in context.services if name.strip()]
    if services:
        rows.append(
            (
                catalog.service if len(services) == 1 else catalog.services,
                ", ".join(services),
                False,
            )
        )
    specialists = [_line(name) for name in context.specialists if name.strip()]
    if specialists:
        rows.append(
            (
                catalog.specialist if len(specialists) == 1 else catalog.specialists,
                ", ".join(specialists),
                False,
            )
        )
    if message_type in _WORKER_TYPES and context.client_name:
        rows.append((catalog.client, _line(context.client_name), False))
    if context.location_name:
        rows.append((catalog.location, _line(context.location_name), False))
    if context.location_address:
        rows.append((catalog.address, _line(context.location_address), False))
    if context.note and context.note.strip():
        rows.append((catalog.note, context.note.strip(), False))
    return rows


def _html(
    locale: str,
    subject: str,
    greeting: str,
    intro: str,
    rows: list[tuple[str, str, bool]],
    link: tuple[str, str] | None,
    footer: str,
) -> str:
    cells = []
    for label, value, struck in rows:
        shown = escape(value).replace("\n", "<br>")
        if struck:
            shown = f"<s>{shown}</s>"
        cells.append(
            f'<tr><th scope="row" style="{_LABEL_STYLE}">{escape(label)}</th>'
            f'<td style="padding:4px 0">{shown}</td></tr>'
        )
    action = ""
    if link is not None:
        text, url = link
        action = (
            f'<p><a href="{escape(url, quote=True)}" style="display:inline-block;'
            f"padding:10px 16px;background:#1a56db;color:#fff;text-decoration:none;"
            f'border-radius:6px">{escape(text)}</a></p>'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{locale}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(subject)}</title>\n</head>\n"
        '<body style="margin:0;padding:24px;background:#f4f4f5;'
        'font-family:Arial,Helvetica,sans-serif;color:#18181b;line-height:1.5">\n'
        '<div style="max-width:560px;margin:0 auto;background:#fff;padding:24px;'
        'border-radius:8px">\n'
        f"<p>{escape(greeting)}</p>\n<p>{escape(intro)}</p>\n"
        '<table role="presentation" style="border-collapse:collapse">\n'
        + "\n".join(cells)
        + "\n</table>\n"
        + action
        + f'\n<p style="color:#71717a;font-size:12px">{escape(footer)}</p>\n'
        "</div>\n</body>\n</html>\n"
    )


def render(
    message_type: MessageType | str, locale: str | None, context: TemplateContext
) -> Rendered:
    """Render ``message_type`` in ``locale`` (any tag: ``de-AT`` → German; unsupported or
    ``None`` → English; use ``resolve_locale(client, firm_default)`` for the fallback)."""
    kind = MessageType(message_type)
    language = resolve_locale(locale)
    catalog = CATALOGS[language]
    phrases = catalog.messages[kind]
    lead = context.reminder_lead
    if lead is None:
        lead = context.starts_at - datetime.now(UTC)
    firm = _line(context.firm_name)
    values = {
        "firm": firm,
        "when": format_datetime(context.starts_at, context.zone, catalog),
        "lead": format_lead(lead, catalog),
        "code": context.code or "",
    }
    subject = _line(phrases.subject.format(**values))
    intro = phrases.intro.format(**values)
    name = _line(context.recipient_name or "")
    greeting = catalog.greeting.format(name=name) if name else catalog.greeting_anonymous
    rows = _rows(kind, context, catalog)
    footer = catalog.footer.format(firm=firm)
    link = (catalog.open_link, context.url) if context.url else None

    text_lines = [greeting, "", intro, ""]
    text_lines += [f"{label}: {value}" for label, value, _ in rows]
    if link is not None:
        text_lines += ["", f"{link[0]}: {link[1]}"]
    text_lines += ["", "--", footer]
    text = "\n".join(text_lines) + "\n"
    html = _html(language, subject, greeting, intro, rows, link, footer)
    where = _line(context.location_name) if context.location_name else None
    summary = f"{intro}\n{rows[0][1]}" + (f", {where}" if where else "")
    return Rendered(subject=subject, text=text, html=html, locale=language, summary=summary)
