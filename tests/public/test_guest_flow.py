"""The guest's booking with a verification code by email, and the client it finds or
makes; a logged-in client's booking without a code."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from slotwise.config import Settings
from slotwise.models import Appointment, Client, Hold, HoldVerification, Notification
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.delivery import DeliveryRuntime
from slotwise.public import routes
from tests.booking.helpers import at, next_monday
from tests.factories import World
from tests.jobs.support import SmtpSink, maker, smtp_sink
from tests.public.flow import Guest, code_in, code_messages, deliver_codes
from tests.public.helpers import base, visitor


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as running:
        yield running


@pytest.fixture
def mail_on(app: FastAPI, sink: SmtpSink) -> Iterator[ChannelSettings]:
    """The server sends email through the local SMTP server."""
    channels = sink.channel_settings()
    app.dependency_overrides[routes._channels] = lambda: channels
    yield channels
    app.dependency_overrides.pop(routes._channels, None)


@pytest.fixture
def runtime(app: FastAPI, settings: Settings, mail_on: ChannelSettings) -> DeliveryRuntime:
    return DeliveryRuntime(app.state.sessionmaker, settings, mail_on)


async def _clients_with(app: FastAPI, world: World, email: str) -> list[Client]:
    async with maker(app)() as session:
        rows = await session.scalars(
            select(Client).where(Client.firm_id == world.firm_id, Client.email == email)
        )
        return list(rows.all())


async def test_a_guest_books_with_the_code_from_the_mail(
    app: FastAPI,
    client: httpx.AsyncClient,
    guest: httpx.AsyncClient,
    public_world: World,
    sink: SmtpSink,
    runtime: DeliveryRuntime,
) -> None:
    email = f"gina-{public_world.slug}@example.com"
    start = at(next_monday(), 10)
    booker = Guest(guest, public_world)
    held = await booker.hold(start, public_world.specialist_b)
    assert held.status_code == 201, held.text
    first_expiry = datetime.fromisoformat(held.json()["expires_at"])

    asked = await booker.ask_code(name="Gina Guest", email=email.upper(), phone="+49 170 1234567")
    assert asked.status_code == 202, asked.text
    sent = asked.json()
    assert (sent["channel"], sent["sent_to"]) == ("email", "gi***@example.com")
    assert sent["resend_after_seconds"] == 60
    code_expires = datetime.fromisoformat(sent["code_expires_at"])
    assert datetime.now(UTC) + timedelta(seconds=590) < code_expires
    # The hold now lives at least as long as the code.
    read = await guest.get(f"{base(public_world)}/holds/{booker.hold_id}", headers=booker.headers)
    assert datetime.fromisoformat(read.json()["expires_at"]) >= code_expires > first_expiry
    async with maker(app)() as session:
        stored = await session.get(HoldVerification, booker.hold_id)
        assert stored is not None and len(stored.code_hash) == 64

    assert await deliver_codes(app, public_world, runtime) == ["sent"]
    code = code_in(sink, email)
    assert code not in stored.code_hash
    [row] = await code_messages(app, public_world)
    assert code not in str(row.data)  # the outbox keeps a nonce, not the code
    mail = sink.to(email)[0]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Gina Guest" in text and "Ben" in text and "Haircut" in text
    assert str(mail["Subject"]).startswith("Ihr Buchungscode: ")  # the firm's language

    wrong = await booker.confirm("000000" if code != "000000" else "111111")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "verification_code_invalid")
    booked = await booker.confirm(code)
    assert booked.status_code == 201, booked.text
    answer = booked.json()
    assert answer["manage_token"] is None
    appointment = answer["appointment"]
    assert appointment == {
        "id": appointment["id"],
        "status": "scheduled",
        "start_at": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "end_at": (start + timedelta(minutes=30))
        .astimezone(UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "start_local": start.isoformat(),
        "end_local": (start + timedelta(minutes=30)).isoformat(),
        "time_zone": "Europe/Berlin",
        "location": {"name": "Mitte", "address": "Torstr. 1, Berlin"},
        "service": {"name": "Haircut", "duration_minutes": 30, "price": "25.00", "currency": "EUR"},
        "specialists": [{"name": "Ben"}],
    }
    # A new client with the verified address only, and the appointment is theirs.
    [made] = await _clients_with(app, public_world, email)
    assert (made.first_name, made.last_name, made.phone) == ("Gina", "Guest", None)
    staff = await client.get(
        f"/api/v1/appointments/{appointment['id']}", headers=public_world.headers("director")
    )
    assert staff.json()["client_id"] == str(made.id)
    assert staff.json()["source"] == "booking"
    # The hold is consumed; its code with it.
    again = await booker.confirm(code)
    assert (again.status_code, again.json()["code"]) == (404, "hold_not_found")
    # The confirmation to the new client was planned at once (the guest booked it).
    async with maker(app)() as session:
        confirmation = await session.scalar(
            select(Notification).where(
                Notification.appointment_id == appointment["id"],
                Notification.type == "confirmation",
            )
        )
        assert confirmation is not None and confirmation.client_id == made.id
        assert confirmation.send_after <= datetime.now(UTC)


async def test_the_same_address_twice_is_one_client(
    app: FastAPI,
    public_world: World,
    sink: SmtpSink,
    runtime: DeliveryRuntime,
) -> None:
    email = f"dora-{public_world.slug}@example.com"
    ids = []
    for n, spelled in enumerate((email, f"  {email.upper()} ")):
        async with visitor(app) as http:
            booker = Guest(http, public_world)
            assert (await booker.hold(at(next_monday(), 11 + n))).status_code == 201
            asked = await booker.ask_code(name=f"Dora {n}", email=spelled.strip())
            assert asked.status_code == 202, asked.text
            await deliver_codes(app, public_world, runtime)
            booked = await booker.confirm(code_in(sink, email))
            assert booked.status_code == 201, booked.text
            ids.append(booked.json()["appointment"]["id"])
    [only] = await _clients_with(app, public_world, email)
    assert only.first_name == "Dora"
    async with maker(app)() as session:
        owners = set(
            (
                await session.scalars(select(Appointment.client_id).where(Appointment.id.in_(ids)))
            ).all()
        )
    assert owners == {only.id}


async def test_a_known_address_books_for_that_client_and_says_nothing(
    app: FastAPI, public_world: World, sink: SmtpSink, runtime: DeliveryRuntime
) -> None:
    known = f"clara-{public_world.slug}@example.com"
    answers = []
    for email in (known, f"new-{public_world.slug}@example.com"):
        async with visitor(app) as http:
            booker = Guest(http, public_world)
            start = at(next_monday(), 12 if email == known else 13)
            assert (await booker.hold(start, public_world.specialist_a)).status_code == 201
            asked = await booker.ask_code(name="Someone Else", email=email)
            await deliver_codes(app, public_world, runtime)
            booked = await booker.confirm(code_in(sink, email))
            assert booked.status_code == 201
            answers.append((asked.json(), booked.json()))
    # Both answers have the same shape and say nothing about who the client is.
    (asked_known, booked_known), (asked_new, booked_new) = answers
    assert set(asked_known) == set(asked_new)
    assert set(booked_known["appointment"]) == set(booked_new["appointment"])
    assert "Clara" not in str(answers)
    async with maker(app)() as session:
        owner = await session.scalar(
            select(Appointment.client_id).where(Appointment.id == booked_known["appointment"]["id"])
        )
        clara = await session.get(Client, public_world.client_id)
    assert owner == public_world.client_id
    assert clara is not None and clara.first_name == "Clara"  # not renamed by a visitor


async def test_a_logged_in_client_confirms_without_a_code(
    client: httpx.AsyncClient, guest: httpx.AsyncClient, public_world: World
) -> None:
    headers = public_world.headers("client")
    held = await guest.post(
        f"{base(public_world)}/holds",
        json={
            "location_id": str(public_world.location_id),
            "service_id": str(public_world.service_id),
            "start_at": at(next_monday(), 14).isoformat(),
        },
        headers=headers,
    )
    url = f"{base(public_world)}/holds/{held.json()['id']}"
    refused = await guest.post(
        f"{url}/verification", json={"name": "C", "email": "c@x.org"}, headers=headers
    )
    assert refused.status_code == 403
    booked = await guest.post(f"{url}/confirm", json={}, headers=headers)
    assert booked.status_code == 201, booked.text
    mine = await client.get(
        f"/api/v1/appointments/{booked.json()['appointment']['id']}", headers=headers
    )
    assert mine.status_code == 200 and mine.json()["client"]["id"] == str(public_world.client_id)


async def _age_code(app: FastAPI, hold_id: str, **values: object) -> None:
    async with maker(app).begin() as session:
        await session.execute(
            update(HoldVerification).where(HoldVerification.hold_id == hold_id).values(**values)
        )


async def test_the_rules_of_codes(
    app: FastAPI,
    guest: httpx.AsyncClient,
    public_world: World,
    sink: SmtpSink,
    runtime: DeliveryRuntime,
) -> None:
    email = f"rita-{public_world.slug}@example.com"
    booker = Guest(guest, public_world)
    assert (await booker.hold(at(next_monday(), 15))).status_code == 201
    early = await booker.confirm("123456")
    assert (early.status_code, early.json()["code"]) == (409, "verification_required")
    for contact in (
        {"name": "Rita"},
        {"email": email},
        {"name": "", "email": email},
        {"name": "Rita", "email": "not-an-email"},
        {"name": "Rita", "phone": "abc"},
        {"name": "Rita", "email": email, "extra": 1},
        {"name": "R" * 201, "email": email},
    ):
        async with visitor(app) as other:  # bad requests count against the code limit too
            checker = Guest(other, public_world)
            checker.hold_id, checker.token = booker.hold_id, booker.token
            bad = await checker.ask_code(**contact)
        assert (bad.status_code, bad.json()["code"]) == (422, "validation_error"), contact
    phone_only = await booker.ask_code(name="Rita", phone="+49 170 7654321")
    assert (phone_only.status_code, phone_only.json()["code"]) == (
        422,
        "verification_channel_unavailable",
    )
    assert (await booker.ask_code(name="Rita", email=email)).status_code == 202
    soon = await booker.ask_code(name="Rita", email=email)
    assert (soon.status_code, soon.json()["code"]) == (429, "verification_resend_too_soon")
    assert 1 <= int(soon.headers["Retry-After"]) <= 60
    # Wrong codes end the code after five tries (each counts, though each request fails).
    for n in range(4):
        wrong = await booker.confirm("99999" + str(n))
        assert wrong.json()["code"] == "verification_code_invalid", wrong.text
    last = await booker.confirm("888888")
    assert (last.status_code, last.json()["code"]) == (403, "verification_attempts_exceeded")
    await deliver_codes(app, public_world, runtime)
    code = code_in(sink, email)
    ended = await booker.confirm(code)
    assert (ended.status_code, ended.json()["code"]) == (403, "verification_attempts_exceeded")
    # A new code (once the resend wait is over) starts over; an expired one is refused.
    await _age_code(
        app, booker.hold_id or "", last_sent_at=datetime.now(UTC) - timedelta(minutes=2)
    )
    assert (await booker.ask_code(name="Rita", email=email)).status_code == 202
    assert await deliver_codes(app, public_world, runtime) == ["sent"]
    code = code_in(sink, email)
    await _age_code(
        app, booker.hold_id or "", code_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    expired = await booker.confirm(code)
    assert (expired.status_code, expired.json()["code"]) == (410, "verification_code_expired")
    # At most five codes per hold.
    for _ in range(3):
        await _age_code(
            app, booker.hold_id or "", last_sent_at=datetime.now(UTC) - timedelta(minutes=2)
        )
        assert (await booker.ask_code(name="Rita", email=email)).status_code == 202
    await _age_code(
        app, booker.hold_id or "", last_sent_at=datetime.now(UTC) - timedelta(minutes=2)
    )
    capped = await booker.ask_code(name="Rita", email=email)
    assert (capped.status_code, capped.json()["code"]) == (403, "verification_sends_exceeded")
    # Only the newest code's message goes out; the older ones are withdrawn.
    outcomes = await deliver_codes(app, public_world, runtime)
    assert outcomes.count("sent") == 1 and outcomes.count("cancelled") == len(outcomes) - 1
    # An expired hold: no code, no booking.
    async with maker(app).begin() as session:
        await session.execute(
            update(Hold).where(Hold.id == booker.hold_id).values(expires_at=datetime.now(UTC))
        )
    gone = await booker.confirm(code_in(sink, email))
    assert (gone.status_code, gone.json()["code"]) == (410, "hold_expired")
    no_token = await guest.post(
        f"{base(public_world)}/holds/{booker.hold_id}/confirm", json={"code": "1"}
    )
    assert (no_token.status_code, no_token.json()["code"]) == (422, "hold_token_required")


async def test_only_a_phone_goes_by_whatsapp_when_it_is_configured(
    app: FastAPI, guest: httpx.AsyncClient, public_world: World
) -> None:
    channels = ChannelSettings(whatsapp_token="token", whatsapp_phone_number_id="1234")
    app.dependency_overrides[routes._channels] = lambda: channels
    try:
        booker = Guest(guest, public_world)
        assert (await booker.hold(at(next_monday(), 16))).status_code == 201
        local = await booker.ask_code(name="Wanda", phone="0170 1234567")
        assert local.json()["code"] == "verification_channel_unavailable"
        asked = await booker.ask_code(name="Wanda", phone="+49 (170) 123-4567")
        assert asked.status_code == 202, asked.text
        assert asked.json()["channel"] == "whatsapp"
        assert asked.json()["sent_to"] == "+491*******67"
        [row] = await code_messages(app, public_world)
        assert (row.channel, row.address, row.recipient_kind) == (
            "whatsapp",
            "491701234567",
            "guest",
        )
    finally:
        app.dependency_overrides.pop(routes._channels, None)
    async with maker(app)() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.firm_id == public_world.firm_id)
        )
    assert count == 1


async def test_two_guests_with_one_new_address_at_once_make_one_client(
    app: FastAPI, public_world: World, sink: SmtpSink, runtime: DeliveryRuntime
) -> None:
    email = f"twin-{public_world.slug}@example.com"
    async with visitor(app) as first_http, visitor(app) as second_http:
        guests = [Guest(first_http, public_world), Guest(second_http, public_world)]
        codes = []
        for n, booker in enumerate(guests):
            assert (await booker.hold(at(next_monday(), 9 + n))).status_code == 201
            assert (await booker.ask_code(name=f"Twin {n}", email=email)).status_code == 202
            await deliver_codes(app, public_world, runtime)
            codes.append(code_in(sink, email, n))
        answers = await asyncio.gather(*(b.confirm(c) for b, c in zip(guests, codes, strict=True)))
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert len(await _clients_with(app, public_world, email)) == 1


@pytest.mark.parametrize(
    "body",
    [{"code": 123456}, {"code": "1" * 33}, {"code": None, "x": 1}, [], "123456", {"code": []}],
)
async def test_bad_confirm_bodies_are_a_422(
    guest: httpx.AsyncClient, public_world: World, body: object
) -> None:
    booker = Guest(guest, public_world)
    assert (await booker.hold(at(next_monday(), 17))).status_code == 201
    resp = await guest.post(
        f"{base(public_world)}/holds/{booker.hold_id}/confirm", json=body, headers=booker.headers
    )
    assert (resp.status_code, resp.json()["code"]) == (422, "validation_error")
