"""Builds a firm with a small catalog and a user of every role, straight through the ORM."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections.secrets import encrypt_credentials
from slotwise.models import (
    Appointment,
    AppointmentServiceItem,
    AppointmentWorker,
    Client,
    Connection,
    Firm,
    Location,
    LocationHours,
    Service,
    Specialist,
    SpecialistSchedule,
    SpecialistService,
    User,
    Workplace,
)
from slotwise.security import create_access_token, hash_password

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashing once keeps the fixtures fast


@dataclass
class World:
    firm_id: uuid.UUID
    slug: str
    location_id: uuid.UUID
    workplace_id: uuid.UUID
    service_id: uuid.UUID
    specialist_a: uuid.UUID
    specialist_b: uuid.UUID
    specialist_c: uuid.UUID
    client_id: uuid.UUID
    other_client_id: uuid.UUID
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        """Auth headers for a role: owner, director, manager, worker (A), worker_b, client."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


async def make_world(app: FastAPI) -> World:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    secret: str = app.state.secret_key
    slug = f"firm-{uuid.uuid4().hex[:8]}"
    async with maker.begin() as session:
        firm = Firm(name=f"Firm {slug}", slug=slug, time_zone="Europe/Berlin", default_locale="de")
        session.add(firm)
        await session.flush()
        fid = firm.id
        location = Location(
            firm_id=fid,
            name="Mitte",
            address="Torstr. 1, Berlin",
            time_zone="Europe/Berlin",
            capacity=4,
        )
        session.add(location)
        await session.flush()
        for day in range(6):
            session.add(
                LocationHours(
                    firm_id=fid,
                    location_id=location.id,
                    day_of_week=day,
                    start_time=time(9),
                    end_time=time(19),
                )
            )
        workplace = Workplace(firm_id=fid, location_id=location.id, name="Chair 1", type="chair")
        service = Service(
            firm_id=fid,
            name="Haircut",
            duration_minutes=30,
            break_after_minutes=10,
            price=Decimal("25.00"),
            currency="EUR",
        )
        specialists = [
            Specialist(firm_id=fid, name=name, specialization="barber")
            for name in ("Anna", "Ben", "Cem")
        ]
        clients = [
            Client(
                firm_id=fid,
                first_name="Clara",
                last_name="Client",
                email=f"clara-{slug}@example.com",
                phone="+49301234567",
            ),
            Client(
                firm_id=fid, first_name="Otto", last_name="Other", email=f"otto-{slug}@example.com"
            ),
        ]
        session.add_all([workplace, service, *specialists, *clients])
        await session.flush()
        for spec in specialists:
            session.add(
                SpecialistService(firm_id=fid, specialist_id=spec.id, service_id=service.id)
            )
            for day in range(5):
                session.add(
                    SpecialistSchedule(
                        firm_id=fid,
                        specialist_id=spec.id,
                        location_id=location.id,
                        day_of_week=day,
                        start_time=time(9),
                        end_time=time(18),
                    )
                )
        world = World(
            firm_id=fid,
            slug=slug,
            location_id=location.id,
            workplace_id=workplace.id,
            service_id=service.id,
            specialist_a=specialists[0].id,
            specialist_b=specialists[1].id,
            specialist_c=specialists[2].id,
            client_id=clients[0].id,
            other_client_id=clients[1].id,
        )
        roles = {
            "owner": ("owner", None, None),
            "director": ("director", None, None),
            "manager": ("manager", None, None),
            "worker": ("worker", specialists[0].id, None),
            "worker_b": ("worker", specialists[1].id, None),
            "client": ("client", None, clients[0].id),
        }
        users = []
        for key, (role, spec_id, client_id) in roles.items():
            email = f"{key}@{slug}.example.com"
            user = User(
                firm_id=fid,
                email=email,
                password_hash=_PASSWORD_HASH,
                role=role,
                full_name=key.title(),
                specialist_id=spec_id,
                client_id=client_id,
            )
            users.append((key, user))
            world.emails[key] = email
        session.add_all([u for _, u in users])
        await session.flush()
        for key, user in users:
            token, _ = create_access_token(
                user_id=user.id, firm_id=fid, role=user.role, secret=secret, ttl_seconds=3600
            )
            world.tokens[key] = token
    return world


async def add_appointment(
    app: FastAPI,
    world: World,
    *,
    workers: list[uuid.UUID],
    client_id: uuid.UUID | None = None,
    start: datetime | None = None,
    minutes: int = 30,
) -> uuid.UUID:
    """An appointment written straight to the database (for tests that read, not create)."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    start = start or datetime(2030, 1, 7, 10, tzinfo=UTC)
    async with maker.begin() as session:
        appt = Appointment(
            firm_id=world.firm_id,
            location_id=world.location_id,
            client_id=client_id,
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
        )
        session.add(appt)
        await session.flush()
        for spec in workers:
            session.add(
                AppointmentWorker(firm_id=world.firm_id, appointment_id=appt.id, specialist_id=spec)
            )
        session.add(
            AppointmentServiceItem(
                firm_id=world.firm_id,
                appointment_id=appt.id,
                service_id=world.service_id,
                price=Decimal("25.00"),
                duration_minutes=minutes,
            )
        )
        return appt.id


async def add_connection(app: FastAPI, world: World) -> uuid.UUID:
    """A YClients connection of the firm at its location, written straight to the database."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        connection = Connection(
            firm_id=world.firm_id,
            kind="yclients",
            name="YClients",
            location_id=world.location_id,
            settings={"company_id": 1},
            credentials=encrypt_credentials(
                app.state.secret_key, {"partner_token": "p", "user_token": "u"}
            ),
        )
        session.add(connection)
        await session.flush()
        return connection.id
