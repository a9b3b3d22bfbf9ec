"""Sending outbox rows through a real SMTP server on loopback, one row at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import delete, select, text, update
from starlette.responses import Response

from slotwise.config import Settings
from slotwise.models import Appointment, Client, Notification, PushSubscription, User
from slotwise.notifications import lookups
from slotwise.notifications.channels import (
    RetryableError,
    generate_vapid_keys,
    message_id_for,
)
from slotwise.notifications.delivery import DeliveryFailed, DeliveryRuntime, deliver
from tests.factories import World
from tests.jobs.support import SmtpSink, maker
from tests.notifications.channels.servers import serve_asgi
from tests.notifications.helpers import book, of, planned, slot


async def _set_client(app: FastAPI, world: World, **values: Any) -> None:
    async with maker(app).begin() as session:
        await session.execute(update(Client).where(Client.id == world.client_id).values(**values))


async def _confirmation(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> tuple[dict[str, Any], Notification]:
    appointment = await book(client, world, slot())
    [row] = of(await planned(app, appointment), "confirmation")
    return appointment, row


async def _reload(app: FastAPI, row: Notification) -> Notification:
    async with maker(app)() as session:
        fresh = await session.get(Notification, row.id)
        assert fresh is not None
        return fresh


async def test_confirmation_in_the_clients_language_and_local_time(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    await _set_client(app, world, locale="de-AT")
    _, row = await _confirmation(client, app, world)

    assert await deliver(runtime, row.id, now=row.send_after) == "sent"
    [mail] = sink.to(f"clara-{world.slug}@example.com")
    body = mail.get_body(("plain",))
    assert body is not None
    text_ = body.get_content()
    # 10:00 in Berlin (the location's zone), in German, whatever the server's zone.
    assert str(mail["Subject"]).startswith("Termin bestätigt: Montag, ")
    assert "10:00" in str(mail["Subject"]) and "10:00" in text_
    assert "Haircut" in text_ and "Anna" in text_
    assert str(mail["Message-ID"]).strip() == message_id_for(str(row.id), runtime.channels)

    sent = await _reload(app, row)
    assert (sent.status, sent.channel, sent.attempts, sent.locale) == ("sent", "email", 1, "de")
    assert sent.address == f"clara-{world.slug}@example.com" and sent.sent_at is not None
    # Idempotent: the row is sent; running its job again sends nothing.
    assert await deliver(runtime, row.id, now=row.send_after) == "sent"
    assert len(sink.to(f"clara-{world.slug}@example.com")) == 1


async def test_not_before_its_time(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    _, row = await _confirmation(client, app, world)
    assert await deliver(runtime, row.id, now=row.send_after - timedelta(seconds=20)) == "not due"
    assert sink.messages == []
    assert (await _reload(app, row)).status == "pending"


async def test_a_message_that_no_longer_applies_is_withdrawn_at_send_time(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    appointment, row = await _confirmation(client, app, world)
    # Gone behind the planner's back (as if by a path that forgot to report it).
    async with maker(app).begin() as session:
        await session.execute(
            text("DELETE FROM time_claims WHERE appointment_id = :id"), {"id": appointment["id"]}
        )
        await session.execute(delete(Appointment).where(Appointment.id == appointment["id"]))
    assert await deliver(runtime, row.id, now=row.send_after) == "cancelled"
    assert sink.messages == []
    assert (await _reload(app, row)).last_error == "the appointment was deleted"


async def test_a_client_without_any_address_is_skipped_with_the_reason(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    await _set_client(app, world, email=None, phone=None, telegram_id=None)
    _, row = await _confirmation(client, app, world)
    assert await deliver(runtime, row.id, now=row.send_after) == "skipped"
    skipped = await _reload(app, row)
    assert skipped.status == "skipped"
    assert skipped.last_error == (
        "no usable address: email: no address; webpush: not "
        "configured; telegram: not configured; whatsapp: not "
        "configured"
    )
    assert sink.messages == []


async def test_preferred_channel_falls_back_in_order(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    await _set_client(app, world, preferred_channels=["telegram", "email"])
    _, row = await _confirmation(client, app, world)
    assert await deliver(runtime, row.id, now=row.send_after) == "sent"
    assert (await _reload(app, row)).channel == "email"
    assert len(sink.to(f"clara-{world.slug}@example.com")) == 1


async def test_a_worker_is_told_at_their_login_address(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    appointment = await book(client, world, slot(), workers=[world.specialist_b])
    [row] = of(await planned(app, appointment), "worker_assigned")
    assert await deliver(runtime, row.id, now=row.send_after) == "sent"
    [mail] = sink.to(world.emails["worker_b"])
    assert str(mail["Subject"]).startswith("Neuer Termin")  # the firm's language: German
    body = mail.get_body(("plain",))
    assert body is not None and "Clara Client" in body.get_content()


async def test_smtp_down_is_retried_and_the_last_attempt_fails(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    _, row = await _confirmation(client, app, world)
    sink.stop()
    with pytest.raises(RetryableError):
        await deliver(runtime, row.id, now=row.send_after, final_attempt=False)
    waiting = await _reload(app, row)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.last_error is not None and "SMTP connection failed" in waiting.last_error

    with pytest.raises(RetryableError):
        await deliver(runtime, row.id, now=row.send_after, final_attempt=True)
    failed = await _reload(app, row)
    assert (failed.status, failed.attempts) == ("failed", 2)

    # An operator's retry after the server is back sends it, once.
    sink.start()
    assert await deliver(runtime, row.id, now=row.send_after) == "sent"
    assert len(sink.messages) == 1
    assert (await _reload(app, row)).attempts == 3


async def test_a_permanent_refusal_fails_at_once(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    await _set_client(app, world, email="not-an-address")
    _, row = await _confirmation(client, app, world)
    with pytest.raises(DeliveryFailed):
        await deliver(runtime, row.id, now=row.send_after, final_attempt=False)
    failed = await _reload(app, row)
    assert failed.status == "failed"
    assert failed.last_error is not None and failed.last_error.startswith(
        "email: invalid email address"
    )


async def test_an_attempt_in_flight_elsewhere_is_not_repeated(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    _, row = await _confirmation(client, app, world)
    assert row.job_id is not None
    # Its job is running on some worker, which marked the row before talking to SMTP.
    async with maker(app).begin() as session:
        await session.execute(
            text("UPDATE procrastinate.procrastinate_jobs SET status = 'doing' WHERE id = :id"),
            {"id": row.job_id},
        )
        await session.execute(
            update(Notification)
            .where(Notification.id == row.id)
            .values(
                status="sending",
                sending_job_id=row.job_id,
                attempts=1,
                sending_started_at=datetime.now(UTC),
            )
        )
    with pytest.raises(RetryableError, match="is sending this message right now"):
        await deliver(runtime, row.id, job_id=row.job_id + 10_000, now=row.send_after)
    assert sink.messages == []

    # That worker died: its job was given back (here: failed); the row is resent, once.
    async with maker(app).begin() as session:
        await session.execute(
            text("UPDATE procrastinate.procrastinate_jobs SET status = 'failed' WHERE id = :id"),
            {"id": row.job_id},
        )
    assert await deliver(runtime, row.id, job_id=row.job_id + 10_000, now=row.send_after) == "sent"
    assert len(sink.messages) == 1
    assert (await _reload(app, row)).attempts == 2


async def test_a_gone_push_subscription_is_forgotten_and_email_takes_over(
    client: httpx.AsyncClient, app: FastAPI, world: World, settings: Settings, sink: SmtpSink
) -> None:
    pushes: list[str] = []

    async def push_service(scope: Any, receive: Any, send: Any) -> None:
        pushes.append(scope["path"])
        await Response(status_code=410)(scope, receive, send)

    keys = generate_vapid_keys()
    async with serve_asgi(push_service) as base:
        channels = sink.channel_settings().model_copy(
            update={
                "vapid_private_key": SecretStr(keys.private_key),
                "webpush_allow_http": True,
                "outbound_allowed_hosts": [base.removeprefix("http://")],
            }
        )
        runtime = DeliveryRuntime(maker(app), settings, channels)
        await _set_client(app, world, preferred_channels=["webpush", "email"])
        async with maker(app).begin() as session:
            user_id = await session.scalar(
                select(User.id).where(
                    User.firm_id == world.firm_id, User.client_id == world.client_id
                )
            )
            assert user_id is not None
            await lookups.upsert_push_subscription(
                session,
                firm_id=world.firm_id,
                user_id=user_id,
                endpoint=f"{base}/push/{world.slug}",
                p256dh=keys.public_key,
                auth="MDEyMzQ1Njc4OWFiY2RlZg",
                user_agent="test",
            )
        _, row = await _confirmation(client, app, world)
        assert await deliver(runtime, row.id, now=row.send_after) == "sent"

    assert pushes == [f"/push/{world.slug}"]
    sent = await _reload(app, row)
    assert sent.channel == "email" and sent.last_error is not None
    assert sent.last_error.startswith("webpush: ")
    assert len(sink.to(f"clara-{world.slug}@example.com")) == 1
    async with maker(app)() as session:
        assert (
            await session.scalars(
                select(PushSubscription).where(PushSubscription.firm_id == world.firm_id)
            )
        ).all() == []
