"""Slotwise bookings pushed to YClients by a real worker, against the local YClients server:
a booking for a mapped specialist appears there with our ``api_id``, staff, service and
time; moving it moves it, cancelling or deleting it deletes it; an unmapped specialist's
booking and an imported appointment are never pushed; 401 marks the connection failing;
429 is retried after its ``Retry-After``; a burst of edits is one push; a refusal there is a
sync conflict until a later push goes through."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections.secrets import encrypt_credentials
from slotwise.connections.settings import ConnectionSettings
from slotwise.jobs.app import QUEUE_SYNC
from slotwise.jobs.tables import jobs
from slotwise.models import Connection, ConnectionMapping, SyncConflict, SyncLink
from slotwise.pushes.planning import PUSH_TASK, push_queueing_lock
from slotwise.sync.push_tasks import pushing
from slotwise.sync.yclients import RetryPolicy, Window
from slotwise.sync.yclients_push import PushOptions
from tests.factories import World, make_world
from tests.jobs.fixtures import Isolated, iso, iso_client
from tests.jobs.support import fast_settings, wait_for, worker_with
from tests.sync.conftest import UNLIMITED
from tests.sync.importing import at, imported, mapped, poll
from tests.sync.yclients_server import (
    COMPANY_ID,
    PARTNER_TOKEN,
    USER_TOKEN,
    FakeYclients,
    StoredRecord,
    running,
)

__all__ = ["iso", "iso_client"]

API = "/api/v1/appointments"
STAFF, OTHER_STAFF, SERVICE = 9, 49, 331
# The client retries nothing itself, so the job's own retry is what a test sees.
OPTIONS = PushOptions(
    rate_limits=(UNLIMITED,),
    retry=RetryPolicy(max_attempts=1),
    timeout=5,
    retry_attempts=4,
    retry_base_seconds=0.2,
    retry_max_seconds=2.0,
)
# A Monday in the specialists' working hours (Europe/Berlin), far from today's polls.
MONDAY_10 = datetime(2030, 1, 7, 9, tzinfo=UTC)


def _maker(iso: Isolated) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = iso.app.state.sessionmaker
    return maker


@contextlib.asynccontextmanager
async def push_worker(iso: Isolated, options: PushOptions = OPTIONS) -> AsyncIterator[None]:
    """A worker of the sync queue in this event loop, with the push resource."""
    resource = pushing(ConnectionSettings(outbound_allowed_hosts=["127.0.0.1"]), options)
    async with worker_with(
        fast_settings(iso.settings), [resource], name="push-worker", queues=[QUEUE_SYNC]
    ):
        yield


async def _connect(
    iso: Isolated,
    world: World,
    fake: FakeYclients,
    *,
    user_token: str = USER_TOKEN,
    secret_key: str | None = None,
    map_service: bool = True,
    **settings: Any,
) -> uuid.UUID:
    """A YClients connection of the firm whose staff 9 is specialist A and whose service
    331 is the firm's haircut (staff 49 stays unmapped). ``secret_key``: the credentials
    were encrypted with another key than the worker's."""
    async with _maker(iso).begin() as session:
        connection = Connection(
            firm_id=world.firm_id,
            kind="yclients",
            name=f"YClients {uuid.uuid4().hex[:6]}",
            location_id=world.location_id,
            settings={"company_id": COMPANY_ID, "base_url": fake.base_url, **settings},
            credentials=encrypt_credentials(
                secret_key or iso.app.state.secret_key,
                {"partner_token": PARTNER_TOKEN, "user_token": user_token},
            ),
        )
        session.add(connection)
        await session.flush()
        # Staff 49 (Sergei) is seen in YClients but is no one here.
        sergei = ConnectionMapping(
            firm_id=world.firm_id,
            connection_id=connection.id,
            kind="staff",
            external_id=str(OTHER_STAFF),
            external_name="Sergei",
        )
        session.add_all([*mapped(world, connection.id, map_service=map_service), sergei])
        return connection.id


async def _book(
    http: httpx.AsyncClient,
    world: World,
    *,
    worker: uuid.UUID | None = None,
    start: datetime = MONDAY_10,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "location_id": str(world.location_id),
        "client_id": str(world.client_id),
        "start_at": start.isoformat(),
        "worker_ids": [str(worker or world.specialist_a)],
        "services": [{"service_id": str(world.service_id)}],
        **fields,
    }
    resp = await http.post(API, json=body, headers=world.headers("director"))
    assert resp.status_code == 201, resp.text
    created: dict[str, Any] = resp.json()
    return created


async def _patch(
    http: httpx.AsyncClient, world: World, appointment: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    resp = await http.patch(
        f"{API}/{appointment['id']}",
        json={**changes, "version": appointment["version"]},
        headers=world.headers("director"),
    )
    assert resp.status_code == 200, resp.text
    changed: dict[str, Any] = resp.json()
    return changed


def _ours(fake: FakeYclients, appointment_id: str) -> StoredRecord | None:
    found = [r for r in fake.records.values() if r.api_id == appointment_id]
    assert len(found) <= 1, "the appointment was pushed twice"
    return found[0] if found else None


def _start(fake: FakeYclients, appointment_id: str) -> datetime | None:
    record = _ours(fake, appointment_id)
    return record.start if record else None


async def _link(iso: Isolated, connection_id: uuid.UUID, appointment_id: str) -> SyncLink | None:
    async with _maker(iso)() as session:
        return await session.scalar(
            select(SyncLink).where(
                SyncLink.connection_id == connection_id,
                SyncLink.appointment_id == uuid.UUID(appointment_id),
            )
        )


async def _push_jobs(appointment_id: str, iso: Isolated) -> list[Any]:
    async with _maker(iso)() as session:
        rows = await session.execute(
            select(jobs.c.id, jobs.c.status, jobs.c.attempts, jobs.c.lock, jobs.c.queueing_lock)
            .where(
                jobs.c.task_name == PUSH_TASK,
                jobs.c.args["appointment_id"].astext == appointment_id,
            )
            .order_by(jobs.c.id)
        )
        return list(rows.all())


async def _jobs_done(appointment_id: str, iso: Isolated) -> bool:
    found = await _push_jobs(appointment_id, iso)
    return bool(found) and all(job.status in ("succeeded", "failed") for job in found)


async def _deleted_there(
    iso: Isolated,
    fake: FakeYclients,
    record: StoredRecord,
    connection_id: uuid.UUID,
    appointment_id: str,
) -> None:
    """The record is deleted in YClients, the pushes have ended and the link is gone."""
    await wait_for(lambda: fake.records[record.id].deleted)
    assert await wait_for(lambda: _jobs_done(appointment_id, iso))
    assert await _link(iso, connection_id, appointment_id) is None


@contextlib.asynccontextmanager
async def _pushed_booking(
    iso: Isolated, http: httpx.AsyncClient
) -> AsyncIterator[tuple[World, FakeYclients, uuid.UUID, dict[str, Any], StoredRecord]]:
    """A booking of the mapped specialist A, pushed by a running worker: the world, the
    YClients server, the connection, the booking and its record there."""
    world = await make_world(iso.app)
    async with running() as fake:
        connection_id = await _connect(iso, world, fake)
        booked = await _book(http, world)
        async with push_worker(iso):
            record = await wait_for(lambda: _ours(fake, booked["id"]))
            yield world, fake, connection_id, booked, record


async def test_a_booking_is_created_there_moved_and_cancelled(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    async with _pushed_booking(iso, iso_client) as (world, fake, connection_id, booked, record):
        assert record.staff_id == STAFF
        assert [service for service, _ in record.services] == [SERVICE]
        assert record.start == MONDAY_10  # sent with Berlin's offset, the same instant
        assert record.length == 30 * 60
        assert not record.deleted
        created = fake.requests[-1].json()
        assert created["datetime"] == "2030-01-07T10:00:00+01:00"
        assert created["client"] == {
            "phone": "+49301234567",
            "name": "Clara Client",
            "email": f"clara-{world.slug}@example.com",
        }
        assert created["send_sms"] is False and created["save_if_busy"] is False
        link = await wait_for(lambda: _link(iso, connection_id, booked["id"]))
        assert link.direction == "pushed"
        assert link.external_id == f"{COMPANY_ID}:{record.id}"
        assert link.external_version is not None

        moved = await _patch(
            iso_client, world, booked, start_at=(MONDAY_10 + timedelta(hours=2)).isoformat()
        )
        await wait_for(lambda: _start(fake, booked["id"]) == MONDAY_10 + timedelta(hours=2))
        assert fake.records.keys() == {record.id}  # moved, not made again
        assert [r.method for r in fake.requests].count("POST") == 1

        await _patch(iso_client, world, moved, status="cancelled")
        await _deleted_there(iso, fake, record, connection_id, booked["id"])


async def test_a_deleted_booking_is_deleted_there(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    async with _pushed_booking(iso, iso_client) as (world, fake, _, booked, record):
        resp = await iso_client.delete(f"{API}/{booked['id']}", headers=world.headers("director"))
        assert resp.status_code == 204, resp.text
        await wait_for(lambda: fake.records[record.id].deleted)


async def test_unmapped_specialists_and_imported_appointments_are_not_pushed(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        await _connect(iso, world, fake)
        # Specialist B has no YClients staff member: nothing is deferred for the booking.
        unmapped = await _book(iso_client, world, worker=world.specialist_b)
        assert await _push_jobs(unmapped["id"], iso) == []
        # An imported appointment (as the pull writes it) changed in Slotwise stays ours.
        imported = await _book(
            iso_client,
            world,
            start=MONDAY_10 + timedelta(hours=3),
            source="yclients",
            external_id="700123",
        )
        await _patch(iso_client, world, imported, notes="moved a chair")
        assert await _push_jobs(imported["id"], iso) == []
        # The mapped booking made after both is pushed, and it is the only thing there.
        mapped = await _book(iso_client, world, start=MONDAY_10 + timedelta(hours=5))
        async with push_worker(iso):
            await wait_for(lambda: _ours(fake, mapped["id"]))
        assert [r.api_id for r in fake.records.values()] == [mapped["id"]]


async def test_moving_to_an_unmapped_specialist_deletes_the_record_there(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    async with _pushed_booking(iso, iso_client) as (world, fake, connection_id, booked, record):
        await _patch(iso_client, world, booked, worker_ids=[str(world.specialist_b)])
        await _deleted_there(iso, fake, record, connection_id, booked["id"])


async def test_a_burst_of_edits_is_one_push_of_the_latest_state(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        connection_id = await _connect(iso, world, fake)
        booked = await _book(iso_client, world)
        for hours in (1, 2, 3):
            booked = await _patch(
                iso_client,
                world,
                booked,
                start_at=(MONDAY_10 + timedelta(hours=hours)).isoformat(),
            )
        waiting = await _push_jobs(booked["id"], iso)
        assert len(waiting) == 1
        assert waiting[0].lock == f"connection:{connection_id}"
        assert waiting[0].queueing_lock == push_queueing_lock(
            connection_id, uuid.UUID(booked["id"])
        )
        async with push_worker(iso):
            record = await wait_for(lambda: _ours(fake, booked["id"]))
            assert record.start == MONDAY_10 + timedelta(hours=3)
            assert await wait_for(lambda: _jobs_done(booked["id"], iso))
        assert [(r.method, r.path) for r in fake.requests] == [("POST", f"/records/{COMPANY_ID}")]


async def test_a_refused_token_marks_the_connection_failing(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        connection_id = await _connect(iso, world, fake, user_token="revoked-token")
        booked = await _book(iso_client, world)
        async with push_worker(iso):
            assert await wait_for(lambda: _jobs_done(booked["id"], iso))
        async with _maker(iso)() as session:
            connection = await session.get(Connection, connection_id)
            assert connection is not None
            assert connection.health == "failing"
            assert connection.failure_reason is not None
            assert connection.failure_reason.startswith("YClients 401")
            assert "revoked-token" not in connection.failure_reason
        # Failed at once (an operator retries it once the token is fixed), never retried.
        [job] = await _push_jobs(booked["id"], iso)
        assert job.status == "failed"
        assert len(fake.requests) == 1
        assert fake.records == {}


async def test_rate_limited_push_is_retried_after_retry_after(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        await _connect(iso, world, fake)
        fake.fail_next(1, 429, retry_after="1")
        booked = await _book(iso_client, world)
        async with push_worker(iso):
            await wait_for(lambda: _ours(fake, booked["id"]))
        first, second = [r for r in fake.requests if r.method == "POST"]
        assert second.at - first.at >= 1.0
        assert await wait_for(lambda: _jobs_done(booked["id"], iso))
        [job] = await _push_jobs(booked["id"], iso)
        assert job.status == "succeeded"


async def test_a_refusal_there_is_a_conflict_until_a_later_push_goes_through(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        connection_id = await _connect(iso, world, fake)
        # An admin booked staff 9 at that time in YClients (not yet pulled into Slotwise).
        fake.add_record(STAFF, MONDAY_10, length=timedelta(hours=1))
        booked = await _book(iso_client, world)

        async def conflict() -> SyncConflict | None:
            async with _maker(iso)() as session:
                return await session.scalar(
                    select(SyncConflict).where(
                        SyncConflict.connection_id == connection_id,
                        SyncConflict.appointment_id == uuid.UUID(booked["id"]),
                    )
                )

        async with push_worker(iso):
            found = await wait_for(conflict)
            assert found.status == "open"
            assert "уже занято" in found.reason
            assert _ours(fake, booked["id"]) is None

            await _patch(
                iso_client, world, booked, start_at=(MONDAY_10 + timedelta(hours=2)).isoformat()
            )
            record = await wait_for(lambda: _ours(fake, booked["id"]))
            assert record.start == MONDAY_10 + timedelta(hours=2)
            resolved = await wait_for(
                lambda: _resolved(iso, connection_id, booked["id"]), timeout=10
            )
            assert resolved


async def _resolved(iso: Isolated, connection_id: uuid.UUID, appointment_id: str) -> bool:
    async with _maker(iso)() as session:
        count = await session.scalar(
            select(func.count()).where(
                SyncConflict.connection_id == connection_id,
                SyncConflict.appointment_id == uuid.UUID(appointment_id),
                SyncConflict.status == "resolved",
            )
        )
        return bool(count)


async def test_the_services_line_keeps_yclients_own_price(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        await _connect(iso, world, fake)
        booked = await _book(iso_client, world)
        async with push_worker(iso):
            record = await wait_for(lambda: _ours(fake, booked["id"]))
        assert record.services == [(SERVICE, Decimal("1300.00"))]


async def test_a_create_whose_answer_was_lost_is_not_made_twice(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        connection_id = await _connect(iso, world, fake)
        fake.fail_after_next(500)  # the record is made, the answer says it failed
        booked = await _book(iso_client, world)
        async with push_worker(iso):
            assert await wait_for(lambda: _jobs_done(booked["id"], iso))
        record = _ours(fake, booked["id"])  # one record, not two
        assert record is not None
        link = await _link(iso, connection_id, booked["id"])
        assert link is not None and link.external_id == f"{COMPANY_ID}:{record.id}"
        # The retry looked for our api_id first and wrote to the record it found.
        assert [r.method for r in fake.requests] == ["POST", "GET", "PUT"]


async def test_an_appointment_without_a_mapped_service_is_a_conflict(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        connection_id = await _connect(iso, world, fake, map_service=False)
        booked = await _book(iso_client, world)
        async with push_worker(iso):
            assert await wait_for(lambda: _jobs_done(booked["id"], iso))
        async with _maker(iso)() as session:
            conflict = await session.scalar(
                select(SyncConflict).where(SyncConflict.connection_id == connection_id)
            )
        assert conflict is not None
        assert conflict.appointment_id == uuid.UUID(booked["id"])
        assert conflict.status == "open"
        assert "services is mapped" in conflict.reason
        assert fake.requests == []


async def test_credentials_of_another_secret_key_mark_the_connection_failing(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        connection_id = await _connect(
            iso, world, fake, secret_key="another-secret-key-that-is-long-enough-too"
        )
        booked = await _book(iso_client, world)
        async with push_worker(iso):
            assert await wait_for(lambda: _jobs_done(booked["id"], iso))
        async with _maker(iso)() as session:
            connection = await session.get(Connection, connection_id)
            assert connection is not None
            assert (connection.health, connection.failure_reason) == (
                "failing",
                "The connection's credentials cannot be read with this secret key; "
                "enter them again",
            )
        assert fake.requests == []


async def test_the_pushes_of_a_worker_share_one_rate_budget(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        await _connect(iso, world, fake)
        booked = [
            await _book(iso_client, world, start=MONDAY_10 + timedelta(hours=hours))
            for hours in range(4)
        ]
        tight = PushOptions(
            rate_limits=(Window(2, 1.0),), retry=RetryPolicy(max_attempts=1), timeout=5
        )
        async with push_worker(iso, tight):
            await wait_for(lambda: all(_ours(fake, a["id"]) for a in booked))
        arrivals = [r.at for r in fake.requests]
        assert len(arrivals) == 4
        # Each job has a client of its own; the worker's budget still lets no more than
        # two requests arrive within any second.
        assert all(arrivals[i + 2] - arrivals[i] >= 1.0 for i in range(len(arrivals) - 2))


async def test_a_push_waiting_for_its_retry_lets_the_connections_other_jobs_by(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        await _connect(iso, world, fake)
        fake.fail_next(1, 503, retry_after="8")
        first = await _book(iso_client, world)
        async with push_worker(iso):

            async def waiting_for_retry() -> bool:
                found = await _push_jobs(first["id"], iso)
                return bool(found) and found[0].status == "todo" and found[0].attempts == 1

            await wait_for(waiting_for_retry)
            # Same connection, same lock: it still goes first, not after the retry.
            second = await _book(iso_client, world, start=MONDAY_10 + timedelta(hours=4))
            await wait_for(lambda: _ours(fake, second["id"]))
            assert _ours(fake, first["id"]) is None
            await wait_for(lambda: _ours(fake, first["id"]))
        posted = [r.json()["api_id"] for r in fake.requests if r.method == "POST"]
        assert posted == [first["id"], second["id"], first["id"]]


async def test_a_deletion_waiting_for_its_retry_holds_the_connections_later_jobs(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        await _connect(iso, world, fake)
        first = await _book(iso_client, world)
        async with push_worker(iso):
            record = await wait_for(lambda: _ours(fake, first["id"]))
            fake.fail_next(1, 503, retry_after="2")
            resp = await iso_client.delete(
                f"{API}/{first['id']}", headers=world.headers("director")
            )
            assert resp.status_code == 204, resp.text

            async def waiting_for_retry() -> bool:
                found = await _push_jobs(first["id"], iso)
                return bool(found[-1].status == "todo" and found[-1].attempts == 1)

            await wait_for(waiting_for_retry)
            # Until the record is gone a poll could take it for a stranger's: the
            # connection's later jobs wait for the deletion.
            second = await _book(iso_client, world, start=MONDAY_10 + timedelta(hours=4))
            await wait_for(lambda: _ours(fake, second["id"]))
            assert fake.records[record.id].deleted


async def test_a_pushed_booking_is_known_as_ours_by_the_next_pull(
    iso: Isolated, iso_client: httpx.AsyncClient
) -> None:
    world = await make_world(iso.app)
    async with running() as fake:
        fake.staff = {STAFF: "Anna", OTHER_STAFF: "Sergei"}
        fake.services = {SERVICE: ("Haircut", Decimal("1300.00"))}
        connection_id = await _connect(iso, world, fake, window_days=7)
        booked = await _book(iso_client, world, start=at(11))
        async with push_worker(iso):
            record = await wait_for(lambda: _ours(fake, booked["id"]))
            assert await wait_for(lambda: _jobs_done(booked["id"], iso))
        report = await poll(iso.app, connection_id)
        assert (report.run.outcome, report.run.imported) == ("ok", 0)
        assert await imported(iso.app, world) == []
        # Moved here, pushed, pulled again: still one appointment, still ours.
        await _patch(iso_client, world, booked, start_at=at(14).isoformat())
        async with push_worker(iso):
            await wait_for(lambda: _start(fake, booked["id"]) == at(14))
            assert await wait_for(lambda: _jobs_done(booked["id"], iso))
        report = await poll(iso.app, connection_id)
        assert (report.run.outcome, report.run.imported, report.run.updated) == ("ok", 0, 0)
        assert await imported(iso.app, world) == []
        assert fake.records.keys() == {record.id}
