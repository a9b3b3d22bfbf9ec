"""Sorted lists of half-open ``[start, end)`` intervals of epoch seconds.

Plain integers keep the engine fast: comparing ints is several times cheaper than comparing
aware datetimes, and every list here stays sorted and disjoint so each operation is one
linear merge.
"""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals; touching ones are joined (12-14 and 14-18 are 12-18)."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """The intersection of two sorted, disjoint lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: list[Interval], blocks: list[Interval]) -> list[Interval]:
    """``a`` without ``blocks`` (both sorted and disjoint)."""
    if not blocks:
        return list(a)
    out: list[Interval] = []
    j = 0
    for start, end in a:
        while j < len(blocks) and blocks[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < len(blocks) and blocks[k][0] < end:
            if blocks[k][0] > cursor:
                out.append((cursor, blocks[k][0]))
            cursor = max(cursor, blocks[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out
