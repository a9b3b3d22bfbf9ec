"""The poll's ranges and cursor: covered days only for what changed, new days whole, and
the cursor never behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import FastAPI

from slotwise.sync.yclients_cursor import (
    LOOKAHEAD_DAYS,
    PollPlan,
    Pulled,
    PullRange,
    next_cursor,
    plan_poll,
)
from tests.factories import World
from tests.sync.importing import add_connection, at, imported, key, poll, with_names
from tests.sync.yclients_server import FakeYclients

D = date(2030, 1, 7)
T = datetime(2030, 1, 6, 18, 30, tzinfo=UTC)


def test_a_first_poll_reads_the_whole_window() -> None:
    end = D + timedelta(days=1)
    assert plan_poll({}, D, 1) == PollPlan((PullRange(D, end, None),), None, D, end)


def test_covered_days_ask_for_changes_and_new_days_are_read_whole() -> None:
    cursor = {"changed_after": T.isoformat(), "window_end": D.isoformat()}
    ahead = D + timedelta(days=LOOKAHEAD_DAYS)
    plan = plan_poll(cursor, D, 1)  # the next day began: D + 1 entered the window
    assert plan.ranges == (
        PullRange(D, ahead, T),
        PullRange(D + timedelta(days=1), D + timedelta(days=1), None),
    )
    # Same day, same window: only what changed (beyond the window too: records move).
    assert plan_poll(cursor, D, 0).ranges == (PullRange(D, ahead, T),)
    # Polled last long ago: every covered day has gone by, the window is read whole.
    assert plan_poll(cursor, D + timedelta(days=3), 1).ranges == (
        PullRange(D + timedelta(days=3), D + timedelta(days=4), None),
    )


def test_the_cursor_never_goes_back() -> None:
    plan = plan_poll({"changed_after": T.isoformat(), "window_end": D.isoformat()}, D, 1)
    older = Pulled((), (), 1, T - timedelta(hours=1))
    assert next_cursor(plan, older) == {
        "changed_after": T.isoformat(),
        "window_end": (D + timedelta(days=1)).isoformat(),
    }
    newer = Pulled((), (), 1, T + timedelta(minutes=1))
    assert next_cursor(plan, newer)["changed_after"] == (T + timedelta(minutes=1)).isoformat()
    # Nothing seen yet: no change cursor, so the next poll reads the window whole again.
    assert next_cursor(plan_poll({}, D, 1), Pulled((), (), 1, None)) == {
        "window_end": (D + timedelta(days=1)).isoformat()
    }


async def test_a_record_made_long_ago_is_imported_when_its_day_enters_the_window(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    now = datetime.now(UTC)
    soon = fake.add_record(9, at(12), at=now)
    # Booked a while ago for the day after the window.
    day_after = at(12).date() + timedelta(days=1)
    early = fake.add_record(9, at(12, day=day_after), at=now - timedelta(days=3))
    connection_id = await add_connection(app, world, fake, window_days=1)

    day_before = at(12).date() - timedelta(days=1)
    first = await poll(app, connection_id, at(8, day=day_before))
    assert first.run.imported == 1
    # The next day: the early record's change is older than the cursor, yet it comes in.
    second = await poll(app, connection_id, at(8))
    assert second.run.imported == 1
    assert [a.external_id for a in await imported(app, world)] == [key(soon), key(early)]


async def test_a_record_moved_beyond_the_window_takes_its_appointment_along(
    app: FastAPI, world: World, yclients: FakeYclients
) -> None:
    fake = with_names(yclients)
    record_id = fake.add_record(9, at(11))
    connection_id = await add_connection(app, world, fake)  # a week's window
    assert (await poll(app, connection_id)).run.imported == 1

    next_month = at(11, day=at(11).date() + timedelta(days=30))
    fake.edit_record(record_id, start=next_month)
    fake.add_record(49, next_month)  # new out there: waits for its day to enter the window
    report = await poll(app, connection_id)
    assert (report.run.imported, report.run.updated) == (0, 1)
    [moved] = await imported(app, world)
    assert moved.external_id == key(record_id) and moved.start_at == next_month
