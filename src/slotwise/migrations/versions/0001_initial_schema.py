"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 19:59:19.056742
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # btree_gist backs the exclusion constraints that make double booking impossible.
    # It is left in place on downgrade: other schemas of the database may use it.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "firms",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("default_locale", sa.String(length=8), server_default="en", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firms")),
        sa.UniqueConstraint("slug", name=op.f("uq_firms_slug")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "clients",
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("telegram_id", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_clients_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_clients_firm_id_id")),
    )
    op.create_index(op.f("ix_clients_firm_id"), "clients", ["firm_id"], unique=False)
    op.create_index(
        "uq_clients_firm_id_telegram_id",
        "clients",
        ["firm_id", "telegram_id"],
        unique=True,
        postgresql_where=sa.text("telegram_id IS NOT NULL"),
    )
    op.create_table(
        "locations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), server_default="", nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity > 0", name=op.f("ck_locations_capacity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_locations_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_locations_firm_id_id")),
        sa.UniqueConstraint("firm_id", "name", name=op.f("uq_locations_firm_id_name")),
    )
    op.create_index(op.f("ix_locations_firm_id"), "locations", ["firm_id"], unique=False)
    op.create_table(
        "services",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("break_after_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("break_after_minutes >= 0", name=op.f("ck_services_break_not_negative")),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_services_duration_positive")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_services_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_services_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_services_firm_id_id")),
        sa.UniqueConstraint("firm_id", "name", name=op.f("uq_services_firm_id_name")),
    )
    op.create_index(op.f("ix_services_firm_id"), "services", ["firm_id"], unique=False)
    op.create_table(
        "specialists",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("specialization", sa.String(length=200), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_specialists_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialists")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_specialists_firm_id_id")),
    )
    op.create_index(op.f("ix_specialists_firm_id"), "specialists", ["firm_id"], unique=False)
    op.create_table(
        "client_wallets",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("balance", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_client_wallets_balance_not_negative")),
        sa.ForeignKeyConstraint(
            ["firm_id", "client_id"],
            ["clients.firm_id", "clients.id"],
            name=op.f("fk_client_wallets_firm_id_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_client_wallets_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_wallets")),
        sa.UniqueConstraint("client_id", name=op.f("uq_client_wallets_client_id")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_client_wallets_firm_id_id")),
    )
    op.create_index(op.f("ix_client_wallets_firm_id"), "client_wallets", ["firm_id"], unique=False)
    op.create_table(
        "holidays",
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("is_working", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("description", sa.String(length=500), server_default="", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id", "location_id"],
            ["locations.firm_id", "locations.id"],
            name=op.f("fk_holidays_firm_id_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_holidays_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("location_id", "date", name=op.f("uq_holidays_location_id_date")),
    )
    op.create_index(op.f("ix_holidays_firm_id"), "holidays", ["firm_id"], unique=False)
    op.create_index(op.f("ix_holidays_location_id"), "holidays", ["location_id"], unique=False)
    op.create_table(
        "location_hours",
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("day_of_week", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("is_day_off", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "day_of_week BETWEEN 0 AND 6", name=op.f("ck_location_hours_day_of_week_range")
        ),
        sa.CheckConstraint(
            "is_day_off OR end_time > start_time", name=op.f("ck_location_hours_end_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "location_id"],
            ["locations.firm_id", "locations.id"],
            name=op.f("fk_location_hours_firm_id_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_location_hours_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location_hours")),
        sa.UniqueConstraint(
            "location_id",
            "day_of_week",
            "start_time",
            name=op.f("uq_location_hours_location_id_day_of_week_start_time"),
        ),
    )
    op.create_index(op.f("ix_location_hours_firm_id"), "location_hours", ["firm_id"], unique=False)
    op.create_index(
        op.f("ix_location_hours_location_id"), "location_hours", ["location_id"], unique=False
    )
    op.create_table(
        "specialist_breaks",
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("reason", sa.String(length=500), server_default="", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "end_time > start_time", name=op.f("ck_specialist_breaks_end_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_specialist_breaks_firm_id_specialist_id_specialists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_specialist_breaks_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialist_breaks")),
    )
    op.create_index(
        op.f("ix_specialist_breaks_firm_id"), "specialist_breaks", ["firm_id"], unique=False
    )
    op.create_index(
        op.f("ix_specialist_breaks_specialist_id"),
        "specialist_breaks",
        ["specialist_id"],
        unique=False,
    )
    op.create_table(
        "specialist_services",
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("custom_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("custom_duration_minutes", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "custom_duration_minutes IS NULL OR custom_duration_minutes > 0",
            name=op.f("ck_specialist_services_duration_positive"),
        ),
        sa.CheckConstraint(
            "custom_price IS NULL OR custom_price >= 0",
            name=op.f("ck_specialist_services_price_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "service_id"],
            ["services.firm_id", "services.id"],
            name=op.f("fk_specialist_services_firm_id_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_specialist_services_firm_id_specialist_id_specialists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_specialist_services_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialist_services")),
        sa.UniqueConstraint(
            "specialist_id",
            "service_id",
            name=op.f("uq_specialist_services_specialist_id_service_id"),
        ),
    )
    op.create_index(
        op.f("ix_specialist_services_firm_id"), "specialist_services", ["firm_id"], unique=False
    )
    op.create_index(
        op.f("ix_specialist_services_service_id"),
        "specialist_services",
        ["service_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_specialist_services_specialist_id"),
        "specialist_services",
        ["specialist_id"],
        unique=False,
    )
    op.create_table(
        "users",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "role <> 'client' OR client_id IS NOT NULL", name=op.f("ck_users_client_linked")
        ),
        sa.CheckConstraint(
            "role <> 'worker' OR specialist_id IS NOT NULL", name=op.f("ck_users_worker_linked")
        ),
        sa.CheckConstraint(
            "role IN ('owner', 'director', 'manager', 'worker', 'client')",
            name=op.f("ck_users_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "client_id"],
            ["clients.firm_id", "clients.id"],
            name=op.f("fk_users_firm_id_client_id_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_users_firm_id_specialist_id_specialists"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_users_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("firm_id", "email", name=op.f("uq_users_firm_id_email")),
    )
    op.create_index(op.f("ix_users_client_id"), "users", ["client_id"], unique=False)
    op.create_index(op.f("ix_users_firm_id"), "users", ["firm_id"], unique=False)
    op.create_index(op.f("ix_users_specialist_id"), "users", ["specialist_id"], unique=False)
    op.create_table(
        "workplaces",
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id", "location_id"],
            ["locations.firm_id", "locations.id"],
            name=op.f("fk_workplaces_firm_id_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_workplaces_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workplaces")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_workplaces_firm_id_id")),
        sa.UniqueConstraint("location_id", "name", name=op.f("uq_workplaces_location_id_name")),
    )
    op.create_index(op.f("ix_workplaces_firm_id"), "workplaces", ["firm_id"], unique=False)
    op.create_index(op.f("ix_workplaces_location_id"), "workplaces", ["location_id"], unique=False)
    op.create_table(
        "appointments",
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("workplace_id", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="scheduled", nullable=False),
        sa.Column("is_open", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.String(length=32), server_default="staff", nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
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
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('scheduled', 'in_progress', 'completed', 'cancelled', 'no_show')",
            name=op.f("ck_appointments_status_known"),
        ),
        sa.CheckConstraint(
            "closed_at IS NULL OR opened_at IS NULL OR closed_at >= opened_at",
            name=op.f("ck_appointments_closed_after_opened"),
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_appointments_end_after_start")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_appointments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "client_id"],
            ["clients.firm_id", "clients.id"],
            name=op.f("fk_appointments_firm_id_client_id_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "location_id"],
            ["locations.firm_id", "locations.id"],
            name=op.f("fk_appointments_firm_id_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "workplace_id"],
            ["workplaces.firm_id", "workplaces.id"],
            name=op.f("fk_appointments_firm_id_workplace_id_workplaces"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_appointments_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_appointments_firm_id_id")),
    )
    op.create_index(op.f("ix_appointments_client_id"), "appointments", ["client_id"], unique=False)
    op.create_index(op.f("ix_appointments_firm_id"), "appointments", ["firm_id"], unique=False)
    op.create_index(
        "ix_appointments_firm_id_start_at", "appointments", ["firm_id", "start_at"], unique=False
    )
    op.create_index(
        op.f("ix_appointments_location_id"), "appointments", ["location_id"], unique=False
    )
    op.create_index(
        op.f("ix_appointments_workplace_id"), "appointments", ["workplace_id"], unique=False
    )
    op.create_index(
        "uq_appointments_firm_id_source_external_id",
        "appointments",
        ["firm_id", "source", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"], unique=False)
    op.create_table(
        "specialist_schedules",
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("workplace_id", sa.Uuid(), nullable=True),
        sa.Column("day_of_week", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("is_day_off", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "day_of_week BETWEEN 0 AND 6", name=op.f("ck_specialist_schedules_day_of_week_range")
        ),
        sa.CheckConstraint(
            "is_day_off OR end_time > start_time",
            name=op.f("ck_specialist_schedules_end_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "location_id"],
            ["locations.firm_id", "locations.id"],
            name=op.f("fk_specialist_schedules_firm_id_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_specialist_schedules_firm_id_specialist_id_specialists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "workplace_id"],
            ["workplaces.firm_id", "workplaces.id"],
            name=op.f("fk_specialist_schedules_firm_id_workplace_id_workplaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_specialist_schedules_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialist_schedules")),
        sa.UniqueConstraint(
            "specialist_id",
            "location_id",
            "day_of_week",
            "start_time",
            name=op.f("uq_specialist_schedules_specialist_id_location_id_day_of_week_start_time"),
        ),
    )
    op.create_index(
        op.f("ix_specialist_schedules_firm_id"), "specialist_schedules", ["firm_id"], unique=False
    )
    op.create_index(
        op.f("ix_specialist_schedules_location_id"),
        "specialist_schedules",
        ["location_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_specialist_schedules_specialist_id"),
        "specialist_schedules",
        ["specialist_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_specialist_schedules_workplace_id"),
        "specialist_schedules",
        ["workplace_id"],
        unique=False,
    )
    op.create_table(
        "workplace_service_overrides",
        sa.Column("workplace_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("break_after_minutes", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "break_after_minutes IS NULL OR break_after_minutes >= 0",
            name=op.f("ck_workplace_service_overrides_brk"),
        ),
        sa.CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes > 0",
            name=op.f("ck_workplace_service_overrides_duration"),
        ),
        sa.CheckConstraint(
            "price IS NULL OR price >= 0",
            name=op.f("ck_workplace_service_overrides_price_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "service_id"],
            ["services.firm_id", "services.id"],
            name=op.f("fk_workplace_service_overrides_firm_id_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "workplace_id"],
            ["workplaces.firm_id", "workplaces.id"],
            name=op.f("fk_workplace_service_overrides_firm_id_workplace_id_workplaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_workplace_service_overrides_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workplace_service_overrides")),
        sa.UniqueConstraint(
            "workplace_id",
            "service_id",
            name=op.f("uq_workplace_service_overrides_workplace_id_service_id"),
        ),
    )
    op.create_index(
        op.f("ix_workplace_service_overrides_firm_id"),
        "workplace_service_overrides",
        ["firm_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_workplace_service_overrides_service_id"),
        "workplace_service_overrides",
        ["service_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_workplace_service_overrides_workplace_id"),
        "workplace_service_overrides",
        ["workplace_id"],
        unique=False,
    )
    op.create_table(
        "appointment_services",
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "duration_minutes > 0", name=op.f("ck_appointment_services_duration_positive")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_appointment_services_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["firm_id", "appointment_id"],
            ["appointments.firm_id", "appointments.id"],
            name=op.f("fk_appointment_services_firm_id_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "service_id"],
            ["services.firm_id", "services.id"],
            name=op.f("fk_appointment_services_firm_id_service_id_services"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_appointment_services_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "appointment_id", "service_id", name=op.f("pk_appointment_services")
        ),
    )
    op.create_index(
        op.f("ix_appointment_services_firm_id"), "appointment_services", ["firm_id"], unique=False
    )
    op.create_index(
        op.f("ix_appointment_services_service_id"),
        "appointment_services",
        ["service_id"],
        unique=False,
    )
    op.create_table(
        "appointment_workers",
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id", "appointment_id"],
            ["appointments.firm_id", "appointments.id"],
            name=op.f("fk_appointment_workers_firm_id_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_appointment_workers_firm_id_specialist_id_specialists"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_appointment_workers_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "appointment_id", "specialist_id", name=op.f("pk_appointment_workers")
        ),
    )
    op.create_index(
        op.f("ix_appointment_workers_firm_id"), "appointment_workers", ["firm_id"], unique=False
    )
    op.create_index(
        op.f("ix_appointment_workers_specialist_id"),
        "appointment_workers",
        ["specialist_id"],
        unique=False,
    )
    op.create_table(
        "wallet_transactions",
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "discount", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False
        ),
        sa.Column("description", sa.String(length=500), server_default="", nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_wallet_transactions_amount_not_zero")),
        sa.CheckConstraint(
            "discount >= 0", name=op.f("ck_wallet_transactions_discount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_wallet_transactions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "appointment_id"],
            ["appointments.firm_id", "appointments.id"],
            name=op.f("fk_wallet_transactions_firm_id_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "wallet_id"],
            ["client_wallets.firm_id", "client_wallets.id"],
            name=op.f("fk_wallet_transactions_firm_id_wallet_id_client_wallets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_wallet_transactions_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_transactions")),
    )
    op.create_index(
        op.f("ix_wallet_transactions_appointment_id"),
        "wallet_transactions",
        ["appointment_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_wallet_transactions_firm_id"), "wallet_transactions", ["firm_id"], unique=False
    )
    op.create_index(
        op.f("ix_wallet_transactions_wallet_id"), "wallet_transactions", ["wallet_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_wallet_transactions_wallet_id"), table_name="wallet_transactions")
    op.drop_index(op.f("ix_wallet_transactions_firm_id"), table_name="wallet_transactions")
    op.drop_index(op.f("ix_wallet_transactions_appointment_id"), table_name="wallet_transactions")
    op.drop_table("wallet_transactions")
    op.drop_index(op.f("ix_appointment_workers_specialist_id"), table_name="appointment_workers")
    op.drop_index(op.f("ix_appointment_workers_firm_id"), table_name="appointment_workers")
    op.drop_table("appointment_workers")
    op.drop_index(op.f("ix_appointment_services_service_id"), table_name="appointment_services")
    op.drop_index(op.f("ix_appointment_services_firm_id"), table_name="appointment_services")
    op.drop_table("appointment_services")
    op.drop_index(
        op.f("ix_workplace_service_overrides_workplace_id"),
        table_name="workplace_service_overrides",
    )
    op.drop_index(
        op.f("ix_workplace_service_overrides_service_id"), table_name="workplace_service_overrides"
    )
    op.drop_index(
        op.f("ix_workplace_service_overrides_firm_id"), table_name="workplace_service_overrides"
    )
    op.drop_table("workplace_service_overrides")
    op.drop_index(op.f("ix_specialist_schedules_workplace_id"), table_name="specialist_schedules")
    op.drop_index(op.f("ix_specialist_schedules_specialist_id"), table_name="specialist_schedules")
    op.drop_index(op.f("ix_specialist_schedules_location_id"), table_name="specialist_schedules")
    op.drop_index(op.f("ix_specialist_schedules_firm_id"), table_name="specialist_schedules")
    op.drop_table("specialist_schedules")
    op.drop_index(op.f("ix_refresh_tokens_user_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index(
        "uq_appointments_firm_id_source_external_id",
        table_name="appointments",
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.drop_index(op.f("ix_appointments_workplace_id"), table_name="appointments")
    op.drop_index(op.f("ix_appointments_location_id"), table_name="appointments")
    op.drop_index("ix_appointments_firm_id_start_at", table_name="appointments")
    op.drop_index(op.f("ix_appointments_firm_id"), table_name="appointments")
    op.drop_index(op.f("ix_appointments_client_id"), table_name="appointments")
    op.drop_table("appointments")
    op.drop_index(op.f("ix_workplaces_location_id"), table_name="workplaces")
    op.drop_index(op.f("ix_workplaces_firm_id"), table_name="workplaces")
    op.drop_table("workplaces")
    op.drop_index(op.f("ix_users_specialist_id"), table_name="users")
    op.drop_index(op.f("ix_users_firm_id"), table_name="users")
    op.drop_index(op.f("ix_users_client_id"), table_name="users")
    op.drop_table("users")
    op.drop_index(op.f("ix_specialist_services_specialist_id"), table_name="specialist_services")
    op.drop_index(op.f("ix_specialist_services_service_id"), table_name="specialist_services")
    op.drop_index(op.f("ix_specialist_services_firm_id"), table_name="specialist_services")
    op.drop_table("specialist_services")
    op.drop_index(op.f("ix_specialist_breaks_specialist_id"), table_name="specialist_breaks")
    op.drop_index(op.f("ix_specialist_breaks_firm_id"), table_name="specialist_breaks")
    op.drop_table("specialist_breaks")
    op.drop_index(op.f("ix_location_hours_location_id"), table_name="location_hours")
    op.drop_index(op.f("ix_location_hours_firm_id"), table_name="location_hours")
    op.drop_table("location_hours")
    op.drop_index(op.f("ix_holidays_location_id"), table_name="holidays")
    op.drop_index(op.f("ix_holidays_firm_id"), table_name="holidays")
    op.drop_table("holidays")
    op.drop_index(op.f("ix_client_wallets_firm_id"), table_name="client_wallets")
    op.drop_table("client_wallets")
    op.drop_index(op.f("ix_specialists_firm_id"), table_name="specialists")
    op.drop_table("specialists")
    op.drop_index(op.f("ix_services_firm_id"), table_name="services")
    op.drop_table("services")
    op.drop_index(op.f("ix_locations_firm_id"), table_name="locations")
    op.drop_table("locations")
    op.drop_index(
        "uq_clients_firm_id_telegram_id",
        table_name="clients",
        postgresql_where=sa.text("telegram_id IS NOT NULL"),
    )
    op.drop_index(op.f("ix_clients_firm_id"), table_name="clients")
    op.drop_table("clients")
    op.drop_table("login_throttle")
    op.drop_table("firms")
