"""Holds: a slot reserved for a short time (per firm, default 120 s) before it is confirmed.

A hold claims its time like an appointment does, so a second client asking for an overlapping
slot gets ``409 slot_taken`` at once. Once ``expires_at`` passes it stops blocking immediately:
availability ignores it and the next claim in its way frees its time; the row itself stays
(confirming it says ``hold_expired``) until the cleanup job deletes it after a grace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Holder:
    """Whose holds a request may place, see and consume: a logged-in user's (staff see the
    whole firm's), or a guest's, known only by the hash of the token they were given.

    ``client_id``: the client record a hold is for (a client's own; a staff hold names
    one or none). ``names_client``: the holder may name the client when confirming a hold
    that has none (staff, and the public booking page for the client it verified)."""

    firm_id: uuid.UUID
    user_id: uuid.UUID | None
    client_id: uuid.UUID | None = None
    guest_token_hash: str | None = None
    sees_firm: bool = False
    names_client: bool = False

    @classmethod
    def of(cls, caller: Caller) -> Holder:
        return cls(
            caller.firm_id,
            caller.user_id,
            caller.client_id if caller.is_client else None,
            sees_firm=caller.is_admin,
            names_client=caller.is_admin,
        )

    @classmethod
    def guest(cls, firm_id: uuid.UUID, token_hash: str) -> Holder:
        return cls(firm_id, None, guest_token_hash=token_hash, names_client=True)


async def place_hold(
    session: AsyncSession, firm: Firm, data: HoldCreate, holder: Holder, now: datetime
) -> Hold:
    """The one way a hold is made (staff, clients, guests of the public page): checks the
    slot with the availability engine, writes the hold for ``firm.hold_ttl_seconds`` and
    claims its time (409 ``slot_taken`` naming what is in the way, or ``slot_unavailable``).
    ``data.client_id`` is the client the hold is for, already checked by the caller."""
    location = await get_in_firm(session, Location, firm.id, data.location_id)
    await lock_location_if_limited(session, location)
    try:
        choice = await check_slot(
            session,
            firm.id,
            service_id=data.service_id,
            location_id=data.location_id,
            start_at=data.start_at,
            specialist_id=data.specialist_id,
            workplace_id=data.workplace_id,
            now=now,
        )
    except SlotUnavailable as unavailable:
        raise await explain_unavailable(session, firm.id, unavailable, now) from None
    hold = Hold(
        firm_id=firm.id,
        user_id=holder.user_id,
        guest_token_hash=holder.guest_token_hash,
        location_id=data.location_id,
        workplace_id=choice.workplace_id,
        specialist_id=choice.specialist_id,
        service_id=data.service_id,
        client_id=data.client_id,
        start_at=choice.start,
        end_at=choice.end,
        expires_at=now + timedelta(seconds=firm.hold_ttl_seconds),
    )
    session.add(hold)
    await session.flush()
    span = claims.ClaimSpan(
        firm.id,
        [choice.specialist_id],
        choice.workplace_id,
        choice.claim_start,
        choice.claim_end,
        hold_id=hold.id,
    )
    await claims.claim(session, span, now)
    return hold


async def create_hold(
    session: AsyncSession, caller: Caller, data: HoldCreate, now: datetime
) -> Hold:
    """A hold through the staff API: clients hold for themselves, staff for any client."""
    firm_id = caller.firm_id
    if caller.is_client:
        if data.client_id not in (None, caller.client_id):
            raise Forbidden("A client holds slots only for themselves")
        data = data.model_copy(update={"client_id": caller.client_id})
    elif caller.is_admin:
        if data.client_id is not None:
            await get_in_firm(session, Client, firm_id, data.client_id)
    else:
        raise Forbidden("Workers cannot hold slots")
    firm = await session.get(Firm, firm_id)
    assert firm is not None
    return await place_hold(session, firm, data, Holder.of(caller), now)


async def find_visible_hold(
    session: AsyncSession, holder: Holder, hold_id: uuid.UUID, *, lock: bool = False
) -> Hold | None:
    """A hold the holder may see: staff see the firm's, others only their own."""
    stmt = select(Hold).where(Hold.id == hold_id, Hold.firm_id == holder.firm_id)
    if holder.guest_token_hash is not None:
        stmt = stmt.where(Hold.user_id.is_(None), Hold.guest_token_hash == holder.guest_token_hash)
    elif not holder.sees_firm:
        stmt = stmt.where(Hold.user_id == holder.user_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def visible_hold(
    session: AsyncSession, holder: Holder, hold_id: uuid.UUID, *, lock: bool = False
) -> Hold:
    hold = await find_visible_hold(session, holder, hold_id, lock=lock)
    if hold is None:
        raise HoldNotFound(f"No hold with id {hold_id}")
    return hold


async def release_hold(session: AsyncSession, holder: Holder, hold_id: uuid.UUID) -> None:
    hold = await visible_hold(session, holder, hold_id, lock=True)
    await session.delete(hold)  # its claims go with it (ON DELETE CASCADE)
    await session.flush()
