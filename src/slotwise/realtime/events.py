"""Writing events: every appointment change adds one row to ``events`` in its own transaction,
and so does a sync conflict that opens (an event for the firm's operators only).

The NOTIFY sent along is only a wake-up carrying the firm and the sequence number; listeners
read the data from the table, so nothing is lost while nobody listens and no payload limit
applies. PostgreSQL delivers the NOTIFY at commit, and not at all on rollback.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Connection, Event, Firm, SyncConflict
from slotwise.records import AppointmentOut

CHANNEL = "slotwise_events"
CREATED, UPDATED, DELETED = "appointment.created", "appointment.updated", "appointment.deleted"
# An external record was not imported because it overlaps an appointment.
SYNC_CONFLICT_OPENED = "sync.conflict_opened"
# Seen by the firm's operators (owners, directors) only: about its connections, not about
# an appointment that managers, workers or clients follow.
OPERATOR_EVENTS = frozenset({SYNC_CONFLICT_OPENED})

# Bookkeeping that changes with every write; not a change anyone subscribes to.
_NOT_CHANGES = frozenset({"updated_at", "version"})


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    fields = sorted(k for k in after if k not in _NOT_CHANGES and before.get(k) != after[k])
    worker_ids = {w["id"] for w in after.get("workers", [])}
    if worker_ids != {w["id"] for w in before.get("workers", [])}:
        fields = sorted({*fields, "worker_ids"} - {"workers"})
    return fields


async def next_seq(session: AsyncSession, firm_id: uuid.UUID) -> int:
    """The firm's next sequence number. The row lock it takes is held until commit, so the
    firm's event writers commit one after another, in sequence order: gap-free and ordered."""
    seq = await session.scalar(
        update(Firm)
        .where(Firm.id == firm_id)
        .values(event_seq=Firm.event_seq + 1)
        .returning(Firm.event_seq)
    )
    assert seq is not None
    return int(seq)


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    name: str


async def _append(session: AsyncSession, event: Event) -> Event:
    session.add(event)
    await session.flush()
    await session.execute(select(func.pg_notify(CHANNEL, f"{event.firm_id}:{event.seq}")))
    return event


async def record_appointment_change(
    session: AsyncSession,
    firm_id: uuid.UUID,
    before: AppointmentOut | None,
    after: AppointmentOut | None,
    actor: Actor | None,
) -> Event | None:
    """Adds the event for a change (None when nothing visible changed)."""
    old = before.model_dump(mode="json") if before is not None else {}
    new = after.model_dump(mode="json") if after is not None else {}
    if before is None:
        kind, changed = CREATED, sorted(k for k in new if k not in _NOT_CHANGES)
    elif after is None:
        kind, changed = DELETED, []
    else:
        kind, changed = UPDATED, changed_fields(old, new)
        if not changed:
            return None
    current = after or before
    assert current is not None
    event = Event(
        firm_id=firm_id,
        seq=await next_seq(session, firm_id),
        type=kind,
        appointment_id=current.id,
        location_id=current.location_id,
        worker_ids=[w.id for w in after.workers] if after else [],
        worker_ids_before=[w.id for w in before.workers] if before else [],
        client_id=after.client_id if after else None,
        client_id_before=before.client_id if before else None,
        changed=changed,
        data=new or old,
        actor_id=actor.user_id if actor else None,
        actor_name=actor.name if actor else None,
    )
    return await _append(session, event)


def _instant(moment: datetime) -> str:
    # As the API writes times (the appointments in the events too): UTC, with a "Z".
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def conflict_view(conflict: SyncConflict, connection: Connection) -> dict[str, Any]:
    """The conflict as the event carries it: what the conflicts list shows (without the
    external record itself) and the record's time, when the payload says it."""
    span = conflict.record_span()
    return {
        "id": str(conflict.id),
        "connection_id": str(connection.id),
        "connection_name": connection.name,
        "connection_kind": connection.kind,
        "external_id": conflict.external_id,
        "appointment_id": str(conflict.appointment_id) if conflict.appointment_id else None,
        "reason": conflict.reason,
        "status": conflict.status,
        "created_at": _instant(conflict.created_at),
        "start_at": _instant(span[0]) if span else None,
        "end_at": _instant(span[1]) if span else None,
    }


async def record_sync_conflict(
    session: AsyncSession, firm_id: uuid.UUID, conflict: SyncConflict
) -> Event:
    """Adds the event of a conflict that just opened (``connections.repository.open_conflict``
    says whether it did), in the poller's transaction: on the staff stream of the firm's
    owners and directors, as ``sync.conflict_opened`` with the conflict in ``conflict``."""
    connection = await session.get(Connection, conflict.connection_id)
    if connection is None or connection.firm_id != firm_id or conflict.firm_id != firm_id:
        raise ValueError("the conflict is not of a connection of this firm")
    event = Event(
        firm_id=firm_id,
        seq=await next_seq(session, firm_id),
        type=SYNC_CONFLICT_OPENED,
        appointment_id=None,
        location_id=connection.location_id,
        worker_ids=[],
        worker_ids_before=[],
        client_id=None,
        client_id_before=None,
        changed=[],
        data=conflict_view(conflict, connection),
        actor_id=None,
        actor_name=None,
    )
    return await _append(session, event)
