"""The price and duration an appointment uses for each of its services.

Precedence, per value (price and duration each on their own): an explicit price in the
request > the workplace's active override > the first worker's active custom terms > the
service's own. An override or custom term that leaves a value empty falls through to the next.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import repository
from slotwise.appointments.schemas import ServiceLineIn
from slotwise.models import SpecialistService, WorkplaceServiceOverride
from slotwise.repository import ServiceNotFound

T = TypeVar("T")


@dataclass(frozen=True)
class PricedService:
    service_id: uuid.UUID
    price: Decimal
    duration_minutes: int


def _first(*values: T | None) -> T:
    for value in values:
        if value is not None:
            return value
    raise AssertionError("the service's own value is never empty")


async def price_services(
    session: AsyncSession,
    firm_id: uuid.UUID,
    lines: Sequence[ServiceLineIn],
    *,
    workplace_id: uuid.UUID | None,
    first_worker_id: uuid.UUID,
) -> list[PricedService]:
    ids = [line.service_id for line in lines]
    services = await repository.services_by_id(session, firm_id, ids)
    missing = [service_id for service_id in ids if service_id not in services]
    if missing:
        raise ServiceNotFound(f"No service with id {', '.join(map(str, missing))}")
    overrides = (
        await repository.active_terms(
            session, WorkplaceServiceOverride.workplace_id, firm_id, workplace_id, ids
        )
        if workplace_id is not None
        else {}
    )
    terms = await repository.active_terms(
        session, SpecialistService.specialist_id, firm_id, first_worker_id, ids
    )
    priced = []
    for line in lines:
        service = services[line.service_id]
        override = overrides.get(line.service_id)
        term = terms.get(line.service_id)
        priced.append(
            PricedService(
                service_id=line.service_id,
                price=_first(
                    line.price,
                    override.price if override else None,
                    term.custom_price if term else None,
                    service.price,
                ),
                duration_minutes=_first(
                    override.duration_minutes if override else None,
                    term.custom_duration_minutes if term else None,
                    service.duration_minutes,
                ),
            )
        )
    return priced


def total_minutes(priced: Sequence[PricedService]) -> int:
    return sum(p.duration_minutes for p in priced)
