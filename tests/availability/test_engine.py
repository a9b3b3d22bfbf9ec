"""The engine's rules one by one, on a Monday in Berlin (location Mon-Sat 9-19, specialists
Mon-Fri 9-18 unless a test says otherwise)."""

from __future__ import annotations

import datetime as dt
import uuid

from slotwise.availability.engine import (
    DatedBreak,
    ScheduleEntry,
    WeeklyHours,
    choose,
    compute_slots,
)
from tests.availability.builders import (
    MONDAY,
    busy,
    grid,
    hours,
    labels,
    local,
    query,
    specialist,
    t,
    weekly,
    workplace,
)

TUESDAY = MONDAY + dt.timedelta(days=1)
SUNDAY = MONDAY + dt.timedelta(days=6)


def test_working_day_with_break_after() -> None:
    anna = specialist()
    slots = compute_slots(query([anna], break_after=10))
    # The break after (10 min) must fit before 18:00 too: 17:15 + 40 min = 17:55.
    assert labels(slots) == grid("09:00", "17:15")
    first = slots[0]
    assert first.start == dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
    assert first.end == dt.datetime(2030, 1, 7, 8, 30, tzinfo=dt.UTC)  # break not included
    assert [(o.specialist_id, o.specialist_name, o.workplace_ids) for o in first.offers] == [
        (anna.id, "Anna", ())
    ]
    assert labels(compute_slots(query([anna]))) == grid("09:00", "17:30")


def test_split_opening_hours() -> None:
    opening = [WeeklyHours(0, t("10:00"), t("12:00")), WeeklyHours(0, t("13:00"), t("19:00"))]
    slots = compute_slots(query([specialist()], opening=opening))
    assert labels(slots) == grid("10:00", "11:30") + grid("13:00", "17:30")


def test_schedule_is_cut_by_opening_hours() -> None:
    anna = specialist(schedule=weekly(start="07:00", end="22:00"))
    assert labels(compute_slots(query([anna]))) == grid("09:00", "18:30")


def test_closed_days() -> None:
    every_day = specialist(schedule=weekly(range(7)))
    assert compute_slots(query([every_day], first=SUNDAY)) == []  # no hours on Sunday
    monday_off = [WeeklyHours(0, t("09:00"), t("19:00"), is_day_off=True), *hours(range(1, 6))]
    assert compute_slots(query([every_day], opening=monday_off)) == []
    assert compute_slots(query([every_day], opening=monday_off, first=TUESDAY)) != []


def test_closed_holiday() -> None:
    anna = specialist()
    slots = compute_slots(query([anna], holidays={MONDAY: False}, last=TUESDAY))
    assert {slot.start.date() for slot in slots} == {TUESDAY}
    assert len(slots) == len(grid("09:00", "17:30"))


def test_working_holiday_opens_a_day_off_with_its_stored_times() -> None:
    every_day = specialist(schedule=weekly(range(7)))
    opening = [*hours(), WeeklyHours(6, t("10:00"), t("14:00"), is_day_off=True)]
    opened = compute_slots(
        query([every_day], opening=opening, first=SUNDAY, holidays={SUNDAY: True})
    )
    assert labels(opened) == grid("10:00", "13:30")
    assert compute_slots(query([every_day], opening=opening, first=SUNDAY)) == []
    # A day without any rows has no times to open with: it stays closed.
    assert compute_slots(query([every_day], first=SUNDAY, holidays={SUNDAY: True})) == []
    # On a normal working day a working holiday changes nothing.
    normal = compute_slots(query([every_day], holidays={MONDAY: True}))
    assert labels(normal) == grid("09:00", "17:30")


def test_day_off_in_the_schedule() -> None:
    anna = specialist(
        schedule=[ScheduleEntry(0, t("09:00"), t("18:00"), is_day_off=True), *weekly(range(1, 5))]
    )
    assert compute_slots(query([anna])) == []
    assert labels(compute_slots(query([anna], first=TUESDAY))) == grid("09:00", "17:30")


def test_breaks_block_the_whole_claim() -> None:
    anna = specialist(breaks=[DatedBreak(MONDAY, t("12:00"), t("13:00"))])
    slots = compute_slots(query([anna], break_after=10))
    assert labels(slots) == grid("09:00", "11:15") + grid("13:00", "17:15")
    # Breaks are per date: Tuesday is whole.
    assert labels(compute_slots(query([anna], first=TUESDAY, break_after=10))) == grid(
        "09:00", "17:15"
    )


def test_busy_claims_with_buffers_and_break_after() -> None:
    # Claim range of a slot at s: [s - 5, s + 30 + 10 + 5).
    anna = specialist(busy=[busy(MONDAY, "10:00", "10:50")])
    slots = compute_slots(query([anna], break_after=10, buffer_before=5, buffer_after=5))
    # 09:00 would need its buffer before opening; 09:15 ends its claim at 10:00 exactly.
    assert labels(slots) == ["09:15", *grid("11:00", "17:15")]
    assert slots[0].end - slots[0].start == dt.timedelta(minutes=30)


def test_custom_duration_gives_separate_slots_sorted_by_end() -> None:
    anna = specialist("Anna", custom_duration=45)
    ben = specialist("Ben")
    slots = compute_slots(query([ben, anna]))
    nine = [s for s in slots if labels([s]) == ["09:00"]]
    assert [(s.end - s.start, s.offers[0].specialist_name) for s in nine] == [
        (dt.timedelta(minutes=30), "Ben"),
        (dt.timedelta(minutes=45), "Anna"),
    ]
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    assert max(s.start for s in slots if s.offers[0].specialist_name == "Anna") == local(
        MONDAY, "17:15"
    )


def test_workplace_override_terms_and_workplace_must_be_free() -> None:
    chair = workplace("Chair 1", duration=60, break_after=0, busy=[busy(MONDAY, "10:00", "11:00")])
    anna = specialist(custom_duration=45)
    slots = compute_slots(query([anna], workplaces=[chair], break_after=10))
    assert labels(slots) == ["09:00", *grid("11:00", "17:00")]
    assert all(s.end - s.start == dt.timedelta(minutes=60) for s in slots)
    assert all(s.offers[0].workplace_ids == (chair.id,) for s in slots)
    # Without an override duration the specialist's custom duration applies.
    plain = workplace("Chair 2")
    slots = compute_slots(query([anna], workplaces=[plain], break_after=10))
    assert {s.end - s.start for s in slots} == {dt.timedelta(minutes=45)}


def test_free_workplaces_are_listed_by_name() -> None:
    second = workplace("B chair", busy=[busy(MONDAY, "09:00", "12:00")])
    first = workplace("A chair")
    slots = compute_slots(query([specialist()], workplaces=[second, first]))
    by_label = {labels([s])[0]: s.offers[0].workplace_ids for s in slots}
    assert by_label["09:00"] == (first.id,)
    assert by_label["12:00"] == (first.id, second.id)
    busy_all_day = workplace("C", busy=[busy(MONDAY, "00:00", "23:59")])
    assert compute_slots(query([specialist()], workplaces=[busy_all_day])) == []


def test_schedule_entries_bind_a_workplace() -> None:
    chair1, chair2 = workplace("Chair 1"), workplace("Chair 2")
    anna = specialist(
        "Anna",
        schedule=[
            ScheduleEntry(0, t("09:00"), t("12:00"), workplace_id=chair1.id),
            ScheduleEntry(0, t("12:00"), t("18:00"), workplace_id=chair2.id),
        ],
    )
    ben = specialist("Ben")
    slots = compute_slots(query([anna, ben], workplaces=[chair1, chair2]))
    anna_at = {
        labels([s])[0]: o.workplace_ids
        for s in slots
        for o in s.offers
        if o.specialist_id == anna.id
    }
    assert anna_at["09:00"] == anna_at["11:30"] == (chair1.id,)
    assert anna_at["12:00"] == anna_at["17:30"] == (chair2.id,)
    assert "11:45" not in anna_at  # it would need both chairs
    ben_at = {
        labels([s])[0]: o.workplace_ids
        for s in slots
        for o in s.offers
        if o.specialist_id == ben.id
    }
    assert ben_at["11:45"] == (chair1.id, chair2.id)
    # An entry naming a workplace that does not offer the service gives nothing.
    elsewhere = specialist("Cem", schedule=weekly(workplace_id=uuid.uuid4()))
    assert compute_slots(query([elsewhere], workplaces=[chair1])) == []
    # When the service needs no workplace, the workplace entries join up.
    free = compute_slots(query([anna]))
    assert "11:45" in labels(free)
    assert all(s.offers[0].workplace_ids == () for s in free)


def test_location_capacity_counts_overlapping_bookings() -> None:
    booked = [busy(MONDAY, "10:00", "10:30")]
    full = compute_slots(query([specialist()], capacity=1, bookings=booked))
    assert {"09:45", "10:00", "10:15"}.isdisjoint(labels(full))
    assert {"09:30", "10:30"} <= set(labels(full))
    roomy = compute_slots(query([specialist()], capacity=2, bookings=booked))
    assert labels(roomy) == grid("09:00", "17:30")


def test_slot_step_counts_from_local_midnight() -> None:
    assert labels(compute_slots(query([specialist()], step=20))) == grid("09:00", "17:20", 20)
    assert labels(compute_slots(query([specialist()], step=60))) == grid("09:00", "17:00", 60)
    # 7-minute steps from midnight: 09:06 (546 min) is the first one after opening.
    odd = labels(compute_slots(query([specialist()], step=7)))
    assert odd[:2] == ["09:06", "09:13"]


def test_minimum_notice() -> None:
    now = local(MONDAY, "10:07")
    assert labels(compute_slots(query([specialist()], now=now)))[0] == "11:15"
    assert labels(compute_slots(query([specialist()], now=now, notice=0)))[0] == "10:15"


def test_booking_horizon() -> None:
    now = local(MONDAY, "09:00")
    slots = compute_slots(query([specialist()], now=now, notice=0, horizon=1, last=TUESDAY))
    assert labels([s for s in slots if s.start.date() == TUESDAY]) == ["09:00"]
    assert labels([s for s in slots if s.start.date() == MONDAY]) == grid("09:00", "17:30")


def test_identical_slots_are_grouped_by_name_then_id() -> None:
    ids = sorted([uuid.uuid4(), uuid.uuid4()])
    sam2, sam1 = specialist("Sam", id=ids[1]), specialist("Sam", id=ids[0])
    ben = specialist("Ben")
    slots = compute_slots(query([sam2, ben, sam1]))
    assert all([o.specialist_id for o in s.offers] == [ben.id, ids[0], ids[1]] for s in slots)


def test_several_days_sorted() -> None:
    slots = compute_slots(query([specialist()], last=MONDAY + dt.timedelta(days=6)))
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    assert len(slots) == 5 * len(grid("09:00", "17:30"))


def test_choose_takes_first_free_by_name() -> None:
    anna = specialist("Anna", busy=[busy(MONDAY, "09:00", "09:30")])
    ben = specialist("Ben")
    q = query([ben, anna], break_after=10, buffer_before=5, buffer_after=5)
    nine_fifteen = local(MONDAY, "09:15")
    choice = choose(q, nine_fifteen)
    assert choice is not None
    assert choice.specialist_id == ben.id  # Anna's claim would reach into her booking
    choice = choose(q, local(MONDAY, "10:00"))
    assert choice is not None and choice.specialist_id == anna.id
    assert choice.workplace_id is None
    assert choice.start == local(MONDAY, "10:00")
    assert choice.end == local(MONDAY, "10:30")
    assert (choice.claim_start, choice.claim_end) == (
        local(MONDAY, "09:55"),
        local(MONDAY, "10:45"),
    )
    only_ben = choose(q, local(MONDAY, "10:00"), specialist_id=ben.id)
    assert only_ben is not None and only_ben.specialist_id == ben.id
    assert choose(q, nine_fifteen, specialist_id=anna.id) is None
    assert choose(q, local(MONDAY, "09:20")) is None  # not on the grid
    assert choose(q, local(MONDAY, "10:00") + dt.timedelta(seconds=1)) is None
    assert choose(q, local(MONDAY, "17:30")) is None  # its break would end after 18:00


def test_choose_workplaces() -> None:
    chair_b = workplace("Chair B")
    chair_a = workplace("Chair A", busy=[busy(MONDAY, "09:00", "10:00")])
    anna = specialist()
    q = query([anna], workplaces=[chair_b, chair_a])
    early = choose(q, local(MONDAY, "09:00"))
    late = choose(q, local(MONDAY, "10:00"))
    assert early is not None and early.workplace_id == chair_b.id
    assert late is not None and late.workplace_id == chair_a.id  # first by name
    assert choose(q, local(MONDAY, "09:00"), workplace_id=chair_a.id) is None
    pinned = choose(q, local(MONDAY, "10:00"), workplace_id=chair_b.id)
    assert pinned is not None and pinned.workplace_id == chair_b.id
    # A workplace where none is needed is not an offered option.
    assert choose(query([anna]), local(MONDAY, "10:00"), workplace_id=chair_a.id) is None


def test_nothing_to_offer() -> None:
    assert compute_slots(query([])) == []
    assert compute_slots(query([specialist()], first=TUESDAY, last=MONDAY)) == []
    assert choose(query([]), local(MONDAY, "10:00")) is None
