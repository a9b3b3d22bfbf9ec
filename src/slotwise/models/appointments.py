"""Appointments with several workers and several services."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slotwise.models.base import Base, FirmScoped, created_at_column, firm_fk

STATUSES = ("scheduled", "in_progress", "completed", "cancelled", "no_show")


class Appointment(FirmScoped, Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("firm_id", "id"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint(
            "closed_at IS NULL OR opened_at IS NULL OR closed_at >= opened_at",
            name="closed_after_opened",
        ),
        # An external system's record is imported once per source.
        Index(
            "uq_appointments_firm_id_source_external_id",
            "firm_id",
            "source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index("ix_appointments_firm_id_start_at", "firm_id", "start_at"),
        firm_fk("location_id", "locations"),
        firm_fk("workplace_id", "workplaces"),
        firm_fk("client_id", "clients"),
    )

    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    workplace_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), server_default="scheduled")
    is_open: Mapped[bool] = mapped_column(Boolean, server_default="false")
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, server_default="")
    source: Mapped[str] = mapped_column(String(32), server_default="staff")
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # Optimistic concurrency: every change bumps it; a write naming an older one gets 412.
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    workers: Mapped[list[AppointmentWorker]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", passive_deletes=True
    )
    services: Mapped[list[AppointmentServiceItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", passive_deletes=True
    )


class AppointmentWorker(Base):
    __tablename__ = "appointment_workers"
    __table_args__ = (
        firm_fk("appointment_id", "appointments", ondelete="CASCADE"),
        firm_fk("specialist_id", "specialists"),
    )

    firm_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("firms.id", ondelete="CASCADE"), index=True
    )
    appointment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    specialist_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)


class AppointmentServiceItem(Base):
    """A service performed in an appointment, with the price and duration actually used."""

    __tablename__ = "appointment_services"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        firm_fk("appointment_id", "appointments", ondelete="CASCADE"),
        firm_fk("service_id", "services"),
    )

    firm_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("firms.id", ondelete="CASCADE"), index=True
    )
    appointment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    service_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    duration_minutes: Mapped[int] = mapped_column(Integer)
