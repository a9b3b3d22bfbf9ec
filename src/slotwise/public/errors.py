"""The named errors of the public booking API: one class per code."""

from __future__ import annotations

from slotwise.errors import NotFound


class PublicFirmNotFound(NotFound):
    code = "booking_page_not_found"
    default_message = "No firm takes bookings at this address"
