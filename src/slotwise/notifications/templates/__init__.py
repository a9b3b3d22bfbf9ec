"""Message templates: every message type in English, German and Russian, with times in the
location's time zone (``render``: about an appointment; ``render_notice``: to the firm's
operators about its connections).

    rendered = render(MessageType.CONFIRMATION, resolve_locale(client.locale,
                      firm.default_locale), TemplateContext(...))
"""

from __future__ import annotations

from slotwise.notifications.templates.context import (
    OPERATOR_NOTICES,
    MessageType,
    Rendered,
    TemplateContext,
)
from slotwise.notifications.templates.formatting import format_lead, resolve_locale
from slotwise.notifications.templates.notices import NoticeContext, render_notice
from slotwise.notifications.templates.render import render

__all__ = [
    "OPERATOR_NOTICES",
    "MessageType",
    "NoticeContext",
    "Rendered",
    "TemplateContext",
    "format_lead",
    "render",
    "render_notice",
    "resolve_locale",
]
