"""The manage link's endpoints: ``/public/{firm_slug}/manage...``, no login; the link's token
comes in the ``X-Manage-Token`` header (the page reads it from the URL fragment)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import AfterValidator

from slotwise.appointments.ics import MEDIA_TYPE
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES, ErrorBody
from slotwise.notifications import subscriptions
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.schemas import PushSubscriptionIn
from slotwise.public import manage_service
from slotwise.public.manage_schemas import ManageOut, ManagePushOut, ManageSlotsOut, MoveIn
from slotwise.public.manage_service import Link, Managed
from slotwise.public.throttle import RATE_LIMITED_RESPONSE, limit_public_requests
from slotwise.state import secret_key_of, settings_of
from slotwise.types import Date, plausible_year

# The address is the same for every link (the token is a header): no cache may keep one
# holder's appointment for the next.
PRIVATE = {"Cache-Control": "no-store", "Vary": "X-Manage-Token"}


async def _private(response: Response) -> None:
    response.headers.update(PRIVATE)


router = APIRouter(
    prefix="/public/{firm_slug}/manage",
    dependencies=[Depends(limit_public_requests), Depends(_private)],
    tags=["public booking"],
    responses={
        **ERROR_RESPONSES,
        410: {"model": ErrorBody, "description": "The manage link expired"},
        429: RATE_LIMITED_RESPONSE,
    },
)

ManageToken = Annotated[
    str,
    Header(
        alias="X-Manage-Token",
        min_length=1,
        max_length=2000,
        description="The token of the manage link (after `#` in its URL)",
    ),
]


async def _link(firm_slug: str, request: Request, token: ManageToken) -> Link:
    return Link(firm_slug, token, secret_key_of(request.app))


LinkDep = Annotated[Link, Depends(_link)]
ChannelSettingsDep = Annotated[ChannelSettings, Depends(subscriptions.channel_settings)]


async def _managed(link: LinkDep, session: SessionDep) -> Managed:
    return await manage_service.open_link(session, link)


ManagedDep = Annotated[Managed, Depends(_managed)]


@router.get("", response_model=ManageOut)
async def manage_overview(managed: ManagedDep, session: SessionDep) -> ManageOut:
    """The appointment of the link, and whether it may still be cancelled or moved.

    A token that is not genuine, of another firm, or of an appointment that is gone or now
    someone else's: 404 `manage_link_invalid`; an expired one: 410 `manage_link_expired`.
    """
    return await manage_service.overview(session, managed)


@router.post("/cancel", response_model=ManageOut)
async def manage_cancel(managed: ManagedDep, session: SessionDep) -> ManageOut:
    """Cancel the appointment (the firm's client rules apply: after the deadline 409
    `change_deadline_passed`; not scheduled: 409 `appointment_not_scheduled`). The client
    gets the cancellation message, the staff see the change live."""
    return await manage_service.cancel(session, managed)


@router.post("/move", response_model=ManageOut)
async def manage_move(managed: ManagedDep, body: MoveIn, session: SessionDep) -> ManageOut:
    """Move the appointment to another free start of its specialist (from
    `GET /manage/availability/slots`), until the deadline. Taken meanwhile: 409 `slot_taken`
    (nothing about the booking in the way); not offered: 409 `slot_unavailable`."""
    return await manage_service.move(session, managed, body)


@router.get("/availability/slots", response_model=ManageSlotsOut)
async def manage_slots(
    managed: ManagedDep,
    session: SessionDep,
    date: Annotated[
        Date,
        AfterValidator(plausible_year),
        Query(description="A local date of the appointment's location"),
    ],
) -> ManageSlotsOut:
    """Where the appointment can be moved on a day: the free starts of its service and
    specialist at its location (none once it can no longer be changed)."""
    return await manage_service.slots(session, managed, date)


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "An iCalendar file"}},
)
async def manage_calendar(
    managed: ManagedDep, link: LinkDep, session: SessionDep, request: Request
) -> Response:
    """The appointment as an iCalendar file, with the manage link in it."""
    base = settings_of(request.app).resolved_public_base_url()
    ics, name = await manage_service.calendar(session, managed, link, base)
    return Response(
        ics,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"', **PRIVATE},
    )


@router.post("/push-subscriptions", response_model=ManagePushOut, status_code=201)
async def manage_push_subscription(
    managed: ManagedDep,
    body: PushSubscriptionIn,
    session: SessionDep,
    settings: ChannelSettingsDep,
) -> ManagePushOut:
    """Get this appointment's client's messages (confirmation, change, cancellation,
    reminders) in this browser by Web Push: the body is `PushSubscription.toJSON()`. The
    endpoint must be an https URL of a public internet host (422 `invalid_endpoint` /
    `endpoint_not_allowed`); one registered by someone else: 409 `endpoint_in_use`."""
    row = await manage_service.subscribe_push(session, managed, body, settings)
    return ManagePushOut(id=row.id, created_at=row.created_at)
