"""guest holds of the public booking page, their verification codes and the messages
that carry the codes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TYPES = "'confirmation', 'change', 'cancellation', 'reminder', 'worker_assigned', 'worker_removed'"


def upgrade() -> None:
    op.alter_column("holds", "user_id", existing_type=sa.Uuid(), nullable=True)
    op.add_column("holds", sa.Column("guest_token_hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_holds_guest_token_hash"), "holds", ["guest_token_hash"], unique=True)
    op.create_check_constraint(
        op.f("ck_holds_one_holder"),
        "holds",
        "(user_id IS NULL) <> (guest_token_hash IS NULL)",
    )
    op.create_table(
        "hold_verifications",
        sa.Column("hold_id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "email IS NOT NULL OR phone IS NOT NULL",
            name=op.f("ck_hold_verifications_has_address"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_hold_verifications_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"],
            ["holds.id"],
            name=op.f("fk_hold_verifications_hold_id_holds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hold_id", name=op.f("pk_hold_verifications")),
    )
    op.drop_constraint(op.f("ck_notifications_type_known"), "notifications", type_="check")
    op.create_check_constraint(
        op.f("ck_notifications_type_known"),
        "notifications",
        f"type IN ({_TYPES}, 'verification_code')",
    )
    op.drop_constraint(
        op.f("ck_notifications_recipient_kind_known"), "notifications", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_notifications_recipient_kind_known"),
        "notifications",
        "recipient_kind IN ('client', 'worker', 'guest')",
    )
    op.drop_constraint(op.f("ck_notifications_one_recipient"), "notifications", type_="check")
    op.create_check_constraint(
        op.f("ck_notifications_one_recipient"),
        "notifications",
        "CASE WHEN recipient_kind = 'guest'"
        " THEN client_id IS NULL AND specialist_id IS NULL AND address IS NOT NULL"
        " ELSE (client_id IS NULL) <> (specialist_id IS NULL) END",
    )


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE recipient_kind = 'guest'")
    op.drop_constraint(op.f("ck_notifications_one_recipient"), "notifications", type_="check")
    op.create_check_constraint(
        op.f("ck_notifications_one_recipient"),
        "notifications",
        "(client_id IS NULL) <> (specialist_id IS NULL)",
    )
    op.drop_constraint(
        op.f("ck_notifications_recipient_kind_known"), "notifications", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_notifications_recipient_kind_known"),
        "notifications",
        "recipient_kind IN ('client', 'worker')",
    )
    op.drop_constraint(op.f("ck_notifications_type_known"), "notifications", type_="check")
    op.create_check_constraint(
        op.f("ck_notifications_type_known"), "notifications", f"type IN ({_TYPES})"
    )
    op.drop_table("hold_verifications")
    op.execute("DELETE FROM holds WHERE user_id IS NULL")
    op.drop_constraint(op.f("ck_holds_one_holder"), "holds", type_="check")
    op.drop_index(op.f("ix_holds_guest_token_hash"), table_name="holds")
    op.drop_column("holds", "guest_token_hash")
    op.alter_column("holds", "user_id", existing_type=sa.Uuid(), nullable=False)
