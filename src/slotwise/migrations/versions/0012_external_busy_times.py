"""external busy times: what specialists' own calendars (CalDAV) hold, kept out of the offer

One row per busy range a CalDAV connection read, replaced at each poll. The availability
query subtracts them from a specialist's free time beside the time claims; a trigger
announces the days they touch on ``slotwise_availability`` as the claims' trigger does
(0008), so an open booking page drops the slots at once.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGNAL = """
CREATE FUNCTION slotwise_external_busy_times_availability_signal() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r external_busy_times%ROWTYPE;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    r := OLD;
    PERFORM slotwise_availability_range(r.firm_id, '{}', ARRAY[r.specialist_id], '{}',
                                        lower(r.during), upper(r.during), NULL);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    r := NEW;
    PERFORM slotwise_availability_range(r.firm_id, '{}', ARRAY[r.specialist_id], '{}',
                                        lower(r.during), upper(r.during), NULL);
  END IF;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "external_busy_times",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("uid", sa.String(length=500), nullable=False),
        sa.Column("during", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)",
            name=op.f("ck_external_busy_times_bounded"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "connection_id"],
            ["connections.firm_id", "connections.id"],
            name=op.f("fk_external_busy_times_firm_id_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_external_busy_times_firm_id_specialist_id_specialists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_external_busy_times_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_busy_times")),
    )
    op.create_index(
        op.f("ix_external_busy_times_connection_id"),
        "external_busy_times",
        ["connection_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_external_busy_times_firm_id"), "external_busy_times", ["firm_id"], unique=False
    )
    op.create_index(
        "ix_external_busy_times_specialist_id_during",
        "external_busy_times",
        ["specialist_id", "during"],
        unique=False,
        postgresql_using="gist",
    )
    op.execute(_SIGNAL)
    op.execute(
        "CREATE TRIGGER availability_signal AFTER INSERT OR UPDATE OR DELETE"
        " ON external_busy_times FOR EACH ROW"
        " EXECUTE FUNCTION slotwise_external_busy_times_availability_signal()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER availability_signal ON external_busy_times")
    op.execute("DROP FUNCTION slotwise_external_busy_times_availability_signal()")
    op.drop_index(
        "ix_external_busy_times_specialist_id_during",
        table_name="external_busy_times",
        postgresql_using="gist",
    )
    op.drop_index(op.f("ix_external_busy_times_firm_id"), table_name="external_busy_times")
    op.drop_index(op.f("ix_external_busy_times_connection_id"), table_name="external_busy_times")
    op.drop_table("external_busy_times")
