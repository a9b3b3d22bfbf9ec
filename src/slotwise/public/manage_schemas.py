"""Request and response bodies of the manage link's endpoints (``/public/{slug}/manage``)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from slotwise.appointments.client_view import ClientAppointmentOut
from slotwise.types import Instant


class ManageOut(BaseModel):
    appointment: ClientAppointmentOut
    can_change: bool = Field(
        description="Whether it may still be cancelled or moved (scheduled, before the deadline)"
    )
    change_deadline: dt.datetime = Field(
        description="Until when (the firm's `client_change_deadline_minutes` before the start)"
    )


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_at: Instant = Field(description="A start from GET /manage/availability/slots")
    specialist_id: uuid.UUID | None = Field(
        None, description="The slot's specialist: a move keeps the appointment's specialist"
    )


class ManageSlotSpecialistOut(BaseModel):
    id: uuid.UUID
    name: str


class ManageSlotOut(BaseModel):
    start: dt.datetime = Field(description="UTC; send as `start_at` to POST /manage/move")
    end: dt.datetime
    start_local: dt.datetime = Field(description="In the location's time zone, with offset")
    end_local: dt.datetime
    specialists: list[ManageSlotSpecialistOut]


class ManageSlotsOut(BaseModel):
    time_zone: str
    date: dt.date
    slots: list[ManageSlotOut]


class ManagePushOut(BaseModel):
    id: uuid.UUID
    created_at: dt.datetime
