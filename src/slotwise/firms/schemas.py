from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from slotwise.catalog.fields import Name, TimeZoneName
from slotwise.patch import PatchModel

# Two decimals always, as the numeric(5,2) column answers it once read back.
Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=5, decimal_places=2),
    AfterValidator(lambda value: value.quantize(Decimal("0.01"))),
]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]


class FirmSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    time_zone: str
    default_locale: str
    slot_step_minutes: int = Field(description="Grid of offered start times")
    min_notice_minutes: int = Field(description="How soon a slot may start, from now")
    booking_horizon_days: int = Field(description="How far ahead slots are offered")
    client_change_deadline_minutes: int = Field(
        description="Clients may cancel or move until this long before the start"
    )
    hold_ttl_seconds: int = Field(description="How long a hold keeps its slot")
    public_booking: bool = Field(
        description="Anyone may book on the firm's public page (`/book/{slug}`) and its API"
    )
    reminder_offsets_minutes: list[int] = Field(
        description="Reminders go out this many minutes before the start"
    )
    max_discount_percent: Decimal = Field(
        description="The largest discount on a wallet payment, in percent of the price"
    )


class FirmSettingsUpdate(PatchModel):
    name: Name | None = None
    time_zone: TimeZoneName | None = None
    default_locale: Locale | None = None
    slot_step_minutes: StrictInt | None = Field(None, ge=1, le=1440)
    min_notice_minutes: StrictInt | None = Field(None, ge=0, le=525_600)
    booking_horizon_days: StrictInt | None = Field(None, ge=1, le=3660)
    client_change_deadline_minutes: StrictInt | None = Field(None, ge=0, le=525_600)
    hold_ttl_seconds: StrictInt | None = Field(None, ge=10, le=86_400)
    public_booking: StrictBool | None = None
    reminder_offsets_minutes: list[Annotated[StrictInt, Field(ge=1, le=43_200)]] | None = Field(
        None, max_length=10
    )
    max_discount_percent: Percent | None = None
