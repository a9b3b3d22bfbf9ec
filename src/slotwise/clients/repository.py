"""Every query of the clients domain; each is scoped by the caller's firm."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Appointment, Client, ClientWallet, User, WalletTransaction
from slotwise.repository import PageParams, get_in_firm, paginate


async def client_in_firm(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID, *, for_update: bool = False
) -> Client:
    """The client in the firm, else 404 ``client_not_found`` (see ``get_in_firm``)."""
    client: Client = await get_in_firm(session, Client, firm_id, client_id, for_update=for_update)
    return client


def _like_pattern(text: str) -> str:
    # The search text is literal: % and _ typed by a user must not act as wildcards.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_clients(
    session: AsyncSession,
    firm_id: uuid.UUID,
    *,
    q: str | None,
    active: bool | None,
    page: PageParams,
) -> tuple[list[Client], int]:
    stmt = select(Client).where(Client.firm_id == firm_id)
    if q:
        pattern = _like_pattern(q)
        full_name = Client.first_name + " " + Client.last_name
        stmt = stmt.where(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (full_name, Client.phone, Client.email)
                )
            )
        )
    if active is not None:
        stmt = stmt.where(Client.is_active.is_(active))
    stmt = stmt.order_by(Client.last_name, Client.first_name, Client.id)
    return await paginate(session, stmt, page)


async def telegram_id_taken(
    session: AsyncSession,
    firm_id: uuid.UUID,
    telegram_id: str,
    *,
    except_client: uuid.UUID | None = None,
) -> bool:
    stmt = select(Client.id).where(Client.firm_id == firm_id, Client.telegram_id == telegram_id)
    if except_client is not None:
        stmt = stmt.where(Client.id != except_client)
    return await session.scalar(select(exists(stmt))) or False


async def has_appointments(session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID) -> bool:
    stmt = select(Appointment.id).where(
        Appointment.firm_id == firm_id, Appointment.client_id == client_id
    )
    return await session.scalar(select(exists(stmt))) or False


async def has_login(session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID) -> bool:
    stmt = select(User.id).where(User.firm_id == firm_id, User.client_id == client_id)
    return await session.scalar(select(exists(stmt))) or False


async def has_wallet_transactions(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID
) -> bool:
    stmt = (
        select(WalletTransaction.id)
        .join(ClientWallet, ClientWallet.id == WalletTransaction.wallet_id)
        .where(ClientWallet.firm_id == firm_id, ClientWallet.client_id == client_id)
    )
    return await session.scalar(select(exists(stmt))) or False


async def get_wallet(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID
) -> ClientWallet | None:
    return await session.scalar(
        select(ClientWallet).where(
            ClientWallet.firm_id == firm_id, ClientWallet.client_id == client_id
        )
    )


async def latest_transactions(
    session: AsyncSession, firm_id: uuid.UUID, wallet_id: uuid.UUID, *, limit: int
) -> list[WalletTransaction]:
    rows = await session.scalars(
        select(WalletTransaction)
        .where(WalletTransaction.firm_id == firm_id, WalletTransaction.wallet_id == wallet_id)
        .order_by(WalletTransaction.created_at.desc(), WalletTransaction.id.desc())
        .limit(limit)
    )
    return list(rows)


async def ensure_wallet(session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID) -> None:
    """Creates the client's wallet unless it exists; safe when two requests race to create it."""
    await session.execute(
        insert(ClientWallet)
        .values(firm_id=firm_id, client_id=client_id)
        .on_conflict_do_nothing(index_elements=[ClientWallet.client_id])
    )


class MovedBalance(NamedTuple):
    wallet_id: uuid.UUID
    balance: Decimal
    currency: str


async def move_balance(
    session: AsyncSession, firm_id: uuid.UUID, client_id: uuid.UUID, amount: Decimal
) -> MovedBalance | None:
    """Adds ``amount`` (signed) to the balance in one statement; ``None`` if it would go negative.

    The database does the arithmetic on the row it has locked, so concurrent movements
    serialize on the row and none is lost; the condition is re-checked on the newest row
    version after a concurrent update, so two debits can never overdraw together.
    """
    result = await session.execute(
        update(ClientWallet)
        .where(
            ClientWallet.firm_id == firm_id,
            ClientWallet.client_id == client_id,
            ClientWallet.balance + amount >= 0,
        )
        .values(balance=ClientWallet.balance + amount)
        .returning(ClientWallet.id, ClientWallet.balance, ClientWallet.currency)
        .execution_options(synchronize_session=False)
    )
    row = result.one_or_none()
    return None if row is None else MovedBalance(row[0], row[1], row[2])


async def appointment_client(
    session: AsyncSession, firm_id: uuid.UUID, appointment_id: uuid.UUID
) -> tuple[bool, uuid.UUID | None]:
    """Whether the appointment exists in the firm, and whose it is."""
    row = (
        await session.execute(
            select(Appointment.client_id).where(
                Appointment.firm_id == firm_id, Appointment.id == appointment_id
            )
        )
    ).one_or_none()
    return (False, None) if row is None else (True, row[0])


async def lock_contact(session: AsyncSession, firm_id: uuid.UUID, contact: str) -> None:
    """Serializes, until commit, whoever finds or creates the firm's client of this contact
    (``phone:<digits>`` or ``email:<address>``), so that two at once never make two."""
    key = f"client-contact:{firm_id}:{contact}"
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def client_with_phone(
    session: AsyncSession, firm_id: uuid.UUID, digits: str
) -> uuid.UUID | None:
    """The firm's client whose phone has these digits (country code first; a stored leading
    ``00`` or ``+`` and any spacing ignored): the active one first, then the oldest."""
    stored = func.regexp_replace(Client.phone, "[^0-9]", "", "g")
    return await session.scalar(
        select(Client.id)
        .where(Client.firm_id == firm_id, or_(stored == digits, stored == "00" + digits))
        .order_by(Client.is_active.desc(), Client.created_at, Client.id)
        .limit(1)
    )


async def client_with_email(
    session: AsyncSession, firm_id: uuid.UUID, email: str
) -> uuid.UUID | None:
    """The firm's client with this (lower-cased) email, ignoring case and surrounding
    spaces: the active one first, then the oldest."""
    return await session.scalar(
        select(Client.id)
        .where(Client.firm_id == firm_id, func.lower(func.btrim(Client.email)) == email)
        .order_by(Client.is_active.desc(), Client.created_at, Client.id)
        .limit(1)
    )
