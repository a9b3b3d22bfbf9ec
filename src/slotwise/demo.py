"""A realistic demo firm: two Berlin salons, their staff, 200 clients and two weeks of bookings.

The bookings always reach two weeks ahead of today: a later start tops them up, so a demo run
again weeks later still shows a full board.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from rich.progress import Progress
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.admin import UserSpec, add_user, get_or_create_firm
from slotwise.db import ApplicationName, create_sessionmaker, create_tool_engine
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
    ("Women's haircut", 60, 10, "58.00"),
    ("Men's haircut", 30, 5, "32.00"),
    ("Beard trim", 20, 5, "18.00"),
    ("Colouring", 120, 15, "95.00"),
    ("Highlights", 90, 15, "85.00"),
    ("Blow-dry", 30, 5, "28.00"),
    ("Kids' haircut", 30, 5, "20.00"),
    ("Scalp treatment", 45, 10, "40.00"),
    ("Wedding styling", 90, 15, "120.00"),
    ("Hot towel shave", 30, 5, "26.00"),
]
_SPECIALISTS = [
    ("Anna Schmidt", "stylist"),
    ("Ben Weber", "barber"),
    ("Clara Fischer", "colourist"),
    ("David Wagner", "barber"),
    ("Elif Yilmaz", "stylist"),
    ("Felix Becker", "barber"),
    ("Greta Hoffmann", "colourist"),
    ("Hannes Koch", "stylist"),
]
_FIRST = [
    "Jonas",
    "Mia",
    "Paul",
    "Emma",
    "Leon",
    "Sofia",
    "Noah",
    "Lina",
    "Elias",
    "Marie",
    "Finn",
    "Ida",
    "Luca",
    "Ella",
    "Ali",
    "Nora",
    "Tim",
    "Lea",
    "Ole",
    "Hanna",
    "Emil",
    "Clara",
    "Anton",
    "Frieda",
    "Theo",
    "Mila",
    "Jakob",
    "Leni",
    "Moritz",
    "Zeynep",
    "Karim",
    "Alina",
    "Maximilian",
    "Johanna",
    "Oskar",
    "Amelie",
    "Ben",
    "Yara",
    "Milan",
    "Svenja",
    "Deniz",
    "Katarzyna",
    "Mateo",
    "Olga",
    "Samuel",
    "Aylin",
]
_LAST = [
    "Müller",
    "Schulz",
    "Keller",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Köhler",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Vogel",
    "Friedrich",
    "Günther",
    "Kowalski",
    "Öztürk",
    "Nowak",
    "Petrov",
    "Richter",
    "Wolf",
    "Schäfer",
    "Bauer",
]
CLIENTS = 200
# Bookings cover every day from this week's Monday to this many days after today.
DAYS_AHEAD = 13


@dataclass
class DemoLogins:
    firm_slug: str
    password: str
    emails: dict[str, str] = field(default_factory=dict)


def demo_logins() -> DemoLogins:
    return DemoLogins(
        SLUG,
        PASSWORD,
        {
            "director": "director@demo.slotwise.dev",
            "worker": "anna@demo.slotwise.dev",
            "client": "lena@demo.slotwise.dev",
        },
    )


async def load_demo(
    database_url: str, *, reset: bool = False, today: date | None = None
) -> DemoLogins:
    """Creates the demo firm unless it exists (``reset`` deletes and recreates it)."""
    logins = demo_logins()
    today = today or datetime.now(_ZONE).date()
    engine = create_tool_engine(database_url, application_name=ApplicationName.DEMO)
    try:
        async with create_sessionmaker(engine).begin() as session:
            existing = await session.scalar(select(Firm).where(Firm.slug == SLUG))
            if existing is not None and not reset:
                await _top_up(session, existing, today)
                return logins
            if existing is not None:
                await session.execute(delete(Firm).where(Firm.id == existing.id))
            await _build(session, logins, today)
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
        services = [
            Service(
                firm_id=firm.id,
                name=name,
                duration_minutes=minutes,
                break_after_minutes=brk,
                price=Decimal(price),
                currency="EUR",
                description=f"{name} at Salon Lindenblatt",
            )
            for name, minutes, brk, price in _SERVICES
        ]
        session.add_all(services)
        await session.flush()
        staff = await _staff(session, firm.id, locations, workplaces, services, rng)
        progress.advance(task)
        clients = _clients(firm.id, logins.emails["client"], rng)
        session.add_all(clients)
        await session.flush()
        progress.advance(task)
        await _users(session, firm, logins, staff[0][0].id, clients[0].id)
        progress.advance(task)
        monday = today - timedelta(days=today.weekday())
        await _fill_days(
            session,
            firm,
            staff,
            services,
            clients,
            _days(monday, today + timedelta(days=DAYS_AHEAD)),
            rng,
        )
        progress.advance(task)


def _ascii(name: str) -> str:
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        name = name.lower().replace(umlaut, spelled)
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def _clients(firm_id: uuid.UUID, login_email: str, rng: random.Random) -> list[Client]:
    """Distinct people; the first is the client login, Lena."""
    names = [("Lena", "Becker"), *rng.sample([(f, s) for f in _FIRST for s in _LAST], CLIENTS - 1)]
    return [
        Client(
            firm_id=firm_id,
            first_name=first,
            last_name=last,
            phone=f"+49 {rng.choice(['151', '160', '176', '30'])} {5550000 + i}",
            email=login_email if i == 0 else f"{_ascii(first)}.{_ascii(last)}@example.com",
            locale="de" if i == 0 else rng.choice(["de", "de", "en", "ru"]),
        )
        for i, (first, last) in enumerate(names)
    ]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def _top_up(session: AsyncSession, firm: Firm, today: date) -> None:
    """Adds bookings and lunch breaks for the days after the last one filled (every filled
    day has its lunch breaks, even a Sunday) up to ``DAYS_AHEAD`` after today, so that the
    board of a demo started again later is full."""
    last = await session.scalar(
        select(func.max(SpecialistBreak.date)).where(
            SpecialistBreak.firm_id == firm.id, SpecialistBreak.reason == "Lunch"
        )
    )
    monday = today - timedelta(days=today.weekday())
    first = monday if last is None else max(monday, last + timedelta(days=1))
    days = _days(first, today + timedelta(days=DAYS_AHEAD))
    if not days:
        return
    staff = await _load_staff(session, firm.id)
    services = list(
        await session.scalars(
            select(Service)
            .where(Service.firm_id == firm.id, Service.name.in_([name for name, *_ in _SERVICES]))
            .order_by(Service.name)
        )
    )
    clients = list(
        await session.scalars(select(Client).where(Client.firm_id == firm.id).order_by(Client.id))
    )
    if staff and services and clients:
        await _fill_days(
            session, firm, staff, services, clients, days, random.Random(first.toordinal())
        )


async def _load_staff(session: AsyncSession, firm_id: uuid.UUID) -> Staff:
    """The demo's specialists in their original order, each with the location it works at."""
    names = [name for name, _ in _SPECIALISTS]
    specialists = sorted(
        await session.scalars(
            select(Specialist).where(Specialist.firm_id == firm_id, Specialist.name.in_(names))
        ),
        key=lambda spec: names.index(spec.name),
    )
    works_at = {
        row.specialist_id: row.location_id
        for row in await session.scalars(
            select(SpecialistSchedule).where(SpecialistSchedule.firm_id == firm_id)
        )
    }
    places = list(
        await session.scalars(
            select(Workplace).where(Workplace.firm_id == firm_id).order_by(Workplace.name)
        )
    )
    locations = {
        loc.id: loc
        for loc in await session.scalars(select(Location).where(Location.firm_id == firm_id))
    }
    return [
        (
            spec,
            locations[works_at[spec.id]],
            [p for p in places if p.location_id == works_at[spec.id]],
        )
        for spec in specialists
        if spec.id in works_at
    ]


async def _places(
    session: AsyncSession, firm_id: uuid.UUID, today: date
) -> tuple[list[Location], list[list[Workplace]]]:
    locations = [
        Location(
            firm_id=firm_id,
            name="Lindenblatt Mitte",
            address="Torstraße 112, 10119 Berlin",
            time_zone=TZ,
            capacity=3,
        ),
        Location(
            firm_id=firm_id,
            name="Lindenblatt Kreuzberg",
            address="Bergmannstraße 25, 10961 Berlin",
            time_zone=TZ,
            capacity=3,
        ),
    ]
    session.add_all(locations)
    await session.flush()
    workplaces: list[list[Workplace]] = []
    for loc in locations:
        for day in range(7):
            session.add(
                LocationHours(
                    firm_id=firm_id,
                    location_id=loc.id,
                    day_of_week=day,
                    start_time=time(9 if day < 5 else 10),
                    end_time=time(20 if day < 5 else 16),
                    is_day_off=day == 6,
                )
            )
        session.add(
            Holiday(
                firm_id=firm_id,
                location_id=loc.id,
                date=date(today.year, 12, 25),
                description="Christmas Day",
            )
        )
        places = [
            Workplace(firm_id=firm_id, location_id=loc.id, name=name, type=kind)
            for name, kind in (
                ("Chair 1", "chair"),
                ("Chair 2", "chair"),
                ("Colour station", "station"),
            )
        ]
        session.add_all(places)
        workplaces.append(places)
    await session.flush()
    return locations, workplaces


Staff = list[tuple[Specialist, Location, list[Workplace]]]


async def _staff(
    session: AsyncSession,
    firm_id: uuid.UUID,
    locations: list[Location],
    workplaces: list[list[Workplace]],
    services: list[Service],
    rng: random.Random,
) -> Staff:
    staff: Staff = []
    for i, (name, specialization) in enumerate(_SPECIALISTS):
        spec = Specialist(firm_id=firm_id, name=name, specialization=specialization)
        session.add(spec)
        staff.append((spec, locations[i % 2], workplaces[i % 2]))
    await session.flush()
    for i, (spec, loc, _) in enumerate(staff):
        day_off = i % 6  # everyone has one weekday off, and Sundays
        for day in range(6):
            start, end = (time(9), time(17)) if i % 2 == 0 else (time(11), time(19))
            if day == 5:
                start, end = time(10), time(16)
            session.add(
                SpecialistSchedule(
                    firm_id=firm_id,
                    specialist_id=spec.id,
                    location_id=loc.id,
                    day_of_week=day,
                    start_time=start,
                    end_time=end,
                    is_day_off=day == day_off,
                )
            )
        for service in rng.sample(services, 6):
            session.add(
                SpecialistService(firm_id=firm_id, specialist_id=spec.id, service_id=service.id)
            )
    await session.flush()
    return staff


async def _users(
    session: AsyncSession,
    firm: Firm,
    logins: DemoLogins,
    specialist_id: uuid.UUID,
    client_id: uuid.UUID,
) -> None:
    for role in ("owner", "director", "manager", "worker", "client"):
        email = logins.emails.get(role, f"{role}@demo.slotwise.dev")
        await add_user(
            session,
            firm,
            UserSpec(
                SLUG,
                email,
                PASSWORD,
                role,
                full_name=email.split("@")[0].title(),
                specialist_id=specialist_id if role == "worker" else None,
                client_id=client_id if role == "client" else None,
            ),
        )


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=_ZONE).astimezone(UTC)


def _on_step(moment: datetime, step_minutes: int) -> datetime:
    """The first start on the firm's slot step (counted from local midnight) at or after
    ``moment``, where the API would offer a slot."""
    local = moment.astimezone(_ZONE)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = -(-int((local - midnight).total_seconds()) // (step_minutes * 60)) * step_minutes
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)


async def _claimed(
    session: AsyncSession,
    firm_id: uuid.UUID,
    days: list[date],
) -> dict[uuid.UUID, list[tuple[datetime, datetime]]]:
    """Time already claimed on these days (bookings and holds made through the API)."""
    start, end = _local(days[0], time(0)), _local(days[-1] + timedelta(days=1), time(0))
    rows = await session.execute(
        select(TimeClaim.specialist_id, TimeClaim.workplace_id, TimeClaim.during).where(
            TimeClaim.firm_id == firm_id, TimeClaim.during.overlaps(Range(start, end, bounds="[)"))
        )
    )
    busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    for specialist_id, workplace_id, during in rows:
        key = specialist_id or workplace_id
        if key is not None and during.lower is not None and during.upper is not None:
            busy.setdefault(key, []).append((during.lower, during.upper))
    return busy


async def _fill_days(
    session: AsyncSession,
    firm: Firm,
    staff: Staff,
    services: list[Service],
    clients: list[Client],
    days: list[date],
    rng: random.Random,
) -> None:
    """Lunch breaks and, around them, bookings on each working day, never overlapping for a
    specialist or a workplace (nor what is already booked), each starting on the slot step."""
    firm_id = firm.id
    step = await session.scalar(select(Firm.slot_step_minutes).where(Firm.id == firm_id)) or 15
    now = datetime.now(UTC)
    busy = await _claimed(session, firm_id, days)

    def free(key: uuid.UUID, start: datetime, end: datetime) -> bool:
        return all(end <= s or start >= e for s, e in busy.get(key, []))

    for day in days:
        for i, (spec, _, _) in enumerate(staff):
            lunch_at = time(13) if i % 2 == 0 else time(15)
            session.add(
                SpecialistBreak(
                    firm_id=firm_id,
                    specialist_id=spec.id,
                    date=day,
                    start_time=lunch_at,
                    end_time=time(lunch_at.hour, 30),
                    reason="Lunch",
                )
            )
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
                cursor = _on_step(cursor + timedelta(minutes=rng.choice([0, 0, 15, 30, 45])), step)
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
                _add(
                    session,
                    firm_id,
                    loc,
                    place,
                    workers,
                    service,
                    rng.choice(clients),
                    cursor,
                    end,
                    now,
                    rng,
                )
                cursor = end + timedelta(minutes=service.break_after_minutes)
    await session.flush()


def _add(
    session: AsyncSession,
    firm_id: uuid.UUID,
    loc: Location,
    place: Workplace,
    workers: list[Specialist],
    service: Service,
    client: Client,
    start: datetime,
    end: datetime,
    now: datetime,
    rng: random.Random,
) -> None:
    status = "scheduled"
    if end <= now:
        status = rng.choices(["completed", "no_show", "cancelled"], [90, 4, 6])[0]
    appointment = Appointment(
        id=uuid.uuid4(),
        firm_id=firm_id,
        location_id=loc.id,
        workplace_id=place.id,
        client_id=client.id,
        start_at=start,
        end_at=end,
        status=status,
        source="demo",
    )
    appointment.workers = [AppointmentWorker(firm_id=firm_id, specialist_id=w.id) for w in workers]
    appointment.services = [
        AppointmentServiceItem(
            firm_id=firm_id,
            service_id=service.id,
            price=service.price,
            duration_minutes=service.duration_minutes,
        )
    ]
    session.add(appointment)
    if status != "cancelled":
        during = Range(start, end + timedelta(minutes=service.break_after_minutes), bounds="[)")
        session.add_all(
            [
                TimeClaim(
                    firm_id=firm_id,
                    appointment_id=appointment.id,
                    specialist_id=w.id,
                    during=during,
                )
                for w in workers
            ]
        )
        session.add(
            TimeClaim(
                firm_id=firm_id, appointment_id=appointment.id, workplace_id=place.id, during=during
            )
        )
