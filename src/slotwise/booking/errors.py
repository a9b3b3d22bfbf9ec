"""The errors of holds, their confirmation and claiming time."""

from __future__ import annotations

from slotwise.errors import NotFound


class HoldNotFound(NotFound):
    code = "hold_not_found"
    default_message = "No such hold"
