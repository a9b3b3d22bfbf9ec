"""Value types of the API that accept exactly what the OpenAPI document declares.

Pydantic's lax mode reads the number ``0`` (or the query text ``"0"``) as the date 1970-01-01,
a number of seconds as a time of day and ``true`` as the integer 1: a client that sends the
wrong type would get a silently different value instead of a 422. Request bodies use these
types and pydantic's ``StrictBool``/``StrictInt``; query parameters arrive as text, so only
the date below (which checks the text's form) is strict there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, WithJsonSchema

DayT = TypeVar("DayT", bound=dt.date)

_EARLIEST_YEAR, _LATEST_YEAR = 1900, 2999
_ISO_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339 `partial-time` (no UTC offset), seconds optional on input; the output is always
# `HH:MM:SS` (with a fraction only when the stored time has one).
_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
_TIME = re.compile(_TIME_PATTERN)


def _iso_datetime(value: Any) -> Any:
    # A number (or a string of digits, in a query) would otherwise be read as a Unix
    # timestamp: far too easy to send by mistake.
    if isinstance(value, bool | int | float) or (
        isinstance(value, str) and not _ISO_DATE_START.match(value)
    ):
        raise ValueError("must be an ISO 8601 date-time with a UTC offset")
    return value


def plausible_year(value: DayT) -> DayT:
    """Refuses dates near the ends of the calendar: days and buffers are added to and taken
    from every date, and year 1 or 9999 would overflow that arithmetic."""
    if not _EARLIEST_YEAR <= value.year <= _LATEST_YEAR:
        raise ValueError(f"year must be between {_EARLIEST_YEAR} and {_LATEST_YEAR}")
    return value


def _date_text(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        return value
    raise ValueError("must be a date as YYYY-MM-DD")


def _time_text(value: Any) -> Any:
    # Times of day are wall-clock times in a location's own zone: an offset would be
    # ambiguous across DST changes, and the columns could not keep it anyway.
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and _TIME.fullmatch(value):
        return value
    raise ValueError("must be a wall-clock time as HH:MM or HH:MM:SS, without a UTC offset")


# Naive date-times are refused (422): the server would have to guess their time zone.
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_datetime),
    AfterValidator(plausible_year),
    Field(description="ISO 8601 with offset, e.g. 2030-01-07T10:00:00+01:00"),
]
"""An instant with its UTC offset, in a plausible year."""

Date = Annotated[dt.date, BeforeValidator(_date_text)]
"""A calendar date, ``YYYY-MM-DD`` (``format: date``) and nothing else."""

TimeOfDay = Annotated[
    dt.time,
    BeforeValidator(_time_text),
    WithJsonSchema(
        {
            "type": "string",
            # `format: time` would promise an offset (RFC 3339 full-time) that these never carry.
            "format": "partial-time",
            "pattern": _TIME_PATTERN,
            "description": "Wall-clock time of day in the location's time zone, without an offset",
            "examples": ["09:00:00"],
        }
    ),
]
"""A time of day without offset, such as ``09:00`` or ``09:00:00``."""
