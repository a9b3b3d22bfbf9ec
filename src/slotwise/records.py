"""The shape of an appointment as the API shows it, and as the event log and the message
planning record it before and after a change.

It lives below the packages so that ``appointments`` (which builds it), ``realtime`` and
``notifications`` (which record and compare it) share it without importing each other.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class WorkerOut(BaseModel):
    id: uuid.UUID
    name: str


class ServiceItemOut(BaseModel):
    id: uuid.UUID = Field(description="The service's id")
    name: str
    price: Decimal = Field(description="The price used in this appointment")
    duration_minutes: int


class ClientRef(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str


class AppointmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    location_id: uuid.UUID
    workplace_id: uuid.UUID | None
    client_id: uuid.UUID | None
    start_at: datetime
    end_at: datetime
    status: str
    is_open: bool
    opened_at: datetime | None
    closed_at: datetime | None
    notes: str | None = Field(description="Internal staff notes; null for clients")
    source: str
    external_id: str | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
    workers: list[WorkerOut]
    services: list[ServiceItemOut]
    client: ClientRef | None
