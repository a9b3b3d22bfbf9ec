"""Which records one poll asks YClients for, and the cursor it leaves for the next.

The cursor (``Connection.cursor``) keeps two things: ``changed_after``, the newest
``last_change_date`` seen (YClients' own stamp, with its offset), and ``window_end``, the
last day the previous polls covered. A poll asks for the days already covered only for what
changed since the cursor; days that entered the window since (a new day began, or the window
was made longer) are read whole, because a record made for them long ago changed before the
cursor and would never come back otherwise.

The changes are asked for beyond the window too (``LOOKAHEAD_DAYS``): a record an admin moved
from tomorrow to next month must move its appointment away, not leave it blocking tomorrow.
Records found out there that were never imported wait until their day enters the window
(``PollPlan.window_end``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from slotwise.sync.yclients import PullResult
from slotwise.sync.yclients_records import MalformedRecord, YclientsRecord

# How far ahead a poll asks for changes of records it may have imported.
LOOKAHEAD_DAYS = 92


@dataclass(frozen=True)
class PullRange:
    start: date
    end: date
    changed_after: datetime | None  # None: the whole range


@dataclass(frozen=True)
class PollPlan:
    ranges: tuple[PullRange, ...]
    changed_after: datetime | None
    window_start: date
    window_end: date


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def plan_poll(cursor: Mapping[str, Any], today: date, window_days: int) -> PollPlan:
    """The ranges to pull for the window ``today`` … ``today + window_days``."""
    end = today + timedelta(days=window_days)
    changed_after = _moment(cursor.get("changed_after"))
    covered_until = _date(cursor.get("window_end"))
    if changed_after is None or covered_until is None or covered_until < today:
        return PollPlan((PullRange(today, end, None),), changed_after, today, end)
    ranges = [PullRange(today, today + timedelta(days=LOOKAHEAD_DAYS), changed_after)]
    if end > covered_until:
        ranges.append(PullRange(covered_until + timedelta(days=1), end, None))
    return PollPlan(tuple(ranges), changed_after, today, end)


@dataclass(frozen=True)
class Pulled:
    records: tuple[YclientsRecord, ...]
    malformed: tuple[MalformedRecord, ...]
    requests: int
    latest_change: datetime | None


def merge(results: Iterable[PullResult]) -> Pulled:
    """The pulls of one poll as one: a record seen twice (moved between the ranges while
    they were read) once, in its newer version."""
    records: dict[int, YclientsRecord] = {}
    malformed: list[MalformedRecord] = []
    requests = 0
    latest: datetime | None = None
    for result in results:
        requests += result.requests
        malformed += result.malformed
        for record in result.records:
            known = records.get(record.id)
            if known is None or record.last_change >= known.last_change:
                records[record.id] = record
        change = result.latest_change
        if change is not None and (latest is None or change > latest):
            latest = change
    return Pulled(tuple(records.values()), tuple(malformed), requests, latest)


def next_cursor(plan: PollPlan, pulled: Pulled) -> dict[str, Any]:
    """The cursor once the pulled records are applied: never behind the previous one."""
    latest = plan.changed_after
    if pulled.latest_change is not None and (latest is None or pulled.latest_change > latest):
        latest = pulled.latest_change
    cursor: dict[str, Any] = {"window_end": plan.window_end.isoformat()}
    if latest is not None:
        cursor["changed_after"] = latest.isoformat()
    return cursor
