"""Proving a guest's hold is theirs: a six-digit code sent to the address they gave, then
the booking itself.

The code goes out through the outbox and the delivery job like every message (email when
an address is given and SMTP configured; WhatsApp when only a phone is given and WhatsApp
is configured). Only a keyed hash of it is stored (``notifications.verification``). A code
lives ``verification_code_ttl_seconds``; another may be asked for after
``verification_resend_seconds``, at most ``verification_max_sends`` per hold, and
``verification_max_attempts`` wrong entries end a code.

Sending a code extends the hold to live at least as long as the code, so that a guest
reading their mail does not lose the slot meanwhile: a hold blocks its time exactly while
``expires_at`` is ahead (the claims check, availability and the capacity count all read
it), so moving ``expires_at`` is all an extension takes. An expired hold (whose claims may
already have been freed) is never extended: 410 ``hold_expired``, hold the slot again.
"""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise import manage_links
from slotwise.appointments.client_view import client_view
from slotwise.appointments.schemas import AppointmentFromHold
from slotwise.appointments.service import confirm_hold
from slotwise.availability.errors import SlotUnavailable
from slotwise.booking.errors import HoldExpired, HoldNotFound, SlotTaken
from slotwise.booking.holds import Holder, find_visible_hold, visible_hold
from slotwise.config import Settings
from slotwise.errors import Forbidden
from slotwise.models import Client, Firm, HoldVerification
from slotwise.notifications import verification as codes
from slotwise.notifications.channels import Channel, ChannelSettings
from slotwise.notifications.templates import resolve_locale
from slotwise.public.errors import (
    VerificationAttemptsExceeded,
    VerificationChannelUnavailable,
    VerificationCodeExpired,
    VerificationCodeInvalid,
    VerificationRequired,
    VerificationResendTooSoon,
    VerificationSendsExceeded,
)
from slotwise.public.holds import Visitor, holder_of
from slotwise.public.schemas import (
    ConfirmOut,
    ConfirmRequest,
    VerificationOut,
    VerificationRequest,
)
from slotwise.records import AppointmentOut

# A hold this close to its end is not extended: a claim in its way may be freeing it now.
_EXTEND_MARGIN = timedelta(seconds=5)
_INTERNATIONAL = re.compile(r"^[1-9][0-9]{6,14}$")


def _phone_digits(phone: str) -> str | None:
    """The digits of an international number (country code first), or None."""
    digits = re.sub(r"[\s()\-]", "", phone)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    return digits if _INTERNATIONAL.match(digits) else None


def mask(channel: Channel, address: str) -> str:
    if channel is Channel.EMAIL:
        local, _, domain = address.partition("@")
        return f"{local[:2]}***@{domain}"
    return f"+{address[:3]}{'*' * max(0, len(address) - 5)}{address[-2:]}"


def _route(data: VerificationRequest, channels: ChannelSettings) -> tuple[Channel, str]:
    """Where the code goes: the email address when it can be mailed, else WhatsApp."""
    configured = channels.configured_channels()
    if data.email is not None and Channel.EMAIL in configured:
        return Channel.EMAIL, data.email.strip().lower()
    if data.phone is not None and Channel.WHATSAPP in configured:
        digits = _phone_digits(data.phone)
        if digits is not None:
            return Channel.WHATSAPP, digits
        if data.email is None:
            raise VerificationChannelUnavailable(
                "The phone number must be international (with its country code)"
            )
    raise VerificationChannelUnavailable()


def _guest_holder(firm: Firm, who: Visitor) -> Holder:
    if who.caller is not None:
        raise Forbidden("A logged-in client confirms without a code")
    return holder_of(firm, who)


async def send_code(
    session: AsyncSession,
    firm: Firm,
    who: Visitor,
    hold_id: uuid.UUID,
    data: VerificationRequest,
    *,
    settings: Settings,
    channels: ChannelSettings,
    secret: str,
    accept_language: str | None,
    now: datetime,
) -> VerificationOut:
    hold = await visible_hold(session, _guest_holder(firm, who), hold_id, lock=True)
    if hold.expires_at <= now + _EXTEND_MARGIN:
        raise HoldExpired(f"The hold expired at {hold.expires_at.isoformat()}")
    channel, address = _route(data, channels)
    row = await session.get(HoldVerification, hold.id, with_for_update=True)
    if row is not None:
        if row.sends >= settings.verification_max_sends:
            raise VerificationSendsExceeded()
        wait = row.last_sent_at + timedelta(seconds=settings.verification_resend_seconds) - now
        if wait > timedelta(0):
            seconds = max(1, int(wait.total_seconds() + 0.999))
            raise VerificationResendTooSoon(
                f"Wait {seconds} s before asking for another code",
                headers={"Retry-After": str(seconds)},
            )
    ttl = settings.verification_code_ttl_seconds
    nonce = secrets.token_urlsafe(16)
    code = codes.code_for(secret, nonce)
    expires_at = now + timedelta(seconds=ttl)
    if row is None:
        row = HoldVerification(hold_id=hold.id, firm_id=firm.id, sends=0)
        session.add(row)
    row.name = data.name
    row.email = data.email.strip().lower() if data.email is not None else None
    row.phone = _phone_digits(data.phone) if data.phone is not None else None
    if row.email is None and row.phone is None:
        row.phone = data.phone
    row.channel = channel.value
    row.code_hash = codes.code_hash(secret, hold.id, code)
    row.code_expires_at = expires_at
    row.sends += 1
    row.last_sent_at = now
    row.attempts = 0
    hold.expires_at = max(hold.expires_at, expires_at)
    await session.flush()
    language = (accept_language or "").split(",")[0].split(";")[0].strip() or None
    await codes.plan_code(
        session,
        firm_id=firm.id,
        hold_id=hold.id,
        channel=channel,
        address=address,
        name=data.name,
        locale=resolve_locale(language, firm.default_locale),
        nonce=nonce,
        ttl_seconds=ttl,
        now=now,
        horizon=timedelta(seconds=settings.notification_dispatch_horizon_seconds),
    )
    return VerificationOut(
        channel="email" if channel is Channel.EMAIL else "whatsapp",
        sent_to=mask(channel, address),
        resend_after_seconds=settings.verification_resend_seconds,
        code_expires_at=expires_at,
    )


@dataclass(frozen=True)
class Verified:
    name: str
    channel: Channel
    email: str | None
    phone: str | None


async def _check_code(
    maker: async_sessionmaker[AsyncSession],
    holder: Holder,
    hold_id: uuid.UUID,
    code: str | None,
    *,
    settings: Settings,
    secret: str,
    now: datetime,
) -> Verified:
    """Checks the code in a transaction of its own, so that a wrong one counts whatever
    becomes of the request."""
    wrong: VerificationCodeInvalid | VerificationAttemptsExceeded | None = None
    verified: Verified | None = None
    async with maker.begin() as own:
        hold = await find_visible_hold(own, holder, hold_id, lock=True)
        if hold is None:
            raise HoldNotFound(f"No hold with id {hold_id}")
        if hold.expires_at <= now:
            raise HoldExpired(f"The hold expired at {hold.expires_at.isoformat()}")
        row = await own.get(HoldVerification, hold.id, with_for_update=True)
        if row is None:
            raise VerificationRequired()
        if row.attempts >= settings.verification_max_attempts:
            raise VerificationAttemptsExceeded()
        if row.code_expires_at <= now:
            raise VerificationCodeExpired()
        given = codes.code_hash(secret, hold.id, code or "")
        if not code or not hmac.compare_digest(given, row.code_hash):
            row.attempts += 1
            left = settings.verification_max_attempts - row.attempts
            wrong = (
                VerificationCodeInvalid(f"The code is not the one sent; {left} tries left")
                if left > 0
                else VerificationAttemptsExceeded()
            )
        else:
            verified = Verified(row.name, Channel(row.channel), row.email, row.phone)
    if wrong is not None:
        raise wrong
    assert verified is not None
    return verified


def _split(name: str) -> tuple[str, str]:
    first, _, last = " ".join(name.split()).partition(" ")
    return first[:100], last[:100]


async def find_or_create_client(
    session: AsyncSession, firm: Firm, verified: Verified, locale: str | None
) -> uuid.UUID:
    """The firm's client with the verified address, or a new one: never a second record for
    one address, whoever books at the same moment (a lock per address serializes them).

    A new client gets only the verified address: an address nobody proved could belong to
    someone else, whose record it would later join."""
    if verified.channel is Channel.EMAIL:
        assert verified.email is not None
        key = f"client-email:{firm.id}:{verified.email}"
        same = func.lower(func.btrim(Client.email)) == verified.email
    else:
        assert verified.phone is not None
        key = f"client-phone:{firm.id}:{verified.phone}"
        digits = func.regexp_replace(Client.phone, "[^0-9]", "", "g")
        same = or_(digits == verified.phone, digits == "00" + verified.phone)
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
    found = await session.scalar(
        select(Client.id)
        .where(Client.firm_id == firm.id, same)
        .order_by(Client.is_active.desc(), Client.created_at, Client.id)
        .limit(1)
    )
    if found is not None:
        return found
    first, last = _split(verified.name)
    client = Client(
        firm_id=firm.id,
        first_name=first or "Guest",
        last_name=last,
        email=verified.email if verified.channel is Channel.EMAIL else None,
        phone=verified.phone if verified.channel is Channel.WHATSAPP else None,
        locale=locale,
        preferred_channels=[verified.channel.value],
    )
    session.add(client)
    await session.flush()
    return client.id


async def _book(
    session: AsyncSession,
    maker: async_sessionmaker[AsyncSession],
    firm: Firm,
    who: Visitor,
    hold_id: uuid.UUID,
    data: ConfirmRequest,
    settings: Settings,
    secret: str,
    accept_language: str | None,
    now: datetime,
) -> AppointmentOut:
    if who.caller is not None:
        caller = who.caller
        out, _ = await confirm_hold(
            session, Holder.of(caller), AppointmentFromHold(hold_id=hold_id), actor=caller
        )
    else:
        holder = holder_of(firm, who)
        verified = await _check_code(
            maker, holder, hold_id, data.code, settings=settings, secret=secret, now=now
        )
        language = (accept_language or "").split(",")[0].split(";")[0].strip()
        locale = resolve_locale(language, firm.default_locale) if language else None
        client_id = await find_or_create_client(session, firm, verified, locale)
        out, _ = await confirm_hold(
            session,
            holder,
            AppointmentFromHold(hold_id=hold_id, client_id=client_id),
            actor=None,
            by_client=True,
        )
    return out


async def confirm(
    session: AsyncSession,
    maker: async_sessionmaker[AsyncSession],
    firm: Firm,
    who: Visitor,
    hold_id: uuid.UUID,
    data: ConfirmRequest,
    *,
    settings: Settings,
    secret: str,
    accept_language: str | None,
    now: datetime,
) -> ConfirmOut:
    """The hold becomes an appointment through the one confirmation path
    (``appointments.service.confirm_hold``): for a client of the firm as themselves, for
    a guest once the code is right, for the client with the verified address."""
    try:
        out = await _book(
            session, maker, firm, who, hold_id, data, settings, secret, accept_language, now
        )
    except SlotTaken:
        # The staff answer names the bookings in the way; a visitor learns only that.
        raise SlotTaken("The held time was just taken; please pick another one") from None
    except SlotUnavailable:
        raise SlotUnavailable("The held time is no longer offered; please pick another") from None
    return ConfirmOut(
        appointment=await client_view(session, firm.id, out),
        manage_token=manage_links.manage_token(out, firm.id, settings, secret),
    )
