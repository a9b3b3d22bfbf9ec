"""Query helpers shared by every domain: firm-scoped lookups and pagination, and the
not-found errors of the records every domain looks up (one class per code)."""

from __future__ import annotations

import uuid
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.errors import NotFound
from slotwise.models import Client, Location, Service, Specialist, Workplace
from slotwise.models.base import FirmScoped

RowT = TypeVar("RowT", bound=FirmScoped)


class ClientNotFound(NotFound):
    code = "client_not_found"
    default_message = "No such client"


class LocationNotFound(NotFound):
    code = "location_not_found"
    default_message = "No such location"


class ServiceNotFound(NotFound):
    code = "service_not_found"
    default_message = "No such service"


class SpecialistNotFound(NotFound):
    code = "specialist_not_found"
    default_message = "No such specialist"


class WorkplaceNotFound(NotFound):
    code = "workplace_not_found"
    default_message = "No such workplace"


# What get_in_firm answers for a missing row of each model it is used with.
_MISSING: dict[type[FirmScoped], type[NotFound]] = {
    Client: ClientNotFound,
    Location: LocationNotFound,
    Service: ServiceNotFound,
    Specialist: SpecialistNotFound,
    Workplace: WorkplaceNotFound,
}
ItemT = TypeVar("ItemT")


async def get_in_firm(
    session: AsyncSession,
    model: type[RowT],
    firm_id: uuid.UUID,
    row_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> RowT:
    """The row with this id in the caller's firm.

    A row of another firm is reported exactly like a missing one (404), so ids of other
    tenants cannot even be probed for existence.
    """
    stmt = select(model).where(model.id == row_id, model.firm_id == firm_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = await session.scalar(stmt)
    if row is None:
        raise _MISSING.get(model, NotFound)(f"No {model.__name__.lower()} with id {row_id}")
    return row


class Page(BaseModel, Generic[ItemT]):
    """One page of a list, ordered deterministically; ``total`` counts every match."""

    items: list[ItemT]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, items: list[ItemT], total: int, page: PageParams) -> Self:
        return cls(items=items, total=total, limit=page.limit, offset=page.offset)


class PageParams(BaseModel):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


async def paginate(
    session: AsyncSession, stmt: Select[Any], page: PageParams
) -> tuple[list[Any], int]:
    """One page of ``stmt`` (which must already be ordered deterministically) and the total."""
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = (await session.scalars(stmt.limit(page.limit).offset(page.offset))).all()
    return list(rows), int(total or 0)


def apply_changes(row: object, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(row, name, value)
