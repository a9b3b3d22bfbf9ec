"""The errors of asking for free time: a range that cannot be listed, a catalog entry that
cannot be booked, a start that is not offered.
"""

from __future__ import annotations

from collections.abc import Sequence

from slotwise.availability.data import SlotChoice
from slotwise.errors import Conflict, Unprocessable


class InvalidRange(Unprocessable):
    code = "invalid_range"
    default_message = "'to' must be after 'from'"


class RangeTooLong(Unprocessable):
    code = "range_too_long"
    default_message = "The range spans too many days"


class InvalidDatetime(Unprocessable):
    code = "invalid_datetime"
    default_message = "The start needs a time zone"


class LocationInactive(Conflict):
    code = "location_inactive"
    default_message = "The location is inactive"


class ServiceInactive(Conflict):
    code = "service_inactive"
    default_message = "The service is inactive"


class SpecialistInactive(Conflict):
    code = "specialist_inactive"
    default_message = "The specialist is inactive"


class ServiceNotOffered(Conflict):
    code = "service_not_offered"
    default_message = "The specialist does not offer this service"


class SlotUnavailable(Conflict):
    """No option starts at the asked time. ``blocked`` lists, in the order they would be
    chosen, the options that only other bookings' claims keep from it: when there are any,
    the slot is taken rather than unavailable."""

    code = "slot_unavailable"
    default_message = "The slot is not available"

    def __init__(self, message: str | None = None, blocked: Sequence[SlotChoice] = ()) -> None:
        super().__init__(message)
        self.blocked = list(blocked)
