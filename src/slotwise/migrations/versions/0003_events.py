"""events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 20:46:16.179921
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("worker_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("worker_ids_before", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("client_id_before", sa.Uuid(), nullable=True),
        sa.Column("changed", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_events_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("firm_id", "seq", name=op.f("pk_events")),
    )
    op.create_index("ix_events_created_at", "events", ["created_at"], unique=False)
    op.add_column(
        "firms", sa.Column("event_seq", sa.BigInteger(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("firms", "event_seq")
    op.drop_index("ix_events_created_at", table_name="events")
    op.drop_table("events")
