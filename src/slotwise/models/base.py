"""Declarative base, shared column types and the constraint naming convention."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, MetaData, Uuid, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names keep Alembic autogenerate and the migrations in agreement.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class FirmScoped(IdMixin):
    """Every business row belongs to a firm; every query filters on ``firm_id``."""

    firm_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("firms.id", ondelete="CASCADE"), nullable=False, index=True
    )


def firm_fk(column: str, table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A reference that must stay inside one firm: ``(firm_id, col) -> table(firm_id, id)``.

    The composite key makes a cross-tenant reference impossible in the database itself,
    not only in the application's checks.
    """
    return ForeignKeyConstraint(
        ["firm_id", column], [f"{table}.firm_id", f"{table}.id"], ondelete=ondelete
    )


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
