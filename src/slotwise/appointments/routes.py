"""HTTP routes for appointments. Writes carry the version in ``ETag`` / ``If-Match``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from slotwise.appointments import service, updates
from slotwise.appointments.preconditions import etag
from slotwise.appointments.present import for_caller
from slotwise.appointments.schemas import (
    AppointmentCreate,
    AppointmentFilters,
    AppointmentFromHold,
    AppointmentOut,
    AppointmentPage,
    AppointmentUpdate,
    Status,
)
from slotwise.deps import AdminDep, CallerDep, SessionDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody, Forbidden
from slotwise.idempotency import IdempotencyKeyHeader, run_idempotent
from slotwise.repository import PageParams

router = APIRouter(tags=["appointments"], responses={
    **ERROR_RESPONSES,
    428: {"model": ErrorBody, "description": "If-Match (or version) missing"},
})

IfMatch = Annotated[str | None, Header(max_length=200,
                                       description='The version you read, e.g. "3"')]


@router.get("/appointments", response_model=AppointmentPage)
async def list_appointments(
    caller: CallerDep,
    session: SessionDep,
    page: Annotated[PageParams, Query()],
    start: Annotated[AwareDatetime | None, Query(
        alias="from", description="Appointments ending after this instant")] = None,
    end: Annotated[AwareDatetime | None, Query(
        alias="to", description="Appointments starting before this instant")] = None,
    location_id: uuid.UUID | None = None,
    specialist_id: Annotated[uuid.UUID | None, Query(
        description="Only appointments this specialist is assigned to")] = None,
    client_id: uuid.UUID | None = None,
    status: Status | None = None,
) -> AppointmentPage:
    """Appointments overlapping [from, to), ordered by start time.

    Staff see the whole firm, a worker the appointments they are assigned to, a client
    their own.
    """
    filters = AppointmentFilters(start=start, end=end, location_id=location_id,
                                 specialist_id=specialist_id, client_id=client_id,
                                 status=status)
    listed = await service.list_appointments(session, caller, filters, page)
    listed.items = [for_caller(item, caller.role) for item in listed.items]
    return listed


@router.post("/appointments", response_model=AppointmentOut, status_code=201,
             responses={410: {"model": ErrorBody, "description": "The hold expired"}})
async def create_appointment(body: AppointmentFromHold | AppointmentCreate, caller: CallerDep,
                             session: SessionDep, request: Request, response: Response,
                             idempotency_key: IdempotencyKeyHeader = None,
                             ) -> AppointmentOut | JSONResponse:
    """Book an appointment: confirm a hold, or (staff) book a time and workers directly.

    With `hold_id` (clients and staff): the appointment takes the hold's time, specialist,
    workplace and service, atomically, and the hold is consumed. Another user's hold: 403
    `hold_not_yours`; an expired one: 410 `hold_expired`; a slot that stopped being valid
    (hours or schedules changed): 409 `slot_unavailable`.

    Directly (staff only): each service's price and duration is the price sent > the
    workplace's override > the first worker's custom terms > the service's own; without
    `end_at` the appointment lasts the sum of the durations. Overlapping another booking of a
    worker or the workplace: 409 `slot_taken`.
    """
    async def act() -> AppointmentOut:
        if isinstance(body, AppointmentFromHold):
            return for_caller(await service.confirm(session, caller, body), caller.role)
        if not caller.is_admin:
            raise Forbidden("Only staff book directly; clients confirm a hold (hold_id)")
        return await service.create_appointment(session, caller, body)

    result = await run_idempotent(session, user_id=caller.user_id, key=idempotency_key,
                                  endpoint="POST /appointments", body=body, status_code=201,
                                  action=act)
    if isinstance(result, AppointmentOut):
        response.headers["ETag"] = etag(result.version)
        response.headers["Location"] = str(request.url_for("get_appointment",
                                                            appointment_id=result.id))
    return result


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut)
async def get_appointment(appointment_id: uuid.UUID, caller: CallerDep, session: SessionDep,
                          response: Response) -> AppointmentOut:
    """One appointment; its ``ETag`` is the version to send back in ``If-Match``."""
    appointment = for_caller(await service.get_appointment(session, caller, appointment_id),
                             caller.role)
    response.headers["ETag"] = etag(appointment.version)
    return appointment


@router.patch("/appointments/{appointment_id}", response_model=AppointmentOut)
async def update_appointment(appointment_id: uuid.UUID, body: AppointmentUpdate,
                             caller: CallerDep, session: SessionDep, response: Response,
                             if_match: IfMatch = None) -> AppointmentOut:
    """Change an appointment; requires ``If-Match: "<version>"`` or a ``version`` field.

    Without either: 428 ``precondition_required``; with a stale one: 412 ``version_mismatch``
    and nothing changes. Staff may change every field (``worker_ids`` and ``services``
    replace the sets). A worker may only open and close appointments they are assigned to
    (``is_open``, ``opened_at``, ``closed_at``; other fields: 403 ``forbidden_field``);
    opening without ``opened_at`` stamps it now, closing stamps ``closed_at``. Clients: 403.
    """
    appointment = await updates.update_appointment(session, caller, appointment_id, body,
                                                   if_match)
    response.headers["ETag"] = etag(appointment.version)
    return for_caller(appointment, caller.role)


@router.delete("/appointments/{appointment_id}", status_code=204, response_class=Response)
async def delete_appointment(appointment_id: uuid.UUID, caller: AdminDep, session: SessionDep,
                             if_match: IfMatch = None) -> Response:
    """Delete an appointment (staff only); an ``If-Match`` sent is checked (412 if stale).

    An appointment that wallet transactions refer to is kept: 409
    ``appointment_referenced`` (money history is never lost); cancel it instead.
    """
    await service.delete_appointment(session, caller, appointment_id, if_match)
    return Response(status_code=204)
