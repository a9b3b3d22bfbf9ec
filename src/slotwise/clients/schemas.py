"""Request and response bodies for clients and their wallets."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from slotwise.patch import PatchModel
from slotwise.repository import Page

# Lengths follow the columns of slotwise.models.clients, so a value the database would refuse
# is a 422 naming the field, not a failed INSERT.
FirstName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LastName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()-]{5,32}$")
]
TelegramId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^@?[A-Za-z0-9_]{1,63}$")
]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
Notes = Annotated[str, StringConstraints(max_length=5000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
# numeric(12,2): two decimals and below 10**10 in magnitude.
SignedMoney = Annotated[Decimal, Field(gt=-(10**10), lt=10**10, max_digits=12, decimal_places=2)]
Money = Annotated[Decimal, Field(ge=0, lt=10**10, max_digits=12, decimal_places=2)]


Channel = Literal["email", "webpush", "whatsapp", "telegram"]


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: FirstName
    last_name: LastName = ""
    phone: Phone | None = None
    email: EmailStr | None = None
    telegram_id: TelegramId | None = None
    notes: Notes = ""
    locale: Locale | None = Field(None, description="Language tag such as `en`, `de`, `de-AT`")
    preferred_channels: list[Channel] = Field(
        default_factory=list,
        max_length=4,
        description="Tried first, in this order, before the firm's default order",
    )
    is_active: StrictBool = True


class ClientUpdate(PatchModel):
    """Only the fields sent are changed; ``null`` clears an optional field."""

    nullable_fields = frozenset({"phone", "email", "telegram_id", "locale"})

    first_name: FirstName | None = None
    last_name: LastName | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    telegram_id: TelegramId | None = None
    notes: Notes | None = None
    locale: Locale | None = None
    preferred_channels: list[Channel] | None = Field(None, max_length=4)
    is_active: StrictBool | None = None


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    telegram_id: str | None
    notes: str
    locale: str | None
    preferred_channels: list[str]
    is_active: bool
    created_at: datetime


class ClientPage(Page[ClientOut]):
    """One page of clients, ordered by name, then id."""


class WalletTransactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: SignedMoney = Field(description="Signed: positive credits, negative debits; not 0")
    discount: Money = Decimal("0.00")
    description: Description = ""
    appointment_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _amount_not_zero(self) -> WalletTransactionIn:
        if self.amount == 0:
            raise ValueError("amount may not be 0")
        return self


class WalletTransactionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    amount: Decimal
    discount: Decimal
    description: str
    appointment_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime


class WalletOut(BaseModel):
    client_id: uuid.UUID
    balance: Decimal
    currency: str
    transactions: list[WalletTransactionOut] = Field(description="The latest 50, newest first")


class WalletTransactionResult(BaseModel):
    transaction: WalletTransactionOut
    balance: Decimal = Field(description="The balance after this transaction")
    currency: str


def page_of(items: list[Any], total: int, limit: int, offset: int) -> ClientPage:
    return ClientPage(
        items=[ClientOut.model_validate(item) for item in items],
        total=total,
        limit=limit,
        offset=offset,
    )
