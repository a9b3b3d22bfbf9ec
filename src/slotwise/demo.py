"""A realistic demo firm: two Berlin salons, their staff, 200 clients and two weeks of bookings."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from rich.progress import Progress
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from slotwise.admin import UserSpec, add_user, get_or_create_firm
from slotwise.db import create_sessionmaker, normalize_url
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    Firm,
    Holiday,
    Location,
    LocationHours,
    Service,
    Specialist,
    SpecialistBreak,
    SpecialistSchedule,
    SpecialistService,
    TimeClaim,
    Workplace,
)

SLUG = "demo"
PASSWORD = "slotwise-demo"
TZ = "Europe/Berlin"
_ZONE = ZoneInfo(TZ)

_SERVICES = [  # name, minutes, break after, price
    ("Women's haircut", 60, 10, "58.00"), ("Men's haircut", 30, 5, "32.00"),
    ("Beard trim", 20, 5, "18.00"), ("Colouring", 120, 15, "95.00"),
    ("Highlights", 90, 15, "85.00"), ("Blow-dry", 30, 5, "28.00"),
    ("Kids' haircut", 30, 5, "20.00"), ("Scalp treatment", 45, 10, "40.00"),
    ("Wedding styling", 90, 15, "120.00"), ("Hot towel shave", 30, 5, "26.00"),
]
_SPECIALISTS = [("Anna Schmidt", "stylist"), ("Ben Weber", "barber"),
                ("Clara Fischer", "colourist"), ("David Wagner", "barber"),
                ("Elif Yilmaz", "stylist"), ("Felix Becker", "barber"),
                ("Greta Hoffmann", "colourist"), ("Hannes Koch", "stylist")]
_FIRST = ["Lena", "Jonas", "Mia", "Paul", "Emma", "Leon", "Sofia", "Noah", "Lina", "Elias",
          "Marie", "Finn", "Ida", "Luca", "Ella", "Ali", "Nora", "Tim", "Lea", "Ole"]
_LAST = ["Müller", "Schulz", "Keller", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
         "Hartmann", "Lange"]


@dataclass
class DemoLogins:
    firm_slug: str
    password: str
    emails: dict[str, str] = field(default_factory=dict)


def demo_logins() -> DemoLogins:
    return DemoLogins(SLUG, PASSWORD, {
        "director": "director@demo.slotwise.dev",
        "worker": "anna@demo.slotwise.dev",
        "client": "lena@demo.slotwise.dev",
    })


async def load_demo(database_url: str, *, reset: bool = False,
                    today: date | None = None) -> DemoLogins:
    """Creates the demo firm unless it exists (``reset`` deletes and recreates it)."""
    logins = demo_logins()
    engine = create_async_engine(normalize_url(database_url))
    try:
        async with create_sessionmaker(engine).begin() as session:
            existing = await session.scalar(select(Firm).where(Firm.slug == SLUG))
            if existing is not None and not reset:
                return logins
            if existing is not None:
                await session.execute(delete(Firm).where(Firm.id == existing.id))
            await _build(session, logins, today or datetime.now(_ZONE).date())
    finally:
        await engine.dispose()
    return logins


async def _build(session: AsyncSession, logins: DemoLogins, today: date) -> None:
    rng = random.Random(20261121)
    with Progress(transient=True) as progress:
        task = progress.add_task("Loading demo data", total=5)
        firm = await get_or_create_firm(session, SLUG, name="Salon Lindenblatt", time_zone=TZ)
        firm.default_locale = "de"
        locations, workplaces = await _places(session, firm.id, today)
        progress.advance(task)
        services = [Service(firm_id=firm.id, name=name, duration_minutes=minutes,
                            break_after_minutes=brk, price=Decimal(price), currency="EUR",
                            description=f"{name} at Salon Lindenblatt")
                    for name, minutes, brk, price in _SERVICES]
        session.add_all(services)
        await session.flush()
        staff = await _staff(session, firm.id, locations, workplaces, services, today, rng)
        progress.advance(task)
        clients = [Client(firm_id=firm.id, first_name=_FIRST[i % 20], last_name=_LAST[i % 10],
                          phone=f"+49 30 {5550000 + i}", email=f"client{i}@example.com",
                          locale=rng.choice(["de", "de", "en", "ru"]))
                   for i in range(200)]
        clients[0].email = logins.emails["client"]
        session.add_all(clients)
        await session.flush()
        progress.advance(task)
        await _users(session, firm, logins, staff[0][0].id, clients[0].id)
        progress.advance(task)
        await _appointments(session, firm.id, staff, services, clients, today, rng)
        progress.advance(task)


async def _places(session: AsyncSession, firm_id: uuid.UUID,
                  today: date) -> tuple[list[Location], list[list[Workplace]]]:
    locations = [
        Location(firm_id=firm_id, name="Lindenblatt Mitte", address="Torstraße 112, 10119 Berlin",
                 time_zone=TZ, capacity=3),
        Location(firm_id=firm_id, name="Lindenblatt Kreuzberg",
                 address="Bergmannstraße 25, 10961 Berlin", time_zone=TZ, capacity=3),
    ]
    session.add_all(locations)
    await session.flush()
    workplaces: list[list[Workplace]] = []
    for loc in locations:
        for day in range(7):
            session.add(LocationHours(firm_id=firm_id, location_id=loc.id, day_of_week=day,
                                      start_time=time(9 if day < 5 else 10),
                                      end_time=time(20 if day < 5 else 16),
                                      is_day_off=day == 6))
        session.add(Holiday(firm_id=firm_id, location_id=loc.id, date=date(today.year, 12, 25),
                            description="Christmas Day"))
        places = [Workplace(firm_id=firm_id, location_id=loc.id, name=name, type=kind)
                  for name, kind in (("Chair 1", "chair"), ("Chair 2", "chair"),
                                     ("Colour station", "station"))]
        session.add_all(places)
        workplaces.append(places)
    await session.flush()
    return locations, workplaces


Staff = list[tuple[Specialist, Location, list[Workplace]]]


async def _staff(session: AsyncSession, firm_id: uuid.UUID, locations: list[Location],
                 workplaces: list[list[Workplace]], services: list[Service], today: date,
                 rng: random.Random) -> Staff:
    staff: Staff = []
    for i, (name, specialization) in enumerate(_SPECIALISTS):
        spec = Specialist(firm_id=firm_id, name=name, specialization=specialization)
        session.add(spec)
        staff.append((spec, locations[i % 2], workplaces[i % 2]))
    await session.flush()
    monday = today - timedelta(days=today.weekday())
    for i, (spec, loc, _) in enumerate(staff):
        day_off = i % 6  # everyone has one weekday off, and Sundays
        for day in range(6):
            start, end = (time(9), time(17)) if i % 2 == 0 else (time(11), time(19))
            if day == 5:
                start, end = time(10), time(16)
            session.add(SpecialistSchedule(firm_id=firm_id, specialist_id=spec.id,
                                           location_id=loc.id, day_of_week=day,
                                           start_time=start, end_time=end,
                                           is_day_off=day == day_off))
        for service in rng.sample(services, 6):
            session.add(SpecialistService(firm_id=firm_id, specialist_id=spec.id,
                                          service_id=service.id))
        for offset in range(14):
            lunch = time(13) if i % 2 == 0 else time(15)
            session.add(SpecialistBreak(firm_id=firm_id, specialist_id=spec.id,
                                        date=monday + timedelta(days=offset), start_time=lunch,
                                        end_time=time(lunch.hour, 30), reason="Lunch"))
    await session.flush()
    return staff


async def _users(session: AsyncSession, firm: Firm, logins: DemoLogins,
                 specialist_id: uuid.UUID, client_id: uuid.UUID) -> None:
    for role in ("owner", "director", "manager", "worker", "client"):
        email = logins.emails.get(role, f"{role}@demo.slotwise.dev")
        await add_user(session, firm, UserSpec(
            SLUG, email, PASSWORD, role, full_name=email.split("@")[0].title(),
            specialist_id=specialist_id if role == "worker" else None,
            client_id=client_id if role == "client" else None))


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=_ZONE).astimezone(UTC)


async def _appointments(session: AsyncSession, firm_id: uuid.UUID, staff: Staff,
                        services: list[Service], clients: list[Client], today: date,
                        rng: random.Random) -> None:
    """Fills each working day with bookings that never overlap for a specialist or a workplace."""
    monday = today - timedelta(days=today.weekday())
    now = datetime.now(UTC)
    busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}

    def free(key: uuid.UUID, start: datetime, end: datetime) -> bool:
        return all(end <= s or start >= e for s, e in busy.get(key, []))

    for offset in range(14):
        day = monday + timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for i, (spec, loc, places) in enumerate(staff):
            if day.weekday() == i % 6:
                continue
            cursor = _local(day, time(9) if i % 2 == 0 else time(11))
            closing = _local(day, time(17) if i % 2 == 0 else time(19))
            if day.weekday() == 5:
                cursor, closing = _local(day, time(10)), _local(day, time(16))
            lunch = _local(day, time(13) if i % 2 == 0 else time(15))
            while True:
                cursor += timedelta(minutes=rng.choice([0, 0, 15, 30, 45]))
                service = rng.choice(services)
                end = cursor + timedelta(minutes=service.duration_minutes)
                if end > closing:
                    break
                if cursor < lunch + timedelta(minutes=30) and end > lunch:
                    cursor = lunch + timedelta(minutes=30)
                    continue
                # What the booking claims: the service's break after blocks its people and
                # place too, exactly as a booking through the API would.
                claim_end = end + timedelta(minutes=service.break_after_minutes)
                workers = [spec]
                partner = staff[(i + 2) % len(staff)][0]
                if rng.random() < 0.12 and free(partner.id, cursor, claim_end):
                    workers.append(partner)  # e.g. a colourist assisting
                place = next((p for p in places if free(p.id, cursor, claim_end)), None)
                if place is None or not free(spec.id, cursor, claim_end):
                    cursor = end
                    continue
                for key in [place.id, *(w.id for w in workers)]:
                    busy.setdefault(key, []).append((cursor, claim_end))
                _add(session, firm_id, loc, place, workers, service, rng.choice(clients),
                     cursor, end, now, rng)
                cursor = end + timedelta(minutes=service.break_after_minutes)
    await session.flush()


def _add(session: AsyncSession, firm_id: uuid.UUID, loc: Location, place: Workplace,
         workers: list[Specialist], service: Service, client: Client, start: datetime,
         end: datetime, now: datetime, rng: random.Random) -> None:
    status = "scheduled"
    if end <= now:
        status = rng.choices(["completed", "no_show", "cancelled"], [90, 4, 6])[0]
    appointment = Appointment(id=uuid.uuid4(), firm_id=firm_id, location_id=loc.id,
                              workplace_id=place.id, client_id=client.id, start_at=start,
                              end_at=end, status=status, source="demo")
    appointment.workers = [AppointmentWorker(firm_id=firm_id, specialist_id=w.id)
                           for w in workers]
    appointment.services = [AppointmentServiceItem(
        firm_id=firm_id, service_id=service.id, price=service.price,
        duration_minutes=service.duration_minutes)]
    session.add(appointment)
    if status != "cancelled":
        during = Range(start, end + timedelta(minutes=service.break_after_minutes), bounds="[)")
        session.add_all([TimeClaim(firm_id=firm_id, appointment_id=appointment.id,
                                   specialist_id=w.id, during=during) for w in workers])
        session.add(TimeClaim(firm_id=firm_id, appointment_id=appointment.id,
                              workplace_id=place.id, during=during))
