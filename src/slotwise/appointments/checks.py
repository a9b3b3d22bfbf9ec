"""What every write path checks before an appointment names something: its location,
workplace, client and workers are the firm's, and its ``(source, external_id)`` is its own."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import repository
from slotwise.appointments.errors import ExternalIdTaken, WorkplaceNotInLocation
from slotwise.models import Client, Location, Specialist, Workplace
from slotwise.repository import SpecialistNotFound, get_in_firm


async def check_place(
    session: AsyncSession,
    firm_id: uuid.UUID,
    location_id: uuid.UUID,
    workplace_id: uuid.UUID | None,
) -> None:
    await get_in_firm(session, Location, firm_id, location_id)
    if workplace_id is None:
        return
    workplace = await get_in_firm(session, Workplace, firm_id, workplace_id)
    if workplace.location_id != location_id:
        raise WorkplaceNotInLocation()


async def check_client(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID | None
) -> None:
    if client_id is not None:
        await get_in_firm(session, Client, firm_id, client_id)


async def check_workers(
    session: AsyncSession, firm_id: uuid.UUID, worker_ids: list[uuid.UUID]
) -> None:
    missing = await repository.missing_ids(session, Specialist, firm_id, worker_ids)
    if missing:
        raise SpecialistNotFound(f"No specialist with id {', '.join(map(str, missing))}")


async def check_external_id(
    session: AsyncSession,
    firm_id: uuid.UUID,
    source: str,
    external_id: str | None,
    *,
    except_id: uuid.UUID | None = None,
) -> None:
    if external_id is not None and await repository.external_id_taken(
        session, firm_id, source, external_id, except_id=except_id
    ):
        raise ExternalIdTaken(f"An appointment from '{source}' with this external_id exists")
