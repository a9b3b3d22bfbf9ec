"""The availability route."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from slotwise.auth.dependencies import CallerDep
from slotwise.availability import present, service
from slotwise.availability.schemas import AvailabilityOut, AvailabilityParams
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES

router = APIRouter(responses=ERROR_RESPONSES, tags=["availability"])


@router.get("/availability", response_model=AvailabilityOut)
async def get_availability(
    params: Annotated[AvailabilityParams, Query()], caller: CallerDep, session: SessionDep
) -> Response:
    """Free slots of a service at a location, for one specialist or any.

    Open to every role of the firm. ``from``/``to`` are local dates of the location
    (inclusive: ``from=2030-01-07&to=2030-01-07`` is that day) or instants with offset
    (slots starting at or after ``from`` and before ``to``), as in ``GET /appointments``;
    at most 62 days (422 ``range_too_long``); ``to`` before ``from``: 422
    ``invalid_range``; years outside 1900-2999: 422 ``validation_error``. Every wall-clock
    rule is evaluated in the location's time zone: on a DST change day no slot starts at a
    time that does not exist, and a repeated hour is offered once (its first occurrence).
    Slots with the same start and end are one entry listing every specialist (by name) and
    the free workplaces each could use.

    Ids of another firm: 404. An inactive service or location: 409 ``service_inactive`` /
    ``location_inactive``; a named specialist who is inactive or does not offer the service:
    409 ``specialist_inactive`` / ``service_not_offered``.
    """
    result = await service.get_availability(
        session,
        caller.firm_id,
        service_id=params.service_id,
        location_id=params.location_id,
        first=params.first,
        last=params.last,
        specialist_id=params.specialist_id,
    )
    # Written directly (see ``present``); the response model documents the same shape.
    return Response(present.render(result), media_type="application/json")
