"""Holds, time claims and idempotency keys: the tables that make double booking impossible.

Every hold and every live (non-cancelled) appointment claims its time on each of its
specialists and on its workplace, one ``time_claims`` row per resource. Two exclusion
constraints then forbid two overlapping claims on one specialist or one workplace, whatever
the durations and whichever request wrote them: the application only checks first to give a
friendly error; the database decides.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column

from slotwise.models.base import Base, FirmScoped, IdMixin, created_at_column, firm_fk


class Hold(FirmScoped, Base):
    """A slot reserved for a short time before it is confirmed as an appointment."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        # A staff member's or client's hold names its user; a guest's only its token's hash.
        CheckConstraint("(user_id IS NULL) <> (guest_token_hash IS NULL)", name="one_holder"),
        Index("ix_holds_firm_id_expires_at", "firm_id", "expires_at"),
        firm_fk("location_id", "locations"),
        firm_fk("workplace_id", "workplaces"),
        firm_fk("specialist_id", "specialists"),
        firm_fk("service_id", "services"),
        firm_fk("client_id", "clients"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # A guest's hold (the public booking page): the SHA-256 (hex) of the token given once
    # to the guest, who proves the hold is theirs with it.
    guest_token_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    workplace_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    specialist_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    service_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class HoldVerification(Base):
    """The contact a guest gave for their hold and the code sent there to prove it is theirs.

    Only a keyed hash of the code is kept (``public/verification.py``); the row goes with
    its hold.
    """

    __tablename__ = "hold_verifications"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_address"),
    )

    hold_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("holds.id", ondelete="CASCADE"), primary_key=True
    )
    firm_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("firms.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    code_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sends: Mapped[int] = mapped_column(Integer)
    last_sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")


class TimeClaim(IdMixin, Base):
    """One resource (a specialist or a workplace) blocked for a range by a hold or appointment.

    ``during`` covers what the resource is busy for: the appointment itself plus the service's
    buffers and its break after, so the next booking cannot start inside them.
    """

    __tablename__ = "time_claims"
    __table_args__ = (
        CheckConstraint("(hold_id IS NULL) <> (appointment_id IS NULL)", name="one_owner"),
        CheckConstraint("(specialist_id IS NULL) <> (workplace_id IS NULL)", name="one_resource"),
        CheckConstraint(
            "NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)",
            name="bounded",
        ),
        ExcludeConstraint(
            (text("specialist_id"), "="),
            (text("during"), "&&"),
            name="ex_time_claims_specialist_overlap",
            using="gist",
            where=text("specialist_id IS NOT NULL"),
        ),
        ExcludeConstraint(
            (text("workplace_id"), "="),
            (text("during"), "&&"),
            name="ex_time_claims_workplace_overlap",
            using="gist",
            where=text("workplace_id IS NOT NULL"),
        ),
        Index("ix_time_claims_firm_id_during", "firm_id", "during", postgresql_using="gist"),
        firm_fk("specialist_id", "specialists"),
        firm_fk("workplace_id", "workplaces"),
        firm_fk("appointment_id", "appointments", ondelete="CASCADE"),
    )

    firm_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("firms.id", ondelete="CASCADE"), nullable=False
    )
    hold_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("holds.id", ondelete="CASCADE"), index=True
    )
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    workplace_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    during: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)


class IdempotencyKey(Base):
    """The first result of a request sent with an ``Idempotency-Key``, replayed on retries.

    The row is written in the same transaction as the request's effect, so a request that fails
    leaves no key behind and a retry runs again; a concurrent retry waits on the key's unique
    index until the first one commits and then replays its result.
    """

    __tablename__ = "idempotency_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    # Empty only inside the first request's own transaction, which no one else can see.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
