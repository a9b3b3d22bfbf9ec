"""Days when the clocks change: the location is open 00:00-06:00 every day, and a 60-minute
service is offered every 30 minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest

from slotwise.availability.engine import DatedBreak, Slot, choose, compute_slots
from tests.availability.builders import BERLIN, NEW_YORK, hours, query, specialist, t, weekly

NIGHT = hours(range(7), "00:00", "06:00")
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def night_slots(zone: str, day: dt.date, breaks: Sequence[DatedBreak] = ()) -> list[Slot]:
    anna = specialist(schedule=weekly(range(7), "00:00", "06:00"), breaks=breaks)
    return compute_slots(
        query([anna], zone=zone, opening=NIGHT, duration=60, step=30, first=day, now=NOW)
    )


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def describe(slots: list[Slot], zone: str) -> list[tuple[str, str, str]]:
    tz = ZoneInfo(zone)
    return [
        (
            s.start.astimezone(tz).isoformat()[11:],
            s.end.astimezone(tz).isoformat()[11:],
            f"{s.start:%H:%MZ}",
        )
        for s in slots
    ]


@pytest.mark.parametrize(
    ("zone", "day"), [(BERLIN, dt.date(2026, 3, 29)), (NEW_YORK, dt.date(2026, 3, 8))]
)
def test_spring_forward_skips_the_missing_hour(zone: str, day: dt.date) -> None:
    slots = night_slots(zone, day)
    tz = ZoneInfo(zone)
    local_labels = [f"{s.start.astimezone(tz):%H:%M}" for s in slots]
    assert local_labels == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "03:00",
        "03:30",
        "04:00",
        "04:30",
        "05:00",
    ]
    # 60 real minutes: 01:30 standard time ends at 03:30 summer time.
    one_thirty = slots[3]
    assert one_thirty.end - one_thirty.start == dt.timedelta(hours=1)
    assert f"{one_thirty.end.astimezone(tz):%H:%M}" == "03:30"
    for slot in slots:  # every local time exists: it survives a round trip through UTC
        wall = slot.start.astimezone(tz).replace(tzinfo=None)
        assert wall.replace(tzinfo=tz).astimezone(dt.UTC) == slot.start


def test_spring_forward_exact_instants_berlin() -> None:
    assert describe(night_slots(BERLIN, dt.date(2026, 3, 29)), BERLIN) == [
        ("00:00:00+01:00", "01:00:00+01:00", "23:00Z"),
        ("00:30:00+01:00", "01:30:00+01:00", "23:30Z"),
        ("01:00:00+01:00", "03:00:00+02:00", "00:00Z"),
        ("01:30:00+01:00", "03:30:00+02:00", "00:30Z"),
        ("03:00:00+02:00", "04:00:00+02:00", "01:00Z"),
        ("03:30:00+02:00", "04:30:00+02:00", "01:30Z"),
        ("04:00:00+02:00", "05:00:00+02:00", "02:00Z"),
        ("04:30:00+02:00", "05:30:00+02:00", "02:30Z"),
        ("05:00:00+02:00", "06:00:00+02:00", "03:00Z"),
    ]


def test_fall_back_offers_the_repeated_hour_once_berlin() -> None:
    assert describe(night_slots(BERLIN, dt.date(2026, 10, 25)), BERLIN) == [
        ("00:00:00+02:00", "01:00:00+02:00", "22:00Z"),
        ("00:30:00+02:00", "01:30:00+02:00", "22:30Z"),
        ("01:00:00+02:00", "02:00:00+02:00", "23:00Z"),
        ("01:30:00+02:00", "02:30:00+02:00", "23:30Z"),
        ("02:00:00+02:00", "02:00:00+01:00", "00:00Z"),
        ("02:30:00+02:00", "02:30:00+01:00", "00:30Z"),
        ("03:00:00+01:00", "04:00:00+01:00", "02:00Z"),
        ("03:30:00+01:00", "04:30:00+01:00", "02:30Z"),
        ("04:00:00+01:00", "05:00:00+01:00", "03:00Z"),
        ("04:30:00+01:00", "05:30:00+01:00", "03:30Z"),
        ("05:00:00+01:00", "06:00:00+01:00", "04:00Z"),
    ]


def test_fall_back_offers_the_repeated_hour_once_new_york() -> None:
    slots = night_slots(NEW_YORK, dt.date(2026, 11, 1))
    described = describe(slots, NEW_YORK)
    starts = [start[:5] for start, _, _ in described]
    assert len(starts) == len(set(starts))
    assert described[2:5] == [
        ("01:00:00-04:00", "01:00:00-05:00", "05:00Z"),
        ("01:30:00-04:00", "01:30:00-05:00", "05:30Z"),
        ("02:00:00-05:00", "03:00:00-05:00", "07:00Z"),
    ]
    assert {utc("2026-11-01T06:00"), utc("2026-11-01T06:30")}.isdisjoint(
        s.start for s in slots
    )  # the second 01:00 and 01:30
    assert slots[-1].start == utc("2026-11-01T10:00")  # 05:00 EST


def test_a_break_in_the_repeated_hour_blocks_both_occurrences() -> None:
    day = dt.date(2026, 11, 1)
    slots = night_slots(NEW_YORK, day, breaks=[DatedBreak(day, t("01:00"), t("01:30"))])
    tz = ZoneInfo(NEW_YORK)
    assert [f"{s.start.astimezone(tz):%H:%M}" for s in slots] == [
        "00:00",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
        "04:00",
        "04:30",
        "05:00",
    ]


def test_hours_ending_inside_the_missing_hour() -> None:
    day = dt.date(2026, 3, 29)
    anna = specialist(schedule=weekly(range(7), "01:00", "02:30"))
    slots = compute_slots(query([anna], opening=NIGHT, step=30, first=day, now=NOW))
    assert [f"{s.start:%H:%MZ}" for s in slots] == ["00:00Z", "00:30Z"]


def test_choose_on_a_dst_day_accepts_offered_and_refuses_the_second_occurrence() -> None:
    day = dt.date(2026, 10, 25)
    anna = specialist(schedule=weekly(range(7), "00:00", "06:00"))
    q = query([anna], opening=NIGHT, duration=60, step=30, first=day, now=NOW)
    first = choose(q, utc("2026-10-25T00:30"))  # 02:30 summer time
    assert first is not None and first.end == utc("2026-10-25T01:30")
    assert choose(q, utc("2026-10-25T01:30")) is None  # 02:30 winter time: not offered
