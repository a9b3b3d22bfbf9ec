"""HTTP routes for appointments. Writes carry the version in ``ETag`` / ``If-Match``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from slotwise.appointments import mine, service, updates
from slotwise.appointments.client_view import MyAppointmentPage
from slotwise.appointments.ics import MEDIA_TYPE
from slotwise.appointments.preconditions import etag
from slotwise.appointments.present import for_caller
from slotwise.appointments.schemas import (
    AppointmentFilters,
    AppointmentFromHold,
    AppointmentPage,
    AppointmentRequest,
    AppointmentUpdate,
    Status,
)
from slotwise.auth.dependencies import AdminDep, CallerDep
from slotwise.availability.bounds import DayOrInstant
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody, Forbidden
from slotwise.idempotency import IdempotencyKeyHeader, run_idempotent
from slotwise.records import AppointmentOut
from slotwise.repository import PageParams

router = APIRouter(
    tags=["appointments"],
    responses={
        **ERROR_RESPONSES,
        428: {"model": ErrorBody, "description": "If-Match (or version) missing"},
    },
)

IfMatch = Annotated[
    str | None, Header(max_length=200, description='The version you read, e.g. "3"')
]


@router.get("/appointments", response_model=AppointmentPage)
async def list_appointments(
    caller: CallerDep,
    session: SessionDep,
    page: Annotated[PageParams, Query()],
    start: Annotated[
        DayOrInstant | None,
        Query(
            alias="from",
            description="Appointments ending after this instant; a plain date "
            "(2030-01-07) is the start of that day in the firm's time zone",
        ),
    ] = None,
    end: Annotated[
        DayOrInstant | None,
        Query(
            alias="to",
            description="Appointments starting before this instant; a plain date "
            "includes that whole day (up to the start of the next one, in the firm's time "
            "zone)",
        ),
    ] = None,
    location_id: uuid.UUID | None = None,
    specialist_id: Annotated[
        uuid.UUID | None, Query(description="Only appointments this specialist is assigned to")
    ] = None,
    client_id: uuid.UUID | None = None,
    status: Status | None = None,
) -> AppointmentPage:
    """Appointments overlapping [from, to), ordered by start time.

    `from` and `to` are read as in `GET /availability`: `from=2030-01-07&to=2030-01-07` is
    that day. Staff see the whole firm, a worker the appointments they are assigned to, a
    client their own.
    """
    filters = AppointmentFilters(
        location_id=location_id, specialist_id=specialist_id, client_id=client_id, status=status
    )
    listed = await service.list_appointments(session, caller, filters, page, start=start, end=end)
    listed.items = [for_caller(item, caller) for item in listed.items]
    return listed


@router.post(
    "/appointments",
    response_model=AppointmentOut,
    status_code=201,
    responses={
        200: {
            "model": AppointmentOut,
            "description": "You had confirmed this hold already: the appointment it became",
        },
        410: {"model": ErrorBody, "description": "The hold expired"},
    },
)
async def create_appointment(
    body: AppointmentRequest,
    caller: CallerDep,
    session: SessionDep,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Book an appointment: confirm a hold, or (staff) book a time and workers directly.

    With `hold_id` (clients and staff): the appointment takes the hold's time, specialist,
    workplace and service, atomically, and the hold is consumed (the appointment's
    `external_id` is the hold's id, source `booking`). Confirming again a hold you confirmed
    (a retry after a lost response) answers 200 with that appointment. Another user's hold:
    403 `hold_not_yours`; an expired one: 410 `hold_expired`; a slot that stopped being
    valid (hours or schedules changed): 409 `slot_unavailable`.

    Directly (staff only): each service's price and duration is the price sent > the
    workplace's override > the first worker's custom terms > the service's own; without
    `end_at` the appointment lasts the sum of the durations. Overlapping another booking of a
    worker or the workplace: 409 `slot_taken`.

    Responses carry the `ETag` and the `Location` of the appointment, replays of an
    `Idempotency-Key` too.
    """

    async def act() -> tuple[int, AppointmentOut]:
        if isinstance(body, AppointmentFromHold):
            out, created = await service.confirm(session, caller, body)
            return (201 if created else 200), for_caller(out, caller)
        if not caller.is_admin:
            raise Forbidden("Only staff book directly; clients confirm a hold (hold_id)")
        return 201, await service.create_appointment(session, caller, body)

    def headers(answer: dict[str, Any]) -> dict[str, str]:
        location = request.url_for("get_appointment", appointment_id=answer["id"])
        return {"ETag": etag(answer["version"]), "Location": str(location)}

    return await run_idempotent(
        session,
        user_id=caller.user_id,
        key=idempotency_key,
        endpoint="POST /appointments",
        body=body,
        action=act,
        headers=headers,
    )


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut)
async def get_appointment(
    appointment_id: uuid.UUID, caller: CallerDep, session: SessionDep, response: Response
) -> AppointmentOut:
    """One appointment; its ``ETag`` is the version to send back in ``If-Match``."""
    appointment = for_caller(await service.get_appointment(session, caller, appointment_id), caller)
    response.headers["ETag"] = etag(appointment.version)
    return appointment


@router.patch("/appointments/{appointment_id}", response_model=AppointmentOut)
async def update_appointment(
    appointment_id: uuid.UUID,
    body: AppointmentUpdate,
    caller: CallerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> AppointmentOut:
    """Change an appointment; requires ``If-Match: "<version>"`` or a ``version`` field.

    Without either: 428 ``precondition_required``; with a stale one: 412 ``version_mismatch``
    and nothing changes. Staff may change every field (``worker_ids`` and ``services``
    replace the sets). A worker may only open and close appointments they are assigned to
    (``is_open``, ``opened_at``, ``closed_at``; other fields: 403 ``forbidden_field``);
    opening without ``opened_at`` stamps it now, closing stamps ``closed_at``. A client may
    cancel (``status: cancelled``) or move (``start_at``, a free slot of the same specialist)
    their own appointment until the firm's deadline (409 ``change_deadline_passed``); other
    fields: 403 ``forbidden_field``.
    """
    appointment = await updates.update_appointment(session, caller, appointment_id, body, if_match)
    response.headers["ETag"] = etag(appointment.version)
    return for_caller(appointment, caller)


@router.delete("/appointments/{appointment_id}", status_code=204, response_class=Response)
async def delete_appointment(
    appointment_id: uuid.UUID, caller: AdminDep, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete an appointment (staff only); an ``If-Match`` sent is checked (412 if stale).

    An appointment that wallet transactions refer to is kept: 409
    ``appointment_referenced`` (money history is never lost); cancel it instead.
    """
    await service.delete_appointment(session, caller, appointment_id, if_match)
    return Response(status_code=204)


@router.get(
    "/appointments/{appointment_id}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "An iCalendar file"}},
)
async def appointment_calendar(
    appointment_id: uuid.UUID, caller: CallerDep, session: SessionDep
) -> Response:
    """The appointment as an iCalendar file ("Add to calendar"), for anyone who may see it;
    its UID is the appointment's id, so importing it again updates the entry."""
    ics, name = await mine.calendar_file(session, caller, appointment_id)
    return Response(
        ics,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/me/appointments", response_model=MyAppointmentPage)
async def my_appointments(
    caller: CallerDep,
    session: SessionDep,
    page: Annotated[PageParams, Query()],
    when: Annotated[
        mine.When, Query(description="upcoming: not yet ended, soonest first; past: latest first")
    ] = "upcoming",
) -> MyAppointmentPage:
    """A logged-in client's own appointments: place, service and price, specialists, status,
    and whether they may still be changed (`can_change`, until `change_deadline`). Cancel
    with `PATCH /appointments/{id} {"status": "cancelled"}`, move with `{"start_at"}` (a free
    slot of `GET /availability` for the same specialist), sending `version` as `If-Match`.
    Staff have no appointments of their own here: an empty list."""
    return await mine.my_appointments(session, caller, when, page)
