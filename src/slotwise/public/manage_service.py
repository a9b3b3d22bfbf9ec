"""What the holder of a manage link may do with its appointment: see it, cancel or move it
until the firm's deadline, add it to a calendar, get its messages as Web Push.

Every change goes through the appointments package's own write path as the appointment's
client (``updates.update_appointment`` with the client's rules: ``client_rules``), so the
deadline, the slot checks, the events and the change and cancellation messages are exactly
those of a logged-in client's change. Refusals name nothing of other bookings.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import repository, updates
from slotwise.appointments.client_view import change_terms, client_view
from slotwise.appointments.ics import appointment_calendar, file_name
from slotwise.appointments.present import present_one
from slotwise.appointments.repository import Scope
from slotwise.appointments.schemas import AppointmentUpdate
from slotwise.auth.caller import Caller, Role
from slotwise.availability.errors import SlotUnavailable
from slotwise.availability.service import get_availability
from slotwise.booking.errors import SlotTaken
from slotwise.db import settings_of
from slotwise.manage_links import ManageLinkInvalid, manage_url, read_manage_token
from slotwise.models import Firm, PushSubscription
from slotwise.notifications import subscriptions
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.planning import Policy, plan_for_new_browser
from slotwise.notifications.schemas import PushSubscriptionIn
from slotwise.public import manage_repository
from slotwise.public.firms import public_firm
from slotwise.public.manage_schemas import (
    ManageOut,
    ManageSlotOut,
    ManageSlotsOut,
    ManageSlotSpecialistOut,
    MoveIn,
)
from slotwise.records import AppointmentOut


@dataclass(frozen=True)
class Link:
    """A manage link as presented: the firm it was opened at and its token."""

    slug: str
    token: str
    secret: str


@dataclass(frozen=True)
class Managed:
    firm: Firm
    appointment: AppointmentOut
    client_id: uuid.UUID


async def open_link(session: AsyncSession, link: Link, now: dt.datetime | None = None) -> Managed:
    """The appointment the link names. An unknown firm (or one that turned its page off)
    is 404 ``booking_page_not_found``; a token that is not ours, of another firm, of an
    appointment that is gone or is someone else's now is 404 ``manage_link_invalid``; an
    expired one 410 ``manage_link_expired``."""
    firm = await public_firm(session, link.slug)
    claims = read_manage_token(link.token, secret=link.secret, now=now)
    if claims.firm_id != firm.id:
        raise ManageLinkInvalid()
    row = await repository.get_visible(session, Scope(firm.id), claims.appointment_id)
    if row is None or row.client_id is None:
        raise ManageLinkInvalid("The appointment of this link no longer exists")
    if claims.client_id is not None and row.client_id != claims.client_id:
        raise ManageLinkInvalid()
    return Managed(firm, await present_one(session, firm.id, row), row.client_id)


async def overview(
    session: AsyncSession, managed: Managed, now: dt.datetime | None = None
) -> ManageOut:
    terms = change_terms(managed.appointment, managed.firm, now or dt.datetime.now(dt.UTC))
    return ManageOut(
        appointment=await client_view(session, managed.firm.id, managed.appointment),
        can_change=terms.can_change,
        change_deadline=terms.change_deadline,
    )


async def _as_client(session: AsyncSession, managed: Managed) -> Caller:
    """The appointment's client as the caller of the change: its login when it has one,
    otherwise the client itself (the event's actor; clients never see actors)."""
    firm_id, client_id = managed.firm.id, managed.client_id
    client = await manage_repository.client_of(session, firm_id, client_id)
    assert client is not None  # the appointment's client, by a firm-scoped foreign key
    login = await manage_repository.client_login(session, firm_id, client_id)
    return Caller(
        user_id=login or client_id,
        firm_id=firm_id,
        role=Role.CLIENT,
        specialist_id=None,
        client_id=client_id,
        email=client.email or "",
        full_name=f"{client.first_name} {client.last_name}".strip(),
    )


async def _change(session: AsyncSession, managed: Managed, update: AppointmentUpdate) -> ManageOut:
    caller = await _as_client(session, managed)
    try:
        after = await updates.update_appointment(
            session, caller, managed.appointment.id, update, if_match=None
        )
    except SlotTaken:
        # Without the claims in the way: they are other people's bookings.
        raise SlotTaken() from None
    except SlotUnavailable as unavailable:
        raise SlotUnavailable(unavailable.message) from None
    return await overview(session, Managed(managed.firm, after, managed.client_id))


async def cancel(session: AsyncSession, managed: Managed) -> ManageOut:
    """As a client's ``PATCH {"status": "cancelled"}``: 409 ``change_deadline_passed`` after
    the deadline, ``appointment_not_scheduled`` when it is not scheduled (cancelling again
    included)."""
    update = AppointmentUpdate(status="cancelled", version=managed.appointment.version)
    return await _change(session, managed, update)


async def move(session: AsyncSession, managed: Managed, data: MoveIn) -> ManageOut:
    """As a client's ``PATCH {"start_at"}``: a free slot of the same specialist, before the
    deadline."""
    workers = managed.appointment.workers
    if data.specialist_id is not None and (not workers or workers[0].id != data.specialist_id):
        raise SlotUnavailable("A move keeps the appointment's specialist")
    update = AppointmentUpdate(start_at=data.start_at, version=managed.appointment.version)
    return await _change(session, managed, update)


async def slots(
    session: AsyncSession, managed: Managed, day: dt.date, now: dt.datetime | None = None
) -> ManageSlotsOut:
    """The free starts of the appointment's service and specialist at its location on one
    local day: where it can be moved (none once it can no longer be changed)."""
    appointment = managed.appointment
    view = await client_view(session, managed.firm.id, appointment)
    now = now or dt.datetime.now(dt.UTC)
    if (
        not change_terms(appointment, managed.firm, now).can_change
        or not appointment.services
        or not appointment.workers
    ):
        return ManageSlotsOut(time_zone=view.time_zone, date=day, slots=[])
    found = await get_availability(
        session,
        managed.firm.id,
        service_id=appointment.services[0].id,
        location_id=appointment.location_id,
        first=day,
        last=day,
        specialist_id=appointment.workers[0].id,
        now=now,
        ignore_appointment_id=appointment.id,
    )
    # A move keeps the appointment's workplace: only the starts where it is free.
    workplace = appointment.workplace_id
    offered = [
        (slot, offers)
        for slot in found.slots
        if (
            offers := [
                offer
                for offer in slot.offers
                if workplace is None or not offer.workplace_ids or workplace in offer.workplace_ids
            ]
        )
    ]
    tz = ZoneInfo(found.time_zone)
    return ManageSlotsOut(
        time_zone=found.time_zone,
        date=day,
        slots=[
            ManageSlotOut(
                start=slot.start.astimezone(dt.UTC),
                end=slot.end.astimezone(dt.UTC),
                start_local=slot.start.astimezone(tz),
                end_local=slot.end.astimezone(tz),
                specialists=[
                    ManageSlotSpecialistOut(id=offer.specialist_id, name=offer.specialist_name)
                    for offer in offers
                ],
            )
            for slot, offers in offered
        ],
    )


async def calendar(
    session: AsyncSession, managed: Managed, link: Link, base_url: str
) -> tuple[bytes, str]:
    """The ``.ics``, with the manage link in it (the holder's own calendar)."""
    view = await client_view(session, managed.firm.id, managed.appointment)
    ics = appointment_calendar(
        view,
        firm_name=managed.firm.name,
        version=managed.appointment.version,
        updated_at=managed.appointment.updated_at,
        url=manage_url(base_url, managed.firm.slug, link.token),
    )
    return ics, file_name(view)


async def subscribe_push(
    session: AsyncSession,
    managed: Managed,
    data: PushSubscriptionIn,
    settings: ChannelSettings,
) -> PushSubscription:
    """This browser gets the client's messages as Web Push from now on (a copy of each one
    sent on another channel, see ``notifications.delivery``), starting with this booking's
    confirmation, which went out before the browser asked."""
    row = await subscriptions.subscribe_client(
        session, managed.firm.id, managed.client_id, data, settings
    )
    await plan_for_new_browser(
        session,
        managed.firm.id,
        managed.appointment,
        row.id,
        now=dt.datetime.now(dt.UTC),
        policy=Policy.from_settings(settings_of(session)),
    )
    return row
