"""How a YClients request failed, as the poller needs to know it: fix the credentials, wait
and try again, or record the fault and move on.

Every ``reason`` is safe to store and show: the tokens are taken out of anything the server
echoes back.
"""

from __future__ import annotations


class YclientsError(Exception):
    """A request to YClients failed; ``reason`` says how, without secrets."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class YclientsAuthFailed(YclientsError):
    """401/403: the partner or user token is wrong, revoked, or lacks the right (or the
    company's licence ran out). Trying again changes nothing until someone fixes it."""

    def __init__(self, reason: str, *, status: int) -> None:
        super().__init__(reason)
        self.status = status


class YclientsUnavailable(YclientsError):
    """5xx (or 429, see the subclass) after the client's own retries: try again later, not
    before ``retry_after`` seconds when the server said so."""

    def __init__(self, reason: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


class YclientsRateLimited(YclientsUnavailable):
    """429: YClients counts requests per IP address (5 a second, 200 a minute), so another
    program on the same address can exhaust the budget even when this client keeps to it."""


class YclientsRejected(YclientsError):
    """Another 4xx: YClients understood the request and refused it (a busy or non-working
    time on create, a field it does not accept). ``message`` is the server's own text."""

    def __init__(self, reason: str, *, status: int, message: str) -> None:
        super().__init__(reason)
        self.status = status
        self.message = message


class YclientsNotFound(YclientsRejected):
    """404: the company or record does not exist (an admin may have removed the record)."""


class YclientsBadResponse(YclientsError):
    """The answer is not what the API describes: not JSON, not the ``success/data/meta``
    envelope, or a page whose shape is wrong as a whole. Single bad records inside a good
    page are not this error: the pull reports them one by one."""


class YclientsUnreachable(YclientsError):
    """No answer: the name does not resolve, the connection fails, or no response came in
    time."""


class YclientsAddressRefused(YclientsUnreachable):
    """The base URL leads to an internal address that is not on the operator's allow list
    (see :mod:`slotwise.outbound`); a setting to fix, not a network fault to wait out."""
