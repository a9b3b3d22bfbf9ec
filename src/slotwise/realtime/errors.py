"""The named errors of realtime: one class per code, with its status and default message."""

from __future__ import annotations

from slotwise.errors import Forbidden, TooManyRequests, Unprocessable


class InvalidLastEventId(Unprocessable):
    code = "invalid_last_event_id"
    default_message = "Last-Event-ID must be a sequence number"


class NoEvents(Forbidden):
    code = "no_events"
    default_message = "This role sees no appointments"


class TooManyStreams(TooManyRequests):
    code = "too_many_streams"
    default_message = "Too many event streams are open for this user"
