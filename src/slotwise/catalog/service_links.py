"""Services offered through something else: a workplace's overrides of a service's price and
duration, and the services a specialist does (with their own price and duration).

Both are (owner, service) pairs carrying a few values, listed, put (created or replaced) and
deleted the same way; only the tables and the not-found error differ.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from slotwise.auth.caller import Caller
from slotwise.catalog import repository as repo
from slotwise.catalog.errors import OverrideNotFound, SpecialistServiceNotFound
from slotwise.errors import AppError
from slotwise.models import Service, Specialist, SpecialistService, Workplace
from slotwise.models import WorkplaceServiceOverride as Override
from slotwise.repository import apply_changes, get_in_firm


@dataclass(frozen=True)
class LinkKind:
    owner: type[Workplace] | type[Specialist]
    link: type[Override] | type[SpecialistService]
    # The link table's column naming the owner, e.g. ``SpecialistService.specialist_id``.
    column: InstrumentedAttribute[uuid.UUID]
    missing: Callable[[], AppError]


OVERRIDES = LinkKind(
    Workplace,
    Override,
    Override.workplace_id,
    lambda: OverrideNotFound("The workplace does not offer this service"),
)
SPECIALIST_SERVICES = LinkKind(
    Specialist,
    SpecialistService,
    SpecialistService.specialist_id,
    lambda: SpecialistServiceNotFound("The specialist does not do this service"),
)


async def list_links(
    session: AsyncSession, caller: Caller, kind: LinkKind, owner_id: uuid.UUID
) -> list[Any]:
    owner = await get_in_firm(session, kind.owner, caller.firm_id, owner_id)
    return await repo.service_links(session, kind.column, caller.firm_id, owner.id)


async def put_link(
    session: AsyncSession,
    caller: Caller,
    kind: LinkKind,
    owner_id: uuid.UUID,
    service_id: uuid.UUID,
    values: dict[str, Any],
) -> tuple[Any, bool]:
    """Create or replace; returns the link and whether it was created."""
    # The owner's lock serializes two concurrent first PUTs of the same pair.
    owner = await get_in_firm(session, kind.owner, caller.firm_id, owner_id, for_update=True)
    service = await get_in_firm(session, Service, caller.firm_id, service_id)
    row = await repo.find_service_link(session, kind.column, caller.firm_id, owner.id, service.id)
    if row is not None:
        apply_changes(row, values)
        await session.flush()
        return row, False
    link = kind.link(
        firm_id=caller.firm_id, service_id=service.id, **{kind.column.key: owner.id}, **values
    )
    return await repo.add(session, link), True


async def delete_link(
    session: AsyncSession,
    caller: Caller,
    kind: LinkKind,
    owner_id: uuid.UUID,
    service_id: uuid.UUID,
) -> None:
    owner = await get_in_firm(session, kind.owner, caller.firm_id, owner_id)
    row = await repo.find_service_link(session, kind.column, caller.firm_id, owner.id, service_id)
    if row is None:
        raise kind.missing()
    await repo.remove(session, row)
