"""booking: holds, time claims, idempotency keys, booking rules

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 20:11:16.321720
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRM_CHECKS = {
    "slot_step_range": "slot_step_minutes BETWEEN 1 AND 1440",
    "min_notice_not_negative": "min_notice_minutes >= 0",
    "horizon_range": "booking_horizon_days BETWEEN 1 AND 3660",
    "deadline_not_negative": "client_change_deadline_minutes >= 0",
    "hold_ttl_range": "hold_ttl_seconds BETWEEN 10 AND 86400",
}


def upgrade() -> None:
    op.create_table(
        "holds",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("workplace_id", sa.Uuid(), nullable=True),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_holds_end_after_start")),
        sa.ForeignKeyConstraint(
            ["firm_id", "client_id"],
            ["clients.firm_id", "clients.id"],
            name=op.f("fk_holds_firm_id_client_id_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "location_id"],
            ["locations.firm_id", "locations.id"],
            name=op.f("fk_holds_firm_id_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "service_id"],
            ["services.firm_id", "services.id"],
            name=op.f("fk_holds_firm_id_service_id_services"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "workplace_id"],
            ["workplaces.firm_id", "workplaces.id"],
            name=op.f("fk_holds_firm_id_workplace_id_workplaces"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_holds_firm_id_specialist_id_specialists"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_holds_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_holds_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_index(op.f("ix_holds_firm_id"), "holds", ["firm_id"], unique=False)
    op.create_index("ix_holds_firm_id_expires_at", "holds", ["firm_id", "expires_at"], unique=False)
    op.create_index(op.f("ix_holds_user_id"), "holds", ["user_id"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("endpoint", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", "endpoint", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "time_claims",
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("hold_id", sa.Uuid(), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("workplace_id", sa.Uuid(), nullable=True),
        sa.Column("during", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.text("specialist_id"), "="),
            (sa.text("during"), "&&"),
            where=sa.text("specialist_id IS NOT NULL"),
            using="gist",
            name="ex_time_claims_specialist_overlap",
        ),
        postgresql.ExcludeConstraint(
            (sa.text("workplace_id"), "="),
            (sa.text("during"), "&&"),
            where=sa.text("workplace_id IS NOT NULL"),
            using="gist",
            name="ex_time_claims_workplace_overlap",
        ),
        sa.CheckConstraint(
            "(hold_id IS NULL) <> (appointment_id IS NULL)", name=op.f("ck_time_claims_one_owner")
        ),
        sa.CheckConstraint(
            "(specialist_id IS NULL) <> (workplace_id IS NULL)",
            name=op.f("ck_time_claims_one_resource"),
        ),
        sa.CheckConstraint(
            "NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)",
            name=op.f("ck_time_claims_bounded"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "appointment_id"],
            ["appointments.firm_id", "appointments.id"],
            name=op.f("fk_time_claims_firm_id_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_time_claims_firm_id_specialist_id_specialists"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "workplace_id"],
            ["workplaces.firm_id", "workplaces.id"],
            name=op.f("fk_time_claims_firm_id_workplace_id_workplaces"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_time_claims_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name=op.f("fk_time_claims_hold_id_holds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_claims")),
    )
    op.create_index(
        op.f("ix_time_claims_appointment_id"), "time_claims", ["appointment_id"], unique=False
    )
    op.create_index(
        "ix_time_claims_firm_id_during",
        "time_claims",
        ["firm_id", "during"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(op.f("ix_time_claims_hold_id"), "time_claims", ["hold_id"], unique=False)
    op.add_column(
        "firms", sa.Column("slot_step_minutes", sa.Integer(), server_default="15", nullable=False)
    )
    op.add_column(
        "firms", sa.Column("min_notice_minutes", sa.Integer(), server_default="60", nullable=False)
    )
    op.add_column(
        "firms",
        sa.Column("booking_horizon_days", sa.Integer(), server_default="90", nullable=False),
    )
    op.add_column(
        "firms",
        sa.Column(
            "client_change_deadline_minutes", sa.Integer(), server_default="120", nullable=False
        ),
    )
    op.add_column(
        "firms", sa.Column("hold_ttl_seconds", sa.Integer(), server_default="120", nullable=False)
    )
    op.add_column(
        "services",
        sa.Column("buffer_before_minutes", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "services",
        sa.Column("buffer_after_minutes", sa.Integer(), server_default="0", nullable=False),
    )
    for name, condition in FIRM_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_firms_{name}"), "firms", condition)
    op.create_check_constraint(
        op.f("ck_services_buffers_not_negative"),
        "services",
        "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0",
    )
    # Appointments booked before claims existed now claim their time too, so the guarantee
    # holds for old and new bookings alike; overlapping old data makes this step fail loudly
    # instead of being carried over silently.
    op.execute(
        """
        INSERT INTO time_claims (id, firm_id, appointment_id, specialist_id, during)
        SELECT gen_random_uuid(), a.firm_id, a.id, w.specialist_id, tstzrange(a.start_at, a.end_at)
        FROM appointments a JOIN appointment_workers w ON w.appointment_id = a.id
        WHERE a.status <> 'cancelled'
        """
    )
    op.execute(
        """
        INSERT INTO time_claims (id, firm_id, appointment_id, workplace_id, during)
        SELECT gen_random_uuid(), a.firm_id, a.id, a.workplace_id, tstzrange(a.start_at, a.end_at)
        FROM appointments a
        WHERE a.status <> 'cancelled' AND a.workplace_id IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_column("services", "buffer_after_minutes")
    op.drop_column("services", "buffer_before_minutes")
    op.drop_column("firms", "hold_ttl_seconds")
    op.drop_column("firms", "client_change_deadline_minutes")
    op.drop_column("firms", "booking_horizon_days")
    op.drop_column("firms", "min_notice_minutes")
    op.drop_column("firms", "slot_step_minutes")
    op.drop_index(op.f("ix_time_claims_hold_id"), table_name="time_claims")
    op.drop_index(
        "ix_time_claims_firm_id_during", table_name="time_claims", postgresql_using="gist"
    )
    op.drop_index(op.f("ix_time_claims_appointment_id"), table_name="time_claims")
    op.drop_table("time_claims")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_holds_user_id"), table_name="holds")
    op.drop_index("ix_holds_firm_id_expires_at", table_name="holds")
    op.drop_index(op.f("ix_holds_firm_id"), table_name="holds")
    op.drop_table("holds")
