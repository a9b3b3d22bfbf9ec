"""connections to external systems (YClients, CalDAV) and what their sync keeps

The connections with their encrypted credentials, the mapping of external staff and
services, the run history, sync conflicts, records held back, and the links between
appointments and external records. Everything is firm-scoped; the rows of a connection go
with it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:27:21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column(
            "settings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("credentials", sa.LargeBinary(), nullable=False),
        sa.Column("poll_interval_seconds", sa.Integer(), server_default="60", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("health", sa.String(length=16), server_default="new", nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("operators_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "cursor",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
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
            "health IN ('new', 'ok', 'failing')", name=op.f("ck_connections_health_known")
        ),
        sa.CheckConstraint(
            "kind <> 'caldav' OR specialist_id IS NOT NULL",
            name=op.f("ck_connections_caldav_specialist"),
        ),
        sa.CheckConstraint(
            "kind IN ('yclients', 'caldav')", name=op.f("ck_connections_kind_known")
        ),
        sa.CheckConstraint(
            "poll_interval_seconds >= 10", name=op.f("ck_connections_poll_interval_min")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "location_id"],
            ["locations.firm_id", "locations.id"],
            name=op.f("fk_connections_firm_id_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_connections_firm_id_specialist_id_specialists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_connections_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_connections_firm_id_id")),
        sa.UniqueConstraint("firm_id", "name", name=op.f("uq_connections_firm_id_name")),
    )
    op.create_index(op.f("ix_connections_firm_id"), "connections", ["firm_id"], unique=False)
    op.create_index(
        op.f("ix_connections_location_id"), "connections", ["location_id"], unique=False
    )
    op.create_index(
        "ix_connections_next_run_at",
        "connections",
        ["next_run_at"],
        unique=False,
        postgresql_where=sa.text("enabled"),
    )
    op.create_index(
        op.f("ix_connections_specialist_id"), "connections", ["specialist_id"], unique=False
    )
    op.create_table(
        "connection_mappings",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("external_name", sa.String(length=500), server_default="", nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("suggested", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'staff' AND service_id IS NULL)"
            " OR (kind = 'service' AND specialist_id IS NULL)",
            name=op.f("ck_connection_mappings_target_of_kind"),
        ),
        sa.CheckConstraint(
            "kind IN ('staff', 'service')", name=op.f("ck_connection_mappings_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "connection_id"],
            ["connections.firm_id", "connections.id"],
            name=op.f("fk_connection_mappings_firm_id_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "service_id"],
            ["services.firm_id", "services.id"],
            name=op.f("fk_connection_mappings_firm_id_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "specialist_id"],
            ["specialists.firm_id", "specialists.id"],
            name=op.f("fk_connection_mappings_firm_id_specialist_id_specialists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_connection_mappings_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_mappings")),
        sa.UniqueConstraint(
            "connection_id",
            "kind",
            "external_id",
            name=op.f("uq_connection_mappings_connection_id_kind_external_id"),
        ),
    )
    op.create_index(
        op.f("ix_connection_mappings_connection_id"),
        "connection_mappings",
        ["connection_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_connection_mappings_firm_id"), "connection_mappings", ["firm_id"], unique=False
    )
    op.create_index(
        op.f("ix_connection_mappings_service_id"),
        "connection_mappings",
        ["service_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_connection_mappings_specialist_id"),
        "connection_mappings",
        ["specialist_id"],
        unique=False,
    )
    op.create_table(
        "sync_held_records",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('needs_mapping', 'malformed')",
            name=op.f("ck_sync_held_records_reason_known"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "connection_id"],
            ["connections.firm_id", "connections.id"],
            name=op.f("fk_sync_held_records_firm_id_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_sync_held_records_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_held_records")),
        sa.UniqueConstraint(
            "connection_id",
            "external_id",
            name=op.f("uq_sync_held_records_connection_id_external_id"),
        ),
    )
    op.create_index(
        op.f("ix_sync_held_records_firm_id"), "sync_held_records", ["firm_id"], unique=False
    )
    op.create_table(
        "sync_runs",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("requests", sa.Integer(), server_default="0", nullable=False),
        sa.Column("imported", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("conflicts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errors", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('ok', 'failed', 'partial')", name=op.f("ck_sync_runs_outcome_known")
        ),
        sa.CheckConstraint(
            "requests >= 0 AND imported >= 0 AND updated >= 0 AND deleted >= 0"
            " AND conflicts >= 0 AND errors >= 0",
            name=op.f("ck_sync_runs_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "connection_id"],
            ["connections.firm_id", "connections.id"],
            name=op.f("fk_sync_runs_firm_id_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_sync_runs_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index(
        "ix_sync_runs_connection_id_started_at",
        "sync_runs",
        ["connection_id", "started_at"],
        unique=False,
    )
    op.create_index(op.f("ix_sync_runs_firm_id"), "sync_runs", ["firm_id"], unique=False)
    op.create_table(
        "sync_conflicts",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=500), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(status = 'resolved') = (resolved_at IS NOT NULL)",
            name=op.f("ck_sync_conflicts_resolved_when_resolved"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'resolved')", name=op.f("ck_sync_conflicts_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_sync_conflicts_appointment_id_appointments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "connection_id"],
            ["connections.firm_id", "connections.id"],
            name=op.f("fk_sync_conflicts_firm_id_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_sync_conflicts_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    op.create_index(
        op.f("ix_sync_conflicts_appointment_id"), "sync_conflicts", ["appointment_id"], unique=False
    )
    op.create_index(
        "ix_sync_conflicts_connection_id_created_at",
        "sync_conflicts",
        ["connection_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_sync_conflicts_firm_id"), "sync_conflicts", ["firm_id"], unique=False)
    op.create_index(
        "uq_sync_conflicts_open_external_id",
        "sync_conflicts",
        ["connection_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "sync_links",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=500), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("external_version", sa.String(length=500), nullable=True),
        sa.Column(
            "last_synced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "direction IN ('imported', 'pushed')", name=op.f("ck_sync_links_direction_known")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "appointment_id"],
            ["appointments.firm_id", "appointments.id"],
            name=op.f("fk_sync_links_firm_id_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "connection_id"],
            ["connections.firm_id", "connections.id"],
            name=op.f("fk_sync_links_firm_id_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_sync_links_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_links")),
        sa.UniqueConstraint(
            "connection_id",
            "appointment_id",
            name=op.f("uq_sync_links_connection_id_appointment_id"),
        ),
        sa.UniqueConstraint(
            "connection_id", "external_id", name=op.f("uq_sync_links_connection_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_sync_links_appointment_id"), "sync_links", ["appointment_id"], unique=False
    )
    op.create_index(op.f("ix_sync_links_firm_id"), "sync_links", ["firm_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_links_firm_id"), table_name="sync_links")
    op.drop_index(op.f("ix_sync_links_appointment_id"), table_name="sync_links")
    op.drop_table("sync_links")
    op.drop_index(
        "uq_sync_conflicts_open_external_id",
        table_name="sync_conflicts",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index(op.f("ix_sync_conflicts_firm_id"), table_name="sync_conflicts")
    op.drop_index("ix_sync_conflicts_connection_id_created_at", table_name="sync_conflicts")
    op.drop_index(op.f("ix_sync_conflicts_appointment_id"), table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    op.drop_index(op.f("ix_sync_runs_firm_id"), table_name="sync_runs")
    op.drop_index("ix_sync_runs_connection_id_started_at", table_name="sync_runs")
    op.drop_table("sync_runs")
    op.drop_index(op.f("ix_sync_held_records_firm_id"), table_name="sync_held_records")
    op.drop_table("sync_held_records")
    op.drop_index(op.f("ix_connection_mappings_specialist_id"), table_name="connection_mappings")
    op.drop_index(op.f("ix_connection_mappings_service_id"), table_name="connection_mappings")
    op.drop_index(op.f("ix_connection_mappings_firm_id"), table_name="connection_mappings")
    op.drop_index(op.f("ix_connection_mappings_connection_id"), table_name="connection_mappings")
    op.drop_table("connection_mappings")
    op.drop_index(op.f("ix_connections_specialist_id"), table_name="connections")
    op.drop_index(
        "ix_connections_next_run_at", table_name="connections", postgresql_where=sa.text("enabled")
    )
    op.drop_index(op.f("ix_connections_location_id"), table_name="connections")
    op.drop_index(op.f("ix_connections_firm_id"), table_name="connections")
    op.drop_table("connections")
