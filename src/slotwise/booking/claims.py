"""Claiming time on specialists and workplaces: the only path to the ``time_claims`` table.

The exclusion constraints on ``time_claims`` decide every conflict; this module only turns a
violation into a friendly ``409 slot_taken`` that names the range in the way, and frees the
claims of expired holds in the way first (an expired hold stops blocking at once, without
waiting for a cleanup job).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, false, or_, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.availability.engine import SlotChoice, claim_padding, claim_range
from slotwise.booking.errors import SlotTaken
from slotwise.models import Appointment, Hold, Service, TimeClaim, WorkplaceServiceOverride

# Two requests inserting overlapping claims at the same moment can each find the other's
# uncommitted row while checking the constraint and wait on it: PostgreSQL then aborts one of
# them with a deadlock. That is the same conflict as a violation, seen earlier.
_DEADLOCK = "40P01"
_CONFLICT_STATES = frozenset({"23P01", _DEADLOCK})
_DEADLOCK_ATTEMPTS = 3


@dataclass(frozen=True)
class ClaimSpan:
    """Time [start, end) on some specialists and maybe a workplace, claimed for a hold or
    an appointment (the one it belongs to is never in its own way)."""

    firm_id: uuid.UUID
    specialist_ids: Sequence[uuid.UUID]
    workplace_id: uuid.UUID | None
    start: datetime
    end: datetime
    hold_id: uuid.UUID | None = None
    appointment_id: uuid.UUID | None = None

    @property
    def during(self) -> Range[datetime]:
        return Range(self.start, self.end, bounds="[)")

    def on_its_resources(self) -> ColumnElement[bool]:
        return and_(
            TimeClaim.firm_id == self.firm_id,
            TimeClaim.during.overlaps(self.during),
            _resources(self.specialist_ids, self.workplace_id),
        )


def _resources(
    specialist_ids: Sequence[uuid.UUID], workplace_id: uuid.UUID | None
) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if specialist_ids:
        conditions.append(TimeClaim.specialist_id.in_(list(specialist_ids)))
    if workplace_id is not None:
        conditions.append(TimeClaim.workplace_id == workplace_id)
    return or_(*conditions) if conditions else false()


def _live(now: datetime) -> ColumnElement[bool]:
    live_hold = select(Hold.id).where(Hold.id == TimeClaim.hold_id, Hold.expires_at > now)
    return or_(TimeClaim.appointment_id.is_not(None), live_hold.exists())


async def find_conflict(session: AsyncSession, span: ClaimSpan, now: datetime) -> TimeClaim | None:
    """The first live claim, other than the span's own, overlapping it on its resources."""
    stmt = (
        select(TimeClaim)
        .where(span.on_its_resources(), _live(now))
        # Among claims of the same range, the one met first when claiming: specialists by
        # id, then the workplace (``_rows``'s order), not whichever the index returns.
        .order_by(TimeClaim.during, TimeClaim.specialist_id.asc().nulls_last())
        .limit(1)
    )
    if span.appointment_id is not None:
        stmt = stmt.where(TimeClaim.appointment_id.is_distinct_from(span.appointment_id))
    if span.hold_id is not None:
        stmt = stmt.where(TimeClaim.hold_id.is_distinct_from(span.hold_id))
    return (await session.scalars(stmt)).first()


async def in_the_way(
    session: AsyncSession,
    firm_id: uuid.UUID,
    choices: Sequence[SlotChoice],
    now: datetime,
    *,
    exclude_appointment_id: uuid.UUID | None = None,
) -> list[TimeClaim]:
    """The live claims overlapping the claim range of any of these choices on its specialist
    or workplace, each once, by time: one query however many choices. An appointment being
    moved is not in its own way."""
    if not choices:
        return []
    overlapping = or_(
        *(
            and_(
                _resources([choice.specialist_id], choice.workplace_id),
                TimeClaim.during.overlaps(Range(choice.claim_start, choice.claim_end, bounds="[)")),
            )
            for choice in choices
        )
    )
    stmt = (
        select(TimeClaim)
        .where(TimeClaim.firm_id == firm_id, overlapping, _live(now))
        .order_by(TimeClaim.during, TimeClaim.id)
    )
    if exclude_appointment_id is not None:
        stmt = stmt.where(TimeClaim.appointment_id.is_distinct_from(exclude_appointment_id))
    return list((await session.scalars(stmt)).all())


def slot_taken(conflicts: Sequence[TimeClaim]) -> SlotTaken:
    """409 ``slot_taken`` naming the first claim in the way in its message and every one of
    them in ``details``."""
    details = [_detail(conflict) for conflict in conflicts]
    if not details:
        # The claim in the way was released before it could be read: its booking was
        # cancelled or its hold given up meanwhile.
        return SlotTaken()
    first = details[0]
    what = "an appointment" if first["kind"] == "appointment" else "a hold"
    return SlotTaken(
        f"The {first['resource']} is already claimed by {what} from "
        f"{first['start']} to {first['end']}",
        details=details,
    )


def _detail(conflict: TimeClaim) -> dict[str, str]:
    lower, upper = conflict.during.lower, conflict.during.upper
    assert lower is not None and upper is not None  # the "bounded" check constraint
    resource = "specialist" if conflict.specialist_id else "workplace"
    return {
        "start": lower.isoformat(),
        "end": upper.isoformat(),
        "resource": resource,
        "resource_id": str(conflict.specialist_id or conflict.workplace_id),
        "kind": "appointment" if conflict.appointment_id else "hold",
    }


async def purge_expired_holds(session: AsyncSession, span: ClaimSpan, now: datetime) -> None:
    """Frees the claims of expired holds that are in the span's way. The hold rows stay
    until the cleanup job's grace has passed, so that confirming one still says
    ``hold_expired`` rather than "no such hold"."""
    expired = select(Hold.id).where(Hold.firm_id == span.firm_id, Hold.expires_at <= now)
    await session.execute(
        delete(TimeClaim)
        .where(span.on_its_resources(), TimeClaim.hold_id.in_(expired))
        .execution_options(synchronize_session=False)
    )


async def claim(session: AsyncSession, span: ClaimSpan, now: datetime) -> None:
    """Claims the span on every specialist and the workplace, or raises ``SlotTaken``."""
    await purge_expired_holds(session, span, now)
    for attempt in range(1, _DEADLOCK_ATTEMPTS + 1):
        try:
            # A savepoint, so that after a violation the transaction can still look up the
            # conflicting claim for the error message.
            async with session.begin_nested():
                session.add_all(_rows(span))
                await session.flush()
            return
        except DBAPIError as exc:
            state = getattr(exc.orig, "sqlstate", None)
            if state not in _CONFLICT_STATES:
                raise
            if state == _DEADLOCK and attempt < _DEADLOCK_ATTEMPTS:
                # The other side goes on once our rows are rolled back, and its claim is not
                # committed yet: it could not be named. Trying again waits for it to commit
                # and then meets it as a plain violation (or succeeds if it rolled back).
                continue
            conflict = await find_conflict(session, span, now)
            raise slot_taken([conflict] if conflict is not None else []) from exc


def _rows(span: ClaimSpan) -> list[TimeClaim]:
    # One order of resources for every writer (specialists by id, then the workplace), so
    # that two bookings never each hold a claim the other waits for.
    resources: list[dict[str, uuid.UUID]] = [
        {"specialist_id": specialist_id} for specialist_id in sorted(span.specialist_ids)
    ]
    if span.workplace_id is not None:
        resources.append({"workplace_id": span.workplace_id})
    return [
        TimeClaim(
            firm_id=span.firm_id,
            hold_id=span.hold_id,
            appointment_id=span.appointment_id,
            during=span.during,
            **resource,
        )
        for resource in resources
    ]


async def release_appointment(session: AsyncSession, appointment_id: uuid.UUID) -> None:
    await session.execute(delete(TimeClaim).where(TimeClaim.appointment_id == appointment_id))


async def padding(
    session: AsyncSession,
    firm_id: uuid.UUID,
    service_ids: Sequence[uuid.UUID],
    workplace_id: uuid.UUID | None,
) -> tuple[int, int]:
    """Minutes blocked before and after an appointment with these services: the longest
    buffer before, and the longest break-after plus buffer-after (a workplace's own break
    counts)."""
    if not service_ids:
        return 0, 0
    services = (
        await session.scalars(
            select(Service).where(Service.firm_id == firm_id, Service.id.in_(list(service_ids)))
        )
    ).all()
    breaks: dict[uuid.UUID, int] = {}
    if workplace_id is not None:
        overrides = (
            await session.scalars(
                select(WorkplaceServiceOverride).where(
                    WorkplaceServiceOverride.firm_id == firm_id,
                    WorkplaceServiceOverride.workplace_id == workplace_id,
                    WorkplaceServiceOverride.is_active.is_(True),
                    WorkplaceServiceOverride.break_after_minutes.is_not(None),
                )
            )
        ).all()
        breaks = {o.service_id: int(o.break_after_minutes or 0) for o in overrides}
    return claim_padding(
        (s.buffer_before_minutes, breaks.get(s.id, s.break_after_minutes), s.buffer_after_minutes)
        for s in services
    )


async def reclaim_appointment(
    session: AsyncSession, appointment: Appointment, now: datetime
) -> None:
    """Makes the appointment's claims match it: none when cancelled, otherwise its workers and
    workplace over its time widened by the services' buffers and break (raises SlotTaken)."""
    await release_appointment(session, appointment.id)
    if appointment.status == "cancelled":
        return
    before, after = await padding(
        session,
        appointment.firm_id,
        [line.service_id for line in appointment.services],
        appointment.workplace_id,
    )
    start, end = claim_range(appointment.start_at, appointment.end_at, before, after)
    span = ClaimSpan(
        appointment.firm_id,
        [worker.specialist_id for worker in appointment.workers],
        appointment.workplace_id,
        start,
        end,
        appointment_id=appointment.id,
    )
    await claim(session, span, now)
