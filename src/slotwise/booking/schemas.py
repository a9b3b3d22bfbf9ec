from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from slotwise.types import Instant


class HoldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: uuid.UUID
    location_id: uuid.UUID
    start_at: Instant
    specialist_id: uuid.UUID | None = Field(
        None, description="Omit to take any specialist who is free"
    )
    workplace_id: uuid.UUID | None = Field(
        None, description="Omit to take any free workplace that offers the service"
    )
    client_id: uuid.UUID | None = Field(
        None, description="Staff: the client the slot is held for; clients hold for themselves"
    )


class HoldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    specialist_id: uuid.UUID
    workplace_id: uuid.UUID | None
    client_id: uuid.UUID | None
    start_at: datetime
    end_at: datetime
    expires_at: datetime
