"""The YClients client against the local YClients-compatible server: what it sends, how it
reads pages, what it makes of bad records, failures and limits, and the write round trip."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from starlette.responses import JSONResponse, Response

from slotwise.sync.yclients import (
    MalformedRecord,
    NamedItem,
    NewRecordClient,
    RecordClient,
    RecordDraft,
    RecordService,
    RetryPolicy,
    ServiceLine,
    Window,
    YclientsAddressRefused,
    YclientsApi,
    YclientsAuthFailed,
    YclientsBadResponse,
    YclientsCredentials,
    YclientsNotFound,
    YclientsRateLimited,
    YclientsRecord,
    YclientsRejected,
    YclientsUnavailable,
    YclientsUnreachable,
)
from tests.notifications.channels.servers import (
    Recorded,
    Scripted,
    closed_port,
    serve_asgi,
    silent_server,
)
from tests.sync.conftest import CREDENTIALS, LOOPBACK, make_api
from tests.sync.yclients_server import (
    COMPANY_ID,
    COMPANY_ZONE,
    MISSING,
    PARTNER_TOKEN,
    USER_TOKEN,
    FakeYclients,
    Person,
)

DAY = date(2026, 12, 3)
NEXT_DAY = date(2026, 12, 4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=COMPANY_ZONE)


async def pull_days(api: YclientsApi, **options: object) -> list[YclientsRecord]:
    result = await api.pull(COMPANY_ID, DAY, NEXT_DAY, **options)  # type: ignore[arg-type]
    assert result.malformed == ()
    return list(result.records)


async def test_sends_the_documented_request(yclients: FakeYclients, api: YclientsApi) -> None:
    changed_after = datetime.fromisoformat("2026-12-03T09:15:00+03:00")
    await api.pull(COMPANY_ID, DAY, NEXT_DAY, changed_after, page_size=50)
    (request,) = yclients.requests
    assert request.method == "GET"
    assert request.path == f"/records/{COMPANY_ID}"
    assert request.query == {
        "start_date": "2026-12-03",
        "end_date": "2026-12-04",
        "changed_after": "2026-12-03T09:15:00+03:00",
        "with_deleted": "1",
        "count": "50",
        "page": "1",
    }
    assert request.headers["accept"] == "application/vnd.yclients.v2+json"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {PARTNER_TOKEN}, User {USER_TOKEN}"


async def test_a_record_with_every_field(yclients: FakeYclients, api: YclientsApi) -> None:
    changed = datetime.fromisoformat("2026-12-02T18:40:05+03:00")
    record_id = yclients.add_record(
        49,
        at(DAY, 10),
        length=timedelta(minutes=90),
        services=(331, 335),
        client=Person("Дмитрий", "+79169999900", "d@example.ru", "Орлов"),
        comment="убрать усы",
        api_id="",
        attendance=2,
        at=changed,
    )
    (record,) = await pull_days(api)
    client_id = next(iter(yclients.clients))
    assert record == YclientsRecord(
        id=record_id,
        staff_id=49,
        services=(
            RecordService(331, "Мужская стрижка", Decimal("1300")),
            RecordService(335, "Окрашивание", Decimal("2450.5")),
        ),
        client=RecordClient(client_id, "Дмитрий", "Орлов", "+79169999900", "d@example.ru"),
        start=datetime.fromisoformat("2026-12-03T10:00:00+03:00"),
        length=timedelta(minutes=90),
        created=changed,
        last_change=changed,
        deleted=False,
        attendance=2,
        comment="убрать усы",
        api_id=None,
    )
    assert record.start.utcoffset() == timedelta(hours=3)
    assert record.end == datetime.fromisoformat("2026-12-03T08:30:00+00:00")


async def test_a_record_without_client(yclients: FakeYclients, api: YclientsApi) -> None:
    yclients.add_record(9, at(DAY, 12))
    (record,) = await pull_days(api)
    assert record.client is None


async def test_pagination_reads_every_page(yclients: FakeYclients, api: YclientsApi) -> None:
    staff = list(yclients.staff)
    added = {
        yclients.add_record(
            staff[index % 3],
            at(DAY if index < 1000 else NEXT_DAY, 8) + timedelta(seconds=30 * (index % 1000)),
        )
        for index in range(2000)
    }
    result = await api.pull(COMPANY_ID, DAY, NEXT_DAY, page_size=200)
    assert result.total_count == 2000
    assert result.requests == 10
    assert [request.query["page"] for request in yclients.requests] == [
        str(page) for page in range(1, 11)
    ]
    assert {record.id for record in result.records} == added
    assert len(result.records) == 2000
    assert result.malformed == ()


async def test_the_window_is_by_the_company_day(yclients: FakeYclients, api: YclientsApi) -> None:
    before = yclients.add_record(9, at(DAY, 0) - timedelta(minutes=30))
    first = yclients.add_record(9, at(DAY, 0))
    # 21:30 UTC on the 4th, already the 5th in Moscow: outside the window.
    after = yclients.add_record(9, at(NEXT_DAY, 23, 59) + timedelta(minutes=31))
    last = yclients.add_record(9, at(NEXT_DAY, 23, 30))
    ids = [record.id for record in await pull_days(api)]
    assert ids == [first, last]
    assert before in yclients.records and after in yclients.records


async def test_changed_after_returns_changed_records_only(
    yclients: FakeYclients, api: YclientsApi
) -> None:
    cursor = datetime.fromisoformat("2026-12-03T09:00:00+03:00")
    yclients.add_record(9, at(DAY, 10), at=cursor - timedelta(seconds=1))
    edited = yclients.add_record(9, at(DAY, 11), at=cursor - timedelta(hours=1))
    at_cursor = yclients.add_record(9, at(DAY, 12), at=cursor)
    later = yclients.add_record(49, at(NEXT_DAY, 9), at=cursor + timedelta(minutes=5))
    yclients.edit_record(edited, comment="перенесли", at=cursor + timedelta(minutes=1))
    result = await api.pull(COMPANY_ID, DAY, NEXT_DAY, cursor)
    records = list(result.records)
    assert [record.id for record in records] == [edited, at_cursor, later]
    assert result.latest_change == cursor + timedelta(minutes=5)
    assert records[0].comment == "перенесли"
    assert records[0].last_change == cursor + timedelta(minutes=1)
    # The cursor may be in any offset: it is the same instant.
    in_utc = await pull_days(api, changed_after=cursor.astimezone(UTC))
    assert [record.id for record in in_utc] == [edited, at_cursor, later]


async def test_deleted_records_come_back_flagged(yclients: FakeYclients, api: YclientsApi) -> None:
    kept = yclients.add_record(9, at(DAY, 10))
    gone = yclients.add_record(9, at(DAY, 11))
    yclients.delete_record(gone)
    records = await pull_days(api)
    assert [(record.id, record.deleted) for record in records] == [(kept, False), (gone, True)]
    without = await pull_days(api, with_deleted=False)
    assert [record.id for record in without] == [kept]
    assert yclients.requests[-1].query["with_deleted"] == "0"


async def test_malformed_records_are_reported_and_the_rest_parse(
    yclients: FakeYclients, api: YclientsApi
) -> None:
    ids = [yclients.add_record(9, at(DAY, 9 + hour)) for hour in range(6)]
    yclients.corrupt_record(ids[1], datetime="2026-12-03 10:00:00")
    yclients.corrupt_record(ids[2], staff_id=MISSING)
    yclients.corrupt_record(ids[3], services=[{"id": 331, "title": "x", "cost": "много"}])
    yclients.corrupt_record(ids[4], id="seven")
    result = await api.pull(COMPANY_ID, DAY, NEXT_DAY, page_size=4)
    assert [record.id for record in result.records] == [ids[0], ids[5]]
    assert result.malformed == (
        MalformedRecord(ids[1], "datetime has no UTC offset: '2026-12-03 10:00:00'"),
        MalformedRecord(ids[2], "staff_id is not an integer: None"),
        MalformedRecord(ids[3], "services[0].cost is not a number: 'много'"),
        MalformedRecord(None, "id is not an integer: 'seven'"),
    )
    assert result.requests == 2


async def test_wrong_token_is_auth_failed(yclients: FakeYclients) -> None:
    wrong = YclientsCredentials(PARTNER_TOKEN, "yc-user-revoked")
    async with make_api(yclients, credentials=wrong) as api:
        with pytest.raises(YclientsAuthFailed) as caught:
            await api.pull(COMPANY_ID, DAY, NEXT_DAY)
    assert caught.value.status == 401
    assert caught.value.reason == "YClients 401: Необходима авторизация"
    assert len(yclients.requests) == 1


async def test_403_is_auth_failed_with_the_server_message(
    yclients: FakeYclients, api: YclientsApi
) -> None:
    yclients.fail_next(status=403, message=f"Необходимо продлить лицензию в филиале {COMPANY_ID}")
    with pytest.raises(YclientsAuthFailed) as caught:
        await api.list_staff(COMPANY_ID)
    assert caught.value.status == 403
    assert "продлить лицензию" in caught.value.reason
    assert len(yclients.requests) == 1


async def test_server_echo_of_a_token_is_redacted(yclients: FakeYclients, api: YclientsApi) -> None:
    yclients.fail_next(status=403, message=f"token {USER_TOKEN} has no access")
    with pytest.raises(YclientsAuthFailed) as caught:
        await api.list_staff(COMPANY_ID)
    assert caught.value.reason == "YClients 403: token *** has no access"


async def test_429_waits_for_retry_after_then_succeeds(
    yclients: FakeYclients, api: YclientsApi
) -> None:
    yclients.add_record(9, at(DAY, 10))
    yclients.fail_next(1, 429, retry_after="1")
    result = await api.pull(COMPANY_ID, DAY, NEXT_DAY)
    assert len(result.records) == 1
    assert result.requests == 2
    first, second = yclients.requests
    assert second.at - first.at >= 1.0


async def test_5xx_beyond_the_attempts_is_unavailable(yclients: FakeYclients) -> None:
    yclients.fail_next(3, 500)
    async with make_api(yclients, retry=RetryPolicy(max_attempts=3, backoff=0.01)) as api:
        with pytest.raises(YclientsUnavailable) as caught:
            await api.pull(COMPANY_ID, DAY, NEXT_DAY)
    assert not isinstance(caught.value, YclientsRateLimited)
    assert caught.value.status == 500
    assert caught.value.retry_after is None
    assert len(yclients.requests) == 3


async def test_a_long_retry_after_goes_to_the_caller(
    yclients: FakeYclients, api: YclientsApi
) -> None:
    yclients.fail_next(1, 503, retry_after="120")
    with pytest.raises(YclientsUnavailable) as caught:
        await api.pull(COMPANY_ID, DAY, NEXT_DAY)
    assert caught.value.status == 503
    assert caught.value.retry_after == 120
    assert len(yclients.requests) == 1


async def test_rate_limited_after_the_attempts(yclients: FakeYclients) -> None:
    yclients.fail_next(2, 429, retry_after="0")
    async with make_api(yclients, retry=RetryPolicy(max_attempts=2)) as api:
        with pytest.raises(YclientsRateLimited) as caught:
            await api.list_services(COMPANY_ID)
    assert caught.value.retry_after == 0
    assert caught.value.reason == "YClients 429: Слишком много запросов"


async def test_a_page_that_is_not_json_is_bad_response(
    yclients: FakeYclients, api: YclientsApi
) -> None:
    yclients.add_record(9, at(DAY, 10))
    yclients.break_json_next()
    with pytest.raises(YclientsBadResponse, match="not JSON"):
        await api.pull(COMPANY_ID, DAY, NEXT_DAY)
    assert len(yclients.requests) == 1
    assert len((await api.pull(COMPANY_ID, DAY, NEXT_DAY)).records) == 1


async def test_create_update_delete_round_trip(yclients: FakeYclients, api: YclientsApi) -> None:
    draft = RecordDraft(
        staff_id=51,
        services=(ServiceLine(333, Decimal("950.50")), ServiceLine(331)),
        client=NewRecordClient("+79161234567", "Анна", "anna@example.ru"),
        start=datetime.fromisoformat("2026-12-03T15:00:00+03:00"),
        length=timedelta(minutes=45),
        comment="из Slotwise",
        api_id="5f0c3c1e-8d0b-4b6e-9a59-2f1f1bb1c0de",
    )
    record_id = await api.create_record(COMPANY_ID, draft)
    create = yclients.requests[-1]
    assert (create.method, create.path) == ("POST", f"/records/{COMPANY_ID}")
    assert create.json() == {
        "staff_id": 51,
        "services": [{"id": 333, "first_cost": 950.5, "discount": 0, "cost": 950.5}, {"id": 331}],
        "client": {"phone": "+79161234567", "name": "Анна", "email": "anna@example.ru"},
        "datetime": "2026-12-03T15:00:00+03:00",
        "seance_length": 2700,
        "save_if_busy": False,
        "send_sms": False,
        "comment": "из Slotwise",
        "api_id": "5f0c3c1e-8d0b-4b6e-9a59-2f1f1bb1c0de",
    }
    (pulled,) = await pull_days(api)
    assert pulled.id == record_id
    assert pulled.api_id == draft.api_id
    assert pulled.services == (
        RecordService(333, "Бритьё головы", Decimal("950.5")),
        RecordService(331, "Мужская стрижка", Decimal("1300")),
    )
    assert pulled.client is not None and pulled.client.phone == "+79161234567"
    assert await api.get_record(COMPANY_ID, record_id) == pulled

    moved = replace(draft, start=draft.start + timedelta(hours=2))
    await api.update_record(COMPANY_ID, record_id, moved)
    assert (yclients.requests[-1].method, yclients.requests[-1].path) == (
        "PUT",
        f"/record/{COMPANY_ID}/{record_id}",
    )
    (after_move,) = await pull_days(api)
    assert after_move.start == datetime.fromisoformat("2026-12-03T17:00:00+03:00")
    assert after_move.api_id == draft.api_id
    assert after_move.last_change >= pulled.last_change

    await api.delete_record(COMPANY_ID, record_id)
    assert (yclients.requests[-1].method, yclients.requests[-1].path) == (
        "DELETE",
        f"/record/{COMPANY_ID}/{record_id}",
    )
    (after_delete,) = await pull_days(api)
    assert after_delete.deleted
    with pytest.raises(YclientsNotFound) as caught:
        await api.delete_record(COMPANY_ID, record_id)
    assert caught.value.status == 404
    with pytest.raises(YclientsNotFound):
        await api.update_record(COMPANY_ID, record_id, draft)
    assert (await api.get_record(COMPANY_ID, record_id)).deleted


async def test_a_busy_time_is_rejected(yclients: FakeYclients, api: YclientsApi) -> None:
    yclients.add_record(9, at(DAY, 10), length=timedelta(hours=1))
    draft = RecordDraft(
        staff_id=9,
        services=(ServiceLine(331),),
        client=NewRecordClient("+79161234567", "Анна"),
        start=at(DAY, 10, 30),
        length=timedelta(minutes=30),
    )
    with pytest.raises(YclientsRejected) as caught:
        await api.create_record(COMPANY_ID, draft)
    assert caught.value.status == 422
    assert "уже занято" in caught.value.message
    assert len(yclients.records) == 1
    forced = await api.create_record(COMPANY_ID, draft, save_if_busy=True)
    assert forced in yclients.records


async def test_a_create_is_not_repeated_after_a_500(
    yclients: FakeYclients, api: YclientsApi
) -> None:
    draft = RecordDraft(
        staff_id=9,
        services=(ServiceLine(331),),
        client=NewRecordClient("+79161234567", "Анна"),
        start=at(DAY, 10),
        length=timedelta(hours=1),
    )
    yclients.fail_next(1, 500)
    with pytest.raises(YclientsUnavailable):
        await api.create_record(COMPANY_ID, draft)
    assert len(yclients.requests) == 1
    yclients.fail_next(1, 503)
    await api.create_record(COMPANY_ID, draft)
    assert [request.method for request in yclients.requests] == ["POST"] * 3
    assert len(yclients.records) == 1


async def test_staff_and_services_lists(yclients: FakeYclients, api: YclientsApi) -> None:
    assert await api.list_staff(COMPANY_ID) == [
        NamedItem(9, "Оксана"),
        NamedItem(49, "Сергей"),
        NamedItem(51, "Анна Петрова"),
    ]
    assert await api.list_services(COMPANY_ID) == [
        NamedItem(331, "Мужская стрижка"),
        NamedItem(333, "Бритьё головы"),
        NamedItem(335, "Окрашивание"),
    ]
    assert [request.path for request in yclients.requests] == [
        f"/company/{COMPANY_ID}/staff",
        f"/company/{COMPANY_ID}/services",
    ]


async def test_an_unknown_company_is_not_found(api: YclientsApi) -> None:
    with pytest.raises(YclientsNotFound, match="Филиал не найден"):
        await api.pull(COMPANY_ID + 1, DAY, NEXT_DAY)


async def test_keeps_to_five_requests_a_second(yclients: FakeYclients) -> None:
    async with YclientsApi(CREDENTIALS, base_url=yclients.base_url, allowed=LOOPBACK) as api:
        await asyncio.gather(*(api.list_staff(COMPANY_ID) for _ in range(11)))
    arrivals = sorted(request.at for request in yclients.requests)
    assert len(arrivals) == 11
    # Any six requests in a row span more than a second: no second holds more than five.
    assert all(later - first > 1.0 for first, later in zip(arrivals, arrivals[5:], strict=False))


async def test_every_window_of_the_budget_holds(yclients: FakeYclients) -> None:
    async with make_api(yclients, rates=(Window(2, 0.2), Window(3, 1.0))) as api:
        for _ in range(4):
            await api.list_staff(COMPANY_ID)
    arrivals = [request.at for request in yclients.requests]
    assert arrivals[2] - arrivals[0] >= 0.2
    assert arrivals[3] - arrivals[0] >= 1.0


async def test_an_internal_address_is_refused_without_an_allow_list(
    yclients: FakeYclients,
) -> None:
    async with YclientsApi(CREDENTIALS, base_url=yclients.base_url) as api:
        with pytest.raises(YclientsAddressRefused):
            await api.pull(COMPANY_ID, DAY, NEXT_DAY)
    assert yclients.requests == []


async def test_a_closed_port_is_unreachable() -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/api/v1"
    async with YclientsApi(CREDENTIALS, base_url=base_url, allowed=LOOPBACK) as api:
        with pytest.raises(YclientsUnreachable) as caught:
            await api.list_staff(COMPANY_ID)
    assert not isinstance(caught.value, YclientsAddressRefused)


async def test_a_silent_server_times_out_as_unreachable() -> None:
    async with silent_server() as port:
        async with YclientsApi(
            CREDENTIALS, base_url=f"http://127.0.0.1:{port}", allowed=LOOPBACK, timeout=0.3
        ) as api:
            async with asyncio.timeout(3):
                with pytest.raises(YclientsUnreachable, match=r"no response within 0\.3 s"):
                    await api.list_staff(COMPANY_ID)


def _page_of(ids: range, total: int) -> dict[str, object]:
    fake = FakeYclients()
    records = [fake.add_record(9, at(DAY, 10) + timedelta(minutes=i)) for i in ids]
    data = [fake.record_payload(fake.records[record_id]) for record_id in records]
    return {"success": True, "data": data, "meta": {"page": 1, "total_count": total}}


async def test_a_server_whose_count_lies_does_not_keep_the_pull_going() -> None:
    repeated = _page_of(range(3), total=10**6)

    async def same_page(request: Recorded) -> Response:
        return JSONResponse(repeated)

    api_server = Scripted(same_page)
    async with serve_asgi(api_server) as base_url:
        async with YclientsApi(CREDENTIALS, base_url=base_url, allowed=LOOPBACK) as api:
            result = await api.pull(COMPANY_ID, DAY, NEXT_DAY, page_size=3)
            assert len(result.records) == 3
            assert result.requests == 2  # the second page brought nothing new

            api_server.queue(200, _page_of(range(3), total=50))
            api_server.queue(200, {"success": True, "data": [], "meta": {"total_count": 50}})
            result = await api.pull(COMPANY_ID, DAY, NEXT_DAY, page_size=3)
            assert (len(result.records), result.requests) == (3, 2)


@pytest.mark.parametrize(
    "body",
    [
        {"success": True, "data": {"id": 1}, "meta": {"total_count": 1}},
        {"success": True, "data": [], "meta": []},
        {"success": False, "data": None, "meta": {"message": "Ошибка"}},
        [1, 2, 3],
    ],
)
async def test_a_page_of_the_wrong_shape_is_bad_response(body: object) -> None:
    async def answer(request: Recorded) -> Response:
        return JSONResponse(body)

    api_server = Scripted(answer)
    async with serve_asgi(api_server) as base_url:
        async with YclientsApi(CREDENTIALS, base_url=base_url, allowed=LOOPBACK) as api:
            with pytest.raises(YclientsBadResponse):
                await api.pull(COMPANY_ID, DAY, NEXT_DAY)


async def test_a_record_on_two_pages_is_kept_once_in_its_later_version() -> None:
    # A record added between two page reads pushes the next page's records back by one.
    fake = FakeYclients()
    first, second, third = (fake.add_record(9, at(DAY, 10 + hour)) for hour in range(3))
    page_one = [fake.record_payload(fake.records[first]), fake.record_payload(fake.records[second])]
    fake.edit_record(second, comment="позже")
    page_two = [fake.record_payload(fake.records[second]), fake.record_payload(fake.records[third])]

    async def unused(request: Recorded) -> Response:
        raise AssertionError("only the queued pages are read")

    api_server = Scripted(unused)
    api_server.queue(200, {"success": True, "data": page_one, "meta": {"total_count": 4}})
    api_server.queue(200, {"success": True, "data": page_two, "meta": {"total_count": 4}})
    async with serve_asgi(api_server) as base_url:
        async with YclientsApi(CREDENTIALS, base_url=base_url, allowed=LOOPBACK) as api:
            result = await api.pull(COMPANY_ID, DAY, NEXT_DAY, page_size=2)
    assert [record.id for record in result.records] == [first, second, third]
    assert result.records[1].comment == "позже"
    assert result.requests == 2
