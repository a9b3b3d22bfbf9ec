"""YClients end to end (issue 13): a real worker (every queue, with the poller's and the
push's resources) polls and writes to the local YClients server, the real API runs over
HTTP on loopback (the staff stream, availability, "sync now", bookings), and the clients'
messages go to a local WhatsApp Cloud API.

An admin's record there is on the live board after one poll and blocks its specialist's
time; after the connection's grace delay its client gets exactly one WhatsApp message. A
record moved within the delay is one message with the final time; one deleted within it is
none. A worker restarted between two polls repeats nothing. A Slotwise booking appears
there with our ``api_id`` and is not imported back.

Polls happen when a test asks for them ("sync now"): the connection's own turn is a day
away. Every wait is for a state (a run finished, a row sent), never for a stretch of time.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, update
from starlette.responses import JSONResponse, Response

from slotwise.connections.secrets import encrypt_credentials
from slotwise.connections.settings import ConnectionSettings
from slotwise.models import Connection, Notification
from slotwise.notifications.channels import ChannelSettings
from slotwise.notifications.tasks import delivery
from slotwise.sync.push_tasks import pushing
from slotwise.sync.tasks import syncing
from slotwise.sync.yclients import RetryPolicy
from slotwise.sync.yclients_push import PushOptions
from slotwise.sync.yclients_run import ApiOptions
from tests.availability.test_endpoint import get, slot_at, who
from tests.factories import World, make_world
from tests.jobs.fixtures import Isolated
from tests.jobs.support import fast_settings, maker, wait_for, worker_with
from tests.notifications.channels.servers import Recorded, Scripted, serve_asgi
from tests.realtime.helpers import SseReader, live, sse
from tests.sync.conftest import UNLIMITED
from tests.sync.importing import BERLIN, client_messages, key, mapped
from tests.sync.yclients_server import (
    COMPANY_ID,
    PARTNER_TOKEN,
    USER_TOKEN,
    FakeYclients,
    Person,
    StoredRecord,
    running,
)

pytestmark = pytest.mark.slow

# The connection's grace delay: far longer than any test, so that a change polled "within
# the delay" is within it however slow the machine; the delay passes when the test says so
# (``grace_passes``: the waiting message made due, as the clock would make it).
GRACE_SECONDS = 1800
STAFF, SERVICE = 9, 331
WHATSAPP_TOKEN = "EAAG-e2e-access-token"
PHONE_NUMBER_ID = "106540352242922"
WHATSAPP_VERSION = "v23.0"
# The clients retry nothing themselves; the push job's own retry is quick.
POLL_OPTIONS = ApiOptions(rate_limits=(UNLIMITED,), retry=RetryPolicy(max_attempts=1), timeout=5)
PUSH_OPTIONS = PushOptions(
    rate_limits=(UNLIMITED,),
    retry=RetryPolicy(max_attempts=1),
    timeout=5,
    retry_attempts=4,
    retry_base_seconds=0.2,
    retry_max_seconds=2.0,
)
# Generous: these are the upper bounds of conditions that normally come within a second
# or two (a poll after "sync now", an event on the stream).
SOON = 60.0


def _day() -> date:
    """A Monday to Friday (the world's specialists work then) two to four days ahead: in
    the connection's window, and far enough that no reminder falls due during a test."""
    day = datetime.now(BERLIN).date() + timedelta(days=2)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


async def _cloud_api(request: Recorded) -> Response:
    """The WhatsApp Cloud API's messages endpoint, as in the channel's own tests."""
    if request.headers.get("authorization") != f"Bearer {WHATSAPP_TOKEN}":
        error = {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}
        return JSONResponse({"error": error}, status_code=401)
    to = request.json()["to"]
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}],
        }
    )


@dataclass
class Scene:
    iso: Isolated
    world: World
    yclients: FakeYclients
    whatsapp: Scripted
    channels: ChannelSettings
    http: httpx.AsyncClient  # the API over HTTP on loopback
    board: SseReader  # the staff stream, as a director
    connection_id: uuid.UUID
    # Chosen once: a test that runs across midnight keeps its day.
    day: date

    def at(self, hour: int) -> datetime:
        return datetime.combine(self.day, time(hour), tzinfo=BERLIN)

    @property
    def director(self) -> dict[str, str]:
        return self.world.headers("director")

    def messages_to(self, phone_digits: str) -> list[str]:
        """The texts of the WhatsApp messages sent to this number."""
        bodies = [r.json() for r in self.whatsapp.requests]
        return [b["text"]["body"] for b in bodies if b["to"] == phone_digits]

    async def runs(self) -> list[dict[str, Any]]:
        """The connection's finished runs, newest first."""
        resp = await self.http.get(
            f"/api/v1/connections/{self.connection_id}/runs",
            params={"limit": 500},
            headers=self.director,
        )
        assert resp.status_code == 200, resp.text
        return [run for run in resp.json()["items"] if run["finished_at"] is not None]

    async def sync_now(self) -> dict[str, Any]:
        """'Sync now', and the run it caused once it has finished."""
        done = len(await self.runs())
        resp = await self.http.post(
            f"/api/v1/connections/{self.connection_id}/sync", headers=self.director
        )
        assert resp.status_code == 202, resp.text

        async def finished() -> list[dict[str, Any]]:
            runs = await self.runs()
            return runs if len(runs) > done else []

        runs = await wait_for(finished, timeout=SOON)
        assert len(runs) == done + 1, runs
        run: dict[str, Any] = runs[0]
        assert (run["outcome"], run["error"]) == ("ok", None), run
        return run

    async def appointments(self) -> list[dict[str, Any]]:
        """Specialist A's appointments on the test's day, through the API."""
        resp = await self.http.get(
            "/api/v1/appointments",
            params={
                "from": self.day.isoformat(),
                "to": self.day.isoformat(),
                "specialist_id": str(self.world.specialist_a),
            },
            headers=self.director,
        )
        assert resp.status_code == 200, resp.text
        items: list[dict[str, Any]] = resp.json()["items"]
        return items

    async def offered_at(self, clock: str) -> list[str]:
        """Who the availability offers for a Haircut at this local time of the day."""
        day = self.day.isoformat()
        resp = await get(self.http, self.world, **{"from": day, "to": day})
        assert resp.status_code == 200, resp.text
        slot = slot_at(resp.json(), clock)
        return who(slot) if slot is not None else []

    async def on_board(self, kind: str, appointment_id: str | None = None) -> dict[str, Any]:
        """The next event of this kind on the staff stream (others are passed over)."""
        async with asyncio.timeout(SOON):
            while True:
                message = await self.board.event(timeout=SOON)
                envelope: dict[str, Any] = message.json()
                if message.event == kind and appointment_id in (None, envelope["appointment_id"]):
                    return envelope

    async def confirmation(self, appointment_id: str) -> Notification:
        """The client's one message row of the appointment (reminders aside)."""
        [row] = await client_messages(self.iso.app, uuid.UUID(appointment_id))
        assert row.type == "confirmation"
        return row

    async def grace_passes(self, appointment_id: str) -> Notification:
        """The grace delay is over: the waiting confirmation becomes due now (what the clock
        would do), and this waits until it has gone out."""
        async with maker(self.iso.app).begin() as session:
            await session.execute(
                update(Notification)
                .where(
                    Notification.appointment_id == uuid.UUID(appointment_id),
                    Notification.type == "confirmation",
                    Notification.status == "pending",
                )
                .values(send_after=func.now())
            )

        async def gone_out() -> Notification | None:
            row = await self.confirmation(appointment_id)
            return row if row.status == "sent" else None

        row: Notification = await wait_for(gone_out, timeout=SOON)
        return row


async def _connect(iso: Isolated, world: World, fake: FakeYclients) -> uuid.UUID:
    """A YClients connection whose staff 9 is specialist A (Anna) and whose service 331 is
    the world's Haircut, with a grace delay of GRACE_SECONDS, whose own turn is a day away."""
    async with maker(iso.app).begin() as session:
        connection = Connection(
            firm_id=world.firm_id,
            kind="yclients",
            name=f"YClients {uuid.uuid4().hex[:6]}",
            location_id=world.location_id,
            settings={
                "company_id": COMPANY_ID,
                "base_url": fake.base_url,
                "window_days": 7,
                "grace_seconds": GRACE_SECONDS,
            },
            credentials=encrypt_credentials(
                iso.app.state.secret_key,
                {"partner_token": PARTNER_TOKEN, "user_token": USER_TOKEN},
            ),
            poll_interval_seconds=86_400,
            next_run_at=datetime.now(UTC) + timedelta(days=1),
        )
        session.add(connection)
        await session.flush()
        session.add_all(mapped(world, connection.id))
        return connection.id


@contextlib.asynccontextmanager
async def scene(iso: Isolated) -> AsyncIterator[Scene]:
    world = await make_world(iso.app)
    whatsapp = Scripted(_cloud_api)
    async with running() as fake, serve_asgi(whatsapp) as whatsapp_url:
        fake.staff = {STAFF: "Anna"}
        fake.services = {SERVICE: ("Haircut", Decimal("1300.00"))}
        connection_id = await _connect(iso, world, fake)
        channels = ChannelSettings(
            _env_file=None,
            whatsapp_token=SecretStr(WHATSAPP_TOKEN),
            whatsapp_phone_number_id=PHONE_NUMBER_ID,
            whatsapp_api_base_url=whatsapp_url,
            whatsapp_api_version=WHATSAPP_VERSION,
            whatsapp_timeout_seconds=5,
        )
        try:
            with live(iso.settings) as server:
                async with (
                    httpx.AsyncClient(base_url=server.url, timeout=10) as http,
                    sse(server.url, headers=world.headers("director")) as board,
                ):
                    yield Scene(
                        iso, world, fake, whatsapp, channels, http, board, connection_id, _day()
                    )
        finally:
            # The next test's worker must not poll a server that is gone.
            async with maker(iso.app).begin() as session:
                await session.execute(
                    update(Connection).where(Connection.id == connection_id).values(enabled=False)
                )


@contextlib.asynccontextmanager
async def worker(scene: Scene, name: str = "e2e-worker") -> AsyncIterator[None]:
    """A worker of every queue in this event loop, as `slotwise worker` runs one: delivery
    to the local WhatsApp, the poller and the push, both allowed to reach loopback."""
    loopback = ConnectionSettings(outbound_allowed_hosts=["127.0.0.1"])
    resources = [
        delivery(scene.channels),
        syncing(loopback, POLL_OPTIONS),
        pushing(loopback, PUSH_OPTIONS),
    ]
    async with worker_with(fast_settings(scene.iso.settings), resources, name=name):
        yield


def _ours(fake: FakeYclients, appointment_id: str) -> StoredRecord | None:
    found = [r for r in fake.records.values() if r.api_id == appointment_id]
    assert len(found) <= 1, "the appointment was pushed twice"
    return found[0] if found else None


async def test_a_record_made_there_is_live_blocks_its_time_and_is_confirmed_once(
    iso: Isolated,
) -> None:
    guest = Person(name="Ivan", surname="Petrov", phone="+7 916 555-01-01")
    async with scene(iso) as s, worker(s):
        assert "Anna" in await s.offered_at("11:00")
        record_id = s.yclients.add_record(STAFF, s.at(11), length=timedelta(hours=1), client=guest)

        run = await s.sync_now()
        assert (run["imported"], run["updated"], run["deleted"]) == (1, 0, 0)
        # On the board, as the poll that imported it committed it.
        created = await s.on_board("appointment.created")
        appointment = created["appointment"]
        assert appointment["external_id"] == key(record_id)
        assert appointment["source"] == "yclients"
        assert datetime.fromisoformat(appointment["start_at"]) == s.at(11)
        assert datetime.fromisoformat(appointment["end_at"]) == s.at(12)
        assert [w["id"] for w in appointment["workers"]] == [str(s.world.specialist_a)]
        # Anna's hour is taken; the others are still offered then.
        offered = await s.offered_at("11:00")
        assert "Anna" not in offered and "Ben" in offered

        # The connection's grace delay, counted from the poll that found the record.
        pending = await s.confirmation(appointment["id"])
        assert pending.status == "pending"
        assert pending.send_after == datetime.fromisoformat(run["started_at"]) + timedelta(
            seconds=GRACE_SECONDS
        )
        row = await s.grace_passes(appointment["id"])
        assert row.sent_at is not None and row.sent_at >= row.send_after
        assert (row.channel, row.address) == ("whatsapp", guest.phone)
        [text] = s.messages_to("79165550101")
        assert "Termin bestätigt" in text and "11:00" in text
        assert len(s.whatsapp.requests) == 1


async def test_a_record_moved_within_the_delay_is_one_message_with_the_final_time(
    iso: Isolated,
) -> None:
    guest = Person(name="Olga", surname="Smirnova", phone="+7 916 555-02-02")
    async with scene(iso) as s, worker(s):
        record_id = s.yclients.add_record(STAFF, s.at(11), length=timedelta(hours=1), client=guest)
        first = await s.sync_now()
        assert first["imported"] == 1
        created = await s.on_board("appointment.created")
        appointment_id = created["appointment"]["id"]
        pending = await s.confirmation(appointment_id)
        assert pending.status == "pending"

        # The admin moves it to 15:00 before the confirmation has gone out.
        s.yclients.edit_record(record_id, start=s.at(15))
        second = await s.sync_now()
        assert (second["imported"], second["updated"]) == (0, 1)
        assert (await s.confirmation(appointment_id)).status == "pending"
        moved = await s.on_board("appointment.updated", appointment_id)
        assert datetime.fromisoformat(moved["appointment"]["start_at"]) == s.at(15)
        offered = await s.offered_at("15:00")
        assert "Anna" not in offered and "Ben" in offered
        assert "Anna" in await s.offered_at("11:00")

        row = await s.grace_passes(appointment_id)
        assert row.type == "confirmation"
        [text] = s.messages_to("79165550202")
        assert "15:00" in text and "11:00" not in text
        # Still one row: the move planned no change notice of its own.
        assert [m.id for m in await client_messages(iso.app, uuid.UUID(appointment_id))] == [row.id]
        [listed] = await s.appointments()
        assert listed["id"] == appointment_id


async def test_a_record_deleted_within_the_delay_is_gone_without_a_message(
    iso: Isolated,
) -> None:
    guest = Person(name="Pavel", surname="Orlov", phone="+7 916 555-03-03")
    async with scene(iso) as s, worker(s):
        record_id = s.yclients.add_record(STAFF, s.at(11), length=timedelta(hours=1), client=guest)
        assert (await s.sync_now())["imported"] == 1
        created = await s.on_board("appointment.created")
        appointment_id = created["appointment"]["id"]
        pending = await s.confirmation(appointment_id)
        assert pending.status == "pending"

        s.yclients.delete_record(record_id)
        run = await s.sync_now()
        assert (run["imported"], run["updated"], run["deleted"]) == (0, 0, 1)
        await s.on_board("appointment.deleted", appointment_id)
        assert await s.appointments() == []
        assert "Anna" in await s.offered_at("11:00")

        # Withdrawn for good (final: nothing sends a cancelled row), and no cancellation
        # planned in its place: the client was never told about it.
        withdrawn = await s.confirmation(appointment_id)
        assert (withdrawn.status, withdrawn.sent_at) == ("cancelled", None)
        assert withdrawn.last_error == "the appointment was cancelled before it was confirmed"
        assert s.messages_to("79165550303") == []


async def test_a_restart_between_two_polls_repeats_nothing(iso: Isolated) -> None:
    guest = Person(name="Irina", surname="Volkova", phone="+7 916 555-04-04")
    async with scene(iso) as s:
        record_id = s.yclients.add_record(STAFF, s.at(11), length=timedelta(hours=1), client=guest)
        async with worker(s, "e2e-worker-1"):
            first = await s.sync_now()
            assert first["imported"] == 1
            created = await s.on_board("appointment.created")
        appointment_id = created["appointment"]["id"]
        # Stopped within the grace delay: the confirmation waits in the database.
        assert (await s.confirmation(appointment_id)).status == "pending"

        async with worker(s, "e2e-worker-2"):
            again = await s.sync_now()
            assert (again["imported"], again["updated"], again["deleted"]) == (0, 0, 0)
            # The second poll saw the record again (the cursor includes its instant).
            pulls = [r for r in s.yclients.requests if r.path == f"/records/{COMPANY_ID}"]
            assert len(pulls) == 2
            row = await s.grace_passes(appointment_id)

        [listed] = await s.appointments()
        assert (listed["id"], listed["external_id"]) == (appointment_id, key(record_id))
        assert row.attempts == 1
        [text] = s.messages_to("79165550404")
        assert "11:00" in text
        assert len(s.whatsapp.requests) == 1


async def test_a_slotwise_booking_is_written_there_and_not_imported_back(iso: Isolated) -> None:
    async with scene(iso) as s, worker(s):
        resp = await s.http.post(
            "/api/v1/appointments",
            headers=s.director,
            json={
                "location_id": str(s.world.location_id),
                "client_id": str(s.world.client_id),
                "start_at": s.at(16).isoformat(),
                "worker_ids": [str(s.world.specialist_a)],
                "services": [{"service_id": str(s.world.service_id)}],
            },
        )
        assert resp.status_code == 201, resp.text
        booked = resp.json()

        record = await wait_for(lambda: _ours(s.yclients, booked["id"]), timeout=SOON)
        assert (record.staff_id, record.start, record.deleted) == (STAFF, s.at(16), False)
        assert record.length == 30 * 60

        run = await s.sync_now()
        assert (run["imported"], run["updated"], run["deleted"], run["conflicts"]) == (
            0,
            0,
            0,
            0,
        )
        # The poll read our record there, and left it alone.
        pulled = [r for r in s.yclients.requests if r.method == "GET"]
        assert pulled and pulled[-1].path == f"/records/{COMPANY_ID}"
        [listed] = await s.appointments()
        assert (listed["id"], listed["source"], listed["external_id"]) == (
            booked["id"],
            booked["source"],
            None,
        )
        assert [r.id for r in s.yclients.records.values()] == [record.id]
