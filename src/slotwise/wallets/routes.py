"""HTTP routes of wallet operations. Every money write takes an ``Idempotency-Key``: a retry
with the same key and body answers the first result and moves no money again."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from slotwise.auth.dependencies import AdminDep, CallerDep
from slotwise.deps import SessionDep
from slotwise.errors import ERROR_RESPONSES
from slotwise.idempotency import IdempotencyKeyHeader, run_idempotent
from slotwise.repository import PageParams
from slotwise.wallets import service
from slotwise.wallets.schemas import OperationOut, PaymentIn, RefundIn, Statement, TopUpIn

router = APIRouter(tags=["wallets"], responses=ERROR_RESPONSES)


@router.post("/clients/{client_id}/wallet/top-ups", response_model=OperationOut, status_code=201)
async def top_up(
    client_id: uuid.UUID,
    body: TopUpIn,
    caller: AdminDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Credit the client's wallet (staff only); the wallet is created on first use."""

    async def act() -> tuple[int, OperationOut]:
        return 201, await service.top_up(session, caller, client_id, body)

    return await run_idempotent(
        session,
        user_id=caller.user_id,
        key=idempotency_key,
        endpoint=f"POST /clients/{client_id}/wallet/top-ups",
        body=body,
        action=act,
    )


@router.post(
    "/appointments/{appointment_id}/wallet-payment", response_model=OperationOut, status_code=201
)
async def pay_appointment(
    appointment_id: uuid.UUID,
    body: PaymentIn,
    caller: CallerDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Pay the appointment's price (its services' prices), less an optional discount, from
    its client's wallet (staff; a client: their own appointment only, else 404).

    A percent discount is rounded half-even to the cent. A balance lower than the charge: 409
    `insufficient_balance` and nothing is written; a second payment of a paid appointment:
    409 `appointment_already_paid`; a discount above the price: 422
    `discount_exceeds_price`; nothing left to charge: 409 `nothing_to_pay`.
    """

    async def act() -> tuple[int, OperationOut]:
        return 201, await service.pay(session, caller, appointment_id, body)

    return await run_idempotent(
        session,
        user_id=caller.user_id,
        key=idempotency_key,
        endpoint=f"POST /appointments/{appointment_id}/wallet-payment",
        body=body,
        action=act,
    )


@router.post(
    "/appointments/{appointment_id}/wallet-refunds", response_model=OperationOut, status_code=201
)
async def refund_appointment(
    appointment_id: uuid.UUID,
    body: RefundIn,
    caller: AdminDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Refund all (no `amount`) or part of the appointment's wallet payment, back to the
    same wallet (staff only). More than was paid and not yet refunded: 409
    `refund_exceeds_payment`."""

    async def act() -> tuple[int, OperationOut]:
        return 201, await service.refund(session, caller, appointment_id, body)

    return await run_idempotent(
        session,
        user_id=caller.user_id,
        key=idempotency_key,
        endpoint=f"POST /appointments/{appointment_id}/wallet-refunds",
        body=body,
        action=act,
    )


@router.get("/clients/{client_id}/wallet/statement", response_model=Statement)
async def wallet_statement(
    client_id: uuid.UUID,
    caller: CallerDep,
    session: SessionDep,
    page: Annotated[PageParams, Query()],
) -> Statement:
    """The client's wallet transactions, oldest first, each with the running balance
    (staff; a client user: their own only)."""
    return await service.statement(session, caller, client_id, page)
