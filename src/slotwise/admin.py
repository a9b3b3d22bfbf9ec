"""Administrative actions behind the CLI: creating firms and users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.db import ApplicationName, create_sessionmaker, create_tool_engine
from slotwise.errors import AlreadyExists, Unprocessable
from slotwise.models import ROLES, Client, Firm, Specialist, User
from slotwise.security import hash_password_async

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class UserSpec:
    firm_slug: str
    email: str
    password: str
    role: str
    full_name: str = ""
    time_zone: str = "Europe/Berlin"
    # Link to an existing record; without it a worker or client gets a new one.
    specialist_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CreatedUser:
    user_id: uuid.UUID
    firm_id: uuid.UUID
    email: str


def _validate(spec: UserSpec) -> str:
    if spec.role not in ROLES:
        raise Unprocessable(f"Unknown role '{spec.role}'; use one of {', '.join(ROLES)}")
    if len(spec.password) < MIN_PASSWORD_LENGTH:
        raise Unprocessable(f"The password needs at least {MIN_PASSWORD_LENGTH} characters")
    try:
        ZoneInfo(spec.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable(f"Unknown time zone '{spec.time_zone}'") from exc
    try:
        return validate_email(spec.email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Unprocessable(f"Invalid email: {exc}") from exc


async def get_or_create_firm(
    session: AsyncSession, slug: str, *, name: str | None = None, time_zone: str = "Europe/Berlin"
) -> Firm:
    """The firm with this slug, created if missing. Two runs creating the same new firm at
    once both get it: the second insert waits for the first and then does nothing, where a
    look-then-insert would fail on the unique slug."""
    await session.execute(
        insert(Firm)
        .values(
            id=uuid.uuid4(),
            slug=slug,
            name=name or slug.replace("-", " ").title(),
            time_zone=time_zone,
        )
        .on_conflict_do_nothing(index_elements=[Firm.slug])
    )
    return (await session.scalars(select(Firm).where(Firm.slug == slug))).one()


async def add_user(session: AsyncSession, firm: Firm, spec: UserSpec) -> User:
    """Adds a user; a worker gets a specialist and a client a client record to be linked to."""
    email = _validate(spec)
    exists = await session.scalar(
        select(User.id).where(User.firm_id == firm.id, User.email == email)
    )
    if exists is not None:
        raise AlreadyExists(f"{email} already exists in firm '{firm.slug}'")
    name = spec.full_name or email.split("@", 1)[0].replace(".", " ").title()
    # One thread: the CLI and the demo create their users one after another.
    password_hash = await hash_password_async(spec.password, threads=1)
    user = User(
        firm_id=firm.id,
        email=email,
        password_hash=password_hash,
        role=spec.role,
        full_name=name,
        specialist_id=spec.specialist_id,
        client_id=spec.client_id,
    )
    if spec.role == "worker" and user.specialist_id is None:
        specialist = Specialist(firm_id=firm.id, name=name)
        session.add(specialist)
        await session.flush()
        user.specialist_id = specialist.id
    elif spec.role == "client" and user.client_id is None:
        first, _, last = name.partition(" ")
        client = Client(firm_id=firm.id, first_name=first, last_name=last, email=email)
        session.add(client)
        await session.flush()
        user.client_id = client.id
    session.add(user)
    await session.flush()
    return user


async def create_user(database_url: str, spec: UserSpec) -> CreatedUser:
    engine = create_tool_engine(database_url, application_name=ApplicationName.ADMIN)
    try:
        async with create_sessionmaker(engine).begin() as session:
            firm = await get_or_create_firm(session, spec.firm_slug, time_zone=spec.time_zone)
            user = await add_user(session, firm, spec)
            return CreatedUser(user_id=user.id, firm_id=firm.id, email=user.email)
    finally:
        await engine.dispose()
