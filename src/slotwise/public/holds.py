"""Holds on the public booking page: a guest's (known by a token given once) or a logged-in
client's, placed by the one hold function of ``booking.holds``.

A guest proves a hold is theirs with its token (``X-Hold-Token``); only the token's
SHA-256 is stored. A client of the firm (``Authorization: Bearer``) holds as themselves;
any other login is refused (403 ``not_a_client_here``): staff book through the staff API.
Answers never name other bookings: a slot that is taken is just taken.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import Caller, load_caller
from slotwise.auth.errors import InvalidToken
from slotwise.availability.errors import SlotUnavailable
from slotwise.booking.errors import SlotTaken
from slotwise.booking.holds import Holder, place_hold, release_hold, visible_hold
from slotwise.booking.schemas import HoldCreate
from slotwise.models import Firm, Hold, Specialist
from slotwise.public import catalog
from slotwise.public.errors import HoldTokenRequired, NotAClientHere
from slotwise.public.schemas import PublicHoldCreate, PublicHoldOut
from slotwise.security import decode_access_token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Visitor:
    """Who is on the page: a client of the firm (logged in) or a guest (``caller`` None),
    with the hold token the request carried, if any."""

    caller: Caller | None
    hold_token: str | None


async def visitor(
    session: AsyncSession,
    firm: Firm,
    *,
    bearer: str | None,
    hold_token: str | None,
    secret: str,
) -> Visitor:
    """A bearer token must be a valid login of a client of this firm (401 / 403)."""
    if not bearer:
        return Visitor(None, hold_token or None)
    claims = decode_access_token(bearer, secret=secret)
    if claims is None:
        raise InvalidToken()
    caller = await load_caller(session, claims.user_id, claims.firm_id)
    if caller is None:
        raise InvalidToken("The user no longer exists or is disabled")
    if caller.firm_id != firm.id or not caller.is_client or caller.client_id is None:
        raise NotAClientHere()
    return Visitor(caller, None)


def holder_of(firm: Firm, who: Visitor) -> Holder:
    """Whose holds the request reaches (422 ``hold_token_required`` for a guest without
    a token)."""
    if who.caller is not None:
        return Holder.of(who.caller)
    if who.hold_token is None:
        raise HoldTokenRequired()
    return Holder.guest(firm.id, token_hash(who.hold_token))


async def present(session: AsyncSession, hold: Hold, token: str | None = None) -> PublicHoldOut:
    specialist = await session.get(Specialist, hold.specialist_id)
    assert specialist is not None  # a composite foreign key of the hold
    return PublicHoldOut(
        id=hold.id,
        location_id=hold.location_id,
        service_id=hold.service_id,
        specialist_id=hold.specialist_id,
        specialist_name=specialist.name,
        start_at=hold.start_at,
        end_at=hold.end_at,
        expires_at=hold.expires_at,
        hold_token=token,
    )


async def create(
    session: AsyncSession, firm: Firm, who: Visitor, data: PublicHoldCreate, now: datetime
) -> PublicHoldOut:
    await catalog.bookable_location(session, firm, data.location_id)
    await catalog.bookable_service(session, firm, data.location_id, data.service_id)
    if data.specialist_id is not None:
        await catalog.check_specialist(
            session, firm, data.location_id, data.service_id, data.specialist_id
        )
    token: str | None = None
    if who.caller is not None:
        holder = Holder.of(who.caller)
    else:
        token = secrets.token_urlsafe(32)
        holder = Holder.guest(firm.id, token_hash(token))
    request = HoldCreate(
        service_id=data.service_id,
        location_id=data.location_id,
        start_at=data.start_at,
        specialist_id=data.specialist_id,
        client_id=holder.client_id,
    )
    try:
        hold = await place_hold(session, firm, request, holder, now)
    except SlotTaken:
        # The staff answer names the bookings in the way; a visitor learns only that.
        raise SlotTaken("This time was just taken; please pick another one") from None
    except SlotUnavailable:
        raise SlotUnavailable(
            "This time is not offered (any more); please pick another one"
        ) from None
    return await present(session, hold, token)


async def read(
    session: AsyncSession, firm: Firm, who: Visitor, hold_id: uuid.UUID
) -> PublicHoldOut:
    return await present(session, await visible_hold(session, holder_of(firm, who), hold_id))


async def release(session: AsyncSession, firm: Firm, who: Visitor, hold_id: uuid.UUID) -> None:
    await release_hold(session, holder_of(firm, who), hold_id)
