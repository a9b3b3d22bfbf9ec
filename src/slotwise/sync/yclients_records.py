"""YClients records as typed values, parsed strictly one by one.

A record that lacks a field we rely on, or carries one we cannot read, becomes a
:class:`MalformedRecord` with the reason: the pull goes on with the others, and the caller
can record the fault instead of importing a guess. Formats follow the API's description
(``docs/yclients_official/yclientsru.apib`` in mkosinov/yclientsapi): times in ISO 8601 with
an offset (``2026-12-03T10:00:00+03:00``; ``create_date`` and ``last_change_date`` come as
``...+0300``), lengths in seconds, ids as numbers (the services list sends them as strings),
``deleted`` as a boolean or 0/1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

# 2 confirmed by the client, 1 came (services done), 0 waiting, -1 did not come.
ATTENDANCE_VALUES = frozenset({-1, 0, 1, 2})
# What YClients writes into ``api_id`` when no external system set one.
_NO_API_ID = frozenset({"", "0"})
_INTEGER = re.compile(r"^-?[0-9]+$")
# Values quoted in a reason are cut short: reasons are stored, and a field can hold anything.
_MAX_SHOWN = 60


class InvalidField(ValueError):
    """One field of a record cannot be used; the message names it."""


@dataclass(frozen=True)
class RecordService:
    id: int
    title: str
    cost: Decimal


@dataclass(frozen=True)
class RecordClient:
    """The person a record is for (YClients calls them clients). Empty strings are absent."""

    id: int | None
    name: str | None
    surname: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class YclientsRecord:
    id: int
    staff_id: int
    services: tuple[RecordService, ...]
    # None for a record without a client (an admin blocking time, a walk-in not yet named).
    client: RecordClient | None
    start: datetime  # aware, in the company's offset as YClients sent it
    length: timedelta
    created: datetime
    last_change: datetime
    deleted: bool
    attendance: int
    comment: str
    # Set by the external system that made the record (for ours: the appointment id).
    api_id: str | None

    @property
    def end(self) -> datetime:
        return self.start + self.length


@dataclass(frozen=True)
class MalformedRecord:
    """A record that could not be parsed; ``record_id`` when at least the id was readable."""

    record_id: int | None
    reason: str


@dataclass(frozen=True)
class NamedItem:
    """A staff member or a service as the lists return them: enough to suggest a mapping."""

    id: int
    name: str


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def parse_int(value: object, name: str) -> int:
    # bool is an int to Python, never a number to YClients.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value)
    raise InvalidField(f"{name} is not an integer: {_shown(value)}")


def _optional_text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField(f"{name} is not a string: {_shown(value)}")
    return value.strip() or None


def _text(value: object, name: str) -> str:
    return _optional_text(value, name) or ""


def _aware_datetime(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidField(f"{name} is missing or not a string: {_shown(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidField(f"{name} is not an ISO 8601 time: {_shown(value)}") from None
    if parsed.utcoffset() is None:
        # Guessing the zone could shift the change cursor by hours: refuse instead.
        raise InvalidField(f"{name} has no UTC offset: {_shown(value)}")
    return parsed


def _money(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidField(f"{name} is not a number: {_shown(value)}")
    try:
        # Through str: a float's binary digits are not the price the admin typed.
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidField(f"{name} is not a number: {_shown(value)}") from None
    if not amount.is_finite():
        raise InvalidField(f"{name} is not a number: {_shown(value)}")
    return amount


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise InvalidField(f"{name} is not a boolean: {_shown(value)}")


def _service(value: object, index: int) -> RecordService:
    if not isinstance(value, dict):
        raise InvalidField(f"services[{index}] is not an object")
    return RecordService(
        id=parse_int(value.get("id"), f"services[{index}].id"),
        title=_text(value.get("title"), f"services[{index}].title"),
        cost=_money(value.get("cost", 0), f"services[{index}].cost"),
    )


def _client(value: object) -> RecordClient | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidField("client is not an object")
    raw_id = value.get("id")
    return RecordClient(
        id=None if raw_id in (None, 0, "") else parse_int(raw_id, "client.id"),
        name=_optional_text(value.get("name"), "client.name"),
        surname=_optional_text(value.get("surname"), "client.surname"),
        phone=_optional_text(value.get("phone"), "client.phone"),
        email=_optional_text(value.get("email"), "client.email"),
    )


def _length(raw: dict[str, Any]) -> timedelta:
    name = "seance_length" if raw.get("seance_length") is not None else "length"
    seconds = parse_int(raw.get(name), name)
    if seconds <= 0:
        raise InvalidField(f"{name} is not positive: {seconds}")
    return timedelta(seconds=seconds)


def _api_id(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidField(f"api_id is not a string: {_shown(value)}")
    value = value.strip()
    return None if value in _NO_API_ID else value


def parse_record(raw: dict[str, Any]) -> YclientsRecord:
    """Raises :class:`InvalidField` naming the first field that cannot be used."""
    services = raw.get("services")
    if not isinstance(services, list):
        raise InvalidField("services is missing or not a list")
    attendance = parse_int(raw.get("attendance", 0), "attendance")
    if attendance not in ATTENDANCE_VALUES:
        raise InvalidField(f"attendance is not one of -1, 0, 1, 2: {attendance}")
    return YclientsRecord(
        id=parse_int(raw.get("id"), "id"),
        staff_id=parse_int(raw.get("staff_id"), "staff_id"),
        services=tuple(_service(service, index) for index, service in enumerate(services)),
        client=_client(raw.get("client")),
        start=_aware_datetime(raw.get("datetime"), "datetime"),
        length=_length(raw),
        created=_aware_datetime(raw.get("create_date"), "create_date"),
        last_change=_aware_datetime(raw.get("last_change_date"), "last_change_date"),
        deleted=_flag(raw.get("deleted", False), "deleted"),
        attendance=attendance,
        comment=_text(raw.get("comment"), "comment"),
        api_id=_api_id(raw.get("api_id")),
    )


def parse_records(
    items: list[Any],
) -> tuple[list[YclientsRecord], list[MalformedRecord]]:
    """Every item of a page, parsed or set aside with its reason."""
    records: list[YclientsRecord] = []
    malformed: list[MalformedRecord] = []
    for item in items:
        if not isinstance(item, dict):
            malformed.append(MalformedRecord(None, f"not an object: {type(item).__name__}"))
            continue
        try:
            records.append(parse_record(item))
        except InvalidField as exc:
            record_id: int | None
            try:
                record_id = parse_int(item.get("id"), "id")
            except InvalidField:
                record_id = None
            malformed.append(MalformedRecord(record_id, str(exc)))
    return records, malformed


def parse_named_items(items: list[Any], name_field: str) -> list[NamedItem]:
    """Staff (``name``) or services (``title``); raises :class:`InvalidField`."""
    named: list[NamedItem] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidField(f"item {index} is not an object")
        named.append(
            NamedItem(
                id=parse_int(item.get("id"), f"item {index} id"),
                name=_text(item.get(name_field), f"item {index} {name_field}"),
            )
        )
    return named
