"""Inputs and outputs of locations (with hours and holidays), workplaces and services."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import ClassVar, Self

from pydantic import Field, StrictBool, model_validator

from slotwise.catalog.fields import (
    BreakMinutes,
    Capacity,
    Currency,
    DayOfWeek,
    InModel,
    LongText,
    Minutes,
    Money,
    Name,
    OutModel,
    ShortText,
    Text500,
    TimeZoneName,
)
from slotwise.patch import PatchModel
from slotwise.types import Date, TimeOfDay

# A week with a few split days per location is far below this; the cap keeps one request
# from writing thousands of rows.
MAX_WEEKLY_ENTRIES = 200
MIDNIGHT = dt.time(0)


class WeeklyEntryIn(InModel):
    """One interval of a weekly pattern; several per day make a split day."""

    day_of_week: DayOfWeek
    start_time: TimeOfDay | None = Field(None, description="Required unless is_day_off")
    end_time: TimeOfDay | None = Field(
        None, description="Required unless is_day_off; after start_time, on the same day"
    )
    is_day_off: StrictBool = Field(
        False, description="The whole day is closed; its times are ignored and stored as 00:00"
    )

    @model_validator(mode="after")
    def _interval_is_valid(self) -> Self:
        if self.is_day_off:
            return self
        if self.start_time is None or self.end_time is None:
            raise ValueError("start_time and end_time are required unless is_day_off is true")
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        return self

    def interval(self) -> tuple[dt.time, dt.time]:
        if self.is_day_off or self.start_time is None or self.end_time is None:
            return MIDNIGHT, MIDNIGHT
        return self.start_time, self.end_time


class HoursOut(OutModel):
    day_of_week: int
    start_time: TimeOfDay
    end_time: TimeOfDay
    is_day_off: bool


class LocationIn(InModel):
    name: Name
    address: Text500 = ""
    time_zone: TimeZoneName = Field(description="IANA time zone, e.g. Europe/Berlin")
    capacity: Capacity | None = Field(
        None,
        description="Most appointments at once; null means no limit beyond workers and workplaces",
    )
    is_active: StrictBool = True
    hours: list[WeeklyEntryIn] = Field(
        default_factory=list,
        max_length=MAX_WEEKLY_ENTRIES,
        description="Initial weekly hours (see PUT .../hours)",
    )


class LocationPatch(PatchModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"capacity"})

    name: Name | None = None
    address: Text500 | None = None
    time_zone: TimeZoneName | None = None
    capacity: Capacity | None = None
    is_active: StrictBool | None = None


class LocationOut(OutModel):
    id: uuid.UUID
    name: str
    address: str
    time_zone: str
    capacity: int | None
    is_active: bool
    created_at: dt.datetime
    hours: list[HoursOut]


class HolidayIn(InModel):
    date: Date
    is_working: StrictBool = Field(
        False, description="Open on this date although the weekly hours say it is a day off"
    )
    description: Text500 = ""


class HolidayPatch(PatchModel):
    date: Date | None = None
    is_working: StrictBool | None = None
    description: Text500 | None = None


class HolidayOut(OutModel):
    id: uuid.UUID
    location_id: uuid.UUID
    date: dt.date
    is_working: bool
    description: str


class WorkplaceIn(InModel):
    location_id: uuid.UUID
    name: Name
    type: ShortText = ""
    is_active: StrictBool = True


class WorkplacePatch(PatchModel):
    location_id: uuid.UUID | None = None
    name: Name | None = None
    type: ShortText | None = None
    is_active: StrictBool | None = None


class WorkplaceOut(OutModel):
    id: uuid.UUID
    location_id: uuid.UUID
    name: str
    type: str
    is_active: bool


class OverrideIn(InModel):
    """The workplace offers the service; a null value means the service's own one."""

    price: Money | None = None
    duration_minutes: Minutes | None = None
    break_after_minutes: BreakMinutes | None = None
    is_active: StrictBool = True


class OverrideOut(OutModel):
    id: uuid.UUID
    workplace_id: uuid.UUID
    service_id: uuid.UUID
    price: Decimal | None
    duration_minutes: int | None
    break_after_minutes: int | None
    is_active: bool


class ServiceIn(InModel):
    name: Name
    description: LongText = ""
    duration_minutes: Minutes
    break_after_minutes: BreakMinutes = 0
    buffer_before_minutes: BreakMinutes = Field(
        0, description="Preparation time blocked before the appointment"
    )
    buffer_after_minutes: BreakMinutes = Field(
        0, description="Cleanup time blocked after the appointment"
    )
    price: Money
    currency: Currency = "EUR"
    is_active: StrictBool = True


class ServicePatch(PatchModel):
    name: Name | None = None
    description: LongText | None = None
    duration_minutes: Minutes | None = None
    break_after_minutes: BreakMinutes | None = None
    buffer_before_minutes: BreakMinutes | None = None
    buffer_after_minutes: BreakMinutes | None = None
    price: Money | None = None
    currency: Currency | None = None
    is_active: StrictBool | None = None


class ServiceOut(OutModel):
    id: uuid.UUID
    name: str
    description: str
    duration_minutes: int
    break_after_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    price: Decimal
    currency: str
    is_active: bool
