"""Every public answer, along a whole booking, holds nothing private: no other client's
name, email, phone or id, no notes, no staff emails, no ids of others' bookings or users
(like the tenancy scan of tests/test_access_matrix.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from slotwise.config import Settings
from slotwise.models import Appointment, Client, User
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.delivery import DeliveryRuntime
from slotwise.public import routes
from tests.booking.helpers import at, book, hold, next_monday
from tests.factories import World
from tests.jobs.support import SmtpSink, maker, smtp_sink
from tests.public.flow import Guest, code_in, deliver_codes
from tests.public.helpers import base, visitor

NOTE = "PRIVATE-NOTE-do-not-show-7f3a"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as running:
        yield running


@pytest.fixture
def mail_on(app: FastAPI, sink: SmtpSink) -> Iterator[ChannelSettings]:
    channels = sink.channel_settings()
    app.dependency_overrides[routes._channels] = lambda: channels
    yield channels
    app.dependency_overrides.pop(routes._channels, None)


async def _secrets(app: FastAPI, world: World, booked_ids: list[str]) -> set[str]:
    async with maker(app).begin() as session:
        # Last names no message could contain by chance.
        await session.execute(
            update(Client).where(Client.id == world.client_id).values(last_name="Zwackelmann")
        )
        await session.execute(
            update(Client)
            .where(Client.id == world.other_client_id)
            .values(last_name="Quorbitz", phone="+4930999888777", telegram_id="otto_tg_4411")
        )
        await session.execute(
            update(Appointment).where(Appointment.firm_id == world.firm_id).values(notes=NOTE)
        )
        users = (await session.scalars(select(User.id).where(User.firm_id == world.firm_id))).all()
    return {
        str(world.client_id),
        str(world.other_client_id),
        "Clara",
        "Otto",
        "Zwackelmann",
        "Quorbitz",
        f"clara-{world.slug}@example.com",
        f"otto-{world.slug}@example.com",
        "+49301234567",
        "49301234567",
        "+4930999888777",
        "otto_tg_4411",
        NOTE,
        *world.emails.values(),
        *(str(user) for user in users),
        *booked_ids,
    }


async def test_no_public_answer_leaks(
    app: FastAPI,
    client: httpx.AsyncClient,
    public_world: World,
    settings: Settings,
    sink: SmtpSink,
    mail_on: ChannelSettings,
) -> None:
    world = public_world
    monday = next_monday()
    # Others' bookings on the day: an appointment of Clara's with Anna, a staff hold on Ben.
    booked = await book(client, world, at(monday, 10), 30, [world.specialist_a])
    assert booked.status_code == 201, booked.text
    staff_hold = await hold(
        client, world, "director", at(monday, 10), specialist_id=world.specialist_b
    )
    assert staff_hold.status_code == 201, staff_hold.text
    secrets = await _secrets(app, world, [booked.json()["id"], staff_hold.json()["id"]])

    answers: list[httpx.Response] = []
    keep = answers.append
    ids = {"location_id": str(world.location_id), "service_id": str(world.service_id)}
    day = monday.isoformat()
    async with visitor(app) as http:
        for path, params in (
            ("", {}),
            ("/locations", {}),
            ("/services", {"location_id": ids["location_id"]}),
            ("/specialists", ids),
            (
                "/availability/days",
                {**ids, "from": day, "to": (monday + timedelta(days=30)).isoformat()},
            ),
            ("/availability/slots", {**ids, "date": day}),
            ("/availability/slots", {**ids, "date": day, "specialist_id": str(world.specialist_a)}),
        ):
            keep(await http.get(f"{base(world)}{path}", params=params))
        runtime = DeliveryRuntime(app.state.sessionmaker, settings, mail_on)
        booker = Guest(http, world, keep)
        # Into the others' way: taken, in every form.
        for specialist in (world.specialist_a, world.specialist_b):
            taken = await booker.hold(at(monday, 10), specialist)
            assert taken.status_code == 409, taken.text
        assert (await Guest(http, world, keep).hold(at(monday, 10))).status_code == 201  # Cem
        everyone = await booker.hold(at(monday, 10))
        assert everyone.status_code == 409, everyone.text
        # A whole booking, with Clara's address typed in by someone else.
        assert (await booker.hold(at(monday, 11), world.specialist_a)).status_code == 201
        keep(await http.get(f"{base(world)}/holds/{booker.hold_id}", headers=booker.headers))
        asked = await booker.ask_code(name="Mallory", email=f"clara-{world.slug}@example.com")
        assert asked.status_code == 202
        await booker.ask_code(name="Mallory", email=f"clara-{world.slug}@example.com")
        await booker.confirm("000001")
        await deliver_codes(app, world, runtime)
        done = await booker.confirm(code_in(sink, f"clara-{world.slug}@example.com"))
        assert done.status_code == 201, done.text
        # A logged-in client's booking, and the errors on the way.
        headers = world.headers("client")
        mine = await http.post(
            f"{base(world)}/holds",
            json={**ids, "start_at": at(monday, 12).isoformat()},
            headers=headers,
        )
        keep(mine)
        keep(
            await http.post(
                f"{base(world)}/holds/{mine.json()['id']}/confirm", json={}, headers=headers
            )
        )
        for refused in (
            await http.post(
                f"{base(world)}/holds",
                json={**ids, "start_at": at(monday, 12).isoformat()},
                headers=world.headers("owner"),
            ),
            await http.get(
                f"{base(world)}/holds/{staff_hold.json()['id']}", headers=booker.headers
            ),
            await http.delete(f"{base(world)}/holds/{staff_hold.json()['id']}", headers=headers),
            await http.get(f"{base(world)}/services", params={"location_id": "x"}),
        ):
            keep(refused)
    assert len(answers) > 20
    leaks = [
        (answer.request.method, answer.request.url.path, found)
        for answer in answers
        for found in secrets
        # An id the caller sent may be echoed in a 404's message; anything else is a leak.
        if (found in answer.text or any(found in value for value in answer.headers.values()))
        and found not in str(answer.request.url)
    ]
    assert leaks == []
