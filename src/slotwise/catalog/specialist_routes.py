"""Routes of specialists, the services they do, their weekly schedules and breaks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from slotwise.auth.dependencies import AdminDep, CallerDep
from slotwise.catalog import specialists
from slotwise.catalog.offer_routes import CREATED_OR_REPLACED
from slotwise.catalog.params import ActiveQuery, FromQuery, PageQuery, ToQuery
from slotwise.catalog.schemas import MAX_WEEKLY_ENTRIES
from slotwise.catalog.specialist_schemas import (
    BreakIn,
    BreakOut,
    BreakPatch,
    ScheduleEntryIn,
    ScheduleEntryOut,
    SpecialistIn,
    SpecialistOut,
    SpecialistPatch,
    SpecialistServiceIn,
    SpecialistServiceOut,
)
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.repository import Page

router = APIRouter(responses=ERROR_RESPONSES, tags=["specialists"])

ScheduleIn = Annotated[list[ScheduleEntryIn], Body(max_length=MAX_WEEKLY_ENTRIES)]


@router.get("/specialists", response_model=Page[SpecialistOut])
async def list_specialists(
    caller: CallerDep, session: SessionDep, page: PageQuery, active: ActiveQuery = None
) -> Page[SpecialistOut]:
    """The firm's specialists ordered by name. Open to every role of the firm."""
    return await specialists.list_specialists(session, caller, active=active, page=page)


@router.post("/specialists", response_model=SpecialistOut, status_code=201)
async def create_specialist(
    body: SpecialistIn, caller: AdminDep, session: SessionDep, request: Request, response: Response
) -> SpecialistOut:
    """Create a specialist. Admins only."""
    created = await specialists.create_specialist(session, caller, body)
    response.headers["Location"] = str(request.url_for("get_specialist", specialist_id=created.id))
    return created


@router.get("/specialists/{specialist_id}", response_model=SpecialistOut)
async def get_specialist(
    specialist_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> SpecialistOut:
    """One specialist. Open to every role of the firm."""
    return await specialists.get_specialist(session, caller, specialist_id)


@router.patch("/specialists/{specialist_id}", response_model=SpecialistOut)
async def update_specialist(
    specialist_id: uuid.UUID, body: SpecialistPatch, caller: AdminDep, session: SessionDep
) -> SpecialistOut:
    """Change a specialist. Admins only."""
    return await specialists.update_specialist(session, caller, specialist_id, body)


@router.delete("/specialists/{specialist_id}", status_code=204, response_class=Response)
async def delete_specialist(
    specialist_id: uuid.UUID, caller: AdminDep, session: SessionDep
) -> Response:
    """Delete a specialist with their services, schedule and breaks. Admins only.

    A specialist assigned to appointments or holds (409 ``specialist_in_use``) or linked to
    a user account (409 ``specialist_linked_to_user``) cannot be deleted: set
    ``is_active=false`` to retire them instead, which keeps their history.
    """
    await specialists.delete_specialist(session, caller, specialist_id)
    return Response(status_code=204)


@router.get("/specialists/{specialist_id}/services", response_model=list[SpecialistServiceOut])
async def list_specialist_services(
    specialist_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> list[SpecialistServiceOut]:
    """The services the specialist does, with custom price/duration where set.

    Open to every role of the firm.
    """
    return await specialists.list_specialist_services(session, caller, specialist_id)


@router.put(
    "/specialists/{specialist_id}/services/{service_id}",
    response_model=SpecialistServiceOut,
    responses=CREATED_OR_REPLACED,
)
async def put_specialist_service(
    specialist_id: uuid.UUID,
    service_id: uuid.UUID,
    caller: AdminDep,
    session: SessionDep,
    response: Response,
    body: SpecialistServiceIn | None = None,
) -> SpecialistServiceOut:
    """The specialist does the service: create (201) or replace (200). Admins only.

    A null (or omitted) custom price or duration means the service's own value.
    """
    out, created = await specialists.put_specialist_service(
        session, caller, specialist_id, service_id, body or SpecialistServiceIn()
    )
    response.status_code = 201 if created else 200
    return out


@router.delete(
    "/specialists/{specialist_id}/services/{service_id}", status_code=204, response_class=Response
)
async def delete_specialist_service(
    specialist_id: uuid.UUID, service_id: uuid.UUID, caller: AdminDep, session: SessionDep
) -> Response:
    """The specialist stops doing the service. Admins only."""
    await specialists.delete_specialist_service(session, caller, specialist_id, service_id)
    return Response(status_code=204)


@router.get("/specialists/{specialist_id}/schedules", response_model=list[ScheduleEntryOut])
async def get_schedule(
    specialist_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> list[ScheduleEntryOut]:
    """The weekly schedule by day (0 = Monday) and start. Open to every role of the firm."""
    return await specialists.get_schedule(session, caller, specialist_id)


@router.put("/specialists/{specialist_id}/schedules", response_model=list[ScheduleEntryOut])
async def replace_schedule(
    specialist_id: uuid.UUID, body: ScheduleIn, caller: AdminDep, session: SessionDep
) -> list[ScheduleEntryOut]:
    """Replace the whole weekly schedule at once (an empty list clears it). Admins only.

    Each entry names a location of the firm (404 ``location_not_found``) and optionally a
    workplace of that same location (404 ``workplace_not_found``, 422
    ``workplace_not_in_location``). Entries of one day may touch but not overlap, across
    locations too (422 ``overlapping_hours``). Times are wall-clock times of the location.
    """
    return await specialists.replace_schedule(session, caller, specialist_id, body)


@router.get("/specialists/{specialist_id}/breaks", response_model=list[BreakOut])
async def list_breaks(
    specialist_id: uuid.UUID,
    caller: CallerDep,
    session: SessionDep,
    from_: FromQuery = None,
    to: ToQuery = None,
) -> list[BreakOut]:
    """The specialist's breaks by date, optionally between ``from`` and ``to`` (inclusive).

    Breaks carry a private reason: admins see every specialist's, a worker only their own,
    anyone else gets 403.
    """
    return await specialists.list_breaks(session, caller, specialist_id, start=from_, end=to)


@router.post("/specialists/{specialist_id}/breaks", response_model=BreakOut, status_code=201)
async def create_break(
    specialist_id: uuid.UUID, body: BreakIn, caller: AdminDep, session: SessionDep
) -> BreakOut:
    """Add a break on a date (wall-clock times of the location). Admins only."""
    return await specialists.create_break(session, caller, specialist_id, body)


@router.patch("/specialists/{specialist_id}/breaks/{break_id}", response_model=BreakOut)
async def update_break(
    specialist_id: uuid.UUID,
    break_id: uuid.UUID,
    body: BreakPatch,
    caller: AdminDep,
    session: SessionDep,
) -> BreakOut:
    """Change a break; the end must stay after the start (422 ``end_before_start``).
    Admins only."""
    return await specialists.update_break(session, caller, specialist_id, break_id, body)


@router.delete(
    "/specialists/{specialist_id}/breaks/{break_id}", status_code=204, response_class=Response
)
async def delete_break(
    specialist_id: uuid.UUID, break_id: uuid.UUID, caller: AdminDep, session: SessionDep
) -> Response:
    """Remove a break. Admins only."""
    await specialists.delete_break(session, caller, specialist_id, break_id)
    return Response(status_code=204)
