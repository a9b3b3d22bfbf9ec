"""Request and response bodies of wallet operations. Money is ``Decimal`` end to end: JSON
numbers or strings in, strings with two decimals out (never a float)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from slotwise.repository import Page

# numeric(12,2): two decimals and below 10**10.
PositiveMoney = Annotated[Decimal, Field(gt=0, lt=10**10, max_digits=12, decimal_places=2)]
Money = Annotated[Decimal, Field(ge=0, lt=10**10, max_digits=12, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
OptionalReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]

# What a transaction was, from its sign and whether it names an appointment.
Kind = Literal["top_up", "payment", "refund", "debit"]


class TopUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: PositiveMoney = Field(description="Credited to the wallet; above 0")
    reason: Reason = Field(description="Why, e.g. `cash at the desk`")


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    discount_percent: Percent | None = Field(
        None, description="Percent off the price (0..100), rounded half-even to the cent"
    )
    discount_amount: Money | None = Field(None, description="An amount off the price (0..price)")
    reason: OptionalReason = ""

    @model_validator(mode="after")
    def _one_discount(self) -> PaymentIn:
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("give discount_percent or discount_amount, not both")
        return self


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: PositiveMoney | None = Field(
        None, description="Part of what was paid; omitted: all that is not yet refunded"
    )
    reason: Reason


class TransactionOut(BaseModel):
    id: uuid.UUID
    kind: Kind
    amount: Decimal = Field(description="Signed: credits positive, debits negative")
    discount: Decimal
    reason: str
    appointment_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime


class OperationOut(BaseModel):
    transaction: TransactionOut
    balance: Decimal = Field(description="The wallet's balance after this transaction")
    currency: str


class StatementLine(TransactionOut):
    balance_after: Decimal = Field(description="The running balance after this line")


class Statement(Page[StatementLine]):
    """A client's wallet transactions, oldest first, each with the running balance."""

    model_config = ConfigDict(title="WalletStatement")

    client_id: uuid.UUID
    balance: Decimal
    currency: str
