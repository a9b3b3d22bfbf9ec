"""jobs and notifications: procrastinate's schema, the notification outbox, push
subscriptions, per-firm reminder offsets, per-client channel preference

procrastinate lives in its own schema ``procrastinate`` (see ``slotwise/jobs/schema.py``);
upgrading procrastinate later means a new migration that applies its delta SQL files with
``search_path`` set to that schema and pins the search path of new functions again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 20:52:17.502726
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from slotwise.jobs import schema as job_schema

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    job_schema.install(op.get_bind())
    op.create_table(
        "notifications",
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column(
            "data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offset_minutes", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("sending_job_id", sa.BigInteger(), nullable=True),
        sa.Column("sending_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "recipient_kind IN ('client', 'worker')",
            name=op.f("ck_notifications_recipient_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled')",
            name=op.f("ck_notifications_status_known"),
        ),
        sa.CheckConstraint(
            "type IN ('confirmation', 'change', 'cancellation', 'reminder', 'worker_assigned',"
            " 'worker_removed')",
            name=op.f("ck_notifications_type_known"),
        ),
        sa.CheckConstraint(
            "(client_id IS NULL) <> (specialist_id IS NULL)",
            name=op.f("ck_notifications_one_recipient"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notifications_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_notifications_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index(op.f("ix_notifications_firm_id"), "notifications", ["firm_id"], unique=False)
    op.create_index(
        "ix_notifications_firm_id_appointment_id",
        "notifications",
        ["firm_id", "appointment_id"],
        unique=False,
    )
    op.create_index(
        "ix_notifications_unqueued_send_after",
        "notifications",
        ["send_after"],
        unique=False,
        postgresql_where=sa.text("status = 'pending' AND job_id IS NULL"),
    )
    op.create_index("ix_notifications_updated_at", "notifications", ["updated_at"], unique=False)
    op.create_table(
        "push_subscriptions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("user_agent", sa.String(length=300), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_push_subscriptions_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_push_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(
        op.f("ix_push_subscriptions_firm_id"), "push_subscriptions", ["firm_id"], unique=False
    )
    op.create_index(
        op.f("ix_push_subscriptions_user_id"), "push_subscriptions", ["user_id"], unique=False
    )
    op.add_column(
        "clients",
        sa.Column(
            "preferred_channels",
            postgresql.ARRAY(sa.String(length=16)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )
    op.add_column(
        "firms",
        sa.Column(
            "reminder_offsets_minutes",
            postgresql.ARRAY(sa.Integer()),
            server_default=sa.text("'{1440,60}'"),
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_firms_reminder_offsets_valid"),
        "firms",
        "cardinality(reminder_offsets_minutes) <= 10 AND 0 < ALL (reminder_offsets_minutes)"
        " AND 43200 >= ALL (reminder_offsets_minutes)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_firms_reminder_offsets_valid"), "firms", type_="check")
    op.drop_column("firms", "reminder_offsets_minutes")
    op.drop_column("clients", "preferred_channels")
    op.drop_index(op.f("ix_push_subscriptions_user_id"), table_name="push_subscriptions")
    op.drop_index(op.f("ix_push_subscriptions_firm_id"), table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
    op.drop_index("ix_notifications_updated_at", table_name="notifications")
    op.drop_index(
        "ix_notifications_unqueued_send_after",
        table_name="notifications",
        postgresql_where=sa.text("status = 'pending' AND job_id IS NULL"),
    )
    op.drop_index("ix_notifications_firm_id_appointment_id", table_name="notifications")
    op.drop_index(op.f("ix_notifications_firm_id"), table_name="notifications")
    op.drop_table("notifications")
    job_schema.uninstall(op.get_bind())
