"""Message templates: every message type in English, German and Russian, with times in the
location's time zone.

    rendered = render(MessageType.CONFIRMATION, resolve_locale(client.locale,
                      firm.default_locale), TemplateContext(...))
"""

from __future__ import annotations

from slotwise.notifications.templates.context import MessageType, Rendered, TemplateContext
from slotwise.notifications.templates.formatting import format_lead, resolve_locale
from slotwise.notifications.templates.render import render

__all__ = ["MessageType", "Rendered", "TemplateContext", "format_lead", "render", "resolve_locale"]
