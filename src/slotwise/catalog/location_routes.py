"""Routes of locations, their weekly hours and their holidays."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from slotwise.auth.dependencies import AdminDep, CallerDep
from slotwise.catalog import service, working_time
from slotwise.catalog.params import (
    ActiveQuery,
    FromQuery,
    PageQuery,
    RequiredFromQuery,
    RequiredToQuery,
    ToQuery,
)
from slotwise.catalog.schemas import (
    MAX_WEEKLY_ENTRIES,
    HolidayIn,
    HolidayOut,
    HolidayPatch,
    HoursOut,
    LocationIn,
    LocationOut,
    LocationPatch,
    WeeklyEntryIn,
)
from slotwise.catalog.specialist_schemas import WorkingTimeOut
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.repository import Page

router = APIRouter(responses=ERROR_RESPONSES, tags=["locations"])

WeekIn = Annotated[list[WeeklyEntryIn], Body(max_length=MAX_WEEKLY_ENTRIES)]


@router.get("/locations", response_model=Page[LocationOut])
async def list_locations(
    caller: CallerDep, session: SessionDep, page: PageQuery, active: ActiveQuery = None
) -> Page[LocationOut]:
    """The firm's locations with their weekly hours, ordered by name.

    Open to every role of the firm. Holidays are listed at ``/locations/{id}/holidays``.
    """
    return await service.list_locations(session, caller, active=active, page=page)


@router.post("/locations", response_model=LocationOut, status_code=201)
async def create_location(
    body: LocationIn, caller: AdminDep, session: SessionDep, request: Request, response: Response
) -> LocationOut:
    """Create a location, optionally with its weekly hours. Admins only.

    The name is unique in the firm (409 ``location_name_taken``).
    """
    created = await service.create_location(session, caller, body)
    response.headers["Location"] = str(request.url_for("get_location", location_id=created.id))
    return created


@router.get("/locations/{location_id}", response_model=LocationOut)
async def get_location(
    location_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> LocationOut:
    """One location with its weekly hours. Open to every role of the firm."""
    return await service.get_location(session, caller, location_id)


@router.patch("/locations/{location_id}", response_model=LocationOut)
async def update_location(
    location_id: uuid.UUID, body: LocationPatch, caller: AdminDep, session: SessionDep
) -> LocationOut:
    """Change some fields of a location. Admins only.

    Hours are replaced with ``PUT /locations/{id}/hours``.
    """
    return await service.update_location(session, caller, location_id, body)


@router.delete("/locations/{location_id}", status_code=204, response_class=Response)
async def delete_location(
    location_id: uuid.UUID, caller: AdminDep, session: SessionDep
) -> Response:
    """Delete a location with its weekly hours, holidays and the specialist schedule
    entries at it. Admins only.

    A location that appointments or holds refer to cannot be deleted (409
    ``location_in_use``): set ``is_active=false`` to retire it instead, which keeps its
    history. A location that still has workplaces gives 409 ``location_has_workplaces``.
    """
    await service.delete_location(session, caller, location_id)
    return Response(status_code=204)


@router.get("/locations/{location_id}/hours", response_model=list[HoursOut])
async def get_hours(
    location_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> list[HoursOut]:
    """The weekly opening hours, by day (0 = Monday) and start. Open to every role."""
    return await service.get_hours(session, caller, location_id)


@router.put("/locations/{location_id}/hours", response_model=list[HoursOut])
async def replace_hours(
    location_id: uuid.UUID, body: WeekIn, caller: AdminDep, session: SessionDep
) -> list[HoursOut]:
    """Replace the whole week at once (an empty list clears it). Admins only.

    Several intervals on one day make a split day; they may touch but not overlap
    (422 ``overlapping_hours``). Times are wall-clock times in the location's time zone.
    """
    return await service.replace_hours(session, caller, location_id, body)


@router.get("/locations/{location_id}/holidays", response_model=list[HolidayOut])
async def list_holidays(
    location_id: uuid.UUID,
    caller: CallerDep,
    session: SessionDep,
    from_: FromQuery = None,
    to: ToQuery = None,
) -> list[HolidayOut]:
    """The location's holidays by date, optionally between ``from`` and ``to`` (inclusive).

    Open to every role of the firm.
    """
    return await service.list_holidays(session, caller, location_id, start=from_, end=to)


@router.get("/locations/{location_id}/working-time", response_model=WorkingTimeOut)
async def get_working_time(
    location_id: uuid.UUID,
    caller: CallerDep,
    session: SessionDep,
    from_: RequiredFromQuery,
    to: RequiredToQuery,
) -> WorkingTimeOut:
    """When the specialists work at the location from ``from`` to ``to`` (at most 62 days):
    its holidays, each specialist's weekly schedule there and their breaks on those days
    (without the breaks' private reasons), in one read. Staff only: admins get every
    specialist scheduled there, a worker themselves."""
    return await working_time.working_time(session, caller, location_id, from_, to)


@router.post("/locations/{location_id}/holidays", response_model=HolidayOut, status_code=201)
async def create_holiday(
    location_id: uuid.UUID, body: HolidayIn, caller: AdminDep, session: SessionDep
) -> HolidayOut:
    """Add a holiday (one per date: 409 ``holiday_exists``). Admins only."""
    return await service.create_holiday(session, caller, location_id, body)


@router.patch("/locations/{location_id}/holidays/{holiday_id}", response_model=HolidayOut)
async def update_holiday(
    location_id: uuid.UUID,
    holiday_id: uuid.UUID,
    body: HolidayPatch,
    caller: AdminDep,
    session: SessionDep,
) -> HolidayOut:
    """Change a holiday. Admins only."""
    return await service.update_holiday(session, caller, location_id, holiday_id, body)


@router.delete(
    "/locations/{location_id}/holidays/{holiday_id}", status_code=204, response_class=Response
)
async def delete_holiday(
    location_id: uuid.UUID, holiday_id: uuid.UUID, caller: AdminDep, session: SessionDep
) -> Response:
    """Remove a holiday. Admins only."""
    await service.delete_holiday(session, caller, location_id, holiday_id)
    return Response(status_code=204)
