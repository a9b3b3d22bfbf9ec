"""The poller in a real worker: the sweep finds a connection whose turn has come, its job
polls the local YClients server, the record becomes an appointment, and after the grace
delay its client gets exactly one confirmation; "sync now" brings a connection's turn
forward."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections.secrets import encrypt_credentials
from slotwise.connections.settings import ConnectionSettings
from slotwise.jobs.runtime import WorkerResource
from slotwise.models import Appointment, Connection, SyncRun
from slotwise.sync.tasks import syncing
from slotwise.sync.yclients import RetryPolicy
from slotwise.sync.yclients_run import ApiOptions
from tests.factories import World
from tests.jobs.fixtures import Isolated
from tests.jobs.support import SmtpSink, fast_settings, running_worker, wait_for
from tests.sync.conftest import UNLIMITED
from tests.sync.yclients_server import COMPANY_ID, PARTNER_TOKEN, USER_TOKEN, Person, running

BERLIN = ZoneInfo("Europe/Berlin")
OPTIONS = ApiOptions(rate_limits=(UNLIMITED,), retry=RetryPolicy(max_attempts=1), timeout=5)


def _sync_resource() -> WorkerResource:
    return syncing(ConnectionSettings(outbound_allowed_hosts=["127.0.0.1"]), OPTIONS)


async def _connection(iso: Isolated, world: World, base_url: str, **fields: object) -> uuid.UUID:
    maker: async_sessionmaker[AsyncSession] = iso.app.state.sessionmaker
    async with maker.begin() as session:
        connection = Connection(
            firm_id=world.firm_id,
            kind="yclients",
            name=f"YClients {uuid.uuid4().hex[:6]}",
            location_id=world.location_id,
            settings={"company_id": COMPANY_ID, "base_url": base_url, "grace_seconds": 0},
            credentials=encrypt_credentials(
                iso.app.state.secret_key,
                {"partner_token": PARTNER_TOKEN, "user_token": USER_TOKEN},
            ),
            **fields,
        )
        session.add(connection)
        await session.flush()
        return connection.id


async def _imported(iso: Isolated, world: World) -> list[Appointment]:
    maker: async_sessionmaker[AsyncSession] = iso.app.state.sessionmaker
    async with maker() as session:
        rows = await session.scalars(
            select(Appointment).where(
                Appointment.firm_id == world.firm_id, Appointment.source == "yclients"
            )
        )
        return list(rows.all())


def _tomorrow(hour: int) -> datetime:
    day = datetime.now(BERLIN).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


async def test_the_worker_polls_imports_and_confirms_once(
    iso: Isolated, iso_world: World, sink: SmtpSink
) -> None:
    guest = Person(name="Ivan", surname="Petrov", phone="+7 916 555-01-01", email="ivan@example.ru")
    async with running() as fake:
        fake.staff = {9: "Anna"}
        fake.services = {331: ("Haircut", Decimal("1300.00"))}
        record_id = fake.add_record(9, _tomorrow(11), length=timedelta(minutes=60), client=guest)
        connection_id = await _connection(iso, iso_world, fake.base_url)

        async with running_worker(
            fast_settings(iso.settings), sink.channel_settings(), sync=_sync_resource()
        ):
            [appointment] = await wait_for(lambda: _imported(iso, iso_world), timeout=60)
            [message] = await wait_for(lambda: sink.to(guest.email), timeout=60)

        assert appointment.start_at == _tomorrow(11)
        assert appointment.external_id == f"{COMPANY_ID}:{record_id}"
        # The confirmation names the booked time (the firm's zone, Berlin).
        body = message.get_body(("plain",))
        assert body is not None and "11:00" in body.get_content()
        # Exactly one message, and one import: the polls after the first found nothing new.
        assert len(sink.to(guest.email)) == 1
        assert len(await _imported(iso, iso_world)) == 1
        maker: async_sessionmaker[AsyncSession] = iso.app.state.sessionmaker
        async with maker() as session:
            runs = list(
                (
                    await session.scalars(
                        select(SyncRun).where(SyncRun.connection_id == connection_id)
                    )
                ).all()
            )
        assert runs and all(run.outcome == "ok" for run in runs)
        assert sum(run.imported for run in runs) == 1


async def test_sync_now_brings_the_turn_forward(
    iso: Isolated, iso_client: httpx.AsyncClient, iso_world: World, sink: SmtpSink
) -> None:
    async with running() as fake:
        fake.staff = {9: "Anna"}
        fake.services = {331: ("Haircut", Decimal("1300.00"))}
        # Not due for a day: only "sync now" can make it run within the test.
        connection_id = await _connection(
            iso, iso_world, fake.base_url, next_run_at=datetime.now(UTC) + timedelta(days=1)
        )
        fake.add_record(9, _tomorrow(14), length=timedelta(minutes=30))

        async with running_worker(
            fast_settings(iso.settings), sink.channel_settings(), sync=_sync_resource()
        ):
            resp = await iso_client.post(
                f"/api/v1/connections/{connection_id}/sync",
                headers=iso_world.headers("director"),
            )
            assert resp.status_code == 202, resp.text
            [appointment] = await wait_for(lambda: _imported(iso, iso_world), timeout=60)
        assert appointment.start_at == _tomorrow(14)
