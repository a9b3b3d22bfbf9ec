"""HTTP routes of the public booking API: ``/api/v1/public/{firm_slug}/...``, no login.

Every request counts against its address's limit first (``throttle``), then the slug names
the firm (``firms.public_firm``: 404 ``booking_page_not_found`` when it takes no public
bookings). Responses carry only what a visitor may see.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody
from slotwise.models import Firm
from slotwise.notifications.channels import ChannelSettings
from slotwise.public import catalog
from slotwise.public.firms import public_firm
from slotwise.public.schemas import (
    DaysOut,
    DaysQuery,
    PublicFirmOut,
    PublicLocationList,
    PublicServiceList,
    PublicSpecialistList,
    ServicesQuery,
    SlotsOut,
    SlotsQuery,
    SpecialistsQuery,
)
from slotwise.public.throttle import limit_public_requests

PUBLIC_RESPONSES: dict[int | str, dict[str, Any]] = {
    **{status: ERROR_RESPONSES[status] for status in (404, 408, 409, 413, 422, 503)},
    429: {
        "model": ErrorBody,
        "description": "`rate_limited`: too many requests from this address; see Retry-After",
    },
}

router = APIRouter(
    prefix="/public/{firm_slug}",
    tags=["public booking"],
    responses=PUBLIC_RESPONSES,
    dependencies=[Depends(limit_public_requests)],
)


async def _firm(
    session: SessionDep, firm_slug: Annotated[str, Path(min_length=1, max_length=63)]
) -> Firm:
    return await public_firm(session, firm_slug)


FirmDep = Annotated[Firm, Depends(_firm)]


def _channels() -> ChannelSettings:
    return ChannelSettings()


@router.get("", response_model=PublicFirmOut)
async def get_public_firm(
    firm: FirmDep, channels: Annotated[ChannelSettings, Depends(_channels)]
) -> PublicFirmOut:
    """The firm's page settings: its name, language, time zone and booking rules."""
    return catalog.firm_out(firm, channels)


@router.get("/locations", response_model=PublicLocationList)
async def list_public_locations(firm: FirmDep, session: SessionDep) -> PublicLocationList:
    """The firm's active locations."""
    return await catalog.locations(session, firm)


@router.get("/services", response_model=PublicServiceList)
async def list_public_services(
    params: Annotated[ServicesQuery, Query()], firm: FirmDep, session: SessionDep
) -> PublicServiceList:
    """The active services someone offers at the location, with price and duration."""
    return await catalog.services(session, firm, params.location_id)


@router.get("/specialists", response_model=PublicSpecialistList)
async def list_public_specialists(
    params: Annotated[SpecialistsQuery, Query()], firm: FirmDep, session: SessionDep
) -> PublicSpecialistList:
    """The active specialists offering the service at the location."""
    return await catalog.specialists(session, firm, params.location_id, params.service_id)


@router.get("/availability/days", response_model=DaysOut)
async def list_public_days(
    params: Annotated[DaysQuery, Query()], firm: FirmDep, session: SessionDep
) -> DaysOut:
    """The local dates from `from` to `to` (inclusive, at most 62 days: 422
    `range_too_long`) with at least one free slot."""
    return await catalog.free_days(session, firm, params)


@router.get("/availability/slots", response_model=SlotsOut)
async def list_public_slots(
    params: Annotated[SlotsQuery, Query()], firm: FirmDep, session: SessionDep
) -> SlotsOut:
    """The free slots starting on a local date, each with the specialists who could take
    it (for "any specialist", the first of them is booked)."""
    return await catalog.free_slots(session, firm, params)
