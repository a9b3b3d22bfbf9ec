"""Rules of wallet operations. Each operation is one wallet transaction written with its
balance change in the request's one database transaction (the request owns it): a refusal
raised here rolls both back."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.appointments.errors import AppointmentNotFound
from slotwise.auth.caller import Caller
from slotwise.clients import repository as clients_repository
from slotwise.clients.service import ensure_can_read
from slotwise.errors import Forbidden
from slotwise.models import WalletTransaction
from slotwise.repository import PageParams
from slotwise.wallets import money, repository
from slotwise.wallets.errors import (
    AppointmentAlreadyPaid,
    AppointmentCancelled,
    AppointmentWithoutClient,
    DiscountAboveFirmLimit,
    DiscountExceedsPrice,
    InsufficientBalance,
    NothingToPay,
    RefundExceedsPayment,
)
from slotwise.wallets.schemas import (
    Kind,
    OperationOut,
    PaymentIn,
    RefundIn,
    Statement,
    StatementLine,
    TopUpIn,
    TransactionOut,
)

DEFAULT_CURRENCY = "EUR"  # the column default of client_wallets.currency


def kind_of(amount: Decimal, appointment_id: uuid.UUID | None) -> Kind:
    if appointment_id is None:
        return "top_up" if amount > 0 else "debit"
    return "refund" if amount > 0 else "payment"


async def _record(
    session: AsyncSession,
    caller: Caller,
    client_id: uuid.UUID,
    *,
    amount: Decimal,
    discount: Decimal,
    reason: str,
    appointment_id: uuid.UUID | None,
) -> OperationOut:
    """Moves the balance by ``amount`` (one conditional UPDATE: concurrent debits serialize on
    the wallet row and none can overdraw) and writes its transaction."""
    await clients_repository.ensure_wallet(session, caller.firm_id, client_id)
    moved = await clients_repository.move_balance(session, caller.firm_id, client_id, amount)
    if moved is None:
        raise InsufficientBalance(f"The wallet balance is lower than {amount.copy_abs()}")
    row = WalletTransaction(
        firm_id=caller.firm_id,
        wallet_id=moved.wallet_id,
        amount=amount,
        discount=discount,
        description=reason,
        appointment_id=appointment_id,
        created_by=caller.user_id,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return OperationOut(
        transaction=TransactionOut(
            id=row.id,
            kind=kind_of(row.amount, row.appointment_id),
            amount=row.amount,
            discount=row.discount,
            reason=row.description,
            appointment_id=row.appointment_id,
            created_by=row.created_by,
            created_at=row.created_at,
        ),
        balance=moved.balance,
        currency=moved.currency,
    )


async def top_up(
    session: AsyncSession, caller: Caller, client_id: uuid.UUID, data: TopUpIn
) -> OperationOut:
    await clients_repository.client_in_firm(session, caller.firm_id, client_id)
    return await _record(
        session,
        caller,
        client_id,
        amount=data.amount,
        discount=Decimal("0.00"),
        reason=data.reason,
        appointment_id=None,
    )


async def _locked(
    session: AsyncSession, caller: Caller, appointment_id: uuid.UUID
) -> tuple[uuid.UUID, Decimal, str]:
    """The appointment's client and price, locked; a client may act only on their own."""
    found = await repository.lock_appointment(session, caller.firm_id, appointment_id)
    if found is None:
        raise AppointmentNotFound(f"No appointment with id {appointment_id}")
    if not caller.is_admin and (caller.client_id is None or found.client_id != caller.client_id):
        # Not told apart from a missing one: a client learns nothing of others' appointments.
        raise AppointmentNotFound(f"No appointment with id {appointment_id}")
    if found.client_id is None:
        raise AppointmentWithoutClient("The appointment has no client, so no wallet to pay from")
    return found.client_id, found.price, found.status


async def pay(
    session: AsyncSession, caller: Caller, appointment_id: uuid.UUID, data: PaymentIn
) -> OperationOut:
    """Pays the appointment's price, less the discount, from its client's wallet, once."""
    if not (caller.is_admin or caller.is_client):
        raise Forbidden("Only staff or the appointment's client may pay it")
    client_id, price, status = await _locked(session, caller, appointment_id)
    if status == "cancelled":
        # Nothing to pay for (a refund of an earlier payment is still possible).
        raise AppointmentCancelled("The appointment is cancelled")
    if await repository.net_paid(session, caller.firm_id, appointment_id) > 0:
        raise AppointmentAlreadyPaid("The appointment is already paid from the wallet")
    if data.discount_amount is not None and data.discount_amount > price:
        raise DiscountExceedsPrice(
            f"The discount {data.discount_amount} is larger than the price {price}"
        )
    discount, charge = money.discounted(
        price, percent=data.discount_percent, amount=data.discount_amount
    )
    limit = await repository.max_discount_percent(session, caller.firm_id)
    # A percent is checked as given (its rounding to the cent may pass the limit by half a
    # cent); an amount off counts by the percent it is of the price, compared exactly.
    if (
        data.discount_percent > limit
        if data.discount_percent is not None
        else discount * 100 > price * limit
    ):
        raise DiscountAboveFirmLimit(f"The firm allows a discount of at most {limit} %")
    if charge <= 0:
        raise NothingToPay("The appointment costs nothing after the discount")
    return await _record(
        session,
        caller,
        client_id,
        amount=-charge,
        discount=discount,
        reason=data.reason or "Payment for the appointment",
        appointment_id=appointment_id,
    )


async def refund(
    session: AsyncSession, caller: Caller, appointment_id: uuid.UUID, data: RefundIn
) -> OperationOut:
    """Gives back all or part of what the appointment's payments took, to the same wallet."""
    client_id, _, _ = await _locked(session, caller, appointment_id)
    refundable = await repository.net_paid(session, caller.firm_id, appointment_id)
    amount = refundable if data.amount is None else data.amount
    if amount <= 0 or amount > refundable:
        raise RefundExceedsPayment(
            f"At most {max(refundable, Decimal('0.00'))} can be refunded for this appointment"
        )
    return await _record(
        session,
        caller,
        client_id,
        amount=amount,
        discount=Decimal("0.00"),
        reason=data.reason,
        appointment_id=appointment_id,
    )


async def statement(
    session: AsyncSession, caller: Caller, client_id: uuid.UUID, page: PageParams
) -> Statement:
    ensure_can_read(caller, client_id)
    await clients_repository.client_in_firm(session, caller.firm_id, client_id)
    wallet = await repository.wallet_of(session, caller.firm_id, client_id)
    if wallet is None:
        return Statement(
            items=[],
            total=0,
            limit=page.limit,
            offset=page.offset,
            client_id=client_id,
            balance=Decimal("0.00"),
            currency=DEFAULT_CURRENCY,
        )
    lines, total = await repository.statement(
        session, caller.firm_id, wallet.id, limit=page.limit, offset=page.offset
    )
    return Statement(
        items=[
            StatementLine(
                id=line.id,
                kind=kind_of(line.amount, line.appointment_id),
                amount=line.amount,
                discount=line.discount,
                reason=line.description,
                appointment_id=line.appointment_id,
                created_by=line.created_by,
                created_at=line.created_at,
                balance_after=line.balance_after,
            )
            for line in lines
        ],
        total=total,
        limit=page.limit,
        offset=page.offset,
        client_id=client_id,
        balance=wallet.balance,
        currency=wallet.currency,
    )
