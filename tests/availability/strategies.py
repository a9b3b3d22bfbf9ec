"""Hypothesis strategies for whole availability queries, around DST changes and not.

Every time lies on 5 minutes, so the cell-by-cell oracle is exact.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from slotwise.availability.engine import (
    AvailabilityQuery,
    BookingRules,
    Busy,
    DatedBreak,
    LocationInput,
    ScheduleEntry,
    ServiceTerms,
    SpecialistInput,
    WeeklyHours,
    WorkplaceInput,
)

# Zones with the days their clocks change (Kolkata and UTC never change: a plain day).
ANCHORS = {
    "Europe/Berlin": (dt.date(2026, 3, 29), dt.date(2026, 10, 25)),
    "America/New_York": (dt.date(2026, 3, 8), dt.date(2026, 11, 1)),
    "Asia/Kolkata": (dt.date(2026, 6, 15),),
    "UTC": (dt.date(2026, 6, 15),),
}
LAST_UNIT = 287  # 23:55


def unit_time(units: int) -> dt.time:
    return dt.time(units * 5 // 60, units * 5 % 60)


@st.composite
def spans(draw: st.DrawFn, longest: int = 150) -> tuple[dt.time, dt.time]:
    # Night hours are favoured: the clocks change at night.
    start = draw(st.one_of(st.integers(0, 48), st.integers(0, LAST_UNIT - 1)))
    end = draw(st.integers(start + 1, min(LAST_UNIT, start + longest)))
    return unit_time(start), unit_time(end)


@st.composite
def working_spans(draw: st.DrawFn) -> tuple[dt.time, dt.time]:
    """Mostly long (so that slots exist), sometimes short or anywhere."""
    wide = st.tuples(st.integers(0, 40), st.integers(100, LAST_UNIT)).map(
        lambda se: (unit_time(se[0]), unit_time(se[1]))
    )
    return draw(st.one_of(wide, wide, spans()))


@st.composite
def weekday_rows(
    draw: st.DrawFn, day: int, open_weight: int = 6
) -> list[tuple[int, dt.time, dt.time, bool]]:
    kind = draw(st.sampled_from((*["open"] * open_weight, "none", "day_off")))
    if kind == "none":
        return []
    if kind == "day_off":
        start, end = draw(spans())
        return [(day, start, end, True)]
    return [(day, *draw(working_spans()), False) for _ in range(draw(st.integers(1, 2)))]


@st.composite
def busy_spans(draw: st.DrawFn, low: int, high: int, most: int) -> list[Busy]:
    out = []
    for _ in range(draw(st.integers(0, most))):
        start = low + 300 * draw(st.integers(0, (high - low) // 300))
        out.append((start, start + 300 * draw(st.integers(1, 36))))
    return out


@st.composite
def queries(draw: st.DrawFn) -> AvailabilityQuery:
    zone = draw(st.sampled_from(sorted(ANCHORS)))
    first = draw(st.sampled_from(ANCHORS[zone])) - dt.timedelta(days=draw(st.integers(0, 1)))
    last = first + dt.timedelta(days=draw(st.integers(0, 2)))
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    low = int(dt.datetime.combine(first, dt.time(), ZoneInfo(zone)).timestamp()) - 6 * 3600
    high = low + (len(days) + 1) * 86_400

    hours = [WeeklyHours(*row) for day in range(7) for row in draw(weekday_rows(day, 3))]
    holidays = {day: draw(st.booleans()) for day in days if draw(st.integers(0, 2)) == 0}
    workplaces = [
        WorkplaceInput(
            draw(st.uuids()),
            draw(st.sampled_from(("Chair A", "Chair B"))),
            draw(st.none() | st.sampled_from((15, 45, 60))),
            draw(st.none() | st.sampled_from((0, 5, 20))),
            draw(busy_spans(low, high, 3)),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    stray = uuid.UUID(int=1)  # a workplace that does not offer the service
    places = [None, None, None, stray, *(w.id for w in workplaces)]
    specialists = []
    for _ in range(draw(st.integers(1, 3))):
        schedule = [
            ScheduleEntry(day, start, end, off, draw(st.sampled_from(places)))
            for weekday in range(7)
            for day, start, end, off in draw(weekday_rows(weekday))
        ]
        breaks = [
            DatedBreak(draw(st.sampled_from(days)), *draw(spans(longest=24)))
            for _ in range(draw(st.integers(0, 3)))
        ]
        specialists.append(
            SpecialistInput(
                draw(st.uuids()),
                draw(st.sampled_from(("Anna", "Ben", "Anna"))),
                schedule,
                draw(st.none() | st.sampled_from((10, 25, 90))),
                breaks,
                draw(busy_spans(low, high, 6)),
            )
        )
    service = ServiceTerms(
        5 * draw(st.integers(1, 24)),
        draw(st.sampled_from((0, 5, 10, 30))),
        draw(st.sampled_from((0, 5, 15))),
        draw(st.sampled_from((0, 5, 15))),
    )
    rules = BookingRules(
        draw(st.sampled_from((5, 10, 15, 20, 30, 60))),
        draw(st.sampled_from((0, 30, 60, 120))),
        draw(st.integers(1, 4)),
    )
    capacity = draw(st.none() | st.integers(1, 3))
    bookings = draw(busy_spans(low, high, 6)) if capacity is not None else []
    now = dt.datetime.fromtimestamp(low + 300 * draw(st.integers(-300, 120)), dt.UTC)
    return AvailabilityQuery(
        LocationInput(zone, hours, holidays, capacity, bookings),
        service,
        rules,
        specialists,
        workplaces,
        first,
        last,
        now,
    )
