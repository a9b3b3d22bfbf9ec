"""The public live availability stream: ``GET /public/{firm_slug}/availability/stream``.

Apart from the public catalog and hold routes (``public/routes.py``) so that each can be
mounted on its own.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import select

from slotwise.deps import SessionDep, SettingsDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody
from slotwise.models import Location
from slotwise.public.firms import public_firm
from slotwise.public.state import public_hub_of
from slotwise.public.stream import AvailabilityStreamResponse
from slotwise.public.stream_errors import PublicLocationNotFound
from slotwise.public.throttle import client_address, limit_public_requests

# Opening a stream counts against the address's requests like any public request.
router = APIRouter(
    prefix="/public",
    tags=["public booking"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(limit_public_requests)],
)

FirmSlug = Annotated[str, Path(min_length=1, max_length=63)]


@router.get(
    "/{firm_slug}/availability/stream",
    response_class=AvailabilityStreamResponse,
    response_model=None,
    status_code=200,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
        404: {
            "model": ErrorBody,
            "description": "No such booking page (`booking_page_not_found`) or location "
            "(`public_location_not_found`)",
        },
        429: {
            "model": ErrorBody,
            "description": "The address has the most streams open already "
            "(`too_many_public_streams`), or made too many requests (`rate_limited`, with "
            "Retry-After)",
        },
    },
)
async def availability_stream(
    firm_slug: FirmSlug,
    location_id: Annotated[uuid.UUID, Query()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> AvailabilityStreamResponse:
    """Which days of a location may have changed, live, without a login.

    First `event: connected` with `data: {"location_id"}` (and `retry: 3000`), then
    `event: availability.changed` with `data: {"location_id", "days": ["YYYY-MM-DD", ...]}`
    (local dates in the location's time zone; `days: null` means any day may have changed)
    whenever a slot there is held, booked or freed, a hold runs out, or the rules behind the
    slots change; refetch those days. A `: keepalive` comment every 15 s. Nothing in it names
    a booking or a person. After a reconnect, refetch what is shown: changes meanwhile are
    not replayed.
    """
    firm = await public_firm(session, firm_slug)
    location = await session.scalar(
        select(Location.id).where(
            Location.firm_id == firm.id, Location.id == location_id, Location.is_active
        )
    )
    if location is None:
        raise PublicLocationNotFound()
    hub = public_hub_of(request.app)
    watcher = await hub.watch(firm.id, location_id, client_address(request), session)
    return AvailabilityStreamResponse(
        hub,
        watcher,
        keepalive=settings.realtime_keepalive_seconds,
        send_timeout=settings.realtime_send_timeout_seconds,
    )
