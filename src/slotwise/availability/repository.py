"""Every query of availability: two round trips per request, whatever the number of
specialists, days or bookings.

The first reads what does not depend on the dates (the firm's rules, the location, the
service, who offers it where, opening hours and weekly schedules), the second what does
(holidays, breaks, live claims, bookings at the location). Each is one statement whose
parts come back as JSON: a listing used to take ten queries, and the statement building and
row handling around them cost as much as the database work itself. Live claims are merged
by the database (``range_agg``: back-to-back bookings become one busy span), so a busy day
arrives as a handful of numbers per specialist instead of a row per booking.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.availability.engine import (
    BookingRules,
    Busy,
    DatedBreak,
    ScheduleEntry,
    ServiceTerms,
    WeeklyHours,
    WorkplaceInput,
)
from slotwise.repository import LocationNotFound, ServiceNotFound


@dataclass(frozen=True, slots=True)
class OfferingSpecialist:
    id: uuid.UUID
    name: str
    custom_duration_minutes: int | None


@dataclass(frozen=True, slots=True)
class Ignored:
    """Claims and bookings a check must not count: those of the booking being changed."""

    appointment_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    """The date-independent inputs of one service at one location."""

    location_id: uuid.UUID
    time_zone: str
    capacity: int | None
    location_active: bool
    service_active: bool
    terms: ServiceTerms
    rules: BookingRules
    # Ordered by name then id; only the asked specialist when one was named.
    specialists: list[OfferingSpecialist]
    workplaces: list[WorkplaceInput]
    hours: list[WeeklyHours]
    schedules: dict[uuid.UUID, list[ScheduleEntry]]
    # The named specialist's ``is_active``: None when none was named or it is not in the firm.
    specialist_active: bool | None
    workplace_found: bool  # the named workplace is in the firm (False when none was named)


@dataclass(frozen=True, slots=True)
class Window:
    """The date-dependent inputs over the padded days of one request."""

    holidays: dict[dt.date, bool]
    breaks: dict[uuid.UUID, list[DatedBreak]]
    specialist_busy: dict[uuid.UUID, list[Busy]]
    workplace_busy: dict[uuid.UUID, list[Busy]]
    bookings: list[Busy]  # live appointments and holds at the location (for its capacity)


_CATALOG = text("""
SELECT
  (SELECT json_build_array(l.time_zone, l.capacity, l.is_active)
     FROM locations l WHERE l.firm_id = :firm AND l.id = :location) AS location,
  (SELECT json_build_array(s.duration_minutes, s.break_after_minutes,
                           s.buffer_before_minutes, s.buffer_after_minutes, s.is_active)
     FROM services s WHERE s.firm_id = :firm AND s.id = :service) AS service,
  (SELECT json_build_array(f.slot_step_minutes, f.min_notice_minutes, f.booking_horizon_days)
     FROM firms f WHERE f.id = :firm) AS rules,
  (SELECT sp.is_active FROM specialists sp
     WHERE sp.firm_id = :firm AND sp.id = CAST(:specialist AS uuid)) AS specialist_active,
  EXISTS (SELECT FROM workplaces w
     WHERE w.firm_id = :firm AND w.id = CAST(:workplace AS uuid)) AS workplace_found,
  (SELECT coalesce(json_agg(json_build_array(sp.id, sp.name, ss.custom_duration_minutes)
                            ORDER BY sp.name, sp.id), '[]')
     FROM specialists sp
     JOIN specialist_services ss ON ss.firm_id = sp.firm_id AND ss.specialist_id = sp.id
     WHERE sp.firm_id = :firm AND sp.is_active AND ss.service_id = :service AND ss.is_active
       AND (CAST(:specialist AS uuid) IS NULL OR sp.id = CAST(:specialist AS uuid))
  ) AS specialists,
  (SELECT coalesce(json_agg(json_build_array(w.id, w.name, o.duration_minutes,
                                             o.break_after_minutes) ORDER BY w.name, w.id), '[]')
     FROM workplaces w
     JOIN workplace_service_overrides o ON o.firm_id = w.firm_id AND o.workplace_id = w.id
     WHERE w.firm_id = :firm AND w.location_id = :location AND w.is_active
       AND o.service_id = :service AND o.is_active) AS workplaces,
  (SELECT coalesce(json_agg(json_build_array(h.day_of_week, h.start_time, h.end_time,
                                             h.is_day_off)), '[]')
     FROM location_hours h WHERE h.firm_id = :firm AND h.location_id = :location) AS hours,
  (SELECT coalesce(json_agg(json_build_array(x.specialist_id, x.day_of_week, x.start_time,
                                             x.end_time, x.is_day_off, x.workplace_id)), '[]')
     FROM specialist_schedules x
     WHERE x.firm_id = :firm AND x.location_id = :location) AS schedules
""")


async def catalog(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    service_id: uuid.UUID,
    *,
    specialist_id: uuid.UUID | None = None,
    workplace_id: uuid.UUID | None = None,
) -> Catalog:
    """Raises 404 for a location or service not in the firm, exactly as for a missing row:
    other tenants' ids cannot be probed."""
    row = (
        await session.execute(
            _CATALOG,
            {
                "firm": firm_id,
                "location": location_id,
                "service": service_id,
                "specialist": specialist_id,
                "workplace": workplace_id,
            },
        )
    ).one()
    if row.location is None:
        raise LocationNotFound(f"No location with id {location_id}")
    if row.service is None:
        raise ServiceNotFound(f"No service with id {service_id}")
    assert row.rules is not None  # the caller's firm exists: its user was just read
    time_zone, capacity, location_active = row.location
    duration, break_after, buffer_before, buffer_after, service_active = row.service
    offering = [
        OfferingSpecialist(uuid.UUID(sid), name, custom) for sid, name, custom in row.specialists
    ]
    schedules: defaultdict[uuid.UUID, list[ScheduleEntry]] = defaultdict(list)
    for sid, day, start, end, day_off, workplace in row.schedules:
        schedules[uuid.UUID(sid)].append(
            ScheduleEntry(
                day,
                _time(start),
                _time(end),
                day_off,
                uuid.UUID(workplace) if workplace is not None else None,
            )
        )
    return Catalog(
        location_id=location_id,
        time_zone=time_zone,
        capacity=capacity,
        location_active=location_active,
        service_active=service_active,
        terms=ServiceTerms(duration, break_after, buffer_before, buffer_after),
        rules=BookingRules(*row.rules),
        specialists=offering,
        workplaces=[
            WorkplaceInput(uuid.UUID(wid), name, minutes, after)
            for wid, name, minutes, after in row.workplaces
        ],
        hours=[
            WeeklyHours(day, _time(start), _time(end), day_off)
            for day, start, end, day_off in row.hours
        ],
        schedules=dict(schedules),
        specialist_active=row.specialist_active,
        workplace_found=row.workplace_found,
    )


# A claim is live when an appointment owns it or its hold has not expired yet, so an expired
# hold stops blocking at once, before any cleanup runs. Claims are read resource by resource
# through the exclusion constraints' own GiST indexes (``(specialist_id, during)``, a few
# hundred entries each), not through the firm-wide one, and ``range_agg`` merges each
# resource's overlapping and touching claims (the engine merges busy time anyway, so nothing
# changes but the size of the answer). No firm filter is needed there: the ids come from the
# catalog query of the firm, and a claim's composite foreign keys keep it in its resource's
# firm.
_LIVE_CLAIM = """
  c.during && tstzrange(:low, :high)
  AND (c.appointment_id IS NOT NULL
       OR c.hold_id IN (SELECT h.id FROM holds h
                         WHERE h.firm_id = :firm AND h.expires_at > :now))
  AND (CAST(:ignored_appointment AS uuid) IS NULL
       OR c.appointment_id IS DISTINCT FROM CAST(:ignored_appointment AS uuid))
  AND (CAST(:ignored_hold AS uuid) IS NULL
       OR c.hold_id IS DISTINCT FROM CAST(:ignored_hold AS uuid))"""

# A specialist is also busy where their own calendar says so (a CalDAV connection's read,
# through its own GiST index); a workplace has no calendar of its own.
_OUTSIDE_BUSY = {
    "specialist_id": """
           UNION ALL
           SELECT e.during FROM external_busy_times e
            WHERE e.specialist_id = r.id AND e.during && tstzrange(:low, :high)""",
    "workplace_id": "",
}

_MERGED_SPANS = (
    """
  SELECT array_agg(floor(extract(epoch FROM lower(x.span)))::bigint) AS starts,
         array_agg(ceil(extract(epoch FROM upper(x.span)))::bigint) AS ends
    FROM (SELECT unnest(range_agg(b.during)) AS span
            FROM (SELECT c.during FROM time_claims c
                   WHERE c.{column} = r.id AND"""
    + _LIVE_CLAIM
    + """{outside}) AS b) AS x"""
)

_WINDOW = text(
    """
SELECT
  (SELECT coalesce(json_agg(json_build_array(h.date, h.is_working)), '[]')
     FROM holidays h WHERE h.firm_id = :firm AND h.location_id = :location
       AND h.date BETWEEN :first AND :last) AS holidays,
  (SELECT coalesce(json_agg(json_build_array(g.specialist_id, g.breaks)), '[]')
     FROM (SELECT b.specialist_id,
                  json_agg(json_build_array(b.date, b.start_time, b.end_time)) AS breaks
             FROM specialist_breaks b
            WHERE b.firm_id = :firm AND b.specialist_id = ANY(:specialists)
              AND b.date BETWEEN :first AND :last
            GROUP BY b.specialist_id) AS g) AS breaks,
  (SELECT coalesce(json_agg(json_build_array(t.specialist_id, t.workplace_id, t.starts,
                                             t.ends)), '[]')
     FROM (SELECT r.id AS specialist_id, NULL::uuid AS workplace_id, m.starts, m.ends
             FROM unnest(CAST(:specialists AS uuid[])) AS r(id)
             CROSS JOIN LATERAL ("""
    + _MERGED_SPANS.format(column="specialist_id", outside=_OUTSIDE_BUSY["specialist_id"])
    + """) AS m
            WHERE m.starts IS NOT NULL
           UNION ALL
           SELECT NULL::uuid, r.id, m.starts, m.ends
             FROM unnest(CAST(:workplaces AS uuid[])) AS r(id)
             CROSS JOIN LATERAL ("""
    + _MERGED_SPANS.format(column="workplace_id", outside=_OUTSIDE_BUSY["workplace_id"])
    + """) AS m
            WHERE m.starts IS NOT NULL) AS t) AS claims,
  CASE WHEN :with_bookings THEN
    (SELECT coalesce(json_agg(json_build_array(floor(extract(epoch FROM u.start_at))::bigint,
                                               ceil(extract(epoch FROM u.end_at))::bigint)),
                     '[]')
       FROM (SELECT a.start_at, a.end_at FROM appointments a
               WHERE a.firm_id = :firm AND a.location_id = :location
                 AND a.status <> 'cancelled' AND a.start_at < :high AND a.end_at > :low
                 AND a.id IS DISTINCT FROM CAST(:ignored_appointment AS uuid)
             UNION ALL
             SELECT o.start_at, o.end_at FROM holds o
               WHERE o.firm_id = :firm AND o.location_id = :location AND o.expires_at > :now
                 AND o.start_at < :high AND o.end_at > :low
                 AND o.id IS DISTINCT FROM CAST(:ignored_hold AS uuid)) AS u)
  END AS bookings
"""
)


async def window(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    *,
    specialist_ids: Sequence[uuid.UUID],
    workplace_ids: Sequence[uuid.UUID],
    first: dt.date,
    last: dt.date,
    low: dt.datetime,
    high: dt.datetime,
    now: dt.datetime,
    ignored: Ignored,
    with_bookings: bool,
) -> Window:
    """Holidays and breaks on local dates ``[first, last]``; claims of the specialists and
    workplaces and (``with_bookings``) the location's bookings overlapping ``[low, high)``,
    live at ``now``, as epoch seconds."""
    row = (
        await session.execute(
            _WINDOW,
            {
                "firm": firm_id,
                "location": location_id,
                "specialists": list(specialist_ids),
                "workplaces": list(workplace_ids),
                "first": first,
                "last": last,
                "low": low,
                "high": high,
                "now": now,
                "ignored_appointment": ignored.appointment_id,
                "ignored_hold": ignored.hold_id,
                "with_bookings": with_bookings,
            },
        )
    ).one()
    breaks = {
        uuid.UUID(sid): [
            DatedBreak(dt.date.fromisoformat(day), _time(start), _time(end))
            for day, start, end in dated
        ]
        for sid, dated in row.breaks
    }
    by_specialist: dict[uuid.UUID, list[Busy]] = {}
    by_workplace: dict[uuid.UUID, list[Busy]] = {}
    for sid, wid, starts, ends in row.claims:
        spans = list(zip(starts, ends, strict=True))
        if sid is not None:
            by_specialist[uuid.UUID(sid)] = spans
        else:
            by_workplace[uuid.UUID(wid)] = spans
    return Window(
        holidays={dt.date.fromisoformat(day): working for day, working in row.holidays},
        breaks=breaks,
        specialist_busy=by_specialist,
        workplace_busy=by_workplace,
        bookings=[(start, end) for start, end in row.bookings or ()],
    )


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)
