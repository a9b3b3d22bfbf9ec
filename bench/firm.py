"""A busy salon for the benchmarks, written with ORM bulk inserts (one statement per table).

One location in Europe/Berlin, open Mon-Sat 08:00-20:00. Every specialist offers the measured
service (Haircut, 30 min + 10 min break) and works the whole opening hours; the first
``COLOUR_SPECIALISTS`` also offer Colour (45 min + 15 min cleanup), which needs one of the
workplaces (colour rooms). Existing bookings are a mix of Beard trims (15 min), Haircuts and
Colours, placed per specialist and day in back-to-back runs with a few larger gaps (as real
calendars fill), nearer days fuller than later ones, each with its ``time_claims`` rows exactly
as ``slotwise.booking.claims`` writes them: one per specialist and one per workplace, over the
padded range. Every specialist has a 30-minute lunch break each working day, and some live and
some expired holds lie between the appointments.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from bench.database import BENCH_APPLICATION_NAME
from slotwise.db import create_tool_engine
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    Firm,
    Hold,
    Location,
    LocationHours,
    Service,
    Specialist,
    SpecialistBreak,
    SpecialistSchedule,
    SpecialistService,
    TimeClaim,
    User,
    Workplace,
    WorkplaceServiceOverride,
)
from slotwise.security import create_access_token

ZONE = ZoneInfo("Europe/Berlin")
OPEN, CLOSE = 8 * 60, 20 * 60  # minutes of the day
WORKING_WEEKDAYS = range(6)  # Monday to Saturday
COLOUR_SPECIALISTS = 8
GRID = 5  # existing bookings start on a 5-minute grid
TOKEN_TTL_SECONDS = 6 * 3600
# Unusable: the bench users never log in, they get tokens made with the secret directly.
_NO_PASSWORD = "!bench-user-without-password"


@dataclass(frozen=True)
class Offering:
    name: str
    minutes: int
    break_after: int
    price: Decimal

    @property
    def claim(self) -> int:
        return self.minutes + self.break_after


HAIRCUT = Offering("Haircut", 30, 10, Decimal("35.00"))
TRIM = Offering("Beard trim", 15, 0, Decimal("15.00"))
COLOUR = Offering("Colour", 45, 15, Decimal("60.00"))
OFFERINGS = (HAIRCUT, TRIM, COLOUR)
MIX = ((TRIM, 0.80), (HAIRCUT, 0.15), (COLOUR, 0.05))


@dataclass(frozen=True)
class FirmSpec:
    specialists: int = 20
    workplaces: int = 4
    appointments: int = 5000
    holds: int = 100  # half live, half expired
    days: int = 14  # the window starts tomorrow (local date)
    client_users: int = 50
    seed: int = 3


@dataclass
class BenchFirm:
    firm_id: uuid.UUID
    location_id: uuid.UUID
    service_id: uuid.UUID  # Haircut: the measured service, no workplace needed
    colour_service_id: uuid.UUID  # needs a free colour room
    first_day: dt.date
    last_day: dt.date
    working_days: list[dt.date]
    specialist_ids: list[uuid.UUID]
    workplace_ids: list[uuid.UUID]
    admin_token: str
    client_tokens: list[str] = field(default_factory=list)
    appointments: int = 0
    claims: int = 0
    holds: int = 0


@dataclass
class _Booking:
    specialist: int
    offering: Offering
    start: dt.datetime  # UTC
    room: int | None = None

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.offering.minutes)

    @property
    def claim_end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.offering.claim)


def _local(day: dt.date, minute: int) -> dt.datetime:
    wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), ZONE)
    return wall.astimezone(dt.UTC)


def _pick(rng: random.Random, colour_ok: bool) -> Offering:
    choices = [(o, w) for o, w in MIX if colour_ok or o is not COLOUR]
    return rng.choices([o for o, _ in choices], [w for _, w in choices])[0]


class _Rooms:
    """Which colour room is free for a range; the rooms are few, so a scan is enough."""

    def __init__(self, count: int) -> None:
        self._busy: list[list[tuple[dt.datetime, dt.datetime]]] = [[] for _ in range(count)]

    def take(self, start: dt.datetime, end: dt.datetime) -> int | None:
        for index, busy in enumerate(self._busy):
            if all(end <= s or e <= start for s, e in busy):
                busy.append((start, end))
                return index
        return None


def _gaps(rng: random.Random, slack: int, slots: int) -> list[int]:
    """Idle minutes before each booking (and at the end of the day): a few larger gaps on
    the grid, the rest back to back."""
    gaps = [0] * slots
    if slack <= 0 or slots == 0:
        return gaps
    chosen = rng.sample(range(slots), min(slots, rng.randint(2, 5)))
    cuts = sorted(rng.randint(0, slack // GRID) for _ in range(len(chosen) - 1))
    bounds = [0, *cuts, slack // GRID]
    for index, low, high in zip(chosen, bounds, bounds[1:], strict=False):
        gaps[index] = (high - low) * GRID
    return gaps


def _plan_day(rng: random.Random, spec: FirmSpec, day: dt.date, fill: float,
              rooms: _Rooms, lunch: dict[int, int]) -> list[_Booking]:
    out: list[_Booking] = []
    for specialist in range(spec.specialists):
        lunch_start = lunch[specialist]
        segments = [(OPEN, lunch_start), (lunch_start + 30, CLOSE)]
        free = sum(end - start for start, end in segments)
        # Rounded at random so that a fraction of a booking per day still adds up.
        count = int(fill) + (rng.random() < fill - int(fill))
        wanted = [_pick(rng, specialist < COLOUR_SPECIALISTS) for _ in range(count)]
        while wanted and sum(o.claim for o in wanted) > free:
            wanted.pop()
        gaps = _gaps(rng, free - sum(o.claim for o in wanted), len(wanted) + 1)
        segment, minute = 0, segments[0][0]
        for offering, gap in zip(wanted, gaps, strict=False):
            minute += gap
            while segment < len(segments) and minute + offering.claim > segments[segment][1]:
                segment += 1
                if segment < len(segments):
                    minute = max(minute, segments[segment][0])
            if segment >= len(segments):
                break
            booking = _Booking(specialist, offering, _local(day, minute))
            if offering is COLOUR:
                booking.room = rooms.take(booking.start, booking.claim_end)
                if booking.room is None:
                    booking.offering = TRIM  # a shorter booking in the same place
            out.append(booking)
            minute += booking.offering.claim
    return out


def plan(spec: FirmSpec, working_days: Sequence[dt.date],
         ) -> tuple[list[_Booking], dict[tuple[int, dt.date], int]]:
    """Bookings (appointments first, then holds) and each specialist's lunch per day."""
    wanted = spec.appointments + spec.holds
    for overshoot in (1.06, 1.15, 1.3, 1.5):
        # Planned a little over the count, then sampled down: removing bookings keeps the
        # rest free of overlaps.
        bookings, lunches = _plan_all(spec, working_days, wanted * overshoot)
        if len(bookings) >= wanted:
            random.Random(spec.seed).shuffle(bookings)
            return bookings[:wanted], lunches
    raise RuntimeError(f"only {len(bookings)} bookings fit, {wanted} wanted: "
                       "more days or specialists needed")


def _plan_all(spec: FirmSpec, working_days: Sequence[dt.date], count: float,
              ) -> tuple[list[_Booking], dict[tuple[int, dt.date], int]]:
    rng = random.Random(spec.seed)
    per_day = count / max(1, len(working_days) * spec.specialists)
    bookings: list[_Booking] = []
    lunches: dict[tuple[int, dt.date], int] = {}
    for index, day in enumerate(working_days):
        # Nearer days are fuller: from 115 % to 85 % of the mean.
        ramp = 1.15 - 0.30 * index / max(1, len(working_days) - 1)
        lunch = {s: rng.choice((720, 750, 780, 810)) for s in range(spec.specialists)}
        lunches.update({(s, day): minute for s, minute in lunch.items()})
        bookings.extend(_plan_day(rng, spec, day, per_day * ramp, _Rooms(spec.workplaces),
                                  lunch))
    return bookings, lunches


def window(days: int, today: dt.date | None = None) -> tuple[dt.date, dt.date, list[dt.date]]:
    first = (today or dt.datetime.now(ZONE).date()) + dt.timedelta(days=1)
    last = first + dt.timedelta(days=days - 1)
    every = [first + dt.timedelta(days=i) for i in range(days)]
    return first, last, [d for d in every if d.weekday() in WORKING_WEEKDAYS]


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(model), rows)


def build(url: str, spec: FirmSpec, *, secret: str, slug: str) -> BenchFirm:
    """Builds the firm in the database at ``url``; tokens are signed with ``secret``."""
    async def go() -> BenchFirm:
        engine = create_tool_engine(url, application_name=BENCH_APPLICATION_NAME)
        try:
            return await build_firm(engine, spec, secret=secret, slug=slug)
        finally:
            await engine.dispose()

    return asyncio.run(go())


async def build_firm(engine: AsyncEngine, spec: FirmSpec, *, secret: str,
                     slug: str) -> BenchFirm:
    first, last, working_days = window(spec.days)
    bookings, lunches = plan(spec, working_days)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker.begin() as session:
        firm = Firm(name=f"Bench salon {slug}", slug=slug, time_zone="Europe/Berlin")
        session.add(firm)
        await session.flush()
        fid = firm.id
        location = Location(firm_id=fid, name="Mitte", time_zone="Europe/Berlin")
        services = {o.name: Service(firm_id=fid, name=o.name, duration_minutes=o.minutes,
                                    break_after_minutes=o.break_after, price=o.price)
                    for o in OFFERINGS}
        session.add_all([location, *services.values()])
        await session.flush()
        ids = _Ids(spec)
        await _catalog(session, fid, location.id, services, ids, lunches)
        admin, client_users = await _people(session, spec, fid, ids)
        result = BenchFirm(
            firm_id=fid, location_id=location.id, service_id=services[HAIRCUT.name].id,
            colour_service_id=services[COLOUR.name].id, first_day=first, last_day=last,
            working_days=working_days, specialist_ids=ids.specialists,
            workplace_ids=ids.workplaces,
            admin_token=_token(admin, fid, "owner", secret),
            client_tokens=[_token(user, fid, "client", secret) for user in client_users])
        await _bookings(session, spec, fid, location.id, services, ids, admin, bookings, result)
    async with engine.connect() as conn:
        # Autovacuum would analyze the freshly loaded tables soon; without statistics the
        # first minutes of a bulk-loaded database would be measured with guessed plans.
        await conn.execute(text("ANALYZE"))
    return result


class _Ids:
    """Ids made here, so rows can reference each other without reading them back."""

    def __init__(self, spec: FirmSpec) -> None:
        self.specialists = [uuid.uuid4() for _ in range(spec.specialists)]
        self.workplaces = [uuid.uuid4() for _ in range(spec.workplaces)]
        self.clients = [uuid.uuid4() for _ in range(max(200, spec.client_users))]


async def _catalog(session: AsyncSession, fid: uuid.UUID, location_id: uuid.UUID,
                   services: dict[str, Service], ids: _Ids,
                   lunches: dict[tuple[int, dt.date], int]) -> None:
    opening, closing = dt.time(OPEN // 60), dt.time(CLOSE // 60)
    await _bulk(session, LocationHours, [
        {"firm_id": fid, "location_id": location_id, "day_of_week": day,
         "start_time": opening, "end_time": closing} for day in WORKING_WEEKDAYS])
    await _bulk(session, Workplace, [
        {"id": wid, "firm_id": fid, "location_id": location_id, "name": f"Colour room {n + 1}",
         "type": "room"} for n, wid in enumerate(ids.workplaces)])
    await _bulk(session, WorkplaceServiceOverride, [
        {"firm_id": fid, "workplace_id": wid, "service_id": services[COLOUR.name].id}
        for wid in ids.workplaces])
    await _bulk(session, Specialist, [
        {"id": sid, "firm_id": fid, "name": f"Specialist {n + 1:02d}",
         "specialization": "hair"} for n, sid in enumerate(ids.specialists)])
    links = [{"firm_id": fid, "specialist_id": sid, "service_id": services[name].id}
             for n, sid in enumerate(ids.specialists)
             for name in (HAIRCUT.name, TRIM.name, COLOUR.name)
             if name != COLOUR.name or n < COLOUR_SPECIALISTS]
    await _bulk(session, SpecialistService, links)
    await _bulk(session, SpecialistSchedule, [
        {"firm_id": fid, "specialist_id": sid, "location_id": location_id, "day_of_week": day,
         "start_time": opening, "end_time": closing}
        for sid in ids.specialists for day in WORKING_WEEKDAYS])
    await _bulk(session, SpecialistBreak, [
        {"firm_id": fid, "specialist_id": ids.specialists[s], "date": day,
         "start_time": dt.time(minute // 60, minute % 60),
         "end_time": dt.time((minute + 30) // 60, (minute + 30) % 60), "reason": "Lunch"}
        for (s, day), minute in lunches.items()])
    await _bulk(session, Client, [
        {"id": cid, "firm_id": fid, "first_name": f"Client {n + 1}",
         "email": f"client{n + 1}@bench.example.com"} for n, cid in enumerate(ids.clients)])


async def _people(session: AsyncSession, spec: FirmSpec, fid: uuid.UUID,
                  ids: _Ids) -> tuple[uuid.UUID, list[uuid.UUID]]:
    admin = uuid.uuid4()
    clients = [uuid.uuid4() for _ in range(spec.client_users)]
    await _bulk(session, User, [
        {"id": admin, "firm_id": fid, "email": "owner@bench.example.com", "role": "owner",
         "password_hash": _NO_PASSWORD, "full_name": "Bench owner"},
        *({"id": uid, "firm_id": fid, "email": f"client{n + 1}@bench.example.com",
           "role": "client", "client_id": ids.clients[n], "password_hash": _NO_PASSWORD}
          for n, uid in enumerate(clients))])
    return admin, clients


def _token(user_id: uuid.UUID, firm_id: uuid.UUID, role: str, secret: str) -> str:
    token, _ = create_access_token(user_id=user_id, firm_id=firm_id, role=role, secret=secret,
                                   ttl_seconds=TOKEN_TTL_SECONDS)
    return token


async def _bookings(session: AsyncSession, spec: FirmSpec, fid: uuid.UUID,
                    location_id: uuid.UUID, services: dict[str, Service], ids: _Ids,
                    admin: uuid.UUID, bookings: list[_Booking], out: BenchFirm) -> None:
    appointments: list[dict[str, Any]] = []
    workers: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    holds: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    now = dt.datetime.now(dt.UTC)
    for n, booking in enumerate(bookings):
        specialist = ids.specialists[booking.specialist]
        workplace = ids.workplaces[booking.room] if booking.room is not None else None
        service = services[booking.offering.name]
        owner = uuid.uuid4()
        if n < spec.appointments:
            appointments.append({
                "id": owner, "firm_id": fid, "location_id": location_id,
                "workplace_id": workplace, "client_id": ids.clients[n % len(ids.clients)],
                "start_at": booking.start, "end_at": booking.end, "source": "import"})
            workers.append({"firm_id": fid, "appointment_id": owner,
                            "specialist_id": specialist})
            items.append({"firm_id": fid, "appointment_id": owner, "service_id": service.id,
                          "price": booking.offering.price,
                          "duration_minutes": booking.offering.minutes})
            key = "appointment_id"
        else:
            live = (n - spec.appointments) % 2 == 0
            holds.append({
                "id": owner, "firm_id": fid, "user_id": admin, "location_id": location_id,
                "workplace_id": workplace, "specialist_id": specialist,
                "service_id": service.id, "start_at": booking.start, "end_at": booking.end,
                "expires_at": now + (dt.timedelta(days=1) if live else -dt.timedelta(hours=1))})
            key = "hold_id"
        during = Range(booking.start, booking.claim_end, bounds="[)")
        claims.append({"firm_id": fid, key: owner, "specialist_id": specialist,
                       "during": during})
        if workplace is not None:
            claims.append({"firm_id": fid, key: owner, "workplace_id": workplace,
                           "during": during})
    await _bulk(session, Appointment, appointments)
    await _bulk(session, AppointmentWorker, workers)
    await _bulk(session, AppointmentServiceItem, items)
    await _bulk(session, Hold, holds)
    await _bulk(session, TimeClaim, claims)
    out.appointments, out.holds, out.claims = len(appointments), len(holds), len(claims)
