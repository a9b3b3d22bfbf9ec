"""Confirming a hold, the booking side: the hold gives way to the slot it held.

``take_hold`` checks the hold, deletes it (its claims go with it) and checks its slot again,
because hours, schedules or the service may have changed since it was held; what it hands
back is the slot to book, which ``appointments`` inserts in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.availability.errors import SlotUnavailable
from slotwise.availability.service import SlotChoice, check_slot
from slotwise.booking.errors import HoldExpired, HoldNotFound, HoldNotYours, SlotTaken
from slotwise.booking.holds import (
    Holder,
    explain_unavailable,
    find_visible_hold,
    lock_location_if_limited,
)
from slotwise.errors import Forbidden
from slotwise.models import Client, Location
from slotwise.repository import get_in_firm


@dataclass(frozen=True)
class HeldSlot:
    """What a confirmed hold books: its slot (specialist, workplace, times, as checked just
    now), service and client at its location."""

    hold_id: uuid.UUID
    location_id: uuid.UUID
    service_id: uuid.UUID
    client_id: uuid.UUID | None
    choice: SlotChoice


async def take_hold(
    session: AsyncSession,
    holder: Holder,
    hold_id: uuid.UUID,
    *,
    client_id: uuid.UUID | None,
    now: datetime,
) -> HeldSlot:
    """Consumes the holder's hold and answers the slot it held, still free.

    ``client_id``: staff (and the public page, for the client it verified) may name the
    client when the hold names none. Raises 404 ``hold_not_found`` when the holder has no
    such hold (any more: the hold is locked first, so a concurrent confirmation of it has
    committed by then), 403 ``hold_not_yours``, 410 ``hold_expired``, and 409
    ``slot_taken``/``slot_unavailable`` when the slot is gone.
    """
    firm_id = holder.firm_id
    hold = await find_visible_hold(session, holder, hold_id, lock=True)
    if hold is None:
        raise HoldNotFound(f"No hold with id {hold_id}")
    if hold.user_id != holder.user_id:
        raise HoldNotYours()
    if hold.expires_at <= now:
        raise HoldExpired(f"The hold expired at {hold.expires_at.isoformat()}")
    booked_client_id = hold.client_id
    if client_id is not None and client_id != booked_client_id:
        if not holder.names_client or booked_client_id is not None:
            raise Forbidden("The hold's client cannot be changed when confirming")
        await get_in_firm(session, Client, firm_id, client_id)
        booked_client_id = client_id

    location = await get_in_firm(session, Location, firm_id, hold.location_id)
    await lock_location_if_limited(session, location)
    service_id, specialist_id, workplace_id = hold.service_id, hold.specialist_id, hold.workplace_id
    start_at, held_at = hold.start_at, hold.created_at
    await session.delete(hold)
    await session.flush()
    try:
        choice = await check_slot(
            session,
            firm_id,
            service_id=service_id,
            location_id=location.id,
            start_at=start_at,
            specialist_id=specialist_id,
            workplace_id=workplace_id,
            now=now,
            notice_from=held_at,
        )
    except SlotUnavailable as unavailable:
        explained = await explain_unavailable(session, firm_id, unavailable, now)
        if isinstance(explained, SlotTaken):
            raise explained from None
        raise SlotUnavailable(
            f"The held slot is no longer available: {unavailable.message}"
        ) from None
    return HeldSlot(hold_id, location.id, service_id, booked_client_id, choice)
