"""Every query of wallet operations; each is scoped by the caller's firm."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    ClientWallet,
    Firm,
    WalletTransaction,
)


class LockedAppointment(NamedTuple):
    client_id: uuid.UUID | None
    price: Decimal
    status: str


async def lock_appointment(
    session: AsyncSession, firm_id: uuid.UUID, appointment_id: uuid.UUID
) -> LockedAppointment | None:
    """The appointment's client and price, its row locked until commit, so that two payments
    (or refunds) of one appointment run one after the other and see each other's effect."""
    client_id = await session.execute(
        select(Appointment.client_id, Appointment.status)
        .where(Appointment.firm_id == firm_id, Appointment.id == appointment_id)
        .with_for_update()
    )
    row = client_id.one_or_none()
    if row is None:
        return None
    price = await session.scalar(
        select(func.coalesce(func.sum(AppointmentServiceItem.price), 0)).where(
            AppointmentServiceItem.firm_id == firm_id,
            AppointmentServiceItem.appointment_id == appointment_id,
        )
    )
    return LockedAppointment(row[0], Decimal(price or 0), row[1])


async def max_discount_percent(session: AsyncSession, firm_id: uuid.UUID) -> Decimal:
    value = await session.scalar(select(Firm.max_discount_percent).where(Firm.id == firm_id))
    return Decimal(100) if value is None else value


async def net_paid(session: AsyncSession, firm_id: uuid.UUID, appointment_id: uuid.UUID) -> Decimal:
    """What the appointment's wallet movements took in total (payments less refunds)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(WalletTransaction.amount), 0)).where(
            WalletTransaction.firm_id == firm_id,
            WalletTransaction.appointment_id == appointment_id,
        )
    )
    return -Decimal(total or 0)


async def wallet_of(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID
) -> ClientWallet | None:
    return await session.scalar(
        select(ClientWallet).where(
            ClientWallet.firm_id == firm_id, ClientWallet.client_id == client_id
        )
    )


class Line(NamedTuple):
    id: uuid.UUID
    amount: Decimal
    discount: Decimal
    description: str
    appointment_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime
    balance_after: Decimal


async def statement(
    session: AsyncSession, firm_id: uuid.UUID, wallet_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Line], int]:
    """One page of the wallet's transactions, oldest first, each with the running balance
    (the sum of every amount up to and including it, computed over the whole history before
    the page is cut)."""
    order = (WalletTransaction.created_at, WalletTransaction.id)
    running = (
        select(
            WalletTransaction.id,
            WalletTransaction.amount,
            WalletTransaction.discount,
            WalletTransaction.description,
            WalletTransaction.appointment_id,
            WalletTransaction.created_by,
            WalletTransaction.created_at,
            func.sum(WalletTransaction.amount).over(order_by=order).label("balance_after"),
        )
        .where(WalletTransaction.firm_id == firm_id, WalletTransaction.wallet_id == wallet_id)
        .subquery()
    )
    total = await session.scalar(select(func.count()).select_from(running))
    rows = await session.execute(
        select(running).order_by(running.c.created_at, running.c.id).limit(limit).offset(offset)
    )
    return [Line(*row) for row in rows], int(total or 0)
