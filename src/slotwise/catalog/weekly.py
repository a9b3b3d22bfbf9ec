"""Rules of weekly patterns (opening hours, specialist schedules) shared by both."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

from slotwise.catalog.errors import OverlappingHours
from slotwise.catalog.schemas import WeeklyEntryIn

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def check_no_overlap(entries: Sequence[WeeklyEntryIn]) -> None:
    """Intervals of one day may touch (12:00-14:00 then 14:00-18:00) but not overlap.

    A day off covers the whole day, so it cannot share the day with any other entry. The
    check spans every entry given, because one person cannot be in two places at once.
    """
    by_day: defaultdict[int, list[WeeklyEntryIn]] = defaultdict(list)
    for entry in entries:
        by_day[entry.day_of_week].append(entry)
    for day, items in sorted(by_day.items()):
        name = DAY_NAMES[day]
        if len(items) > 1 and any(item.is_day_off for item in items):
            raise OverlappingHours(f"{name} is a day off but has other entries too")
        spans = sorted(item.interval() for item in items)
        for (start, end), (next_start, next_end) in pairwise(spans):
            if next_start < end:
                raise OverlappingHours(
                    f"On {name} {start:%H:%M}-{end:%H:%M} overlaps "
                    f"{next_start:%H:%M}-{next_end:%H:%M}",
                )
