"""Request and response bodies for appointments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from slotwise.patch import PatchModel
from slotwise.records import AppointmentOut
from slotwise.repository import Page
from slotwise.types import Instant

Status = Literal["scheduled", "in_progress", "completed", "cancelled", "no_show"]

Money = Annotated[Decimal, Field(ge=0, lt=10**10, max_digits=12, decimal_places=2)]
Notes = Annotated[str, StringConstraints(max_length=5000)]
Source = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,31}$")]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
WorkerIds = Annotated[
    list[uuid.UUID],
    Field(
        min_length=1, max_length=10, description="Specialists; the first one's custom prices apply"
    ),
]


class ServiceLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: uuid.UUID
    price: Money | None = Field(None, description="Omit to use the catalog price")


ServiceLines = Annotated[list[ServiceLineIn], Field(min_length=1, max_length=20)]


def _check_times(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise ValueError("end_at must be after start_at")


def _check_unique(worker_ids: list[uuid.UUID] | None, services: list[ServiceLineIn] | None) -> None:
    if worker_ids is not None and len(set(worker_ids)) != len(worker_ids):
        raise ValueError("worker_ids must be unique")
    if services is not None and len({s.service_id for s in services}) != len(services):
        raise ValueError("each service may appear once")


class AppointmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID
    workplace_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    start_at: Instant
    end_at: Instant | None = Field(None, description="Omit: start + the services' durations")
    worker_ids: WorkerIds
    services: ServiceLines
    notes: Notes = ""
    status: Status = "scheduled"
    source: Source = "staff"
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AppointmentCreate:
        _check_times(self.start_at, self.end_at)
        _check_unique(self.worker_ids, self.services)
        return self


class AppointmentFromHold(BaseModel):
    """Confirms a hold: the appointment takes the hold's time, specialist, workplace and
    service, and the hold is consumed."""

    model_config = ConfigDict(extra="forbid")

    hold_id: uuid.UUID
    notes: Notes = ""
    client_id: uuid.UUID | None = Field(
        None, description="Staff only, when the hold names no client"
    )


def _one_shape(value: Any, _handler: ValidatorFunctionWrapHandler) -> Any:
    # A plain union would report the failures of both shapes, under pydantic's internal
    # names: the caller's errors are those of the shape they meant.
    if isinstance(value, AppointmentFromHold | AppointmentCreate):
        return value
    if not isinstance(value, dict):
        raise PydanticCustomError("model_type", "Input should be a JSON object")
    if "hold_id" in value:
        return AppointmentFromHold.model_validate(value)
    return AppointmentCreate.model_validate(value)


AppointmentRequest = Annotated[
    AppointmentFromHold | AppointmentCreate,
    WrapValidator(_one_shape),
    Field(description="With `hold_id`: confirm a hold; otherwise (staff) book directly"),
]


# Fields a worker may change on an appointment they are assigned to; anything else is 403.
WORKER_FIELDS = frozenset({"is_open", "opened_at", "closed_at"})
# Fields whose change moves the time an appointment claims on its workers and workplace.
CLAIM_FIELDS = frozenset(
    {"start_at", "end_at", "worker_ids", "workplace_id", "status", "services", "location_id"}
)
# Fields a client may change on their own appointment (before the firm's deadline).
CLIENT_FIELDS = frozenset({"start_at", "status"})


class AppointmentUpdate(PatchModel):
    """Only the fields sent change. ``worker_ids`` and ``services`` replace the whole set."""

    nullable_fields = frozenset(
        {"workplace_id", "client_id", "external_id", "opened_at", "closed_at", "version"}
    )

    location_id: uuid.UUID | None = None
    workplace_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    start_at: Instant | None = None
    end_at: Instant | None = None
    worker_ids: WorkerIds | None = None
    services: ServiceLines | None = None
    notes: Notes | None = None
    status: Status | None = None
    source: Source | None = None
    external_id: ExternalId | None = None
    is_open: StrictBool | None = None
    opened_at: Instant | None = None
    closed_at: Instant | None = None
    version: StrictInt | None = Field(
        None, ge=1, lt=2**31, description="The version you read; instead of If-Match"
    )

    @model_validator(mode="after")
    def _consistent(self) -> AppointmentUpdate:
        _check_times(self.start_at, self.end_at)
        _check_unique(self.worker_ids, self.services)
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, except the version (a precondition, not a change)."""
        return self.model_dump(exclude_unset=True, exclude={"version"})


class AppointmentPage(Page[AppointmentOut]):
    """One page of appointments, ordered by start, then id."""


@dataclass(frozen=True)
class AppointmentFilters:
    """``start``/``end``: appointments overlapping the half-open range [start, end)."""

    start: datetime | None = None
    end: datetime | None = None
    location_id: uuid.UUID | None = None
    specialist_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    status: str | None = None
