"""What the public booking API reads and answers: only what a visitor may see."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from slotwise.appointments.client_view import ClientAppointmentOut
from slotwise.types import Date, Instant, plausible_year

Locale = Literal["en", "de", "ru"]
# Years near the ends of the calendar would overflow the date arithmetic of availability.
Day = Annotated[Date, AfterValidator(plausible_year)]


class PublicFirmOut(BaseModel):
    slug: str
    name: str
    locale: Locale
    time_zone: str
    hold_ttl_seconds: int
    client_change_deadline_minutes: int
    booking_horizon_days: int
    vapid_public_key: str | None = Field(
        description="The applicationServerKey for Web Push; null when push is not configured"
    )


class PublicLocationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    address: str
    time_zone: str


class PublicLocationList(BaseModel):
    items: list[PublicLocationOut]


class PublicServiceOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    duration_minutes: int
    price: Decimal = Field(description='A decimal string, e.g. "25.00"')
    currency: str


class PublicServiceList(BaseModel):
    items: list[PublicServiceOut]


class PublicSpecialistOut(BaseModel):
    id: uuid.UUID
    name: str


class PublicSpecialistList(BaseModel):
    items: list[PublicSpecialistOut]


class ServicesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID


class SpecialistsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID
    service_id: uuid.UUID


class ChoiceQuery(BaseModel):
    """What the visitor chose: the place, the service and, or not, the specialist."""

    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID
    service_id: uuid.UUID
    specialist_id: uuid.UUID | None = Field(None, description="Omit for any specialist")


class DaysQuery(ChoiceQuery):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first: Day = Field(alias="from", description="First local date (YYYY-MM-DD), inclusive")
    last: Day = Field(alias="to", description="Last local date, inclusive; at most 62 days")


class SlotsQuery(ChoiceQuery):
    date: Day = Field(description="A local date of the location (YYYY-MM-DD)")


class DaysOut(BaseModel):
    time_zone: str
    days: list[dt.date] = Field(description="Local dates with at least one free slot")


class PublicSlotOut(BaseModel):
    start: dt.datetime = Field(description="UTC")
    end: dt.datetime = Field(description="UTC; the appointment ends here")
    start_local: dt.datetime = Field(description="In the location's time zone, with offset")
    end_local: dt.datetime
    specialists: list[PublicSpecialistOut]


class SlotsOut(BaseModel):
    time_zone: str
    date: dt.date
    slots: list[PublicSlotOut]


class PublicHoldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID
    service_id: uuid.UUID
    start_at: Instant
    specialist_id: uuid.UUID | None = Field(
        None, description="Omit to take any specialist who is free"
    )


class PublicHoldOut(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    service_id: uuid.UUID
    specialist_id: uuid.UUID
    specialist_name: str
    start_at: dt.datetime
    end_at: dt.datetime
    expires_at: dt.datetime
    hold_token: str | None = Field(
        description="A guest's proof of the hold (send it as X-Hold-Token); given once, "
        "only when the hold is made, null for a client's hold and afterwards"
    )


GuestName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Digits with an optional leading +, spaces, brackets and dashes; a WhatsApp number must be
# international (checked again when the channel is chosen).
GuestPhone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()-]{5,32}$")
]


class VerificationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GuestName
    email: EmailStr | None = Field(None, max_length=254)
    phone: GuestPhone | None = None

    @model_validator(mode="after")
    def _an_address(self) -> VerificationRequest:
        if self.email is None and self.phone is None:
            raise ValueError("give an email address or a phone number")
        return self


class VerificationOut(BaseModel):
    channel: Literal["email", "whatsapp"]
    sent_to: str = Field(description="The address the code went to, partly masked")
    resend_after_seconds: int
    code_expires_at: dt.datetime


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = Field(
        None, description="The code sent to the guest; a logged-in client sends none"
    )


class ConfirmOut(BaseModel):
    appointment: ClientAppointmentOut
    manage_token: str = Field(
        description="The appointment's manage link token (`/book/<slug>/manage#<token>`)"
    )
