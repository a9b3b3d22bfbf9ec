"""Clients and their wallets (exact money, never negative)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from slotwise.models.base import Base, FirmScoped, created_at_column, firm_fk


class Client(FirmScoped, Base):
    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("firm_id", "id"),
        # One Telegram account is one person; a second client row for it would split their
        # history and send them every message twice.
        Index(
            "uq_clients_firm_id_telegram_id",
            "firm_id",
            "telegram_id",
            unique=True,
            postgresql_where=text("telegram_id IS NOT NULL"),
        ),
    )

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), server_default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    telegram_id: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, server_default="")
    locale: Mapped[str | None] = mapped_column(String(8))
    # Channels to reach the client by, most preferred first ("email", "webpush", "whatsapp",
    # "telegram"); empty means the firm's default order. A channel the client has no address
    # for is passed over.
    preferred_channels: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), server_default=text("'{}'")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = created_at_column()


class ClientWallet(FirmScoped, Base):
    __tablename__ = "client_wallets"
    __table_args__ = (
        UniqueConstraint("firm_id", "id"),
        UniqueConstraint("client_id"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        firm_fk("client_id", "clients", ondelete="CASCADE"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    balance: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    currency: Mapped[str] = mapped_column(String(3), server_default="EUR")


class WalletTransaction(FirmScoped, Base):
    """A signed movement of a wallet's balance; the balance and its history change together."""

    __tablename__ = "wallet_transactions"
    __table_args__ = (
        CheckConstraint("discount >= 0", name="discount_not_negative"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        firm_fk("wallet_id", "client_wallets", ondelete="CASCADE"),
        # Money history must not silently lose its appointment: deleting such an
        # appointment is refused (409), never cascaded.
        firm_fk("appointment_id", "appointments"),
    )

    wallet_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    discount: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    description: Mapped[str] = mapped_column(String(500), server_default="")
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
