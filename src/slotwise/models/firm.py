"""Firms (tenants), their users and the auth bookkeeping."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from slotwise.models.base import Base, FirmScoped, IdMixin, created_at_column, firm_fk

ROLES = ("owner", "director", "manager", "worker", "client")


class Firm(IdMixin, Base):
    __tablename__ = "firms"
    __table_args__ = (
        CheckConstraint("slot_step_minutes BETWEEN 1 AND 1440", name="slot_step_range"),
        CheckConstraint("min_notice_minutes >= 0", name="min_notice_not_negative"),
        CheckConstraint("booking_horizon_days BETWEEN 1 AND 3660", name="horizon_range"),
        CheckConstraint("client_change_deadline_minutes >= 0", name="deadline_not_negative"),
        CheckConstraint("hold_ttl_seconds BETWEEN 10 AND 86400", name="hold_ttl_range"),
        CheckConstraint(
            "max_discount_percent BETWEEN 0 AND 100", name="max_discount_percent_range"
        ),
        CheckConstraint(
            "cardinality(reminder_offsets_minutes) <= 10"
            " AND 0 < ALL (reminder_offsets_minutes)"
            " AND 43200 >= ALL (reminder_offsets_minutes)",
            name="reminder_offsets_valid",
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    default_locale: Mapped[str] = mapped_column(String(8), server_default="en")
    # Booking rules (per firm, with the defaults clients of booking systems expect).
    slot_step_minutes: Mapped[int] = mapped_column(Integer, server_default="15")
    min_notice_minutes: Mapped[int] = mapped_column(Integer, server_default="60")
    booking_horizon_days: Mapped[int] = mapped_column(Integer, server_default="90")
    client_change_deadline_minutes: Mapped[int] = mapped_column(Integer, server_default="120")
    hold_ttl_seconds: Mapped[int] = mapped_column(Integer, server_default="120")
    # The largest discount staff or clients may give on a wallet payment, in percent of the
    # price (an amount off counts by the percent it is of the price).
    max_discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default="100")
    # The public booking page and API (/book/<slug>, /api/v1/public/<slug>): off by default.
    public_booking: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Reminders go out this many minutes before an appointment starts (default 24 h and 1 h).
    reminder_offsets_minutes: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{1440,60}'")
    )
    # The last event sequence number handed out (see models/events.py).
    event_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    created_at: Mapped[datetime] = created_at_column()


class User(FirmScoped, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("firm_id", "email"),
        CheckConstraint(f"role IN {ROLES}", name="role_known"),
        # A worker sees the appointments of their specialist, a client those of their client
        # record: without the link the role would see nothing, so the database refuses it.
        CheckConstraint("role <> 'worker' OR specialist_id IS NOT NULL", name="worker_linked"),
        CheckConstraint("role <> 'client' OR client_id IS NOT NULL", name="client_linked"),
        firm_fk("specialist_id", "specialists"),
        firm_fk("client_id", "clients"),
    )

    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(200), server_default="")
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    # The language of the staff pages for this login; None: the firm's default locale.
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = created_at_column()


class RefreshToken(IdMixin, Base):
    """Refresh tokens are stored only as SHA-256 hashes; revoking sets ``revoked_at``."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class LoginThrottle(Base):
    """Failed logins counted per key (an account or a client address) in a fixed window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
