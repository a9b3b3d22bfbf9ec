"""A slow, obviously correct model of the availability rules, for property tests.

It shares nothing with the engine: time is cut into 5-minute cells of UTC, each cell's local
reading is asked from ``zoneinfo`` directly, and a claim range is free when every cell in it
is open, scheduled, outside breaks and unclaimed. Exact when every input lies on 5 minutes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from itertools import accumulate
from zoneinfo import ZoneInfo

from slotwise.availability.engine import (
    AvailabilityQuery,
    Busy,
    LocationInput,
    SpecialistInput,
    WorkplaceInput,
)

CELL = 300
Offer = tuple[int, int, uuid.UUID, uuid.UUID | None]  # start, end, specialist, workplace


def _location_open(location: LocationInput, local: dt.datetime) -> bool:
    day, clock = local.date(), local.time()
    holiday = location.holidays.get(day)
    if holiday is False:
        return False
    rows = [row for row in location.hours if row.day_of_week == day.weekday()]
    if not rows or any(row.is_day_off for row in rows):
        if holiday is not True:
            return False
        rows = [row for row in rows if row.is_day_off]
    return any(row.start <= clock < row.end for row in rows)


def _scheduled(spec: SpecialistInput, workplace: WorkplaceInput | None, local: dt.datetime) -> bool:
    day, clock = local.date(), local.time()
    entries = [e for e in spec.schedule if e.day_of_week == day.weekday()]
    if any(e.is_day_off for e in entries):
        return False
    return any(
        e.start <= clock < e.end and (workplace is None or e.workplace_id in (None, workplace.id))
        for e in entries
    )


def _on_break(spec: SpecialistInput, local: dt.datetime) -> bool:
    day, clock = local.date(), local.time()
    return any(b.date == day and b.start <= clock < b.end for b in spec.breaks)


def _busy(spans: Sequence[Busy], instant: int) -> bool:
    return any(start <= instant < end for start, end in spans)


def expected_offers(query: AvailabilityQuery) -> set[Offer]:
    zone = ZoneInfo(query.location.time_zone)
    service, rules = query.service, query.rules
    low = int(dt.datetime.combine(query.first_day, dt.time(), zone).timestamp()) - 86_400
    high = int(dt.datetime.combine(query.last_day, dt.time(), zone).timestamp()) + 3 * 86_400
    cells = range(low - low % CELL, high, CELL)
    locals_ = [dt.datetime.fromtimestamp(u, zone) for u in cells]
    opened = [_location_open(query.location, local) for local in locals_]
    now = query.now.timestamp()
    earliest = now + rules.min_notice_minutes * 60
    latest = now + rules.booking_horizon_days * 86_400
    starts = [
        (i, u)
        for i, (u, local) in enumerate(zip(cells, locals_, strict=True))
        if query.first_day <= local.date() <= query.last_day
        and local.fold == 0
        and (local.hour * 60 + local.minute) % rules.slot_step_minutes == 0
        and earliest <= u <= latest
    ]
    workplaces: list[WorkplaceInput | None] = [*query.workplaces] or [None]
    offers: set[Offer] = set()
    for spec in query.specialists:
        for workplace in workplaces:
            duration = spec.custom_duration_minutes or service.duration_minutes
            break_after = service.break_after_minutes
            if workplace is not None:
                duration = workplace.duration_minutes or duration
                if workplace.break_after_minutes is not None:
                    break_after = workplace.break_after_minutes
            free = [
                opened[i]
                and _scheduled(spec, workplace, local)
                and not _on_break(spec, local)
                and not _busy(spec.busy, u)
                and (workplace is None or not _busy(workplace.busy, u))
                for i, (u, local) in enumerate(zip(cells, locals_, strict=True))
            ]
            blocked_before = [0, *accumulate(0 if f else 1 for f in free)]
            before = service.buffer_before_minutes * 60 // CELL
            after = (duration + break_after + service.buffer_after_minutes) * 60 // CELL
            for i, u in starts:
                a, b = i - before, i + after
                if a < 0 or b > len(free) or blocked_before[b] - blocked_before[a]:
                    continue
                end = u + duration * 60
                capacity = query.location.capacity
                if capacity is not None:
                    overlapping = sum(1 for s, e in query.location.bookings if s < end and e > u)
                    if overlapping >= capacity:
                        continue
                offers.add((u, end, spec.id, workplace.id if workplace else None))
    return offers
