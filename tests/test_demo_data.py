"""The demo firm's data: distinct people, bookings on the slot step, and a board that is
full around today however long after the first load the demo starts again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import psycopg

from slotwise.demo import CLIENTS, DAYS_AHEAD, load_demo
from slotwise.migrate import upgrade
from tests.conftest import admin_dsn

BERLIN = ZoneInfo("Europe/Berlin")


def _booked_days(dsn: str) -> set[date]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT DISTINCT (start_at AT TIME ZONE 'Europe/Berlin')::date FROM appointments"
        ).fetchall()
    return {day for (day,) in rows}


async def test_demo_data_is_distinct_on_the_step_and_follows_today(
    make_database: Callable[[], str],
) -> None:
    url = make_database()
    upgrade(url)
    dsn = admin_dsn(url)
    first_load = date(2026, 3, 4)  # a Wednesday
    await load_demo(url, today=first_load)

    with psycopg.connect(dsn) as conn:
        people, distinct_names, distinct_emails = conn.execute(
            "SELECT count(*), count(DISTINCT (first_name, last_name)), count(DISTINCT email) "
            "FROM clients"
        ).fetchone() or (0, 0, 0)
        off_step = conn.execute(
            "SELECT count(*) FROM appointments a JOIN firms f ON f.id = a.firm_id "
            "WHERE extract(epoch FROM a.start_at AT TIME ZONE 'Europe/Berlin')::bigint "
            "% (f.slot_step_minutes * 60) <> 0"
        ).fetchone()
        appointments = conn.execute("SELECT count(*) FROM appointments").fetchone()
    assert people == distinct_names == distinct_emails == CLIENTS
    assert off_step == (0,)
    assert appointments is not None

    monday = first_load - timedelta(days=first_load.weekday())
    working = {
        monday + timedelta(days=n) for n in range((first_load - monday).days + DAYS_AHEAD + 1)
    }
    working = {day for day in working if day.weekday() != 6}
    assert _booked_days(dsn) == working

    # Started again on the same day: nothing added.
    await load_demo(url, today=first_load)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM appointments").fetchone() == appointments

    # Started again five weeks later: the days around the new today are booked too.
    later = first_load + timedelta(weeks=5)
    await load_demo(url, today=later)
    booked = _booked_days(dsn)
    around_later = {later + timedelta(days=n) for n in range(-later.weekday(), DAYS_AHEAD + 1)}
    assert {day for day in around_later if day.weekday() != 6} <= booked
    with psycopg.connect(dsn) as conn:
        claims, expected = conn.execute("""
            SELECT (SELECT count(*) FROM time_claims),
                   (SELECT count(*) FROM appointment_workers w JOIN appointments a
                      ON a.id = w.appointment_id WHERE a.status <> 'cancelled')
                 + (SELECT count(*) FROM appointments
                      WHERE status <> 'cancelled' AND workplace_id IS NOT NULL)""").fetchone() or (
            0,
            0,
        )
    assert claims == expected
