"""What can go wrong with a specialist's CalDAV calendar, as named errors.

Each carries a ``reason`` that is safe to store and show (no password, no server text that
could echo one) and says whether the same call may succeed later (``retryable``), so the
poller can mark the connection failing (a wrong password) or back off (a server away).
"""

from __future__ import annotations


class CalDAVError(Exception):
    retryable = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CalendarAuthFailed(CalDAVError):
    """The server refused the credentials or the access (401/403)."""


class CalendarNotFound(CalDAVError):
    """There is no calendar at the URL or by that name (or the URL is not a calendar)."""


class CalendarRefused(CalDAVError):
    """The URL leads to an address outside the public internet (see slotwise.outbound).
    One fixed reason for every refusal, so it tells nothing about what is there."""

    def __init__(self) -> None:
        super().__init__("The calendar address is not allowed")


class CalendarUnreachable(CalDAVError):
    """No answer in time, no connection, or the server is overloaded or failing (429, 5xx).
    ``retry_after`` is the server's requested wait in seconds, if it gave one."""

    retryable = True

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class CalendarBadResponse(CalDAVError):
    """The server answered something a CalDAV server should not (an unexpected status, a
    body that does not parse, a UID taken by another object)."""
