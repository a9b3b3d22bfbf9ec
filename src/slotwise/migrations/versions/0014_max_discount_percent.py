"""wallets: the firm's largest discount on a wallet payment, in percent (default 100: any)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "firms",
        sa.Column(
            "max_discount_percent",
            sa.Numeric(precision=5, scale=2),
            server_default="100",
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_firms_max_discount_percent_range"),
        "firms",
        "max_discount_percent BETWEEN 0 AND 100",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_firms_max_discount_percent_range"), "firms", type_="check")
    op.drop_column("firms", "max_discount_percent")
