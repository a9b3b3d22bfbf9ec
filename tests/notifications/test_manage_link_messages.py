"""A client's messages carry the manage link when the firm's page is on (read from the real
email at a local SMTP server), and a browser subscribed from that link gets the client's
messages as Web Push (decrypted by a local push service, as a browser would)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from slotwise.config import Settings
from slotwise.models import PushSubscription
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.delivery import DeliveryRuntime, deliver
from slotwise.notifications.templates import TemplateContext, render
from tests.factories import World
from tests.jobs.support import SmtpSink, maker
from tests.notifications.channels.push_service import PushService
from tests.notifications.helpers import book, of, planned, push_runtime, slot
from tests.notifications.test_push_subscriptions import subscription
from tests.public.manage_helpers import manage, set_firm, token_for, with_token

LINK = re.compile(r"(http://127\.0\.0\.1:8000/book/([a-z0-9-]+)/manage#([A-Za-z0-9._-]+))")


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    text: str = body.get_content()
    return text


def _html(mail: EmailMessage) -> str:
    body = mail.get_body(("html",))
    assert body is not None
    html: str = body.get_content()
    return html


async def _send(
    runtime: DeliveryRuntime, app: FastAPI, appointment: dict[str, Any], type_: str
) -> None:
    rows = of(await planned(app, appointment), type_, "pending")
    assert rows, f"no pending {type_}"
    for row in rows:
        if row.recipient_kind == "client":
            assert await deliver(runtime, row.id, now=row.send_after) == "sent"


async def test_confirmation_change_reminder_and_cancellation_carry_the_link(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    await set_firm(app, world, public_booking=True)
    address = f"clara-{world.slug}@example.com"
    appointment = await book(client, world, slot())
    await _send(runtime, app, appointment, "confirmation")
    [confirmation] = sink.to(address)
    text = _text(confirmation)
    # The firm's language (German): the label, then the link.
    found = LINK.search(text)
    assert found is not None, text
    url, slug, token = found.groups()
    assert slug == world.slug
    assert f"Ansehen, verschieben oder absagen: {url}" in text
    assert f'href="{url}"' in _html(confirmation)

    # The link works: it opens this appointment.
    opened = await client.get(manage(world), headers=with_token(token))
    assert opened.status_code == 200, opened.text
    assert opened.json()["appointment"]["id"] == appointment["id"]

    moved = await client.patch(
        f"/api/v1/appointments/{appointment['id']}",
        headers={**world.headers("manager"), "If-Match": '"1"'},
        json={"start_at": slot(hour=14).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    await _send(runtime, app, appointment, "change")
    await _send(runtime, app, appointment, "reminder")
    cancelled = await client.post(manage(world, "/cancel"), headers=with_token(token))
    assert cancelled.status_code == 200, cancelled.text
    await _send(runtime, app, appointment, "cancellation")
    mails = sink.to(address)
    assert len(mails) >= 4  # confirmation, change, the reminders, cancellation
    for mail in mails:
        assert LINK.search(_text(mail)) is not None, mail["Subject"]
    # Each link names the appointment as that message describes it; all open it.
    for mail in mails:
        found = LINK.search(_text(mail))
        assert found is not None
        resp = await client.get(manage(world), headers=with_token(found.group(3)))
        assert resp.status_code == 200 and resp.json()["appointment"]["id"] == appointment["id"]


async def test_no_link_without_the_public_page_nor_for_workers(
    client: httpx.AsyncClient, app: FastAPI, world: World, runtime: DeliveryRuntime, sink: SmtpSink
) -> None:
    appointment = await book(client, world, slot())
    await _send(runtime, app, appointment, "confirmation")
    [mail] = sink.to(f"clara-{world.slug}@example.com")
    assert "/manage#" not in _text(mail) and "/manage#" not in _html(mail)

    await set_firm(app, world, public_booking=True)
    other = await book(client, world, slot(hour=15))
    for row in of(await planned(app, other), "worker_assigned", "pending"):
        assert await deliver(runtime, row.id, now=row.send_after) == "sent"
    worker_mails = [m for m in sink.messages if "clara-" not in str(m["To"])]
    assert worker_mails
    assert all("/manage#" not in _text(m) for m in worker_mails)


def test_the_link_label_in_every_language() -> None:
    context = TemplateContext(
        firm_name="Salon",
        time_zone="Europe/Berlin",
        starts_at=slot(),
        manage_url="https://book.example.com/book/salon/manage#t.o.k",
    )
    labels = {
        "en": "View, move or cancel",
        "de": "Ansehen, verschieben oder absagen",
        "ru": "Посмотреть, перенести или отменить",
    }
    for locale, label in labels.items():
        rendered = render("confirmation", locale, context)
        assert f"{label}: https://book.example.com/book/salon/manage#t.o.k" in rendered.text
        assert rendered.url == "https://book.example.com/book/salon/manage#t.o.k"
    with pytest.raises(ValueError):
        TemplateContext(
            firm_name="Salon", time_zone="UTC", starts_at=slot(), manage_url="javascript:x"
        )


async def test_a_browser_subscribed_from_the_link_gets_the_clients_messages(
    client: httpx.AsyncClient,
    app: FastAPI,
    world: World,
    settings: Settings,
    sink: SmtpSink,
    push: tuple[PushService, str],
    allow_push: ChannelSettings,
) -> None:
    service, base = push
    await set_firm(app, world, public_booking=True)
    # Otto has no login: his browser can only subscribe through a manage link.
    first = await book(client, world, slot(), client_id=world.other_client_id)
    token = token_for(app, world, first)
    browser = service.subscribe("otto")
    body = {
        "endpoint": f"{base}/push/otto",
        "keys": {"p256dh": browser.p256dh, "auth": browser.auth},
    }
    resp = await client.post(
        manage(world, "/push-subscriptions"), headers=with_token(token), json=body
    )
    assert resp.status_code == 201, resp.text
    assert set(resp.json()) == {"id", "created_at"}
    # Again: the same subscription, renewed.
    again = await client.post(
        manage(world, "/push-subscriptions"), headers=with_token(token), json=body
    )
    assert again.status_code == 201 and again.json()["id"] == resp.json()["id"]
    async with maker(app)() as session:
        [row] = (
            await session.scalars(
                select(PushSubscription).where(PushSubscription.firm_id == world.firm_id)
            )
        ).all()
    assert (row.client_id, row.user_id) == (world.other_client_id, None)
    # The endpoint stays Otto's: another client's link cannot take it over.
    claras_first = await book(client, world, slot(hour=12))
    taken = await client.post(
        manage(world, "/push-subscriptions"),
        headers=with_token(token_for(app, world, claras_first)),
        json=body,
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "endpoint_in_use")

    # Push first (the client's messages follow the configured order of channels).
    runtime = push_runtime(
        app, settings, sink, allow_push, notification_channel_order=["webpush", "email"]
    )
    # Another appointment of the same client: its confirmation reaches the browser too.
    second = await book(client, world, slot(hour=15), client_id=world.other_client_id)
    await _send(runtime, app, second, "confirmation")
    [delivered] = service.delivered
    assert delivered.subscription == "otto"
    payload = delivered.payload
    assert payload["title"].startswith("Termin bestätigt")
    assert payload["data"] == {"type": "confirmation", "appointment_id": second["id"]}
    found = LINK.search(payload["url"])
    assert found is not None and found.group(2) == world.slug
    assert sink.to(f"otto-{world.slug}@example.com") == []  # push took it
    # Clara's messages never go to Otto's browser.
    claras = await book(client, world, slot(hour=16))
    await _send(runtime, app, claras, "confirmation")
    assert len(service.delivered) == 1
    assert len(sink.to(f"clara-{world.slug}@example.com")) == 1


async def test_a_browser_that_asks_after_booking_gets_the_confirmation_and_copies_beside_email(
    client: httpx.AsyncClient,
    app: FastAPI,
    world: World,
    settings: Settings,
    sink: SmtpSink,
    push: tuple[PushService, str],
    allow_push: ChannelSettings,
) -> None:
    """The booking page's "Get reminders in this browser" comes after the confirmation went
    out by email (the default order): that browser then gets the confirmation, and from then
    on a copy of every message, while email stays the channel that carries them."""
    service, base = push
    await set_firm(app, world, public_booking=True)
    runtime = push_runtime(app, settings, sink, allow_push)
    appointment = await book(client, world, slot(), client_id=world.other_client_id)
    await _send(runtime, app, appointment, "confirmation")
    otto = f"otto-{world.slug}@example.com"
    assert len(sink.to(otto)) == 1 and service.delivered == []

    token = token_for(app, world, appointment)
    browser = service.subscribe("otto")
    body = {
        "endpoint": f"{base}/push/otto",
        "keys": {"p256dh": browser.p256dh, "auth": browser.auth},
    }
    made = await client.post(
        manage(world, "/push-subscriptions"), headers=with_token(token), json=body
    )
    assert made.status_code == 201, made.text
    # The confirmation again, to this browser alone: no second email.
    await _send(runtime, app, appointment, "confirmation")
    [delivered] = service.delivered
    assert delivered.subscription == "otto"
    assert delivered.payload["data"] == {
        "type": "confirmation",
        "appointment_id": appointment["id"],
    }
    assert delivered.payload["title"].startswith("Termin bestätigt")
    assert len(sink.to(otto)) == 1
    # The same browser asking again is not sent it twice.
    again = await client.post(
        manage(world, "/push-subscriptions"), headers=with_token(token), json=body
    )
    assert again.status_code == 201, again.text
    assert of(await planned(app, appointment), "confirmation", "pending") == []

    # Cancelled through the link: the cancellation goes by email, and a copy by push.
    cancelled = await client.post(manage(world, "/cancel"), headers=with_token(token))
    assert cancelled.status_code == 200, cancelled.text
    await _send(runtime, app, appointment, "cancellation")
    assert len(sink.to(otto)) == 2
    assert [d.payload["data"]["type"] for d in service.delivered] == [
        "confirmation",
        "cancellation",
    ]


async def test_a_browser_that_asks_before_the_confirmation_went_out_gets_it_once(
    client: httpx.AsyncClient,
    app: FastAPI,
    world: World,
    settings: Settings,
    sink: SmtpSink,
    push: tuple[PushService, str],
    allow_push: ChannelSettings,
) -> None:
    """Subscribed while the confirmation still waits: no copy of its own (the confirmation
    chooses its targets when it goes out, this browser among them), so one message, not
    two (a race the booking page's "Get reminders" can run into on a busy server)."""
    service, base = push
    await set_firm(app, world, public_booking=True)
    runtime = push_runtime(app, settings, sink, allow_push)
    appointment = await book(client, world, slot(), client_id=world.other_client_id)
    browser = service.subscribe("otto")
    body = {
        "endpoint": f"{base}/push/otto",
        "keys": {"p256dh": browser.p256dh, "auth": browser.auth},
    }
    made = await client.post(
        manage(world, "/push-subscriptions"),
        headers=with_token(token_for(app, world, appointment)),
        json=body,
    )
    assert made.status_code == 201, made.text
    [waiting] = of(await planned(app, appointment), "confirmation", "pending")

    await _send(runtime, app, appointment, "confirmation")
    assert (await planned(app, appointment))[0].id == waiting.id
    assert len(sink.to(f"otto-{world.slug}@example.com")) == 1
    assert [d.payload["data"]["type"] for d in service.delivered] == ["confirmation"]


async def test_push_endpoints_are_checked_as_for_logged_in_users(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    await set_firm(app, world, public_booking=True)
    appointment = await book(client, world, slot(), client_id=world.other_client_id)
    token = token_for(app, world, appointment)
    url = manage(world, "/push-subscriptions")
    keys = {"p256dh": "B" + "A" * 86, "auth": "MDEyMzQ1Njc4OWFiY2RlZg"}
    for endpoint, code in (
        ("http://push.example.net/x", "invalid_endpoint"),
        ("https://127.0.0.1/push", "endpoint_not_allowed"),
        ("https://10.1.2.3/push", "endpoint_not_allowed"),
    ):
        resp = await client.post(
            url,
            headers=with_token(token),
            json={"endpoint": endpoint, "keys": {**keys, "p256dh": _point()}},
        )
        assert (resp.status_code, resp.json()["code"]) == (422, code), resp.text
    bad = await client.post(url, headers=with_token(token), json={"endpoint": "x", "keys": keys})
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_error")
    forged = await client.post(
        url,
        headers=with_token(token + "x"),
        json={"endpoint": "https://push.example.net/a", "keys": keys},
    )
    assert (forged.status_code, forged.json()["code"]) == (404, "manage_link_invalid")
    async with maker(app)() as session:
        stored = (
            await session.scalars(
                select(PushSubscription).where(PushSubscription.client_id == world.other_client_id)
            )
        ).all()
    assert stored == []


def _point() -> str:
    point: str = subscription()["keys"]["p256dh"]
    return point
