"""Appointments as the API returns them, with workers, services and the client's name.

A page of any size costs the same three queries (workers, services, clients), never one
per appointment.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments import repository
from slotwise.auth.caller import Caller
from slotwise.models import Appointment
from slotwise.records import AppointmentOut, ClientRef, ServiceItemOut, WorkerOut

_COLUMNS = (
    "id",
    "location_id",
    "workplace_id",
    "client_id",
    "start_at",
    "end_at",
    "status",
    "is_open",
    "opened_at",
    "closed_at",
    "notes",
    "source",
    "external_id",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)


async def present(
    session: AsyncSession, firm_id: uuid.UUID, appointments: Sequence[Appointment]
) -> list[AppointmentOut]:
    if not appointments:
        return []
    ids = [a.id for a in appointments]
    workers = await repository.workers_of(session, firm_id, ids)
    services = await repository.services_of(session, firm_id, ids)
    clients = await repository.client_names(
        session, firm_id, {a.client_id for a in appointments if a.client_id is not None}
    )
    out = []
    for appointment in appointments:
        client = clients.get(appointment.client_id) if appointment.client_id else None
        out.append(
            AppointmentOut.model_validate(
                {
                    **{column: getattr(appointment, column) for column in _COLUMNS},
                    "workers": [
                        WorkerOut(id=w.id, name=w.name) for w in workers.get(appointment.id, [])
                    ],
                    "services": [
                        ServiceItemOut(
                            id=s.id, name=s.name, price=s.price, duration_minutes=s.duration_minutes
                        )
                        for s in services.get(appointment.id, [])
                    ],
                    "client": (
                        ClientRef(
                            id=client.id, first_name=client.first_name, last_name=client.last_name
                        )
                        if client
                        else None
                    ),
                }
            )
        )
    return out


async def present_one(
    session: AsyncSession, firm_id: uuid.UUID, appointment: Appointment
) -> AppointmentOut:
    return (await present(session, firm_id, [appointment]))[0]


def for_caller(appointment: AppointmentOut, caller: Caller) -> AppointmentOut:
    """What a caller may read: staff notes are internal, so clients get ``notes: null``."""
    if caller.is_client:
        return appointment.model_copy(update={"notes": None})
    return appointment
