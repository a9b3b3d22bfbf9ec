"""The connections' bodies: per kind (a discriminated union on ``kind``), the settings,
credentials (write only) and what operators read back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from slotwise.catalog.fields import InModel, Name, OutModel, Text500
from slotwise.patch import PatchModel

DEFAULT_YCLIENTS_BASE_URL = "https://api.yclients.com/api/v1"

Kind = Literal["yclients", "caldav"]
MappingKind = Literal["staff", "service"]
Url = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^https?://\S+$")]
Secret = Annotated[str, Field(min_length=1, max_length=2000)]
PollInterval = Annotated[
    StrictInt, Field(ge=10, le=86_400, description="Seconds between two polls (at least 10)")
]
ExternalId = Annotated[str, Field(min_length=1, max_length=200)]


class YClientsSettings(InModel):
    company_id: StrictInt = Field(ge=1, lt=2**53, description="The YClients company (salon) id")
    base_url: Url = Field(DEFAULT_YCLIENTS_BASE_URL, description="The REST API's base URL")
    window_days: StrictInt = Field(
        1, ge=0, le=31, description="Records from today to this many days ahead are polled"
    )
    grace_seconds: StrictInt = Field(
        30,
        ge=0,
        le=3600,
        description="How long after a new record its confirmation waits (the admin may "
        "still edit it)",
    )


class CalDavSettings(InModel):
    url: Url = Field(description="The CalDAV server's or calendar's URL")
    calendar: Text500 = Field(
        "", description="The calendar's name or path under the URL; empty: the URL is it"
    )


class YClientsCredentials(InModel):
    partner_token: Secret
    user_token: Secret


class CalDavCredentials(InModel):
    username: Secret
    password: Secret


class _ConnectionInBase(InModel):
    name: Name
    location_id: uuid.UUID = Field(description="The location the records map into")
    poll_interval_seconds: PollInterval = 60
    enabled: StrictBool = True


class YClientsConnectionIn(_ConnectionInBase):
    kind: Literal["yclients"]
    specialist_id: uuid.UUID | None = None
    settings: YClientsSettings
    credentials: YClientsCredentials = Field(description="Stored encrypted, never returned")


class CalDavConnectionIn(_ConnectionInBase):
    kind: Literal["caldav"]
    specialist_id: uuid.UUID = Field(description="Whose calendar it is")
    settings: CalDavSettings
    credentials: CalDavCredentials = Field(description="Stored encrypted, never returned")


ConnectionIn = Annotated[YClientsConnectionIn | CalDavConnectionIn, Field(discriminator="kind")]


class ConnectionPatch(PatchModel):
    """Only the fields sent change; ``settings`` and ``credentials`` are replaced whole and
    must be of the connection's kind."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"specialist_id"})

    name: Name | None = None
    location_id: uuid.UUID | None = None
    specialist_id: uuid.UUID | None = None
    settings: YClientsSettings | CalDavSettings | None = None
    credentials: YClientsCredentials | CalDavCredentials | None = Field(
        None, description="Replaces the stored credentials; they are never returned"
    )
    poll_interval_seconds: PollInterval | None = None
    enabled: StrictBool | None = None


class ConnectionOut(OutModel):
    id: uuid.UUID
    kind: Kind
    name: str
    location_id: uuid.UUID
    specialist_id: uuid.UUID | None
    settings: YClientsSettings | CalDavSettings
    credentials_set: list[str] = Field(
        description="Which credential fields are stored (their values are never shown); "
        "empty when they can no longer be read (the secret key changed)"
    )
    poll_interval_seconds: int
    enabled: bool
    health: Literal["new", "ok", "failing"]
    failure_reason: str | None
    failing_since: datetime | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    next_run_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class MappingOut(OutModel):
    kind: MappingKind
    external_id: str
    external_name: str
    target_id: uuid.UUID | None = Field(
        description="The specialist (staff) or service (service) it maps to; null: unmapped"
    )
    suggested: bool = Field(description="Filled by a name match, not yet confirmed")
    updated_at: datetime


class MappingIn(InModel):
    kind: MappingKind
    external_id: ExternalId
    target_id: uuid.UUID | None = Field(description="null removes the mapping")


class Counts(BaseModel):
    requests: int = 0
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    conflicts: int = 0
    errors: int = 0


class RunOut(Counts):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    started_at: datetime
    finished_at: datetime | None
    outcome: Literal["ok", "failed", "partial"] | None = Field(description="null while it runs")
    error: str | None


class HeldCounts(BaseModel):
    needs_mapping: int = 0
    malformed: int = 0


class StatusOut(BaseModel):
    connection_id: uuid.UUID
    enabled: bool
    health: Literal["new", "ok", "failing"]
    failure_reason: str | None
    failing_since: datetime | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    next_run_at: datetime | None
    cursor: dict[str, Any] = Field(description="The poller's position (e.g. a high-water mark)")
    latest_run: RunOut | None
    totals: Counts = Field(description="Summed over every run kept")
    open_conflicts: int
    held: HeldCounts


class ConflictOut(OutModel):
    id: uuid.UUID
    external_id: str
    appointment_id: uuid.UUID | None = Field(description="The Slotwise appointment in the way")
    reason: str
    payload: dict[str, Any] = Field(description="The external record as it was seen")
    status: Literal["open", "resolved"]
    created_at: datetime
    resolved_at: datetime | None


class HeldOut(OutModel):
    id: uuid.UUID
    external_id: str
    reason: Literal["needs_mapping", "malformed"]
    detail: str
    payload: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime


class SyncRequestedOut(BaseModel):
    connection_id: uuid.UUID
    next_run_at: datetime = Field(description="When the poller will take it (now)")
