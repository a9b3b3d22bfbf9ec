"""Shared set-up of the wallet tests: appointments of a chosen price, wallet reads straight
from the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Appointment, AppointmentServiceItem, ClientWallet, WalletTransaction
from tests.factories import World

API = "/api/v1"


async def priced_appointment(
    app: FastAPI, world: World, price: Decimal, *, client_id: uuid.UUID | None = None
) -> uuid.UUID:
    """An appointment of the world's client (or ``client_id``) costing ``price``."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    start = datetime(2030, 1, 7, 10, tzinfo=UTC)
    async with maker.begin() as session:
        appt = Appointment(
            firm_id=world.firm_id,
            location_id=world.location_id,
            client_id=client_id or world.client_id,
            start_at=start,
            end_at=start + timedelta(minutes=30),
        )
        session.add(appt)
        await session.flush()
        session.add(
            AppointmentServiceItem(
                firm_id=world.firm_id,
                appointment_id=appt.id,
                service_id=world.service_id,
                price=price,
                duration_minutes=30,
            )
        )
        return appt.id


async def stored_wallet(app: FastAPI, client_id: uuid.UUID) -> tuple[Decimal, Decimal, int]:
    """(balance, sum of the transactions, number of transactions) as the database has them."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        balance = await session.scalar(
            select(ClientWallet.balance).where(ClientWallet.client_id == client_id)
        )
        total, count = (
            await session.execute(
                select(func.coalesce(func.sum(WalletTransaction.amount), 0), func.count())
                .join(ClientWallet, ClientWallet.id == WalletTransaction.wallet_id)
                .where(ClientWallet.client_id == client_id)
            )
        ).one()
        return (
            Decimal("0.00") if balance is None else balance,
            Decimal(total),
            int(count),
        )


def top_up_url(client_id: uuid.UUID) -> str:
    return f"{API}/clients/{client_id}/wallet/top-ups"


def pay_url(appointment_id: uuid.UUID) -> str:
    return f"{API}/appointments/{appointment_id}/wallet-payment"


def refund_url(appointment_id: uuid.UUID) -> str:
    return f"{API}/appointments/{appointment_id}/wallet-refunds"


def statement_url(client_id: uuid.UUID) -> str:
    return f"{API}/clients/{client_id}/wallet/statement"
