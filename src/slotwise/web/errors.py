"""The named errors of web: one class per code, with its status and default message."""

from __future__ import annotations

from slotwise.errors import NotFound


class StaticNotFound(NotFound):
    code = "static_not_found"
    default_message = "No such static file"
