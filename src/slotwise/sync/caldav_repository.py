"""The CalDAV poller's queries: what a specialist's calendar should hold (their appointments),
and the busy times read from it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Connection, ExternalBusyTime
from slotwise.sync.caldav_calendar import BusyTime


@dataclass(frozen=True)
class CalendarPlace:
    """Where the connection's specialist works, as far as their calendar is concerned."""

    time_zone: str
    location_name: str
    horizon_days: int


@dataclass(frozen=True)
class AppointmentEntry:
    """One of the specialist's appointments as their calendar shows it."""

    id: uuid.UUID
    start: datetime
    end: datetime
    version: int
    services: str
    client: str


async def calendar_place(session: AsyncSession, connection: Connection) -> CalendarPlace:
    row = (
        await session.execute(
            text(
                "SELECT l.time_zone, l.name, f.booking_horizon_days FROM locations l"
                " JOIN firms f ON f.id = l.firm_id WHERE l.firm_id = :firm AND l.id = :location"
            ),
            {"firm": connection.firm_id, "location": connection.location_id},
        )
    ).one()
    return CalendarPlace(row.time_zone, row.name, row.booking_horizon_days)


_APPOINTMENTS = text(
    """
SELECT a.id, a.start_at, a.end_at, a.version,
       coalesce((SELECT string_agg(s.name, ', ' ORDER BY s.name)
                   FROM appointment_services x JOIN services s
                     ON s.firm_id = x.firm_id AND s.id = x.service_id
                  WHERE x.firm_id = a.firm_id AND x.appointment_id = a.id), '') AS services,
       coalesce(trim(c.first_name || ' ' || c.last_name), '') AS client
  FROM appointments a
  JOIN appointment_workers w ON w.firm_id = a.firm_id AND w.appointment_id = a.id
  LEFT JOIN clients c ON c.firm_id = a.firm_id AND c.id = a.client_id
 WHERE a.firm_id = :firm AND w.specialist_id = :specialist AND a.status <> 'cancelled'
   AND a.start_at < :high AND a.end_at > :low
 ORDER BY a.start_at, a.id
"""
)


async def specialist_appointments(
    session: AsyncSession, connection: Connection, low: datetime, high: datetime
) -> list[AppointmentEntry]:
    """The connection's specialist's appointments (not cancelled) overlapping the window."""
    rows = await session.execute(
        _APPOINTMENTS,
        {
            "firm": connection.firm_id,
            "specialist": connection.specialist_id,
            "low": low,
            "high": high,
        },
    )
    return [AppointmentEntry(*row) for row in rows]


async def replace_busy_times(
    session: AsyncSession, connection: Connection, busy: list[BusyTime]
) -> tuple[int, int]:
    """The connection's busy times become ``busy``; rows that stay the same are left alone
    (each insert or delete announces its days to open booking pages). Answers how many
    were added and removed."""
    assert connection.specialist_id is not None
    rows = (
        await session.scalars(
            select(ExternalBusyTime).where(
                ExternalBusyTime.firm_id == connection.firm_id,
                ExternalBusyTime.connection_id == connection.id,
            )
        )
    ).all()
    wanted = {(block.uid[:500], block.start, block.end) for block in busy}
    kept: set[tuple[str, datetime, datetime]] = set()
    gone: list[uuid.UUID] = []
    for row in rows:
        key = (row.uid, row.during.lower, row.during.upper)
        if key in wanted and key not in kept:
            kept.add(key)
        else:
            gone.append(row.id)
    if gone:
        await session.execute(delete(ExternalBusyTime).where(ExternalBusyTime.id.in_(gone)))
    added = wanted - kept
    session.add_all(
        ExternalBusyTime(
            firm_id=connection.firm_id,
            connection_id=connection.id,
            specialist_id=connection.specialist_id,
            uid=uid,
            during=Range(start, end, bounds="[)"),
        )
        for uid, start, end in sorted(added)
    )
    await session.flush()
    return len(added), len(gone)
