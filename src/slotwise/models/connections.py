"""Connections to external booking systems and calendars (YClients, CalDAV) and what their
sync keeps: the mapping of external staff and services, the run history, conflicts, records
held back, and the links between appointments and external records.

Every row belongs to a firm, and every row of a connection refers to it by ``(firm_id,
connection_id)``: deleting a connection deletes its history with it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, Range
from sqlalchemy.orm import Mapped, mapped_column

from slotwise.models.base import Base, FirmScoped, created_at_column, firm_fk

CONNECTION_KINDS = ("yclients", "caldav")
HEALTH_STATES = ("new", "ok", "failing")
MAPPING_KINDS = ("staff", "service")
RUN_OUTCOMES = ("ok", "failed", "partial")
CONFLICT_STATUSES = ("open", "resolved")
HELD_REASONS = ("needs_mapping", "malformed")
LINK_DIRECTIONS = ("imported", "pushed")


def _connection_fk() -> Any:
    return firm_fk("connection_id", "connections", ondelete="CASCADE")


def _updated_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


class Connection(FirmScoped, Base):
    """One external system the firm syncs with. ``settings`` holds what is not secret (a
    company id, a base URL, a calendar); ``credentials`` the encrypted JSON of tokens or a
    password (``connections.secrets``), never shown. Locking one run at a time is left to the
    job queue (a lock per connection), so no lock columns here."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("firm_id", "id"),
        UniqueConstraint("firm_id", "name"),
        CheckConstraint(f"kind IN {CONNECTION_KINDS}", name="kind_known"),
        CheckConstraint(f"health IN {HEALTH_STATES}", name="health_known"),
        CheckConstraint("poll_interval_seconds >= 10", name="poll_interval_min"),
        # A calendar is one specialist's own.
        CheckConstraint("kind <> 'caldav' OR specialist_id IS NOT NULL", name="caldav_specialist"),
        firm_fk("location_id", "locations"),
        firm_fk("specialist_id", "specialists", ondelete="CASCADE"),
        # The poller's sweep: the enabled connections whose turn has come.
        Index("ix_connections_next_run_at", "next_run_at", postgresql_where=text("enabled")),
    )

    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    credentials: Mapped[bytes] = mapped_column(LargeBinary)
    poll_interval_seconds: Mapped[int] = mapped_column(Integer, server_default="60")
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    health: Mapped[str] = mapped_column(String(16), server_default="new")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the operators were told of the current failure: once per failure, not per run.
    operators_told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The poller's own state (a high-water mark, a sync token), kept across restarts.
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = _updated_at_column()
    # Optimistic concurrency of the API's writes (If-Match); the poller's own state
    # changes (cursor, health, times) leave it alone so that they never make an edit stale.
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class ConnectionMapping(FirmScoped, Base):
    """An external staff member or service and the specialist or service it stands for.

    The target is one of two columns, each a reference inside the firm: a deleted target
    deletes the row, and the next listing brings the external one back unmapped."""

    __tablename__ = "connection_mappings"
    __table_args__ = (
        UniqueConstraint("connection_id", "kind", "external_id"),
        CheckConstraint(f"kind IN {MAPPING_KINDS}", name="kind_known"),
        CheckConstraint(
            "(kind = 'staff' AND service_id IS NULL)"
            " OR (kind = 'service' AND specialist_id IS NULL)",
            name="target_of_kind",
        ),
        _connection_fk(),
        firm_fk("specialist_id", "specialists", ondelete="CASCADE"),
        firm_fk("service_id", "services", ondelete="CASCADE"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    external_name: Mapped[str] = mapped_column(String(500), server_default="")
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    service_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    # Filled by a name match, not yet confirmed by a person.
    suggested: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_at: Mapped[datetime] = _updated_at_column()

    @property
    def target_id(self) -> uuid.UUID | None:
        return self.specialist_id if self.kind == "staff" else self.service_id


class SyncRun(FirmScoped, Base):
    """One run of the poller over a connection; ``outcome`` is NULL while it runs."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        CheckConstraint(f"outcome IN {RUN_OUTCOMES}", name="outcome_known"),
        CheckConstraint(
            "requests >= 0 AND imported >= 0 AND updated >= 0 AND deleted >= 0"
            " AND conflicts >= 0 AND errors >= 0",
            name="counts_not_negative",
        ),
        Index("ix_sync_runs_connection_id_started_at", "connection_id", "started_at"),
        _connection_fk(),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))
    requests: Mapped[int] = mapped_column(Integer, server_default="0")
    imported: Mapped[int] = mapped_column(Integer, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, server_default="0")
    deleted: Mapped[int] = mapped_column(Integer, server_default="0")
    conflicts: Mapped[int] = mapped_column(Integer, server_default="0")
    errors: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)


class SyncConflict(FirmScoped, Base):
    """An external record that overlaps a Slotwise appointment and was not forced in."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (
        CheckConstraint(f"status IN {CONFLICT_STATUSES}", name="status_known"),
        CheckConstraint(
            "(status = 'resolved') = (resolved_at IS NOT NULL)", name="resolved_when_resolved"
        ),
        # One open conflict per external record; resolved ones stay as history.
        Index(
            "uq_sync_conflicts_open_external_id",
            "connection_id",
            "external_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_sync_conflicts_connection_id_created_at", "connection_id", "created_at"),
        _connection_fk(),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    external_id: Mapped[str] = mapped_column(String(500))
    # A single-column reference: a composite one cannot SET NULL without nulling firm_id.
    # The poller only ever names an appointment of the connection's own firm.
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("appointments.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    created_at: Mapped[datetime] = created_at_column()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def record_span(self) -> tuple[datetime, datetime] | None:
        """The external record's time as the poller keeps it in ``payload["record"]`` (the
        record in its API's shape: ``datetime`` with an offset, ``seance_length`` or
        ``length`` in seconds); None when the payload does not say."""
        record = self.payload.get("record") if isinstance(self.payload, dict) else None
        if not isinstance(record, dict) or not isinstance(record.get("datetime"), str):
            return None
        seconds = record.get("seance_length") or record.get("length")
        if not isinstance(seconds, int | str):
            return None
        try:
            start = datetime.fromisoformat(record["datetime"])
            length = timedelta(seconds=int(seconds))
        except (TypeError, ValueError, OverflowError):
            return None
        if start.utcoffset() is None or length <= timedelta(0):
            return None
        return start, start + length


class SyncHeldRecord(FirmScoped, Base):
    """An external record held back instead of dropped: its staff or service is not mapped
    yet, or it could not be read. The poller deletes the row once the record goes through."""

    __tablename__ = "sync_held_records"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id"),
        CheckConstraint(f"reason IN {HELD_REASONS}", name="reason_known"),
        _connection_fk(),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    external_id: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(32))
    # What is missing or wrong, for a person to read ("staff 17 is not mapped").
    detail: Mapped[str] = mapped_column(Text, server_default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    first_seen_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = created_at_column()


class SyncLink(FirmScoped, Base):
    """Which appointment is which external record of a connection, whichever side made it:
    an imported record is updated in place, a pushed appointment is never imported back."""

    __tablename__ = "sync_links"
    __table_args__ = (
        UniqueConstraint("connection_id", "appointment_id"),
        UniqueConstraint("connection_id", "external_id"),
        CheckConstraint(f"direction IN {LINK_DIRECTIONS}", name="direction_known"),
        _connection_fk(),
        firm_fk("appointment_id", "appointments", ondelete="CASCADE"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    appointment_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    external_id: Mapped[str] = mapped_column(String(500))
    direction: Mapped[str] = mapped_column(String(16))
    # The external side's version (YClients' last_change_date, a CalDAV ETag).
    external_version: Mapped[str | None] = mapped_column(String(500))
    last_synced_at: Mapped[datetime] = created_at_column()


class ExternalBusyTime(FirmScoped, Base):
    """A range a specialist is busy in their own calendar (a CalDAV connection's read):
    availability offers none of it. Not a time claim: the outside calendar may overlap itself
    or an appointment (a private dentist visit booked over a client, which the director has to
    sort out), and nothing here may refuse to record what the calendar says. Each poll
    replaces the connection's rows with what the calendar holds now."""

    __tablename__ = "external_busy_times"
    __table_args__ = (
        CheckConstraint(
            "NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)",
            name="bounded",
        ),
        _connection_fk(),
        firm_fk("specialist_id", "specialists", ondelete="CASCADE"),
        Index(
            "ix_external_busy_times_specialist_id_during",
            "specialist_id",
            "during",
            postgresql_using="gist",
        ),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    specialist_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The event's UID: the occurrences of a recurring event share it.
    uid: Mapped[str] = mapped_column(String(500))
    during: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
