"""Holds: a slot reserved for a short time (per firm, default 120 s) before it is confirmed.

A hold claims its time like an appointment does, so a second client asking for an overlapping
slot gets ``409 slot_taken`` at once. Once ``expires_at`` passes it stops blocking immediately:
availability ignores it and the next claim in its way frees its time; the row itself stays
(confirming it says ``hold_expired``) until the cleanup job deletes it after a grace.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import Caller
from slotwise.availability.errors import SlotUnavailable
from slotwise.availability.service import check_slot
from slotwise.booking import claims
from slotwise.booking.errors import HoldNotFound, SlotTaken
from slotwise.booking.schemas import HoldCreate
from slotwise.errors import Forbidden
from slotwise.models import Client, Firm, Hold, Location
from slotwise.repository import get_in_firm


async def lock_location_if_limited(session: AsyncSession, location: Location) -> None:
    """Capacity (concurrent appointments at a location) cannot be an exclusion constraint, so
    bookings at a location with a capacity take turns under a transaction-scoped lock."""
    if location.capacity is not None:
        await session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(str(location.id), 0)))
        )


async def explain_unavailable(
    session: AsyncSession,
    firm_id: uuid.UUID,
    unavailable: SlotUnavailable,
    now: datetime,
    *,
    moving_appointment_id: uuid.UUID | None = None,
) -> SlotTaken | SlotUnavailable:
    """409 ``slot_taken`` naming the bookings in the way when only other bookings' claims
    keep the slot from every option that could take it; otherwise ``unavailable`` as it is
    (hours, schedules, notice, capacity...)."""
    if not unavailable.blocked:
        return unavailable
    # Each option's own claim range (its duration and buffers), as claiming it would have
    # asked for.
    return claims.slot_taken(
        await claims.in_the_way(
            session, firm_id, unavailable.blocked, now, exclude_appointment_id=moving_appointment_id
        )
    )


async def create_hold(
    session: AsyncSession, caller: Caller, data: HoldCreate, now: datetime
) -> Hold:
    firm_id = caller.firm_id
    if caller.is_client:
        if data.client_id not in (None, caller.client_id):
            raise Forbidden("A client holds slots only for themselves")
        client_id = caller.client_id
    elif caller.is_admin:
        client_id = data.client_id
        if client_id is not None:
            await get_in_firm(session, Client, firm_id, client_id)
    else:
        raise Forbidden("Workers cannot hold slots")
    location = await get_in_firm(session, Location, firm_id, data.location_id)
    await lock_location_if_limited(session, location)
    try:
        choice = await check_slot(
            session,
            firm_id,
            service_id=data.service_id,
            location_id=data.location_id,
            start_at=data.start_at,
            specialist_id=data.specialist_id,
            workplace_id=data.workplace_id,
            now=now,
        )
    except SlotUnavailable as unavailable:
        raise await explain_unavailable(session, firm_id, unavailable, now) from None
    firm = await session.get(Firm, firm_id)
    assert firm is not None
    hold = Hold(
        firm_id=firm_id,
        user_id=caller.user_id,
        location_id=data.location_id,
        workplace_id=choice.workplace_id,
        specialist_id=choice.specialist_id,
        service_id=data.service_id,
        client_id=client_id,
        start_at=choice.start,
        end_at=choice.end,
        expires_at=now + timedelta(seconds=firm.hold_ttl_seconds),
    )
    session.add(hold)
    await session.flush()
    span = claims.ClaimSpan(
        firm_id,
        [choice.specialist_id],
        choice.workplace_id,
        choice.claim_start,
        choice.claim_end,
        hold_id=hold.id,
    )
    await claims.claim(session, span, now)
    return hold


async def find_visible_hold(
    session: AsyncSession, caller: Caller, hold_id: uuid.UUID, *, lock: bool = False
) -> Hold | None:
    """A hold the caller may see: staff see the firm's, others only their own."""
    stmt = select(Hold).where(Hold.id == hold_id, Hold.firm_id == caller.firm_id)
    if not caller.is_admin:
        stmt = stmt.where(Hold.user_id == caller.user_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def visible_hold(
    session: AsyncSession, caller: Caller, hold_id: uuid.UUID, *, lock: bool = False
) -> Hold:
    hold = await find_visible_hold(session, caller, hold_id, lock=lock)
    if hold is None:
        raise HoldNotFound(f"No hold with id {hold_id}")
    return hold


async def release_hold(session: AsyncSession, caller: Caller, hold_id: uuid.UUID) -> None:
    hold = await visible_hold(session, caller, hold_id, lock=True)
    await session.delete(hold)  # its claims go with it (ON DELETE CASCADE)
    await session.flush()
