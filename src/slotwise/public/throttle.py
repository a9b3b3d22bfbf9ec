"""The per-address limit of the public booking API: every request counts, writes twice.

Counted in a transaction of its own that commits before the request runs, so a request
that fails (a bad slug, invalid input) still counts, and concurrent requests from one
address see each other's counts. The counter is the login throttle's (``auth.throttle``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from slotwise.auth import throttle
from slotwise.public.errors import RateLimited
from slotwise.state import sessionmaker_of, settings_of

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_public_requests(request: Request) -> None:
    """Raises 429 ``rate_limited`` (with ``Retry-After``) when the caller's address is over
    its limit of requests, or of writes, in the current window."""
    settings = settings_of(request.app)
    address = client_address(request)
    limits = [(f"public:{address}", settings.public_rate_max_requests)]
    if request.method in _WRITES:
        limits.append((f"public-write:{address}", settings.public_rate_max_writes))
    await _count(request, limits)


async def limit_code_sends(request: Request) -> None:
    """Codes sent from one address (each is a message to whatever address was typed in):
    their own, lower limit."""
    settings = settings_of(request.app)
    address = client_address(request)
    await _count(request, [(f"public-code:{address}", settings.public_rate_max_codes)])


async def _count(request: Request, limits: list[tuple[str, int]]) -> None:
    settings = settings_of(request.app)
    now = datetime.now(UTC)
    async with sessionmaker_of(request.app).begin() as session:
        for key, limit in limits:  # always in this order: two requests never deadlock
            counted = await throttle.count_in_window(
                session, key, window_seconds=settings.public_rate_window_seconds, now=now
            )
            if counted.count > limit:
                retry_after = counted.retry_after(now)
                raise RateLimited(
                    f"Too many requests from this address; retry in {retry_after} s",
                    headers={"Retry-After": str(retry_after)},
                )
