"""The named errors of the public live availability stream: one class per code."""

from __future__ import annotations

from slotwise.errors import NotFound, TooManyRequests


class PublicLocationNotFound(NotFound):
    code = "public_location_not_found"
    default_message = "The firm has no such location open for booking"


class TooManyPublicStreams(TooManyRequests):
    code = "too_many_public_streams"
    default_message = "Too many live availability streams are open from this address"
