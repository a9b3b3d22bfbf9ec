"""A YClients record in Slotwise's terms: which appointment it is (its key), its status, the
specialist and services it maps to, and a version that tells a repeat from a change.

Nothing here touches the database: the mappings come in as dictionaries (external id →
Slotwise id, see ``connections.service.mapped_targets``), so a record whose staff member or
service is not mapped yet is answered as :class:`Unmapped` for the import to hold back.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from slotwise.appointments.schemas import ServiceLineIn
from slotwise.sync.client_match import Contact
from slotwise.sync.yclients_records import InvalidField, YclientsRecord, parse_record

SOURCE = "yclients"
_CENTS = Decimal("0.01")
# numeric(12, 2): what an appointment's service line can hold.
_MAX_PRICE = Decimal(10) ** 10


def record_key(company_id: int, record_id: int) -> str:
    """The appointment's ``external_id``: record ids are unique per company only."""
    return f"{company_id}:{record_id}"


def status_of(record: YclientsRecord, now: datetime) -> str:
    """``attendance`` as an appointment status. -1 (did not come) is a no-show and 1 (came)
    is under way or done by the clock; 0 (waiting) and 2 (confirmed) are booked and move on
    by time exactly as Slotwise's own appointments do (``appointments.transitions``), so an
    edit pulled later never sets a started appointment back to ``scheduled``."""
    if record.attendance == -1:
        return "no_show"
    if record.end <= now:
        return "completed"
    if record.attendance == 1 or record.start <= now:
        return "in_progress"
    return "scheduled"


@dataclass(frozen=True)
class Booking:
    """What the appointment of a mapped record is to be."""

    specialist_id: uuid.UUID
    lines: tuple[ServiceLineIn, ...]
    start_at: datetime
    end_at: datetime
    status: str
    notes: str
    contact: Contact | None


@dataclass(frozen=True)
class Unmapped:
    """The record names a staff member or services that map to nothing yet."""

    detail: str  # for a person: "staff 17 is not mapped; service 333 is not mapped"


def _price(cost: Decimal, what: str) -> Decimal:
    price = max(cost, Decimal(0)).quantize(_CENTS, rounding=ROUND_HALF_UP)
    if price >= _MAX_PRICE:
        raise InvalidField(f"{what} is too large: {cost}")
    return price


def _lines(
    record: YclientsRecord, services: Mapping[str, uuid.UUID]
) -> tuple[list[ServiceLineIn], list[int]]:
    """One line per Slotwise service (two YClients services mapped to one add up), with
    the price the record charges; and the external ids that are not mapped."""
    prices: dict[uuid.UUID, Decimal] = {}
    unmapped: list[int] = []
    for index, service in enumerate(record.services):
        target = services.get(str(service.id))
        if target is None:
            unmapped.append(service.id)
            continue
        prices[target] = prices.get(target, Decimal(0)) + _price(
            service.cost, f"services[{index}].cost"
        )
    lines = [
        ServiceLineIn(service_id=target, price=_price(price, "the services' cost"))
        for target, price in prices.items()
    ]
    return lines, unmapped


def translate(
    record: YclientsRecord,
    staff: Mapping[str, uuid.UUID],
    services: Mapping[str, uuid.UUID],
    now: datetime,
) -> Booking | Unmapped:
    """Raises ``InvalidField`` for a cost no appointment can hold (a malformed record)."""
    specialist_id = staff.get(str(record.staff_id))
    lines, unmapped_services = _lines(record, services)
    missing = [] if specialist_id is not None else [f"staff {record.staff_id} is not mapped"]
    missing += [f"service {service_id} is not mapped" for service_id in unmapped_services]
    if specialist_id is None or missing:
        return Unmapped("; ".join(missing))
    client = record.client
    contact = (
        Contact(client.name, client.surname, client.phone, client.email)
        if client is not None
        else None
    )
    return Booking(
        specialist_id=specialist_id,
        lines=tuple(lines),
        start_at=record.start.astimezone(UTC),
        end_at=record.end.astimezone(UTC),
        status=status_of(record, now),
        notes=record.comment,
        contact=contact,
    )


def our_appointment_id(record: YclientsRecord) -> uuid.UUID | None:
    """The Slotwise appointment id the record carries in ``api_id`` (the push writes it
    there), or None when it carries none or someone else's."""
    if record.api_id is None:
        return None
    try:
        return uuid.UUID(record.api_id)
    except ValueError:
        return None


def record_payload(record: YclientsRecord) -> dict[str, Any]:
    """The record in the API's own shape (the fields Slotwise reads): stored with a held
    record or a conflict for a person to read, and read back by
    :func:`record_from_payload` when the import tries it again."""
    client = record.client
    return {
        "id": record.id,
        "staff_id": record.staff_id,
        "services": [
            {"id": service.id, "title": service.title, "cost": str(service.cost)}
            for service in record.services
        ],
        "client": None
        if client is None
        else {
            "id": client.id,
            "name": client.name,
            "surname": client.surname,
            "phone": client.phone,
            "email": client.email,
        },
        "datetime": record.start.isoformat(),
        "seance_length": int(record.length.total_seconds()),
        "create_date": record.created.isoformat(),
        "last_change_date": record.last_change.isoformat(),
        "deleted": record.deleted,
        "attendance": record.attendance,
        "comment": record.comment,
        "api_id": record.api_id or "",
    }


def record_from_payload(payload: Mapping[str, Any]) -> YclientsRecord:
    """Raises ``InvalidField`` for a payload that is not a record's."""
    return parse_record(dict(payload))


def record_version(record: YclientsRecord) -> str:
    """``last_change_date`` and a digest of what Slotwise reads: the stamp has whole
    seconds, and two edits within one second must not look like one repeat."""
    text = json.dumps(record_payload(record), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{record.last_change.isoformat()}#{digest}"
