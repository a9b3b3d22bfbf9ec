"""Every query on the notification outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    cast,
    delete,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Appointment, Firm, Notification
from slotwise.repository import PageParams, paginate

FINISHED = ("sent", "failed", "skipped", "cancelled")


@dataclass(frozen=True)
class Planned:
    """A row that now waits to be sent (new, or a withdrawn one planned again)."""

    id: uuid.UUID
    firm_id: uuid.UUID
    send_after: datetime


@dataclass(frozen=True)
class Recipient:
    kind: str  # "client" | "worker"
    id: uuid.UUID

    def columns(self) -> dict[str, Any]:
        if self.kind == "client":
            return {"recipient_kind": "client", "client_id": self.id, "specialist_id": None}
        return {"recipient_kind": "worker", "client_id": None, "specialist_id": self.id}

    def matches(self) -> ColumnElement[bool]:
        if self.kind == "client":
            return Notification.client_id == self.id
        return Notification.specialist_id == self.id


async def add(
    session: AsyncSession,
    *,
    firm_id: uuid.UUID,
    appointment_id: uuid.UUID,
    type_: str,
    recipient: Recipient,
    dedupe_key: str,
    send_after: datetime,
    data: dict[str, Any],
) -> Planned | None:
    """Inserts the message unless one with its key exists (then None)."""
    stmt = (
        insert(Notification)
        .values(
            id=uuid.uuid4(),
            firm_id=firm_id,
            appointment_id=appointment_id,
            type=type_,
            dedupe_key=dedupe_key,
            send_after=send_after,
            data=data,
            **recipient.columns(),
        )
        .on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
        .returning(Notification.id, Notification.firm_id, Notification.send_after)
    )
    row = (await session.execute(stmt)).first()
    return Planned(row.id, row.firm_id, row.send_after) if row else None


# The key in ``data`` of a message for one browser only (``planning.plan_for_new_browser``).
BROWSER_KEY = "browser"


def _for_every_channel() -> ColumnElement[bool]:
    """Rows that are the appointment's own message, not a copy for one browser: a copy
    waiting must neither stand for the confirmation nor be withdrawn in its place."""
    has_browser: ColumnElement[bool] = Notification.data.has_key(BROWSER_KEY)
    return ~has_browser


async def withdraw(
    session: AsyncSession,
    firm_id: uuid.UUID,
    appointment_id: uuid.UUID,
    *,
    types: Iterable[str],
    reason: str,
    recipient: Recipient | None = None,
) -> int:
    """Cancels the messages of these types that have not started going out; returns how
    many. A message already being sent is left alone: it is too late to take it back."""
    stmt = (
        update(Notification)
        .where(
            Notification.firm_id == firm_id,
            Notification.appointment_id == appointment_id,
            Notification.type.in_(list(types)),
            Notification.status == "pending",
            _for_every_channel(),
        )
        .values(status="cancelled", last_error=reason)
        .returning(Notification.id)
    )
    if recipient is not None:
        stmt = stmt.where(recipient.matches())
    return len((await session.execute(stmt)).all())


async def lock_own_statuses(
    session: AsyncSession,
    firm_id: uuid.UUID,
    appointment_id: uuid.UUID,
    type_: str,
    recipient: Recipient,
) -> list[str]:
    """The statuses of the appointment's own messages of one type to the recipient (not
    the copies for one browser), their rows locked until commit: a delivery that has not
    chosen its targets yet waits, and then sees what this transaction commits."""
    rows = await session.scalars(
        select(Notification.status)
        .where(
            Notification.firm_id == firm_id,
            Notification.appointment_id == appointment_id,
            Notification.type == type_,
            recipient.matches(),
            _for_every_channel(),
        )
        .with_for_update()
    )
    return list(rows.all())


async def has_pending(
    session: AsyncSession,
    firm_id: uuid.UUID,
    appointment_id: uuid.UUID,
    types: Iterable[str],
    recipient: Recipient,
) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Notification.firm_id == firm_id,
                    Notification.appointment_id == appointment_id,
                    Notification.type.in_(list(types)),
                    Notification.status == "pending",
                    recipient.matches(),
                    _for_every_channel(),
                )
            )
        )
    )


def _reminder_candidates(
    now: datetime, until: datetime, firm_id: uuid.UUID | None, appointment_id: uuid.UUID | None
) -> Any:
    offset = (
        func.unnest(Firm.reminder_offsets_minutes).table_valued("minutes").render_derived(name="o")
    )
    minutes = offset.c.minutes
    lead = func.make_interval(0, 0, 0, 0, 0, minutes)
    send_after = Appointment.start_at - lead
    key = func.concat(
        "reminder:",
        Appointment.id,
        ":",
        Appointment.client_id,
        ":",
        minutes,
        ":",
        cast(func.extract("epoch", Appointment.start_at), Integer),
    )
    stmt = (
        select(
            func.gen_random_uuid(),
            Appointment.firm_id,
            Appointment.id,
            literal("reminder"),
            literal("client"),
            Appointment.client_id,
            key,
            send_after,
            Appointment.start_at,
            minutes,
        )
        .select_from(Appointment)
        .join(Firm, Firm.id == Appointment.firm_id)
        .join(offset, literal(True))
        # The same as now < send_after <= until, written on start_at so that each
        # (firm, offset) is one range scan of the (firm_id, start_at) index.
        .where(
            Appointment.status == "scheduled",
            Appointment.client_id.is_not(None),
            Appointment.start_at > now + lead,
            Appointment.start_at <= until + lead,
        )
    )
    if firm_id is not None:
        stmt = stmt.where(Appointment.firm_id == firm_id)
    if appointment_id is not None:
        stmt = stmt.where(Appointment.id == appointment_id)
    return stmt


async def plan_reminders(
    session: AsyncSession,
    now: datetime,
    until: datetime,
    *,
    firm_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
) -> list[Planned]:
    """One row per (appointment, offset) whose time lies in (now, until]. The key names the
    start time, so a reminder that went out is never planned again for the same start; a
    withdrawn one (the appointment moved away and back) is planned again."""
    columns = [
        Notification.id,
        Notification.firm_id,
        Notification.appointment_id,
        Notification.type,
        Notification.recipient_kind,
        Notification.client_id,
        Notification.dedupe_key,
        Notification.send_after,
        Notification.planned_start_at,
        Notification.offset_minutes,
    ]
    insert_ = insert(Notification).from_select(
        [c.key for c in columns], _reminder_candidates(now, until, firm_id, appointment_id)
    )
    stmt = insert_.on_conflict_do_update(
        index_elements=[Notification.dedupe_key],
        set_={
            "status": "pending",
            "send_after": insert_.excluded.send_after,
            "job_id": None,
            "last_error": None,
            "updated_at": func.now(),
        },
        where=Notification.status == "cancelled",
    ).returning(Notification.id, Notification.firm_id, Notification.send_after)
    return [Planned(r.id, r.firm_id, r.send_after) for r in (await session.execute(stmt)).all()]


def reminder_still_valid() -> ColumnElement[bool]:
    """The reminder's appointment still starts when planned, for the same client, and its
    firm still sends reminders at this offset."""
    return exists().where(
        Appointment.id == Notification.appointment_id,
        Appointment.status == "scheduled",
        Appointment.start_at == Notification.planned_start_at,
        Appointment.client_id == Notification.client_id,
        Firm.id == Appointment.firm_id,
        Notification.offset_minutes == func.any(Firm.reminder_offsets_minutes),
    )


async def withdraw_stale_reminders(
    session: AsyncSession,
    *,
    firm_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    until: datetime | None = None,
) -> int:
    stmt = (
        update(Notification)
        .where(
            Notification.type == "reminder",
            Notification.status == "pending",
            ~reminder_still_valid(),
        )
        .values(status="cancelled", last_error="the appointment moved, was cancelled or deleted")
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    if firm_id is not None:
        stmt = stmt.where(Notification.firm_id == firm_id)
    if appointment_id is not None:
        stmt = stmt.where(Notification.appointment_id == appointment_id)
    if until is not None:
        stmt = stmt.where(Notification.send_after <= until)
    return len((await session.execute(stmt)).all())


async def unqueued_due(session: AsyncSession, until: datetime, limit: int) -> list[Planned]:
    """Waiting rows due by ``until`` that have no job yet, locked so that concurrent
    sweeps (several workers) each take different rows."""
    rows = (
        await session.execute(
            select(Notification.id, Notification.firm_id, Notification.send_after)
            .where(
                Notification.status == "pending",
                Notification.job_id.is_(None),
                Notification.send_after <= until,
            )
            .order_by(Notification.send_after)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    return [Planned(r.id, r.firm_id, r.send_after) for r in rows]


async def set_job(session: AsyncSession, notification_id: uuid.UUID, job_id: int) -> None:
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(job_id=job_id)
        .execution_options(synchronize_session=False)
    )


async def lock(session: AsyncSession, notification_id: uuid.UUID) -> Notification | None:
    return await session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )


async def purge_finished(session: AsyncSession, before: datetime, limit: int) -> int:
    """Deletes finished rows last touched before ``before``, at most ``limit`` at a time."""
    old = (
        select(Notification.id)
        .where(Notification.status.in_(FINISHED), Notification.updated_at < before)
        .limit(limit)
    )
    result = await session.execute(
        delete(Notification).where(Notification.id.in_(old)).returning(Notification.id)
    )
    return len(result.all())


async def log_page(
    session: AsyncSession,
    firm_id: uuid.UUID,
    page: PageParams,
    *,
    appointment_id: uuid.UUID | None,
    status: str | None,
) -> tuple[list[Notification], int]:
    stmt = (
        select(Notification)
        .where(Notification.firm_id == firm_id)
        .order_by(Notification.created_at.desc(), Notification.id)
    )
    if appointment_id is not None:
        stmt = stmt.where(Notification.appointment_id == appointment_id)
    if status is not None:
        stmt = stmt.where(Notification.status == status)
    return await paginate(session, stmt, page)


async def add_addressed_message(
    session: AsyncSession,
    *,
    firm_id: uuid.UUID,
    type_: str,
    recipient_kind: str,
    channel: str,
    address: str,
    locale: str,
    dedupe_key: str,
    send_after: datetime,
    data: dict[str, Any],
) -> Planned | None:
    """A message whose channel and address are chosen now, not when it goes out: to a guest
    of the public booking page (what they gave), or to one of the firm's operators (their
    login's email; the user's id in ``data``, their browsers get a copy). None when a message
    with its key exists already."""
    stmt = (
        insert(Notification)
        .values(
            id=uuid.uuid4(),
            firm_id=firm_id,
            type=type_,
            recipient_kind=recipient_kind,
            channel=channel,
            address=address,
            locale=locale,
            dedupe_key=dedupe_key,
            send_after=send_after,
            data=data,
        )
        .on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
        .returning(Notification.id, Notification.firm_id, Notification.send_after)
    )
    row = (await session.execute(stmt)).first()
    return Planned(row.id, row.firm_id, row.send_after) if row else None
