"""Reusable field types and base models of the catalog's inputs and outputs."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)

# Keys that zoneinfo lists but that are not a place: "localtime" is whatever the server's
# clock says and "Factory" means "unset"; a location needs a real IANA zone.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
_CENT = Decimal("0.01")


@lru_cache(maxsize=1)
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_PLACES


def _check_time_zone(value: str) -> str:
    if value not in _known_time_zones():
        raise ValueError(f"unknown time zone {value!r}; use an IANA name like Europe/Berlin")
    return value


def _cents(value: Decimal) -> Decimal:
    # "20" and "20.00" are the same amount; answering the way the column stores it keeps a
    # write's response equal to the next read.
    return value.quantize(_CENT)


def _strip(max_length: int, *, min_length: int = 0) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Name = Annotated[str, _strip(200, min_length=1)]
ShortText = Annotated[str, _strip(100)]
Text200 = Annotated[str, _strip(200)]
Text500 = Annotated[str, _strip(500)]
LongText = Annotated[str, _strip(5000)]
TimeZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_check_time_zone)
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Money = Annotated[
    Decimal, Field(ge=0, lt=10**10, max_digits=12, decimal_places=2), AfterValidator(_cents)
]
# Strict: `true` is not one minute (see slotwise.types).
Minutes = Annotated[StrictInt, Field(ge=1, le=1440)]
BreakMinutes = Annotated[StrictInt, Field(ge=0, le=1440)]
Capacity = Annotated[StrictInt, Field(ge=1, le=100_000)]
DayOfWeek = Annotated[StrictInt, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]

T = TypeVar("T")


class InModel(BaseModel):
    """An input: unknown fields are an error, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
