"""Verification codes for guests of the public booking page: planned into the outbox like
every message, and sent by the delivery job to the address the guest gave.

No code is stored anywhere. The outbox row keeps a random nonce, and the code is a keyed
hash (HMAC-SHA256 under the server's secret key) of that nonce: the page computes it when
it plans the message, the delivery job when it renders it. The hold's verification row
keeps only another keyed hash of the code (``code_hash``), so neither the outbox nor the
verification row gives the code away to someone who can read the database.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import (
    Firm,
    Hold,
    HoldVerification,
    Location,
    Notification,
    Service,
    Specialist,
)
from slotwise.notifications import dispatch, repository
from slotwise.notifications.channels import Channel, EmailRecipient, WhatsAppRecipient
from slotwise.notifications.recipients import Route, Target
from slotwise.notifications.templates import MessageType, Rendered, TemplateContext, render

CODE_DIGITS = 6


def code_for(secret: str, nonce: str) -> str:
    """The code a nonce stands for: six decimal digits."""
    digest = hmac.new(secret.encode(), f"verification-code:{nonce}".encode(), "sha256").digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def code_hash(secret: str, hold_id: uuid.UUID, code: str) -> str:
    """What the hold's verification row keeps of its code (a plain hash of six digits would
    be reversed in a moment: this one needs the secret key)."""
    message = f"verification-check:{hold_id}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


async def plan_code(
    session: AsyncSession,
    *,
    firm_id: uuid.UUID,
    hold_id: uuid.UUID,
    channel: Channel,
    address: str,
    name: str,
    locale: str,
    nonce: str,
    ttl_seconds: int,
    now: datetime,
    horizon: timedelta,
) -> uuid.UUID:
    """Writes the code's message for immediate delivery and defers its job, in the
    caller's transaction; returns the outbox row's id."""
    planned = await repository.add_addressed_message(
        session,
        firm_id=firm_id,
        type_=MessageType.VERIFICATION_CODE.value,
        recipient_kind="guest",
        channel=channel.value,
        address=address,
        locale=locale,
        dedupe_key=f"verification_code:{hold_id}:{nonce}",
        send_after=now,
        data={
            "hold_id": str(hold_id),
            "nonce": nonce,
            "name": name,
            "ttl_seconds": ttl_seconds,
            "expires_at": (now + timedelta(seconds=ttl_seconds)).isoformat(),
        },
    )
    # The key holds a fresh random nonce: never planned before.
    assert planned is not None
    await dispatch.enqueue(session, [planned], now=now, horizon=horizon)
    return planned.id


async def message(
    session: AsyncSession,
    row: Notification,
    secret: str,
    configured: frozenset[Channel],
    now: datetime,
) -> tuple[Rendered, Route] | str:
    """The code's message and where it goes, or why it no longer goes out (the hold is
    gone or expired, the code expired or a newer one was sent)."""
    data = row.data
    hold = await session.get(Hold, uuid.UUID(data["hold_id"]))
    if hold is None or hold.firm_id != row.firm_id:
        return "the hold is gone"
    if hold.expires_at <= now:
        return "the hold expired"
    if datetime.fromisoformat(data["expires_at"]) <= now:
        return "the code expired"
    code = code_for(secret, data["nonce"])
    verification = await session.get(HoldVerification, hold.id)
    if verification is None or not hmac.compare_digest(
        verification.code_hash, code_hash(secret, hold.id, code)
    ):
        return "a newer code was sent"
    firm = await session.get(Firm, hold.firm_id)
    location = await session.get(Location, hold.location_id)
    service = await session.get(Service, hold.service_id)
    specialist = await session.get(Specialist, hold.specialist_id)
    assert firm and location and service and specialist  # composite foreign keys
    context = TemplateContext(
        firm_name=firm.name,
        time_zone=location.time_zone,
        starts_at=hold.start_at,
        ends_at=hold.end_at,
        recipient_name=data.get("name") or None,
        services=[service.name],
        specialists=[specialist.name],
        location_name=location.name,
        location_address=location.address or None,
        reminder_lead=timedelta(seconds=int(data["ttl_seconds"])),
        code=code,
    )
    rendered = render(MessageType.VERIFICATION_CODE, row.locale, context)
    channel = Channel(row.channel or "")
    address = row.address or ""
    if channel not in configured:
        return rendered, Route([], [f"{channel.value}: not configured"])
    recipient = (
        EmailRecipient(address, data.get("name") or None)
        if channel is Channel.EMAIL
        else WhatsAppRecipient(address)
    )
    return rendered, Route([Target(channel, (recipient,), address)], [])
