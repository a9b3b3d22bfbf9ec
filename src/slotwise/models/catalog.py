"""What a firm offers and where: locations, workplaces, services and specialists."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from slotwise.models.base import Base, FirmScoped, created_at_column, firm_fk

_DAY_OK = "day_of_week BETWEEN 0 AND 6"
_HOURS_OK = "is_day_off OR end_time > start_time"


class Location(FirmScoped, Base):
    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("firm_id", "id"),
        UniqueConstraint("firm_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), server_default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    # Maximum concurrent appointments; NULL means no limit beyond workers and workplaces.
    capacity: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[dt.datetime] = created_at_column()


class LocationHours(FirmScoped, Base):
    """Weekly opening hours; several rows per day allow a split day (e.g. a lunch closure)."""

    __tablename__ = "location_hours"
    __table_args__ = (
        UniqueConstraint("location_id", "day_of_week", "start_time"),
        CheckConstraint(_DAY_OK, name="day_of_week_range"),
        CheckConstraint(_HOURS_OK, name="end_after_start"),
        firm_fk("location_id", "locations", ondelete="CASCADE"),
    )

    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    day_of_week: Mapped[int] = mapped_column(Integer)  # 0 = Monday, as in date.weekday()
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    is_day_off: Mapped[bool] = mapped_column(Boolean, server_default="false")


class Holiday(FirmScoped, Base):
    __tablename__ = "holidays"
    __table_args__ = (
        UniqueConstraint("location_id", "date"),
        firm_fk("location_id", "locations", ondelete="CASCADE"),
    )

    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    # A working holiday overrides a weekly day off (e.g. a Saturday opened before Christmas).
    is_working: Mapped[bool] = mapped_column(Boolean, server_default="false")
    description: Mapped[str] = mapped_column(String(500), server_default="")


class Workplace(FirmScoped, Base):
    __tablename__ = "workplaces"
    __table_args__ = (
        UniqueConstraint("firm_id", "id"),
        UniqueConstraint("location_id", "name"),
        firm_fk("location_id", "locations"),
    )

    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(100), server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class Service(FirmScoped, Base):
    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("firm_id", "id"),
        UniqueConstraint("firm_id", "name"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("break_after_minutes >= 0", name="break_not_negative"),
        CheckConstraint(
            "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers_not_negative"
        ),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    break_after_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    # Time blocked before and after the appointment itself (preparation, cleaning).
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), server_default="EUR")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class WorkplaceServiceOverride(FirmScoped, Base):
    """A workplace that offers a service, optionally at its own price, duration or break."""

    __tablename__ = "workplace_service_overrides"
    __table_args__ = (
        UniqueConstraint("workplace_id", "service_id"),
        CheckConstraint("duration_minutes IS NULL OR duration_minutes > 0", name="duration"),
        CheckConstraint("break_after_minutes IS NULL OR break_after_minutes >= 0", name="brk"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        firm_fk("workplace_id", "workplaces", ondelete="CASCADE"),
        firm_fk("service_id", "services", ondelete="CASCADE"),
    )

    workplace_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    break_after_minutes: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class Specialist(FirmScoped, Base):
    __tablename__ = "specialists"
    __table_args__ = (UniqueConstraint("firm_id", "id"),)

    name: Mapped[str] = mapped_column(String(200))
    specialization: Mapped[str] = mapped_column(String(200), server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class SpecialistService(FirmScoped, Base):
    __tablename__ = "specialist_services"
    __table_args__ = (
        UniqueConstraint("specialist_id", "service_id"),
        CheckConstraint(
            "custom_duration_minutes IS NULL OR custom_duration_minutes > 0",
            name="duration_positive",
        ),
        CheckConstraint("custom_price IS NULL OR custom_price >= 0", name="price_not_negative"),
        firm_fk("specialist_id", "specialists", ondelete="CASCADE"),
        firm_fk("service_id", "services", ondelete="CASCADE"),
    )

    specialist_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    custom_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    custom_duration_minutes: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")


class SpecialistSchedule(FirmScoped, Base):
    __tablename__ = "specialist_schedules"
    __table_args__ = (
        UniqueConstraint("specialist_id", "location_id", "day_of_week", "start_time"),
        CheckConstraint(_DAY_OK, name="day_of_week_range"),
        CheckConstraint(_HOURS_OK, name="end_after_start"),
        firm_fk("specialist_id", "specialists", ondelete="CASCADE"),
        firm_fk("location_id", "locations", ondelete="CASCADE"),
        firm_fk("workplace_id", "workplaces", ondelete="CASCADE"),
    )

    specialist_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    workplace_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    day_of_week: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    is_day_off: Mapped[bool] = mapped_column(Boolean, server_default="false")


class SpecialistBreak(FirmScoped, Base):
    __tablename__ = "specialist_breaks"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="end_after_start"),
        firm_fk("specialist_id", "specialists", ondelete="CASCADE"),
    )

    specialist_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    reason: Mapped[str] = mapped_column(String(500), server_default="")
