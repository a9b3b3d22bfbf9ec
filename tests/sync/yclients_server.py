"""A YClients-compatible HTTP server for tests: records in memory, the REST endpoints the sync
uses, and faults a test can script.

Payloads follow the API's description (``docs/yclients_official/yclientsru.apib`` in
mkosinov/yclientsapi): the ``success/data/meta`` envelope, record times in the company's
offset (``2026-12-03T10:00:00+03:00``, and ``+0300`` without the colon for ``create_date`` and
``last_change_date``, as YClients writes them), lengths in seconds, deleted records kept with
``deleted: true``.

A test acts as a YClients admin through :meth:`FakeYclients.add_record`, ``edit_record`` and
``delete_record``; every change stamps ``last_change_date`` with :attr:`FakeYclients.now`
(a test may replace it with a clock of its own). Faults: :meth:`fail_next` (429 or 5xx, with
``Retry-After``, or 401/403 with a message), :meth:`fail_after_next` (the request is carried
out, then answered 5xx), :meth:`break_json_next` (a 200 whose body is not JSON) and
:meth:`corrupt_record` (one record of a page with a bad or missing field).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.notifications.channels.servers import serve_asgi

COMPANY_ID = 4564
PARTNER_TOKEN = "yc-partner-3f9a2c71"
USER_TOKEN = "yc-user-b81e04d6"
COMPANY_ZONE = ZoneInfo("Europe/Moscow")
DEFAULT_STAFF = {9: "Оксана", 49: "Сергей", 51: "Анна Петрова"}
DEFAULT_SERVICES = {
    331: ("Мужская стрижка", Decimal("1300.00")),
    333: ("Бритьё головы", Decimal("1000.00")),
    335: ("Окрашивание", Decimal("2450.50")),
}
# The API's own default page size.
DEFAULT_COUNT = 300
# ``corrupt_record(id, field=MISSING)`` removes the field from the payload.
MISSING: Any = object()
_AUTHORIZATION = re.compile(r"^Bearer\s+([^,\s]+)\s*,\s*User\s+(\S+)$")
_RECORDS = re.compile(r"^/records/(\d+)$")
_RECORD = re.compile(r"^/record/(\d+)/(\d+)$")
_COMPANY_LIST = re.compile(r"^/company/(\d+)/(staff|services)$")


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    email: str = ""
    surname: str = ""


@dataclass
class StoredRecord:
    id: int
    staff_id: int
    services: list[tuple[int, Decimal]]
    client_id: int | None
    start: datetime
    length: int  # seconds
    created: datetime
    last_change: datetime
    comment: str = ""
    api_id: str = ""
    attendance: int = 0
    deleted: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.length)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: str | None = None
    message: str = ""
    broken_json: bool = False
    # Done first, failed after: the change is made and the answer says it was not.
    after_change: bool = False


def _envelope(data: Any, meta: Any = None, *, status: int = 200) -> JSONResponse:
    return JSONResponse(
        {"success": True, "data": data, "meta": [] if meta is None else meta},
        status_code=status,
    )


def _failure(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"success": False, "data": None, "meta": {"message": message}},
        status_code=status,
        headers=headers,
    )


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _short_offset(moment: datetime) -> str:
    # create_date / last_change_date: "2026-12-03T10:00:00+0300".
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class FakeYclients:
    """The ASGI app; serve it with :func:`running`."""

    company_id: int = COMPANY_ID
    partner_token: str = PARTNER_TOKEN
    user_token: str = USER_TOKEN
    zone: ZoneInfo = COMPANY_ZONE
    staff: dict[int, str] = field(default_factory=lambda: dict(DEFAULT_STAFF))
    services: dict[int, tuple[str, Decimal]] = field(default_factory=lambda: dict(DEFAULT_SERVICES))
    now: Callable[[], datetime] = field(default=lambda: datetime.now(COMPANY_ZONE))
    records: dict[int, StoredRecord] = field(default_factory=dict)
    clients: dict[int, Person] = field(default_factory=dict)
    requests: list[LoggedRequest] = field(default_factory=list)
    base_url: str = ""
    _faults: list[_Fault] = field(default_factory=list)
    _corrupted: dict[int, dict[str, Any]] = field(default_factory=dict)
    _next_record_id: int = 700_001
    _next_client_id: int = 4_240_001

    # -- the admin's side ------------------------------------------------------------------

    def _stamp(self, at: datetime | None) -> datetime:
        return (at or self.now()).astimezone(self.zone).replace(microsecond=0)

    def _client_id(self, person: Person | None) -> int | None:
        if person is None:
            return None
        for client_id, known in self.clients.items():
            if known.phone == person.phone:
                self.clients[client_id] = person
                return client_id
        client_id = self._next_client_id
        self._next_client_id += 1
        self.clients[client_id] = person
        return client_id

    def add_record(
        self,
        staff_id: int,
        start: datetime,
        *,
        length: timedelta = timedelta(hours=1),
        services: Iterable[int] = (331,),
        client: Person | None = None,
        comment: str = "",
        api_id: str = "",
        attendance: int = 0,
        at: datetime | None = None,
    ) -> int:
        """A record as an admin makes it in YClients; ``at`` is its create/change time."""
        stamp = self._stamp(at)
        record = StoredRecord(
            id=self._next_record_id,
            staff_id=staff_id,
            services=[(service, self.services[service][1]) for service in services],
            client_id=self._client_id(client),
            start=start.astimezone(self.zone),
            length=int(length.total_seconds()),
            created=stamp,
            last_change=stamp,
            comment=comment,
            api_id=api_id,
            attendance=attendance,
        )
        self._next_record_id += 1
        self.records[record.id] = record
        return record.id

    def edit_record(
        self,
        record_id: int,
        *,
        at: datetime | None = None,
        start: datetime | None = None,
        length: timedelta | None = None,
        staff_id: int | None = None,
        services: Iterable[int] | None = None,
        client: Person | None = None,
        comment: str | None = None,
        attendance: int | None = None,
    ) -> None:
        record = self.records[record_id]
        if start is not None:
            record.start = start.astimezone(self.zone)
        if length is not None:
            record.length = int(length.total_seconds())
        if staff_id is not None:
            record.staff_id = staff_id
        if services is not None:
            record.services = [(service, self.services[service][1]) for service in services]
        if client is not None:
            record.client_id = self._client_id(client)
        if comment is not None:
            record.comment = comment
        if attendance is not None:
            record.attendance = attendance
        record.last_change = self._stamp(at)

    def delete_record(self, record_id: int, *, at: datetime | None = None) -> None:
        record = self.records[record_id]
        record.deleted = True
        record.last_change = self._stamp(at)

    # -- scripted faults -------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        *,
        retry_after: str | None = None,
        message: str = "",
    ) -> None:
        """The next ``count`` requests answer ``status`` (before the auth check, as a proxy
        or the rate limiter in front of YClients would)."""
        text = message or {429: "Слишком много запросов"}.get(status, "Сервис недоступен")
        self._faults.extend([_Fault(status, retry_after, text)] * count)

    def fail_after_next(self, status: int = 500) -> None:
        """The next request is carried out and then answered ``status``, as a server that
        fails after its write (the client cannot tell whether the record was made)."""
        self._faults.append(_Fault(status, message="Внутренняя ошибка", after_change=True))

    def break_json_next(self, count: int = 1) -> None:
        """The next ``count`` requests get a 200 whose body is cut off mid-JSON."""
        self._faults.extend([_Fault(200, broken_json=True)] * count)

    def corrupt_record(self, record_id: int, **fields: Any) -> None:
        """Serve this record with these payload fields replaced (``MISSING`` removes one)."""
        self._corrupted.setdefault(record_id, {}).update(fields)

    # -- payloads --------------------------------------------------------------------------

    def _client_payload(self, client_id: int | None) -> dict[str, Any] | None:
        if client_id is None:
            return None
        person = self.clients[client_id]
        return {
            "id": client_id,
            "name": person.name,
            "surname": person.surname,
            "patronymic": "",
            "display_name": f"{person.name} {person.surname}".strip(),
            "phone": person.phone,
            "card": "",
            "email": person.email,
            "success_visits_count": 0,
            "fail_visits_count": 0,
            "discount": 0,
        }

    def record_payload(self, record: StoredRecord) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": record.id,
            "company_id": self.company_id,
            "staff_id": record.staff_id,
            "services": [
                {
                    "id": service,
                    "title": self.services[service][0],
                    "cost": _number(cost),
                    "manual_cost": _number(cost),
                    "cost_per_unit": _number(cost),
                    "discount": 0,
                    "first_cost": _number(cost),
                    "amount": 1,
                }
                for service, cost in record.services
            ],
            "goods_transactions": [],
            "staff": {
                "id": record.staff_id,
                "api_id": None,
                "name": self.staff.get(record.staff_id, ""),
                "specialization": "стилист",
                "position": {"id": 1, "title": "Мастер"},
                "avatar": "https://yclients.com/images/no-master-sm.png",
                "avatar_big": "https://yclients.com/images/no-master.png",
                "rating": 0,
                "votes_count": 0,
            },
            "client": self._client_payload(record.client_id),
            "date": record.start.strftime("%Y-%m-%d %H:%M:%S"),
            "datetime": record.start.isoformat(timespec="seconds"),
            "create_date": _short_offset(record.created),
            "comment": record.comment,
            "online": False,
            "visit_attendance": record.attendance,
            "attendance": record.attendance,
            "confirmed": 1,
            "seance_length": record.length,
            "length": record.length,
            "sms_before": 0,
            "sms_now": 0,
            "sms_now_text": "",
            "email_now": 0,
            "notified": 0,
            "master_request": 0,
            "api_id": record.api_id,
            "from_url": "",
            "review_requested": 0,
            "visit_id": str(record.id + 8_000_000),
            "created_user_id": 1_073_232,
            "deleted": record.deleted,
            "paid_full": 0,
            "prepaid": False,
            "prepaid_confirmed": False,
            "last_change_date": _short_offset(record.last_change),
            "custom_color": "",
            "custom_font_color": "",
            "record_labels": [],
            "activity_id": 0,
            "custom_fields": {},
            "documents": [],
            "consumables": [],
            "finance_transactions": [],
        }
        for name, value in self._corrupted.get(record.id, {}).items():
            if value is MISSING:
                payload.pop(name, None)
            else:
                payload[name] = value
        return payload

    # -- the API ---------------------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        logged = LoggedRequest(
            request.method,
            request.url.path,
            dict(request.query_params),
            dict(request.headers),
            await request.body(),
            time.monotonic(),
        )
        self.requests.append(logged)
        response = self._answer(logged)
        await response(scope, receive, send)

    def _answer(self, request: LoggedRequest) -> Response:
        if self._faults:
            fault = self._faults.pop(0)
            if fault.broken_json:
                cut_off = b'{"success": true, "data": [{"id": 7'
                return Response(cut_off, media_type="application/json")
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            if fault.after_change:
                self._served(request)
            return _failure(fault.status, fault.message, headers)
        return self._served(request)

    def _served(self, request: LoggedRequest) -> Response:
        tokens = _AUTHORIZATION.match(request.headers.get("authorization", ""))
        if tokens is None or tokens.groups() != (self.partner_token, self.user_token):
            return _failure(401, "Необходима авторизация")
        try:
            return self._route(request)
        except _Invalid as exc:
            return _failure(422, exc.message)

    def _route(self, request: LoggedRequest) -> Response:
        method, path = request.method, request.path
        if match := _RECORDS.match(path):
            if int(match[1]) != self.company_id:
                return _failure(404, "Филиал не найден.")
            if method == "GET":
                return self._list_records(request.query)
            if method == "POST":
                return self._create(request)
        elif match := _RECORD.match(path):
            if int(match[1]) != self.company_id:
                return _failure(404, "Филиал не найден.")
            record = self.records.get(int(match[2]))
            if record is None or (record.deleted and method != "GET"):
                return _failure(404, "Запись не найдена")
            if method == "GET":
                return _envelope(self.record_payload(record))
            if method == "PUT":
                return self._update(record, request)
            if method == "DELETE":
                self.delete_record(record.id)
                return Response(status_code=204)
        elif (match := _COMPANY_LIST.match(path)) and method == "GET":
            if int(match[1]) != self.company_id:
                return _failure(404, "Филиал не найден.")
            return self._company_list(match[2])
        return _failure(404, "Метод не найден")

    def _company_list(self, kind: str) -> Response:
        items: list[dict[str, Any]]
        if kind == "staff":
            items = [
                {
                    "id": staff_id,
                    "name": name,
                    "company_id": self.company_id,
                    "specialization": "стилист",
                    "position": {"id": 1, "title": "Мастер"},
                    "avatar": "https://yclients.com/images/no-master-sm.png",
                    "fired": 0,
                    "status": 0,
                    "hidden": 0,
                }
                for staff_id, name in self.staff.items()
            ]
        else:
            # The services list sends its ids and prices as strings.
            items = [
                {
                    "id": str(service_id),
                    "salon_service_id": str(service_id + 300_000),
                    "title": title,
                    "category_id": "4",
                    "price_min": f"{cost:.2f}",
                    "price_max": f"{cost:.2f}",
                    "discount": "0",
                    "comment": "",
                    "weight": "1",
                    "active": "1",
                    "api_id": "",
                    "staff": [],
                }
                for service_id, (title, cost) in self.services.items()
            ]
        return _envelope(items, {"total_count": len(items)})

    def _selected(self, query: dict[str, str]) -> list[StoredRecord]:
        start = date.fromisoformat(query["start_date"]) if "start_date" in query else None
        end = date.fromisoformat(query["end_date"]) if "end_date" in query else None
        changed_after = None
        if "changed_after" in query:
            changed_after = datetime.fromisoformat(query["changed_after"])
            if changed_after.tzinfo is None:
                changed_after = changed_after.replace(tzinfo=self.zone)
        with_deleted = query.get("with_deleted", "0") == "1"
        staff_id = int(query["staff_id"]) if "staff_id" in query else None
        selected = []
        for record in self.records.values():
            day = record.start.astimezone(self.zone).date()
            if (
                (start is None or day >= start)
                and (end is None or day <= end)
                and (changed_after is None or record.last_change >= changed_after)
                and (with_deleted or not record.deleted)
                and (staff_id is None or record.staff_id == staff_id)
            ):
                selected.append(record)
        return sorted(selected, key=lambda record: (record.start, record.id))

    def _list_records(self, query: dict[str, str]) -> Response:
        selected = self._selected(query)
        page = max(int(query.get("page", "1")), 1)
        count = max(int(query.get("count", str(DEFAULT_COUNT))), 1)
        chunk = selected[(page - 1) * count : page * count]
        return _envelope(
            [self.record_payload(record) for record in chunk],
            {"page": page, "total_count": len(selected)},
        )

    def _draft(self, request: LoggedRequest, base: StoredRecord) -> StoredRecord:
        """The record a create or update body describes; raises :class:`_Invalid` (422)."""
        try:
            body = request.json()
        except ValueError:
            raise _Invalid("Некорректный JSON") from None
        if not isinstance(body, dict):
            raise _Invalid("Некорректный JSON")
        staff_id = body.get("staff_id")
        if staff_id not in self.staff:
            raise _Invalid(f"Сотрудник {staff_id} не найден")
        lines = body.get("services")
        if not isinstance(lines, list) or not lines:
            raise _Invalid("Услуги не указаны")
        services = []
        for line in lines:
            if not isinstance(line, dict) or line.get("id") not in self.services:
                raise _Invalid("Услуга не найдена")
            cost = line.get("cost")
            price = self.services[line["id"]][1] if cost is None else Decimal(str(cost))
            services.append((int(line["id"]), price))
        try:
            start = datetime.fromisoformat(str(body.get("datetime")))
        except ValueError:
            raise _Invalid("Некорректная дата записи") from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=self.zone)
        length = body.get("seance_length")
        if not isinstance(length, int) or length <= 0:
            raise _Invalid("Некорректная длительность")
        client = body.get("client")
        if not isinstance(client, dict) or not client.get("phone"):
            raise _Invalid("Телефон клиента не указан")
        person = Person(
            name=str(client.get("name", "")),
            phone=str(client["phone"]),
            email=str(client.get("email", "")),
        )
        draft = replace(
            base,
            staff_id=staff_id,
            services=services,
            client_id=self._client_id(person),
            start=start.astimezone(self.zone),
            length=length,
            comment=str(body.get("comment", "")),
            api_id=str(body.get("api_id", "")),
            attendance=int(body.get("attendance", base.attendance)),
        )
        if not body.get("save_if_busy"):
            self._refuse_if_busy(draft)
        return draft

    def _refuse_if_busy(self, draft: StoredRecord) -> None:
        for other in self.records.values():
            if (
                other.id != draft.id
                and not other.deleted
                and other.staff_id == draft.staff_id
                and other.start < draft.end
                and draft.start < other.end
            ):
                when = draft.start.strftime("%d.%m.%Y %H:%M")
                raise _Invalid(
                    f"Запись к сотруднику {self.staff[draft.staff_id]}({draft.staff_id}) "
                    f"на {when} невозможна. Выбранное время уже занято или является нерабочим."
                )

    def _create(self, request: LoggedRequest) -> Response:
        stamp = self._stamp(None)
        blank = StoredRecord(
            id=self._next_record_id,
            staff_id=0,
            services=[],
            client_id=None,
            start=stamp,
            length=0,
            created=stamp,
            last_change=stamp,
        )
        record = self._draft(request, blank)
        self._next_record_id += 1
        self.records[record.id] = record
        return _envelope(self.record_payload(record), status=201)

    def _update(self, record: StoredRecord, request: LoggedRequest) -> Response:
        updated = self._draft(request, record)
        updated.last_change = self._stamp(None)
        self.records[record.id] = updated
        return _envelope(self.record_payload(updated))


@asynccontextmanager
async def running(fake: FakeYclients | None = None) -> AsyncIterator[FakeYclients]:
    """Serve ``fake`` (a new one by default) on loopback; its ``base_url`` is set inside."""
    fake = fake or FakeYclients()
    async with serve_asgi(fake) as base_url:
        fake.base_url = base_url
        yield fake
