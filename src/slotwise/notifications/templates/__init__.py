"""Message templates: every message type in English, German and Russian, with times in the
location's time zone.

    rendered = render(MessageType.CONFIRMATION, resolve_locale(client.locale,
                      firm.default_locale), TemplateContext(...))
"""

from __future__ import annotations

from slotwise.notifications.templates.context import MessageType, Rendered, TemplateContext
from slotwise.notifications.templates.formatting import (
    format_datetime,
    format_lead,
    normalize_locale,
    resolve_locale,
)
from slotwise.notifications.templates.locales import CATALOGS, DEFAULT_LOCALE
from slotwise.notifications.templates.render import render

SUPPORTED_LOCALES = tuple(CATALOGS)

__all__ = [
    "DEFAULT_LOCALE",
    "SUPPORTED_LOCALES",
    "MessageType",
    "Rendered",
    "TemplateContext",
    "format_datetime",
    "format_lead",
    "normalize_locale",
    "render",
    "resolve_locale",
]
