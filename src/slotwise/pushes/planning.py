"""The one call ``appointments.changes`` makes for every change: a push job per connection
the change concerns, deferred in the same transaction (no job for a change rolled back).

The specialists' own calendars (CalDAV) are written by their poll, which the change makes
due at once. Imported appointments (source ``yclients``) are never pushed back. Each job carries two
locks: the connection's (the poller's too), so that pushes and polls of one connection never
overlap, and a queueing lock per appointment and connection, so that a burst of edits
collapses into the one job still waiting, which reads the appointment's state when it runs
and so writes out the latest. A deletion is the exception: the row is gone when the job
runs, and so are its links (they cascade), so its job carries where the appointment was and
is never collapsed into a waiting one that would not know it.
"""

from __future__ import annotations

import uuid

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.jobs.app import QUEUE_SYNC
from slotwise.jobs.queue import defer
from slotwise.pushes import repository
from slotwise.records import AppointmentOut

PUSH_TASK = "push_appointment"
YCLIENTS = "yclients"
# Appointments of these sources came from the external system: pushing them back would
# make a second record of the same visit there.
IMPORTED_SOURCES = frozenset({YCLIENTS})


def connection_lock(connection_id: uuid.UUID) -> str:
    """The lock the poller's jobs of the connection take too."""
    return f"connection:{connection_id}"


def push_queueing_lock(connection_id: uuid.UUID, appointment_id: uuid.UUID) -> str:
    return f"push:{connection_id}:{appointment_id}"


async def plan_pushes(
    session: AsyncSession,
    firm_id: uuid.UUID,
    before: AppointmentOut | None,
    after: AppointmentOut | None,
) -> int:
    """Defers the pushes the change calls for; answers how many jobs were deferred (a job
    already waiting for the same appointment and connection takes this change along)."""
    states = [state for state in (before, after) if state is not None]
    if not states:
        return 0
    specialist_ids = {worker.id for state in states for worker in state.workers}
    # Every appointment of a specialist, imported ones too, belongs in their own calendar.
    await repository.bring_calendars_forward(session, firm_id, specialist_ids)
    if any(state.source in IMPORTED_SOURCES for state in states):
        return 0
    appointment_id = states[0].id
    connection_ids = await repository.push_connections(
        session,
        firm_id,
        appointment_id,
        specialist_ids,
        {state.location_id for state in states},
        YCLIENTS,
    )
    deferred = 0
    for connection_id in connection_ids:
        kwargs: dict[str, str] = {
            "connection_id": str(connection_id),
            "appointment_id": str(appointment_id),
        }
        queueing_lock: str | None = push_queueing_lock(connection_id, appointment_id)
        if after is None and before is not None:
            kwargs["deleted_start"] = before.start_at.isoformat()
            queueing_lock = None
        try:
            # A savepoint: a refused insert would otherwise abort the caller's transaction.
            async with session.begin_nested():
                await defer(
                    session,
                    PUSH_TASK,
                    queue=QUEUE_SYNC,
                    kwargs=kwargs,
                    lock=connection_lock(connection_id),
                    queueing_lock=queueing_lock,
                )
        except AlreadyEnqueued:
            continue
        deferred += 1
    return deferred
