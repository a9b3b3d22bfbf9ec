"""push subscriptions of clients without a login (subscribed from a manage link)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("push_subscriptions", sa.Column("client_id", sa.Uuid(), nullable=True))
    op.alter_column("push_subscriptions", "user_id", existing_type=sa.Uuid(), nullable=True)
    op.create_index(
        op.f("ix_push_subscriptions_client_id"), "push_subscriptions", ["client_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_push_subscriptions_firm_id_client_id_clients"),
        "push_subscriptions",
        "clients",
        ["firm_id", "client_id"],
        ["firm_id", "id"],
        ondelete="CASCADE",
    )
    op.create_check_constraint(
        op.f("ck_push_subscriptions_one_owner"),
        "push_subscriptions",
        "(user_id IS NULL) <> (client_id IS NULL)",
    )


def downgrade() -> None:
    op.execute("DELETE FROM push_subscriptions WHERE user_id IS NULL")
    op.drop_constraint(op.f("ck_push_subscriptions_one_owner"), "push_subscriptions", type_="check")
    op.drop_constraint(
        op.f("fk_push_subscriptions_firm_id_client_id_clients"),
        "push_subscriptions",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_push_subscriptions_client_id"), table_name="push_subscriptions")
    op.alter_column("push_subscriptions", "user_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_column("push_subscriptions", "client_id")
