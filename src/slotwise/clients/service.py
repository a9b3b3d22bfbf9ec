"""Rules for clients and wallets: who may see what, what may be deleted, how money moves."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments.errors import AppointmentNotFound
from slotwise.auth.caller import Caller
from slotwise.clients import repository
from slotwise.clients.errors import (
    AppointmentOfOtherClient,
    ClientHasLogin,
    ClientInUse,
    InsufficientBalance,
    TelegramIdTaken,
)
from slotwise.clients.schemas import (
    ClientCreate,
    ClientOut,
    ClientPage,
    ClientUpdate,
    WalletOut,
    WalletTransactionIn,
    WalletTransactionOut,
    WalletTransactionResult,
    page_of,
)
from slotwise.errors import Forbidden
from slotwise.models import Client, WalletTransaction
from slotwise.repository import PageParams, apply_changes

WALLET_HISTORY_LIMIT = 50
DEFAULT_CURRENCY = "EUR"  # the column default of client_wallets.currency


def ensure_can_read(caller: Caller, client_id: uuid.UUID) -> None:
    """Staff see every client of the firm; a client user sees only their own record."""
    if caller.is_admin:
        return
    if caller.is_client and caller.client_id == client_id:
        return
    raise Forbidden("You may only see your own client record")


async def list_clients(
    session: AsyncSession, caller: Caller, *, q: str | None, active: bool | None, page: PageParams
) -> ClientPage:
    rows, total = await repository.search_clients(
        session, caller.firm_id, q=q, active=active, page=page
    )
    return page_of(rows, total, page.limit, page.offset)


async def get_client(session: AsyncSession, caller: Caller, client_id: uuid.UUID) -> ClientOut:
    ensure_can_read(caller, client_id)
    client = await repository.client_in_firm(session, caller.firm_id, client_id)
    return ClientOut.model_validate(client)


async def _ensure_telegram_id_free(
    session: AsyncSession,
    caller: Caller,
    telegram_id: str | None,
    *,
    except_client: uuid.UUID | None = None,
) -> None:
    if telegram_id and await repository.telegram_id_taken(
        session, caller.firm_id, telegram_id, except_client=except_client
    ):
        raise TelegramIdTaken("Another client already has this Telegram id")


async def create_client(session: AsyncSession, caller: Caller, data: ClientCreate) -> ClientOut:
    await _ensure_telegram_id_free(session, caller, data.telegram_id)
    client = Client(firm_id=caller.firm_id, **data.model_dump())
    session.add(client)
    await session.flush()
    await session.refresh(client)
    return ClientOut.model_validate(client)


async def update_client(
    session: AsyncSession, caller: Caller, client_id: uuid.UUID, data: ClientUpdate
) -> ClientOut:
    client = await repository.client_in_firm(session, caller.firm_id, client_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    if "telegram_id" in changes:
        await _ensure_telegram_id_free(
            session, caller, changes["telegram_id"], except_client=client.id
        )
    apply_changes(client, changes)
    await session.flush()
    return ClientOut.model_validate(client)


async def delete_client(session: AsyncSession, caller: Caller, client_id: uuid.UUID) -> None:
    """Deletes a client that has no history.

    A client with appointments or wallet transactions is kept (409 ``client_in_use``): that
    history belongs to the firm's books. Deactivate such a client instead
    (``PATCH {"is_active": false}``). A client linked to a user login is refused too
    (409 ``client_has_login``): remove or relink the login first.
    """
    client = await repository.client_in_firm(session, caller.firm_id, client_id, for_update=True)
    if await repository.has_login(session, caller.firm_id, client.id):
        raise ClientHasLogin("The client is linked to a user login; remove the login first")
    if await repository.has_appointments(session, caller.firm_id, client.id):
        raise ClientInUse("The client has appointments; deactivate the client instead")
    if await repository.has_wallet_transactions(session, caller.firm_id, client.id):
        raise ClientInUse(
            "The client has wallet transactions; deactivate the client instead",
        )
    await session.delete(client)
    await session.flush()


async def get_wallet(session: AsyncSession, caller: Caller, client_id: uuid.UUID) -> WalletOut:
    ensure_can_read(caller, client_id)
    await repository.client_in_firm(session, caller.firm_id, client_id)
    wallet = await repository.get_wallet(session, caller.firm_id, client_id)
    if wallet is None:
        return WalletOut(
            client_id=client_id, balance=Decimal("0.00"), currency=DEFAULT_CURRENCY, transactions=[]
        )
    transactions = await repository.latest_transactions(
        session, caller.firm_id, wallet.id, limit=WALLET_HISTORY_LIMIT
    )
    return WalletOut(
        client_id=client_id,
        balance=wallet.balance,
        currency=wallet.currency,
        transactions=[WalletTransactionOut.model_validate(t) for t in transactions],
    )


async def _ensure_appointment_of_client(
    session: AsyncSession, caller: Caller, client_id: uuid.UUID, appointment_id: uuid.UUID
) -> None:
    found, owner = await repository.appointment_client(session, caller.firm_id, appointment_id)
    if not found:
        raise AppointmentNotFound(f"No appointment with id {appointment_id}")
    if owner != client_id:
        raise AppointmentOfOtherClient("The appointment belongs to another client")


async def add_transaction(
    session: AsyncSession, caller: Caller, client_id: uuid.UUID, data: WalletTransactionIn
) -> WalletTransactionResult:
    """Moves the balance and records the movement in the request's one transaction."""
    await repository.client_in_firm(session, caller.firm_id, client_id)
    if data.appointment_id is not None:
        await _ensure_appointment_of_client(session, caller, client_id, data.appointment_id)
    await repository.ensure_wallet(session, caller.firm_id, client_id)
    moved = await repository.move_balance(session, caller.firm_id, client_id, data.amount)
    if moved is None:
        # The request's transaction rolls back, so a wallet created just now goes too.
        raise InsufficientBalance("The wallet balance is lower than the debit")
    transaction = WalletTransaction(
        firm_id=caller.firm_id,
        wallet_id=moved.wallet_id,
        amount=data.amount,
        discount=data.discount,
        description=data.description,
        appointment_id=data.appointment_id,
        created_by=caller.user_id,
    )
    session.add(transaction)
    await session.flush()
    await session.refresh(transaction)
    return WalletTransactionResult(
        transaction=WalletTransactionOut.model_validate(transaction),
        balance=moved.balance,
        currency=moved.currency,
    )
