"""The errors of holds, their confirmation and claiming time."""

from __future__ import annotations

from slotwise.errors import Conflict, Forbidden, Gone, NotFound


class HoldNotFound(NotFound):
    code = "hold_not_found"
    default_message = "No such hold"


class HoldNotYours(Forbidden):
    code = "hold_not_yours"
    default_message = "This hold belongs to another user"


class HoldExpired(Gone):
    code = "hold_expired"
    default_message = "The hold has expired"


class SlotTaken(Conflict):
    """Another booking's claim is in the way; ``details`` name the claims when known."""

    code = "slot_taken"
    default_message = "The time was just taken by another booking"
