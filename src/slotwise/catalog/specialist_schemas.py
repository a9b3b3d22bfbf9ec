"""Inputs and outputs of specialists, their services, weekly schedules and breaks."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, Field, StrictBool, model_validator

from slotwise.catalog.fields import (
    InModel,
    Minutes,
    Money,
    Name,
    OutModel,
    Text200,
    Text500,
)
from slotwise.catalog.schemas import HolidayOut, WeeklyEntryIn
from slotwise.patch import PatchModel
from slotwise.types import Date, TimeOfDay


class SpecialistIn(InModel):
    name: Name
    specialization: Text200 = ""
    is_active: StrictBool = True


class SpecialistPatch(PatchModel):
    name: Name | None = None
    specialization: Text200 | None = None
    is_active: StrictBool | None = None


class SpecialistOut(OutModel):
    id: uuid.UUID
    name: str
    specialization: str
    is_active: bool


class SpecialistServiceIn(InModel):
    """The specialist does the service; null values mean the service's own price/duration."""

    custom_price: Money | None = None
    custom_duration_minutes: Minutes | None = None
    is_active: StrictBool = True


class SpecialistServiceOut(OutModel):
    id: uuid.UUID
    specialist_id: uuid.UUID
    service_id: uuid.UUID
    custom_price: Decimal | None
    custom_duration_minutes: int | None
    is_active: bool


class ScheduleEntryIn(WeeklyEntryIn):
    location_id: uuid.UUID
    workplace_id: uuid.UUID | None = Field(None, description="A workplace of that location")


class ScheduleEntryOut(OutModel):
    """Shaped like ``ScheduleEntryIn`` so a read schedule can be edited and sent back."""

    location_id: uuid.UUID
    workplace_id: uuid.UUID | None
    day_of_week: int
    start_time: TimeOfDay
    end_time: TimeOfDay
    is_day_off: bool


class BreakIn(InModel):
    date: Date
    start_time: TimeOfDay
    end_time: TimeOfDay
    reason: Text500 = Field("", description="Private: only admins and the specialist see it")

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        return self


class BreakPatch(PatchModel):
    date: Date | None = None
    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    reason: Text500 | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if (
            self.start_time is not None
            and self.end_time is not None
            and self.end_time <= self.start_time
        ):
            raise ValueError("end_time must be after start_time")
        return self


class BreakOut(OutModel):
    id: uuid.UUID
    specialist_id: uuid.UUID
    date: dt.date
    start_time: TimeOfDay
    end_time: TimeOfDay
    reason: str


class BreakTimeOut(OutModel):
    """A break's date and times, without its private reason."""

    date: dt.date
    start_time: TimeOfDay
    end_time: TimeOfDay


class SpecialistWorkingTime(BaseModel):
    specialist_id: uuid.UUID
    schedule: list[ScheduleEntryOut] = Field(description="The weekly schedule at the location")
    breaks: list[BreakTimeOut]


class WorkingTimeOut(BaseModel):
    location_id: uuid.UUID
    holidays: list[HolidayOut]
    specialists: list[SpecialistWorkingTime] = Field(
        description="Each specialist with a schedule at the location (a worker: themselves)"
    )
