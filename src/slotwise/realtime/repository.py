"""Every query of the live-update machinery: reading events, positions and stream callers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Event, Firm
from slotwise.realtime.events import OPERATOR_EVENTS
from slotwise.realtime.views import StoredEvent, View

_COLUMNS = (
    Event.firm_id,
    Event.seq,
    Event.type,
    Event.appointment_id,
    Event.location_id,
    Event.worker_ids,
    Event.worker_ids_before,
    Event.client_id,
    Event.client_id_before,
    Event.changed,
    Event.actor_id,
    Event.actor_name,
    Event.data,
    Event.created_at,
)


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _stored(row: Any) -> StoredEvent:
    data: dict[str, Any] = row.data
    return StoredEvent(
        firm_id=row.firm_id,
        seq=row.seq,
        type=row.type,
        appointment_id=row.appointment_id,
        location_id=row.location_id,
        worker_ids=frozenset(row.worker_ids or ()),
        worker_ids_before=frozenset(row.worker_ids_before or ()),
        client_id=row.client_id,
        client_id_before=row.client_id_before,
        changed=tuple(row.changed or ()),
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        data=data,
        created_at=row.created_at,
        start_at=_instant(data.get("start_at")),
        end_at=_instant(data.get("end_at")),
    )


async def read_after(
    session: AsyncSession, positions: Mapping[uuid.UUID, int], limit: int
) -> list[StoredEvent]:
    """Events after each firm's position, in one query, ordered by firm and sequence (so a
    result cut by ``limit`` is still a gap-free prefix for every firm in it)."""
    if not positions:
        return []
    after = or_(
        *(and_(Event.firm_id == firm_id, Event.seq > seq) for firm_id, seq in positions.items())
    )
    rows = await session.execute(
        select(*_COLUMNS).where(after).order_by(Event.firm_id, Event.seq).limit(limit)
    )
    return [_stored(row) for row in rows]


def _visible_to(view: View) -> ColumnElement[bool] | None:
    if view.kind == "worker":
        subject = [view.subject]
        return or_(Event.worker_ids.contains(subject), Event.worker_ids_before.contains(subject))
    if view.kind == "client":
        return or_(Event.client_id == view.subject, Event.client_id_before == view.subject)
    if view.kind == "all":
        return Event.type.not_in(sorted(OPERATOR_EVENTS))
    return None


async def read_visible(
    session: AsyncSession, firm_id: uuid.UUID, view: View, after: int, limit: int
) -> list[StoredEvent]:
    """The next ``limit`` events after ``after`` that the view sees in some form."""
    stmt = select(*_COLUMNS).where(Event.firm_id == firm_id, Event.seq > after)
    visible = _visible_to(view)
    if visible is not None:
        stmt = stmt.where(visible)
    rows = await session.execute(stmt.order_by(Event.seq).limit(limit))
    return [_stored(row) for row in rows]


async def firm_position(session: AsyncSession, firm_id: uuid.UUID) -> int:
    """The firm's last committed sequence number (its writers commit in sequence order)."""
    seq = await session.scalar(select(Firm.event_seq).where(Firm.id == firm_id))
    return int(seq or 0)


async def oldest_after(session: AsyncSession, firm_id: uuid.UUID, after: int) -> int | None:
    """The first retained sequence number after ``after``: more than ``after + 1`` means the
    events in between were purged."""
    seq = await session.scalar(
        select(func.min(Event.seq)).where(Event.firm_id == firm_id, Event.seq > after)
    )
    return int(seq) if seq is not None else None


async def delete_old_events(session: AsyncSession, before: datetime, limit: int) -> int:
    """Deletes up to ``limit`` events created before ``before`` (retention, run by the
    clean-up job); a client resuming from before them gets a ``reset``."""
    old = select(Event.firm_id, Event.seq).where(Event.created_at < before).limit(limit).subquery()
    result = await session.execute(
        delete(Event)
        .where(Event.firm_id == old.c.firm_id, Event.seq == old.c.seq)
        .returning(Event.seq)
    )
    return len(result.all())
