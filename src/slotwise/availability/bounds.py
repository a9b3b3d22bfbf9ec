"""``from``/``to`` of a listing: a plain date or an instant, read the same way everywhere.

A plain date means the start of that day in the zone that applies (the location's for
availability, the firm's for appointments); as ``to`` it includes the whole day, so
``from=D&to=D`` is the day D. An instant (ISO 8601 with offset) is taken as it is: ``from``
inclusive, ``to`` exclusive.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import PlainValidator, TypeAdapter, WithJsonSchema

from slotwise.types import Instant, plausible_year

_INSTANT: TypeAdapter[dt.datetime] = TypeAdapter(Instant)
_PLAIN_DATE_LENGTH = len("2030-01-07")


def _day_or_instant(value: Any) -> dt.date | dt.datetime:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return plausible_year(value)
    if isinstance(value, str) and len(value) == _PLAIN_DATE_LENGTH:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(
                "must be a date (2030-01-07) or a date-time with offset (2030-01-07T10:00:00+01:00)"
            ) from None
        return plausible_year(day)
    return _INSTANT.validate_python(value)


DayOrInstant = Annotated[
    dt.date | dt.datetime,
    PlainValidator(_day_or_instant),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
    ),
]


def lower_bound(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant ``from`` admits."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(), zone)


def upper_bound(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant past ``to``: a plain date includes its whole day."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), zone)
