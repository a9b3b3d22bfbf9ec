"""The Slotwise client an external record is for: the firm's client with the same phone or
email, or a new one.

The phone is compared by its international digits (the WhatsApp channel's normaliser, so the
number matched is the number messaged), then the email ignoring case. A contact the API
would refuse is not stored: a new client only gets what a person could have typed into the
client form. A record with neither a phone nor an email names nobody we could tell apart
from a namesake, so it gets no client (the caller keeps the name in the notes).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.service import normalize_email
from slotwise.clients import repository
from slotwise.models import Client
from slotwise.notifications.channels.errors import PermanentError
from slotwise.notifications.channels.whatsapp import normalize_phone

_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)
# The clients table's column sizes.
_NAME_LENGTH = 100
_PHONE_LENGTH = 32
_EMAIL_LENGTH = 254


@dataclass(frozen=True)
class Contact:
    """A person as an external system names them; empty strings count as absent."""

    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def phone_digits(phone: str | None) -> str | None:
    """The international digits of a phone number (no ``+``), or None when it is not one."""
    if not phone or len(phone) > _PHONE_LENGTH:
        return None
    try:
        return normalize_phone(phone)
    except PermanentError:
        return None


def clean_email(email: str | None) -> str | None:
    """The address lower-cased, or None when the API's client form would refuse it."""
    if not email:
        return None
    address = normalize_email(email)
    if len(address) > _EMAIL_LENGTH:
        return None
    try:
        _EMAIL.validate_python(address)
    except ValidationError:
        return None
    return address


async def find_or_create_client(
    session: AsyncSession, firm_id: uuid.UUID, contact: Contact
) -> uuid.UUID | None:
    """The client of the contact's phone, else of its email, else a new one with both;
    None when the contact has neither. Contacts are locked (phone first) until commit, so
    two imports of the same person at once find one client."""
    digits = phone_digits(contact.phone)
    email = clean_email(contact.email)
    if digits is None and email is None:
        return None
    if digits is not None:
        await repository.lock_contact(session, firm_id, f"phone:{digits}")
    if email is not None:
        await repository.lock_contact(session, firm_id, f"email:{email}")
    if digits is not None:
        found = await repository.client_with_phone(session, firm_id, digits)
        if found is not None:
            return found
    if email is not None:
        found = await repository.client_with_email(session, firm_id, email)
        if found is not None:
            return found
    client = Client(
        firm_id=firm_id,
        first_name=(contact.first_name or "Guest")[:_NAME_LENGTH],
        last_name=(contact.last_name or "")[:_NAME_LENGTH],
        # As the external system wrote it: the delivery normalises again when it sends.
        phone=contact.phone.strip() if digits is not None and contact.phone else None,
        email=email,
    )
    session.add(client)
    await session.flush()
    return client.id
