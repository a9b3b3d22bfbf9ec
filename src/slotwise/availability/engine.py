"""Free slots for one service at one location: pure functions over plain dataclasses.

No database and no I/O, so the rules can be tested exhaustively and run in a few
milliseconds. All instants are epoch seconds internally (see ``intervals``); wall-clock rules
go through ``clock.LocalClock`` in the location's time zone.

A booking is ``[start, start + duration)`` for the client; what it blocks on its specialist
and its workplace (its *claim range*) is ``[start - buffer_before, start + duration +
break_after + buffer_after)``. A start is offered for a (specialist, workplace) option when
the whole claim range lies inside the specialist's working time, overlaps none of their
breaks and live claims nor the workplace's, and the location stays under its capacity.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slotwise.availability.clock import DAY, LocalClock, seconds_of_day
from slotwise.availability.data import (
    AvailabilityQuery,
    BookingRules,
    Busy,
    DatedBreak,
    LocationInput,
    ScheduleEntry,
    ServiceTerms,
    Slot,
    SlotChoice,
    SlotOffer,
    SpecialistInput,
    WeeklyHours,
    WorkplaceInput,
    epoch_range,
)
from slotwise.availability.intervals import Interval, intersect, merge, subtract

__all__ = [
    "AvailabilityQuery",
    "BookingRules",
    "Busy",
    "DatedBreak",
    "LocationInput",
    "ScheduleEntry",
    "ServiceTerms",
    "Slot",
    "SlotChoice",
    "SlotOffer",
    "SpecialistInput",
    "WeeklyHours",
    "WorkplaceInput",
    "candidates",
    "choose",
    "claim_padding",
    "claim_range",
    "compute_slots",
    "epoch_range",
    "max_claim_after_minutes",
    "option_minutes",
    "padded_days",
]


@dataclass(frozen=True, slots=True)
class _Option:
    specialist: SpecialistInput
    workplace: WorkplaceInput | None
    duration: int  # seconds of the client's appointment
    before: int  # seconds the claim reaches before the start
    after: int  # seconds the claim reaches past the start
    padding: tuple[int, int]  # claim_padding's minutes before the start and after the end
    offer: SlotOffer  # shared by every slot of this option when no workplace is needed


def option_minutes(
    service: ServiceTerms, custom_duration: int | None, workplace: WorkplaceInput | None
) -> tuple[int, int]:
    """(duration, break after) in minutes: the workplace's override wins, then the
    specialist's custom duration, then the service."""
    duration = service.duration_minutes
    if custom_duration is not None:
        duration = custom_duration
    break_after = service.break_after_minutes
    if workplace is not None:
        if workplace.duration_minutes is not None:
            duration = workplace.duration_minutes
        if workplace.break_after_minutes is not None:
            break_after = workplace.break_after_minutes
    return duration, break_after


def claim_padding(terms: Iterable[tuple[int, int, int]]) -> tuple[int, int]:
    """Minutes a booking blocks its specialists and workplace before its start and after its
    end, from ``(buffer_before, break_after, buffer_after)`` of each of its services (the
    break a workplace's own when it has one): the longest buffer before, and the longest
    break after plus buffer after. Holds, confirmations and direct bookings all claim by it.
    """
    before = after = 0
    for buffer_before, break_after, buffer_after in terms:
        before = max(before, buffer_before)
        after = max(after, break_after + buffer_after)
    return before, after


def claim_range(
    start: dt.datetime, end: dt.datetime, before_minutes: int, after_minutes: int
) -> tuple[dt.datetime, dt.datetime]:
    """The time a booking ``[start, end)`` claims on its specialists and workplace: widened
    by the ``claim_padding`` minutes. Claiming (holds, confirmations, direct bookings and
    changes) and naming the bookings in the way all take the range from here."""
    return start - dt.timedelta(minutes=before_minutes), end + dt.timedelta(minutes=after_minutes)


def padded_days(
    first: dt.date, last: dt.date, before_minutes: int, after_minutes: int
) -> tuple[dt.date, dt.date]:
    """The dates whose rules can touch a claim range of a slot starting in ``[first, last]``.

    Loading (and computing) exactly these keeps a one-day check and a long listing in
    agreement about every slot.
    """
    return (
        first - dt.timedelta(days=before_minutes // 1440 + 2),
        last + dt.timedelta(days=after_minutes // 1440 + 2),
    )


def max_claim_after_minutes(
    service: ServiceTerms,
    custom_durations: Sequence[int | None],
    workplaces: Sequence[WorkplaceInput],
) -> int:
    """The longest a claim of any option can reach past its start."""
    candidates = [*workplaces] if workplaces else [None]
    longest = 0
    for custom in [*custom_durations, None]:
        for workplace in candidates:
            duration, break_after = option_minutes(service, custom, workplace)
            longest = max(longest, duration + break_after)
    return longest + service.buffer_after_minutes


def compute_slots(query: AvailabilityQuery) -> list[Slot]:
    """Every offered slot, sorted by start then end; offers by specialist name then id."""
    found = _search(query, _options(query))
    slots: list[Slot] = []
    instants: dict[int, dt.datetime] = {}  # most ends are other slots' starts
    for start, end in sorted(found):
        options = found[(start, end)]
        if not query.workplaces:
            offers = tuple([opt.offer for opt in options])
        else:
            offers = _grouped(options)
        begins = instants.get(start)
        if begins is None:
            begins = instants[start] = _utc(start)
        ends = instants.get(end)
        if ends is None:
            ends = instants[end] = _utc(end)
        slots.append(Slot(begins, ends, offers))
    return slots


def _grouped(options: list[_Option]) -> tuple[SlotOffer, ...]:
    """One offer per specialist with their free workplaces (options were searched
    specialist by specialist, so each one's are adjacent)."""
    offers: list[SlotOffer] = []
    current: SpecialistInput | None = None
    workplace_ids: list[uuid.UUID] = []
    for opt in options:
        if opt.specialist is not current:
            if current is not None:
                offers.append(SlotOffer(current.id, current.name, tuple(workplace_ids)))
            current, workplace_ids = opt.specialist, []
        if opt.workplace is not None:
            workplace_ids.append(opt.workplace.id)
    if current is not None:
        offers.append(SlotOffer(current.id, current.name, tuple(workplace_ids)))
    return tuple(offers)


def choose(
    query: AvailabilityQuery,
    start: dt.datetime,
    *,
    specialist_id: uuid.UUID | None = None,
    workplace_id: uuid.UUID | None = None,
) -> SlotChoice | None:
    """The option a booking at ``start`` would take, or None when ``start`` is not offered
    (for that specialist / workplace when given)."""
    found = candidates(query, start, specialist_id=specialist_id, workplace_id=workplace_id)
    return found[0] if found else None


def candidates(
    query: AvailabilityQuery,
    start: dt.datetime,
    *,
    specialist_id: uuid.UUID | None = None,
    workplace_id: uuid.UUID | None = None,
) -> list[SlotChoice]:
    """Every option free at ``start``, in the order choices are made: the first free
    specialist by name then id, then the first free workplace by name then id.

    Each choice carries its ``claim_range``: the option's own duration and break (workplace
    override, specialist's custom duration) widened by ``claim_padding``.
    """
    at = math.floor(start.timestamp())
    if at != start.timestamp():
        return []  # starts lie on whole seconds of the grid
    options = [
        opt
        for opt in _options(query)
        if (specialist_id is None or opt.specialist.id == specialist_id)
        and (
            workplace_id is None or (opt.workplace is not None and opt.workplace.id == workplace_id)
        )
    ]
    found = _search(query, options)
    chosen: list[SlotChoice] = []
    for opt in options:
        end = at + opt.duration
        if any(offered is opt for offered in found.get((at, end), ())):
            begins, ends = _utc(at), _utc(end)
            chosen.append(
                SlotChoice(
                    opt.specialist.id,
                    opt.workplace.id if opt.workplace is not None else None,
                    begins,
                    ends,
                    *claim_range(begins, ends, *opt.padding),
                )
            )
    return chosen


def _utc(instant: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(instant, dt.UTC)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _options(query: AvailabilityQuery) -> list[_Option]:
    """Every (specialist, workplace) pair in the order choices are made."""
    service = query.service
    workplaces: list[WorkplaceInput | None] = [None]
    if query.workplaces:
        workplaces = [*sorted(query.workplaces, key=lambda w: (w.name, w.id))]
    out: list[_Option] = []
    for spec in sorted(query.specialists, key=lambda s: (s.name, s.id)):
        for workplace in workplaces:
            duration, break_after = option_minutes(service, spec.custom_duration_minutes, workplace)
            before, after = claim_padding(
                [(service.buffer_before_minutes, break_after, service.buffer_after_minutes)]
            )
            offer = SlotOffer(spec.id, spec.name, ())
            out.append(
                _Option(
                    spec,
                    workplace,
                    duration * 60,
                    before * 60,
                    (duration + after) * 60,
                    (before, after),
                    offer,
                )
            )
    return out


class _Location:
    """The location's opening intervals per date, in epoch seconds."""

    def __init__(self, location: LocationInput, clock: LocalClock) -> None:
        self._clock = clock
        self._holidays = location.holidays
        self._hours: dict[int, list[WeeklyHours]] = {}
        for row in location.hours:
            self._hours.setdefault(row.day_of_week, []).append(row)
        self._open: dict[dt.date, list[Interval]] = {}

    def open_on(self, day: dt.date) -> list[Interval]:
        found = self._open.get(day)
        if found is None:
            found = self._compute(day)
            self._open[day] = found
        return found

    def _compute(self, day: dt.date) -> list[Interval]:
        is_working_holiday = self._holidays.get(day)
        if is_working_holiday is False:
            return []
        rows = self._hours.get(day.weekday(), [])
        days_off = [row for row in rows if row.is_day_off]
        if days_off or not rows:
            if not is_working_holiday:
                return []
            # A working holiday opens a day off with the times kept on its day-off rows.
            rows = [row for row in days_off if row.end > row.start]
        pieces: list[Interval] = []
        for row in rows:
            pieces.extend(self._clock.wall(day, seconds_of_day(row.start), seconds_of_day(row.end)))
        return merge(pieces)


def _working(
    schedule: Sequence[ScheduleEntry],
    workplace: WorkplaceInput | None,
    days: list[dt.date],
    location: _Location,
    clock: LocalClock,
) -> list[Interval]:
    """A specialist's scheduled time at the location (for this workplace, when one is
    needed), inside the opening hours; breaks and claims are taken off later."""
    by_day: dict[int, list[ScheduleEntry]] = {}
    off_days: set[int] = set()
    for entry in schedule:
        if entry.is_day_off:
            off_days.add(entry.day_of_week)
            continue
        if (
            workplace is not None
            and entry.workplace_id is not None
            and entry.workplace_id != workplace.id
        ):
            continue
        by_day.setdefault(entry.day_of_week, []).append(entry)
    pieces: list[Interval] = []
    for day in days:
        weekday = day.weekday()
        entries = by_day.get(weekday)
        if not entries or weekday in off_days:
            continue
        opened = location.open_on(day)
        if not opened:
            continue
        for entry in entries:
            scheduled = clock.wall(day, seconds_of_day(entry.start), seconds_of_day(entry.end))
            pieces.extend(intersect(scheduled, opened))
    return merge(pieces)


def _blocked(spec: SpecialistInput, days: list[dt.date], clock: LocalClock) -> list[Interval]:
    first, last = days[0], days[-1]
    pieces = list(spec.busy)
    for brk in spec.breaks:
        if first <= brk.date <= last:
            pieces.extend(clock.wall(brk.date, seconds_of_day(brk.start), seconds_of_day(brk.end)))
    return merge(pieces)


class _Capacity:
    """Counts live bookings at the location that overlap a range, with two bisections."""

    def __init__(self, location: LocationInput) -> None:
        self.limit = location.capacity
        self._starts = sorted(start for start, _ in location.bookings)
        self._ends = sorted(end for _, end in location.bookings)
        self._known: dict[Interval, bool] = {}

    def allows(self, start: int, end: int) -> bool:
        if self.limit is None:
            return True
        known = self._known.get((start, end))
        if known is None:
            # Overlapping = all - (starting at/after end) - (ending at/before start).
            overlapping = bisect_left(self._starts, end) - bisect_right(self._ends, start)
            known = overlapping < self.limit
            self._known[(start, end)] = known
        return known


def _search(query: AvailabilityQuery, options: list[_Option]) -> dict[Interval, list[_Option]]:
    """The options free at each (start, end), in the order of ``options``."""
    found: dict[Interval, list[_Option]] = {}
    if not options or query.last_day < query.first_day:
        return found
    service, rules = query.service, query.rules
    longest = max(opt.after for opt in options)
    first, last = padded_days(
        query.first_day, query.last_day, service.buffer_before_minutes, longest // 60 + 1
    )
    clock = LocalClock(ZoneInfo(query.location.time_zone), first, last)
    days = _days(first, last)
    location = _Location(query.location, clock)
    now = math.floor(query.now.timestamp())
    earliest = now + rules.min_notice_minutes * 60
    latest = now + rules.booking_horizon_days * DAY
    grid = [
        instant
        for day in _days(query.first_day, query.last_day)
        for instant in clock.grid(day, rules.slot_step_minutes * 60)
        if earliest <= instant <= latest
    ]
    if not grid:
        return found
    grid.sort()  # already ordered in every real zone; sorting an ordered list is linear
    capacity = _Capacity(query.location)
    workplace_blocks = {wp.id: merge(wp.busy) for wp in query.workplaces}
    specialist_blocks: dict[uuid.UUID, list[Interval]] = {}
    # Staff of one location mostly share their weekly hours: each distinct schedule is laid
    # over the days once.
    working: dict[tuple[tuple[ScheduleEntry, ...], uuid.UUID | None], list[Interval]] = {}
    for opt in options:
        spec, workplace = opt.specialist, opt.workplace
        blocks = specialist_blocks.get(spec.id)
        if blocks is None:
            blocks = specialist_blocks[spec.id] = _blocked(spec, days, clock)
        hours = (tuple(spec.schedule), workplace.id if workplace is not None else None)
        scheduled = working.get(hours)
        if scheduled is None:
            scheduled = working[hours] = _working(spec.schedule, workplace, days, location, clock)
        free = subtract(scheduled, blocks)
        if workplace is not None:
            free = subtract(free, workplace_blocks[workplace.id])
        duration, before, after = opt.duration, opt.before, opt.after
        for free_start, free_end in free:
            low, high = free_start + before, free_end - after
            if high < low:
                continue
            for start in grid[bisect_left(grid, low) : bisect_right(grid, high)]:
                key = (start, start + duration)
                if capacity.limit is not None and not capacity.allows(*key):
                    continue
                offered = found.get(key)
                if offered is None:
                    found[key] = [opt]
                else:
                    offered.append(opt)
    return found
