"""Availability in and out."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from slotwise.availability.bounds import DayOrInstant


class AvailabilityParams(BaseModel):
    """Query parameters of ``GET /availability``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    service_id: uuid.UUID
    location_id: uuid.UUID
    first: DayOrInstant = Field(
        alias="from",
        description="First local date, inclusive; or an instant with offset: "
        "slots starting at or after it",
    )
    last: DayOrInstant = Field(
        alias="to",
        description="Last local date, inclusive (at most 62 days); or an instant "
        "with offset: slots starting before it",
    )
    specialist_id: uuid.UUID | None = Field(
        None, description="Only this specialist; every active one offering the service when omitted"
    )


class SlotSpecialistOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    workplace_ids: list[uuid.UUID] = Field(
        description="Free workplaces that offer the service, by name; empty when the "
        "service needs no workplace"
    )


class SlotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    start: dt.datetime = Field(description="UTC")
    end: dt.datetime = Field(
        description="UTC; the client's appointment ends here (the "
        "break after and buffers are not included)"
    )
    start_local: dt.datetime = Field(description="In the location's time zone, with offset")
    end_local: dt.datetime
    specialists: list[SlotSpecialistOut]


class AvailabilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    service_id: uuid.UUID
    location_id: uuid.UUID
    time_zone: str
    slots: list[SlotOut]
