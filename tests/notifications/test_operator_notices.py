# ruff: noqa: RUF001 - times are written with an en dash.
"""A firm's operators (active owners and directors) are told once when a connection starts
failing and when a sync conflict opens: planned in the poller's transaction, sent by the
delivery job, read from the real email at a local SMTP server (and a local push service for
their browsers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from slotwise.config import Settings
from slotwise.connections import health, repository
from slotwise.connections.repository import OpenedConflict
from slotwise.models import Connection, Notification, User
from slotwise.notifications import operator_notices
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.delivery import DeliveryRuntime, deliver
from tests.factories import World, add_appointment, add_connection
from tests.jobs.support import SmtpSink, maker
from tests.notifications.channels.push_service import PushService
from tests.notifications.helpers import push_runtime
from tests.realtime.helpers import add_user

REASON = "YClients refused the tokens (401 Unauthorized)"
# Monday 7 January 2030, 10:00 UTC: 11:00 in Berlin (the world's location).
APPOINTMENT_START = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)
OPERATORS = ("owner", "director")
OTHERS = ("manager", "worker", "worker_b", "client")


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    text: str = body.get_content()
    return text


async def _fail(
    app: FastAPI, connection_id: uuid.UUID, reason: str, now: datetime, *, always: bool = False
) -> tuple[bool, int]:
    """One failed run as the poller records it: marked failing, and the operators told when
    ``mark_failing`` says so (``always``: planned whatever it says)."""
    async with maker(app).begin() as session:
        connection = await session.get(Connection, connection_id, with_for_update=True)
        assert connection is not None
        tell = health.mark_failing(connection, reason, now)
        planned = 0
        if tell or always:
            planned = await operator_notices.plan_connection_failing(session, connection, now)
    return tell, planned


async def _works_again(app: FastAPI, connection_id: uuid.UUID, now: datetime) -> None:
    async with maker(app).begin() as session:
        connection = await session.get(Connection, connection_id, with_for_update=True)
        assert connection is not None
        health.mark_ok(connection, now)


async def _rows(app: FastAPI, firm_id: uuid.UUID, type_: str | None = None) -> list[Notification]:
    async with maker(app)() as session:
        stmt = select(Notification).where(
            Notification.firm_id == firm_id, Notification.recipient_kind == "operator"
        )
        if type_ is not None:
            stmt = stmt.where(Notification.type == type_)
        return list((await session.scalars(stmt.order_by(Notification.created_at))).all())


async def _deliver_pending(runtime: DeliveryRuntime, app: FastAPI, firm_id: uuid.UUID) -> list[str]:
    return [
        await deliver(runtime, row.id, now=max(row.send_after, datetime.now(UTC)))
        for row in await _rows(app, firm_id)
        if row.status == "pending"
    ]


def _counts(sink: SmtpSink, world: World, roles: tuple[str, ...]) -> dict[str, int]:
    return {role: len(sink.to(world.emails[role])) for role in roles}


async def test_a_failing_connection_tells_each_operator_of_the_firm_once(
    app: FastAPI,
    world: World,
    other_world: World,
    runtime: DeliveryRuntime,
    sink: SmtpSink,
) -> None:
    # A director who left the firm is told nothing.
    await add_user(app, world, "former", "director")
    async with maker(app).begin() as session:
        await session.execute(
            update(User).where(User.email == world.emails["former"]).values(is_active=False)
        )
    connection_id = await add_connection(app, world)
    await add_connection(app, other_world)
    now = datetime.now(UTC)

    assert await _fail(app, connection_id, REASON, now) == (True, 2)
    # The next runs fail too: the poller is not told to tell them again, and planning the
    # same failure anyway adds nothing.
    assert await _fail(app, connection_id, "401 again", now + timedelta(minutes=1)) == (False, 0)
    assert await _fail(app, connection_id, REASON, now + timedelta(minutes=2), always=True) == (
        False,
        0,
    )
    rows = await _rows(app, world.firm_id)
    assert sorted(row.address or "" for row in rows) == sorted(
        world.emails[role] for role in OPERATORS
    )
    assert all(row.job_id is not None for row in rows)  # deferred in the same transaction

    assert await _deliver_pending(runtime, app, world.firm_id) == ["sent", "sent"]
    assert _counts(sink, world, OPERATORS) == {"owner": 1, "director": 1}
    assert _counts(sink, world, (*OTHERS, "former")) == dict.fromkeys((*OTHERS, "former"), 0)
    assert all(n == 0 for n in _counts(sink, other_world, (*OPERATORS, *OTHERS)).values())
    assert await _rows(app, other_world.firm_id) == []

    [mail] = sink.to(world.emails["director"])
    # The firm's language (German), times in the location's zone.
    assert str(mail["Subject"]) == "Verbindung gestört: YClients"
    text = _text(mail)
    assert text.startswith("Hallo Director,")
    assert "Grund: Das andere System hat die Zugangsdaten abgelehnt" in text
    assert f"Details: {REASON}" in text
    assert "Gestört seit: " in text
    assert "Was tun: Prüfen Sie die Zugangsdaten in den Verbindungseinstellungen" in text
    # A link to the connection on the connections page.
    page = f"{runtime.settings.resolved_public_base_url()}/connections#{connection_id}"
    assert f"Verbindung öffnen: {page}\n" in text.replace("\r\n", "\n")

    # Delivering again sends nothing more.
    for row in await _rows(app, world.firm_id):
        assert await deliver(runtime, row.id) == "sent"
    assert len(sink.messages) == 2

    # It worked in between, then failed again: a new failure, told again.
    await _works_again(app, connection_id, now + timedelta(minutes=3))
    assert await _fail(app, connection_id, REASON, now + timedelta(minutes=4)) == (True, 2)
    assert await _deliver_pending(runtime, app, world.firm_id) == ["sent", "sent"]
    assert _counts(sink, world, OPERATORS) == {"owner": 2, "director": 2}


async def test_each_operator_reads_it_in_their_language(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    resp = await client.patch("/api/v1/me", headers=world.headers("owner"), json={"locale": "ru"})
    assert resp.status_code == 200, resp.text
    connection_id = await add_connection(app, world)
    assert await _fail(app, connection_id, "The server refused the login", datetime.now(UTC)) == (
        True,
        2,
    )
    await _deliver_pending(runtime, app, world.firm_id)
    [russian] = sink.to(world.emails["owner"])
    [german] = sink.to(world.emails["director"])
    assert str(russian["Subject"]) == "Сбой подключения: YClients"
    assert "Причина: Другая система отклонила учётные данные" in _text(russian)
    assert "Что сделать: Проверьте учётные данные" in _text(russian)
    assert str(german["Subject"]) == "Verbindung gestört: YClients"


async def test_a_failure_that_ended_before_its_notice_went_out_is_not_told(
    app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    connection_id = await add_connection(app, world)
    now = datetime.now(UTC)
    assert await _fail(app, connection_id, REASON, now) == (True, 2)
    await _works_again(app, connection_id, now)
    assert await _deliver_pending(runtime, app, world.firm_id) == ["cancelled", "cancelled"]
    assert sink.messages == []
    assert {row.last_error for row in await _rows(app, world.firm_id)} == {
        "the connection is no longer failing"
    }


async def test_a_connection_that_is_not_failing_tells_nobody(app: FastAPI, world: World) -> None:
    connection_id = await add_connection(app, world)
    async with maker(app).begin() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        now = datetime.now(UTC)
        assert await operator_notices.plan_connection_failing(session, connection, now) == 0
    assert await _rows(app, world.firm_id) == []


def _record(start: datetime, minutes: int) -> dict[str, Any]:
    """A YClients record as the poller keeps it with a conflict."""
    return {
        "id": 9001,
        "staff_id": 17,
        "services": [{"id": 333, "title": "Haircut", "cost": "25"}],
        "client": None,
        "datetime": start.isoformat(),
        "seance_length": minutes * 60,
        "create_date": start.isoformat(),
        "last_change_date": start.isoformat(),
        "deleted": False,
        "attendance": 0,
        "comment": "",
        "api_id": "",
    }


async def _open(
    app: FastAPI,
    world: World,
    connection_id: uuid.UUID,
    appointment_id: uuid.UUID | None,
    start: datetime,
    *,
    minutes: int = 45,
) -> tuple[OpenedConflict, int]:
    """The conflict as the poller opens it, with its notice planned when it is new."""
    in_the_way = {
        "start": APPOINTMENT_START.isoformat(),
        "end": (APPOINTMENT_START + timedelta(minutes=40)).isoformat(),
        "resource": "specialist",
        "resource_id": str(world.specialist_a),
        "kind": "appointment",
    }
    async with maker(app).begin() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        opened = await repository.open_conflict(
            session,
            connection,
            external_id="4564:9001",
            appointment_id=appointment_id,
            reason="The specialist is already claimed by an appointment",
            payload={"record": _record(start, minutes), "in_the_way": [in_the_way]},
        )
        planned = 0
        if opened.created:
            planned = await operator_notices.plan_sync_conflict(
                session, opened.conflict, datetime.now(UTC)
            )
    return opened, planned


async def test_a_sync_conflict_tells_the_operators_the_times_once(
    app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    connection_id = await add_connection(app, world)
    appointment = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id, start=APPOINTMENT_START
    )
    # The record starts a quarter of an hour into the appointment (11:15 Berlin time).
    record_start = APPOINTMENT_START + timedelta(minutes=15)
    first, planned = await _open(app, world, connection_id, appointment, record_start)
    assert (first.created, planned) == (True, 2)
    # The next run finds the record still in the way: the same conflict, nobody told again,
    # even if the poller plans it anyway.
    again, planned = await _open(app, world, connection_id, appointment, record_start, minutes=50)
    assert (again.created, planned) == (False, 0)
    assert again.conflict.id == first.conflict.id
    async with maker(app).begin() as session:
        assert await operator_notices.plan_sync_conflict(session, again.conflict, record_start) == 0

    assert await _deliver_pending(runtime, app, world.firm_id) == ["sent", "sent"]
    assert _counts(sink, world, OPERATORS) == {"owner": 1, "director": 1}
    assert all(n == 0 for n in _counts(sink, world, OTHERS).values())
    [mail] = sink.to(world.emails["owner"])
    subject = "Synchronisationskonflikt: YClients, Montag, 7. Januar 2030, 11:15"
    assert str(mail["Subject"]) == subject
    text = _text(mail)
    for line in (
        "Nichts wurde doppelt gebucht",
        "Eintrag in YClients: Montag, 7. Januar 2030, 11:15–12:00",
        "Eintrags-ID: 4564:9001",
        "Mitarbeiter: Anna",
        "Termin in Slotwise: Montag, 7. Januar 2030, 11:00–11:30",
        "Kunde: Clara Client",
        "Leistung: Haircut",
        "Wie es sich löst: Verschieben oder stornieren Sie einen der beiden, in YClients",
        f"Konflikte ansehen: {runtime.settings.resolved_public_base_url()}/connections"
        f"#{connection_id}/conflicts",
    ):
        assert line in text, (line, text)


async def test_a_conflict_resolved_before_its_notice_went_out_is_not_told_and_a_new_one_is(
    app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    connection_id = await add_connection(app, world)
    record_start = APPOINTMENT_START + timedelta(minutes=15)
    first, planned = await _open(app, world, connection_id, None, record_start)
    assert planned == 2
    async with maker(app).begin() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        assert await repository.resolve_conflict(
            session, connection, "4564:9001", datetime.now(UTC)
        )
    assert await _deliver_pending(runtime, app, world.firm_id) == ["cancelled", "cancelled"]
    assert sink.messages == []

    # The record runs into something again: a new conflict, told. No Slotwise appointment
    # is named (a hold was in the way): the message leaves it out.
    second, planned = await _open(app, world, connection_id, None, record_start)
    assert second.created and second.conflict.id != first.conflict.id and planned == 2
    assert await _deliver_pending(runtime, app, world.firm_id) == ["sent", "sent"]
    [mail] = sink.to(world.emails["director"])
    text = _text(mail)
    assert "Eintrag in YClients: Montag, 7. Januar 2030, 11:15–12:00" in text
    assert "Termin in Slotwise:" not in text and "Mitarbeiter: Anna" in text


async def test_a_notice_to_someone_no_longer_an_operator_is_not_sent(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    connection_id = await add_connection(app, world)
    assert await _fail(app, connection_id, REASON, datetime.now(UTC)) == (True, 2)
    async with maker(app).begin() as session:
        await session.execute(
            update(User).where(User.email == world.emails["director"]).values(role="manager")
        )
    assert sorted(await _deliver_pending(runtime, app, world.firm_id)) == ["cancelled", "sent"]
    assert _counts(sink, world, OPERATORS) == {"owner": 1, "director": 0}


async def test_an_operators_browsers_get_a_copy(
    client: httpx.AsyncClient,
    app: FastAPI,
    world: World,
    settings: Settings,
    sink: SmtpSink,
    push: tuple[PushService, str],
    allow_push: ChannelSettings,
) -> None:
    service, base = push
    browser = service.subscribe("director")
    resp = await client.post(
        "/api/v1/push-subscriptions",
        headers=world.headers("director"),
        json={
            "endpoint": f"{base}/push/director",
            "keys": {"p256dh": browser.p256dh, "auth": browser.auth},
        },
    )
    assert resp.status_code == 201, resp.text
    runtime = push_runtime(app, settings, sink, allow_push)
    connection_id = await add_connection(app, world)
    assert await _fail(app, connection_id, REASON, datetime.now(UTC)) == (True, 2)
    assert await _deliver_pending(runtime, app, world.firm_id) == ["sent", "sent"]
    # Both by email; the director's browser also has it.
    assert _counts(sink, world, OPERATORS) == {"owner": 1, "director": 1}
    [delivered] = service.delivered
    assert delivered.subscription == "director"
    assert delivered.payload["title"] == "Verbindung gestört: YClients"
    assert delivered.payload["data"] == {"type": "connection_failing"}
    assert "Zugangsdaten abgelehnt" in delivered.payload["body"]
    # A click opens the connection.
    assert delivered.payload["url"].endswith(f"/connections#{connection_id}")
