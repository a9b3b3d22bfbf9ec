"""The notification outbox and the browsers subscribed to Web Push.

A notification row is written in the transaction of the change that causes it, so a message
exists exactly when its cause was committed. ``dedupe_key`` is unique: planning the same
message twice (a retried request, the reminder sweep meeting a reminder planned at booking
time) finds the row already there. The row is also what makes sending idempotent: the
delivery job marks it ``sending`` before it talks to the provider and ``sent`` after, so a
job that runs again after a crash knows what already happened.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from slotwise.models.base import Base, FirmScoped, created_at_column, firm_fk

NOTIFICATION_TYPES = (
    "confirmation",
    "change",
    "cancellation",
    "reminder",
    "worker_assigned",
    "worker_removed",
    # A guest's verification code (the public booking page): to the address they gave.
    "verification_code",
    # To the firm's operators (active owners and directors): a connection stopped working,
    # an external record was not imported because it overlaps an appointment.
    "connection_failing",
    "sync_conflict",
)
NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed", "skipped", "cancelled")
RECIPIENT_KINDS = ("client", "worker", "guest", "operator")


class Notification(FirmScoped, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"type IN {NOTIFICATION_TYPES}", name="type_known"),
        CheckConstraint(f"status IN {NOTIFICATION_STATUSES}", name="status_known"),
        CheckConstraint(f"recipient_kind IN {RECIPIENT_KINDS}", name="recipient_kind_known"),
        # A guest is no row of ours, and an operator (a login) is no client or specialist:
        # their message names its channel and address itself (an operator's user id is in
        # ``data``).
        CheckConstraint(
            "CASE WHEN recipient_kind IN ('guest', 'operator')"
            " THEN client_id IS NULL AND specialist_id IS NULL AND address IS NOT NULL"
            " ELSE (client_id IS NULL) <> (specialist_id IS NULL) END",
            name="one_recipient",
        ),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_notifications_firm_id_appointment_id", "firm_id", "appointment_id"),
        # The sweep that gives due rows their delivery job reads only this small set.
        Index(
            "ix_notifications_unqueued_send_after",
            "send_after",
            postgresql_where=text("status = 'pending' AND job_id IS NULL"),
        ),
        Index("ix_notifications_updated_at", "updated_at"),
    )

    # No foreign key: the log of what was sent about an appointment outlives the appointment.
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    type: Mapped[str] = mapped_column(String(32))
    recipient_kind: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    # Decided at send time from the recipient's preferences and addresses.
    channel: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(500))
    locale: Mapped[str | None] = mapped_column(String(8))
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    # What the message must still say when the appointment has changed or is gone (the old
    # time of a moved appointment, the appointment as it was when it was deleted).
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    send_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Reminders only: the start time and the offset they were planned for.
    planned_start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offset_minutes: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    # The latest delivery job deferred for the row (an older one finds it done or not due).
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    # Which job is talking to the provider right now, so that another run can tell an
    # attempt in flight from one that died with its worker.
    sending_job_id: Mapped[int | None] = mapped_column(BigInteger)
    sending_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class PushSubscription(FirmScoped, Base):
    """A browser's Web Push subscription: of the user who was logged in there, or of a
    client without a login (subscribed from a manage link: the messages of all the client's
    appointments then also go to that browser)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (client_id IS NULL)", name="one_owner"),
        firm_fk("client_id", "clients", ondelete="CASCADE"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    # Push service URLs are a few hundred characters; the unique index stays well within
    # PostgreSQL's limit for an index entry.
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str] = mapped_column(String(300), server_default="")
    created_at: Mapped[datetime] = created_at_column()
