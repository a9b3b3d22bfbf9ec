"""Wall-clock times of one IANA time zone as epoch seconds, DST included.

The zone's UTC offset is constant between transitions, so a window of days is cut into
segments of constant offset once; a wall-clock interval on a date is then the exact set of
instants whose local reading falls inside it: a time skipped by spring forward maps to
nothing, and a time repeated by fall back maps to both of its occurrences.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from slotwise.availability.intervals import Interval, merge

DAY = 86_400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
# No zone is further than 14 h from UTC; the margin keeps every local day inside the window.
_MARGIN = 18 * 3600
# Real zones change their offset at most a few times a year, never twice within 6 hours.
_SAMPLE_EVERY = 6 * 3600

Segment = tuple[int, int, int]  # [utc_start, utc_end) with this offset in seconds


def naive_midnight(day: dt.date) -> int:
    """Local midnight of ``day`` as if the local clock were UTC (seconds)."""
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY


def seconds_of_day(value: dt.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


class LocalClock:
    """Converts wall-clock intervals of dates in ``[first, last]`` to epoch seconds."""

    def __init__(self, zone: ZoneInfo, first: dt.date, last: dt.date) -> None:
        self.zone = zone
        low = naive_midnight(first) - _MARGIN
        high = naive_midnight(last) + DAY + _MARGIN
        self._segments = _segments(zone, low, high)
        self._by_day: dict[dt.date, list[Segment]] = {}
        self._walls: dict[tuple[dt.date, int, int], list[Interval]] = {}

    def _day_segments(self, day: dt.date) -> list[Segment]:
        found = self._by_day.get(day)
        if found is None:
            local_start = naive_midnight(day)
            local_end = local_start + DAY
            found = [
                seg
                for seg in self._segments
                if seg[0] + seg[2] < local_end and seg[1] + seg[2] > local_start
            ]
            self._by_day[day] = found
        return found

    def wall(self, day: dt.date, start: int, end: int) -> list[Interval]:
        """Instants whose local reading on ``day`` lies in ``[start, end)`` seconds.

        The result is shared between callers (the same hours recur for every specialist):
        do not modify it.
        """
        key = (day, start, end)
        found = self._walls.get(key)
        if found is None:
            found = self._walls[key] = self._wall(day, start, end)
        return found

    def _wall(self, day: dt.date, start: int, end: int) -> list[Interval]:
        base = naive_midnight(day)
        low, high = base + start, base + end
        pieces: list[Interval] = []
        for seg_start, seg_end, offset in self._day_segments(day):
            a = max(low, seg_start + offset)
            b = min(high, seg_end + offset)
            if a < b:
                pieces.append((a - offset, b - offset))
        return merge(pieces) if len(pieces) > 1 else pieces

    def grid(self, day: dt.date, step: int) -> list[int]:
        """Instants of the local times 00:00, step, 2*step, ... of ``day``.

        A time that does not exist that day is left out; a time that exists twice gives
        only its first occurrence, so no local label is offered twice.
        """
        base = naive_midnight(day)
        segments = self._day_segments(day)
        if len(segments) == 1:
            offset = segments[0][2]
            return [base + m - offset for m in range(0, DAY, step)]
        out: list[int] = []
        for m in range(0, DAY, step):
            local = base + m
            for seg_start, seg_end, offset in segments:
                if seg_start + offset <= local < seg_end + offset:
                    out.append(local - offset)
                    break
        return out


def _offset(zone: ZoneInfo, instant: int) -> int:
    delta = dt.datetime.fromtimestamp(instant, zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def _segments(zone: ZoneInfo, low: int, high: int) -> list[Segment]:
    samples = [*range(low, high, _SAMPLE_EVERY), high]
    offsets = [_offset(zone, instant) for instant in samples]
    segments: list[Segment] = []
    start = low
    for i in range(1, len(samples)):
        if offsets[i] == offsets[i - 1]:
            continue
        before, after = samples[i - 1], samples[i]
        while after - before > 1:
            middle = (before + after) // 2
            if _offset(zone, middle) == offsets[i - 1]:
                before = middle
            else:
                after = middle
        segments.append((start, after, offsets[i - 1]))
        start = after
    segments.append((start, high, offsets[-1]))
    return segments
