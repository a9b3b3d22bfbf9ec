"""What we write into YClients for one of our appointments, as the API's create and update
bodies (``POST /records/{company_id}``, ``PUT /record/{company_id}/{record_id}``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ServiceLine:
    """A service of a record we write; without ``cost`` YClients applies its own price."""

    id: int
    cost: Decimal | None = None


@dataclass(frozen=True)
class NewRecordClient:
    phone: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class RecordDraft:
    """What we write into YClients for one of our appointments (create and update alike)."""

    staff_id: int
    services: tuple[ServiceLine, ...]
    client: NewRecordClient
    start: datetime  # aware; sent with its offset, so YClients needs no zone of ours
    length: timedelta
    comment: str = ""
    # Our appointment id: the next pull recognises the record as ours by it.
    api_id: str | None = None
    attendance: int | None = None


def _json_money(amount: Decimal) -> int | float:
    # JSON has no decimals; a float's shortest repr of a 2-place amount is that amount.
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def draft_body(draft: RecordDraft, *, save_if_busy: bool, send_sms: bool) -> dict[str, Any]:
    if draft.start.utcoffset() is None:
        raise ValueError("a record's start must be an aware datetime")
    seconds = draft.length.total_seconds()
    if seconds <= 0 or seconds != int(seconds):
        raise ValueError("a record's length must be a positive whole number of seconds")
    services: list[dict[str, Any]] = []
    for line in draft.services:
        service: dict[str, Any] = {"id": line.id}
        if line.cost is not None:
            cost = _json_money(line.cost)
            service.update(first_cost=cost, discount=0, cost=cost)
        services.append(service)
    client: dict[str, Any] = {"phone": draft.client.phone, "name": draft.client.name}
    if draft.client.email:
        client["email"] = draft.client.email
    body: dict[str, Any] = {
        "staff_id": draft.staff_id,
        "services": services,
        "client": client,
        "datetime": draft.start.isoformat(timespec="seconds"),
        "seance_length": int(seconds),
        "save_if_busy": save_if_busy,
        "send_sms": send_sms,
        "comment": draft.comment,
    }
    if draft.api_id is not None:
        body["api_id"] = draft.api_id
    if draft.attendance is not None:
        body["attendance"] = draft.attendance
    return body
