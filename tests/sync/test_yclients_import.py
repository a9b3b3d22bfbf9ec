"""The YClients import end to end: records an admin makes on the local YClients server become,
change and leave appointments through the normal write path, one poll at a time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI

from tests.factories import World
from tests.sync.importing import (
    add_connection,
    at,
    book,
    client_messages,
    client_of,
    events_of,
    firm_events,
    free_starts,
    get_json,
    imported,
    key,
    operator_notices,
    poll,
    with_names,
    workday,
)
from tests.sync.yclients_server import MISSING, FakeYclients, Person

IVAN = Person(name="Ivan", surname="Petrov", phone="+7 916 555-01-01", email="Ivan@Example.ru")


async def test_a_new_record_becomes_a_live_appointment_that_blocks_its_time(
    app: FastAPI, client: httpx.AsyncClient, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    record_id = fake.add_record(9, at(11), length=timedelta(minutes=60), client=IVAN)
    connection_id = await add_connection(app, world, fake)
    before = await free_starts(client, world, world.specialist_a, workday())
    assert at(11) in before and at(11, 30) in before

    now = datetime.now(UTC)
    report = await poll(app, connection_id, now)

    run = report.run
    assert (run.outcome, run.imported, run.updated, run.errors) == ("ok", 1, 0, 0)
    assert not report.tell_operators
    [appointment] = await imported(app, world)
    assert appointment.external_id == key(record_id)
    assert (appointment.start_at, appointment.end_at) == (at(11), at(12))
    assert appointment.status == "scheduled" and appointment.location_id == world.location_id
    # Anna and Haircut were suggested by name on the first poll.
    assert [w.specialist_id for w in appointment.workers] == [world.specialist_a]
    [line] = appointment.services
    assert (line.service_id, line.price) == (world.service_id, Decimal("1300.00"))
    guest = await client_of(app, appointment.client_id)
    assert (guest.first_name, guest.last_name) == ("Ivan", "Petrov")
    assert (guest.phone, guest.email) == ("+7 916 555-01-01", "ivan@example.ru")
    # Its event is on the log (the board shows it live) ...
    assert await events_of(app, world, appointment.id) == ["appointment.created"]
    # ... its confirmation waits for the grace delay (the configured 30 s) ...
    [confirmation] = await client_messages(app, appointment.id)
    assert confirmation.type == "confirmation" and confirmation.status == "pending"
    assert confirmation.send_after == now + timedelta(seconds=30)
    # ... and its time is no longer offered, nor can it be booked twice.
    after = await free_starts(client, world, world.specialist_a, workday())
    assert at(11) not in after and at(11, 30) not in after and at(12, 30) in after
    assert (await book(client, world, at(11, 30), world.specialist_a)).status_code == 409

    # The next poll gets the record again (the cursor includes its instant): nothing changes.
    again = await poll(app, connection_id)
    assert (again.run.outcome, again.run.imported, again.run.updated) == ("ok", 0, 0)
    [same] = await imported(app, world)
    assert same.version == appointment.version
    assert await events_of(app, world, appointment.id) == ["appointment.created"]
    assert len(await client_messages(app, appointment.id)) == 1


async def test_a_known_client_is_matched_by_phone_or_email(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    # Clara's phone is +49301234567 in Slotwise: written otherwise in YClients.
    fake.add_record(9, at(10), client=Person(name="Klara", phone="0049 30 1234567"))
    otto = Person(name="O.", phone="", email=f" OTTO-{world.slug}@Example.com")
    fake.add_record(49, at(10), client=otto)
    connection_id = await add_connection(app, world, fake)
    assert (await poll(app, connection_id)).run.imported == 2
    clients = {a.workers[0].specialist_id: a.client_id for a in await imported(app, world)}
    assert clients == {
        world.specialist_a: world.client_id,
        world.specialist_b: world.other_client_id,
    }


async def test_an_edit_moves_it_and_a_delete_removes_it(
    app: FastAPI, client: httpx.AsyncClient, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    record_id = fake.add_record(9, at(11), client=IVAN)
    connection_id = await add_connection(app, world, fake)
    await poll(app, connection_id)
    [appointment] = await imported(app, world)

    # The admin moves it to Ben at 15:00 within the grace delay.
    fake.edit_record(record_id, start=at(15), staff_id=49)
    moved = await poll(app, connection_id)
    assert (moved.run.imported, moved.run.updated) == (0, 1)
    [after] = await imported(app, world)
    assert after.id == appointment.id and after.version == appointment.version + 1
    assert (after.start_at, after.end_at) == (at(15), at(16))
    assert [w.specialist_id for w in after.workers] == [world.specialist_b]
    assert await events_of(app, world, appointment.id) == [
        "appointment.created",
        "appointment.updated",
    ]
    # Still one message to the client: the confirmation, rendered with the final time.
    assert [m.type for m in await client_messages(app, appointment.id)] == ["confirmation"]
    assert at(11) in await free_starts(client, world, world.specialist_a, workday())
    assert at(15) not in await free_starts(client, world, world.specialist_b, workday())

    fake.delete_record(record_id)
    removed = await poll(app, connection_id)
    assert (removed.run.deleted, removed.run.updated) == (1, 0)
    assert await imported(app, world) == []
    assert at(15) in await free_starts(client, world, world.specialist_b, workday())
    # Deleted within the grace delay: the confirmation never goes out.
    [confirmation] = await client_messages(app, appointment.id)
    assert confirmation.status == "cancelled"
    # The deleted record keeps coming back with the cursor: nothing more happens.
    assert (await poll(app, connection_id)).run.deleted == 0


async def test_a_record_of_ours_is_never_imported(
    app: FastAPI, client: httpx.AsyncClient, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    resp = await book(client, world, at(10), world.specialist_a)
    assert resp.status_code == 201, resp.text
    ours = resp.json()["id"]
    # As the push writes a Slotwise booking there: our appointment id in api_id.
    fake.add_record(9, at(10), length=timedelta(minutes=30), api_id=ours)
    fake.add_record(49, at(10), api_id="crm-4711")  # another system's: imported
    # One Slotwise deleted before its push deleted it there: still ours, not brought back.
    fake.add_record(9, at(15), length=timedelta(minutes=30), api_id=str(uuid.uuid4()))
    connection_id = await add_connection(app, world, fake)
    report = await poll(app, connection_id)
    assert (report.run.imported, report.run.conflicts) == (1, 0)
    [theirs] = await imported(app, world)
    assert [w.specialist_id for w in theirs.workers] == [world.specialist_b]


async def test_an_unmapped_record_is_held_then_imported_once_mapped(
    app: FastAPI, client: httpx.AsyncClient, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    fake.staff[77] = "Zoe"  # nobody of that name in Slotwise
    record_id = fake.add_record(77, at(13), client=IVAN)
    connection_id = await add_connection(app, world, fake)
    report = await poll(app, connection_id)
    assert (report.run.outcome, report.run.imported, report.run.errors) == ("ok", 0, 0)
    assert await imported(app, world) == []
    [held] = (await get_json(client, world, f"{connection_id}/held"))["items"]
    assert held["external_id"] == key(record_id) and held["reason"] == "needs_mapping"
    assert held["detail"] == "staff 77 is not mapped"
    status = await get_json(client, world, f"{connection_id}/status")
    assert status["held"] == {"needs_mapping": 1, "malformed": 0}

    resp = await client.put(
        f"/api/v1/connections/{connection_id}/mappings",
        headers=world.headers("director"),
        json=[{"kind": "staff", "external_id": "77", "target_id": str(world.specialist_c)}],
    )
    assert resp.status_code == 200, resp.text
    # Nothing changed in YClients: the held record itself is tried again.
    report = await poll(app, connection_id)
    assert report.run.imported == 1
    [appointment] = await imported(app, world)
    assert [w.specialist_id for w in appointment.workers] == [world.specialist_c]
    assert (await get_json(client, world, f"{connection_id}/held"))["items"] == []


async def test_an_overlapping_record_is_a_conflict_until_either_side_moves(
    app: FastAPI, client: httpx.AsyncClient, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    resp = await book(client, world, at(11), world.specialist_a)
    assert resp.status_code == 201, resp.text
    slotwise_id = resp.json()["id"]
    record_id = fake.add_record(9, at(11, 15), length=timedelta(minutes=30), client=IVAN)
    connection_id = await add_connection(app, world, fake)

    report = await poll(app, connection_id)
    assert (report.run.outcome, report.run.imported, report.run.conflicts) == ("ok", 0, 1)
    assert await imported(app, world) == []  # nothing double-booked
    [conflict] = (await get_json(client, world, f"{connection_id}/conflicts"))["items"]
    assert conflict["external_id"] == key(record_id) and conflict["status"] == "open"
    assert conflict["appointment_id"] == slotwise_id
    assert conflict["payload"]["record"]["id"] == record_id
    operators = sorted([world.emails["owner"], world.emails["director"]])
    assert await operator_notices(app, world, "sync_conflict") == operators
    assert await firm_events(app, world, "sync.conflict_opened") == 1
    # Still in the way on the next poll: counted once, told once.
    assert (await poll(app, connection_id)).run.conflicts == 0
    assert await operator_notices(app, world, "sync_conflict") == operators
    assert await firm_events(app, world, "sync.conflict_opened") == 1

    # The admin moves the record away: it goes in, and the conflict is resolved.
    fake.edit_record(record_id, start=at(14))
    report = await poll(app, connection_id)
    assert (report.run.imported, report.run.conflicts) == (1, 0)
    [conflict] = (await get_json(client, world, f"{connection_id}/conflicts?status=all"))["items"]
    assert conflict["status"] == "resolved" and conflict["resolved_at"] is not None

    # The other side: a second record in the way until the Slotwise booking is deleted.
    second = fake.add_record(9, at(11), length=timedelta(minutes=30))
    assert (await poll(app, connection_id)).run.conflicts == 1
    deleted = await client.delete(
        f"/api/v1/appointments/{slotwise_id}", headers=world.headers("director")
    )
    assert deleted.status_code == 204
    report = await poll(app, connection_id)  # YClients has no change: the conflict is re-checked
    assert report.run.imported == 1
    assert [a.external_id for a in await imported(app, world)] == [key(second), key(record_id)]
    assert (await get_json(client, world, f"{connection_id}/conflicts"))["items"] == []


async def test_a_malformed_record_is_counted_with_its_reason_and_the_others_go_in(
    app: FastAPI, client: httpx.AsyncClient, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    good = fake.add_record(9, at(10))
    bad = fake.add_record(49, at(10))
    fake.corrupt_record(bad, datetime=MISSING)
    connection_id = await add_connection(app, world, fake)
    report = await poll(app, connection_id)
    run = report.run
    assert (run.outcome, run.imported, run.errors) == ("partial", 1, 1)
    assert run.error is not None and f"record {bad}" in run.error and "datetime" in run.error
    assert [a.external_id for a in await imported(app, world)] == [key(good)]
    [held] = (await get_json(client, world, f"{connection_id}/held"))["items"]
    assert (held["external_id"], held["reason"]) == (key(bad), "malformed")
    assert "datetime" in held["detail"]
    assert not report.tell_operators


async def test_the_grace_delay_of_the_connection(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    fake.add_record(9, at(16), client=IVAN)
    connection_id = await add_connection(app, world, fake, grace_seconds=5)
    now = datetime.now(UTC)
    await poll(app, connection_id, now)
    [appointment] = await imported(app, world)
    [confirmation] = await client_messages(app, appointment.id)
    assert confirmation.send_after == now + timedelta(seconds=5)


async def test_attendance_is_the_status(app: FastAPI, world: World, yclients: FakeYclients) -> None:
    fake = with_names(yclients)
    no_show = fake.add_record(9, at(9), attendance=-1)
    confirmed = fake.add_record(49, at(9), attendance=2)
    connection_id = await add_connection(app, world, fake)
    await poll(app, connection_id)
    statuses = {a.external_id: a.status for a in await imported(app, world)}
    assert statuses == {key(no_show): "no_show", key(confirmed): "scheduled"}
