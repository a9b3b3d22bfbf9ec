"""The durable event log (outbox) behind live updates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from slotwise.models.base import Base, created_at_column


class Event(Base):
    """One change of an appointment (or, for the firm's operators, a sync conflict that
    opened), written in the transaction of the change itself.

    ``seq`` is gap-free and in commit order per firm: it is taken by incrementing
    ``firms.event_seq``, whose row lock also makes the firm's writers commit in that order (a
    ``bigserial`` would not: ids are taken before commit, so id 11 can become visible before
    id 10). The ``*_before`` columns let the server tell a worker who was just removed, and a
    client who no longer owns an appointment, that it is gone for them.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_created_at", "created_at"),)

    firm_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("firms.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    # None for an event about something else (a sync conflict, for the operators only).
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    worker_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    worker_ids_before: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    client_id_before: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    changed: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    # Who made the change (None for the system, e.g. a status moved by time).
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    # The appointment as the API shows it (after the change; before it, for a deletion).
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
