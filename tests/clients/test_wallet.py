from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import ClientWallet, WalletTransaction
from tests.factories import World, add_appointment

API = "/api/v1"


def _tx_url(client_id: uuid.UUID) -> str:
    return f"{API}/clients/{client_id}/wallet/transactions"


async def _wallet_rows(app: FastAPI, client_id: uuid.UUID) -> tuple[int, int]:
    """(wallets, transactions) stored for the client, read straight from the database."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        wallets = await session.scalar(
            select(func.count())
            .select_from(ClientWallet)
            .where(ClientWallet.client_id == client_id)
        )
        txs = await session.scalar(
            select(func.count())
            .select_from(WalletTransaction)
            .join(ClientWallet, ClientWallet.id == WalletTransaction.wallet_id)
            .where(ClientWallet.client_id == client_id)
        )
        return int(wallets or 0), int(txs or 0)


async def test_empty_wallet_reads_as_zero(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    resp = await client.get(
        f"{API}/clients/{world.client_id}/wallet", headers=world.headers("manager")
    )
    assert resp.status_code == 200
    assert resp.json() == {
        "client_id": str(world.client_id),
        "balance": "0.00",
        "currency": "EUR",
        "transactions": [],
    }
    assert await _wallet_rows(app, world.client_id) == (0, 0)  # reading creates nothing


async def test_credits_and_debits_are_exact(client: httpx.AsyncClient, world: World) -> None:
    head = world.headers("manager")
    first = await client.post(
        _tx_url(world.client_id), headers=head, json={"amount": 0.10, "description": "tip"}
    )
    assert first.status_code == 201, first.text
    assert first.json()["balance"] == "0.10"
    second = await client.post(
        _tx_url(world.client_id), headers=head, json={"amount": "0.20", "discount": "1.50"}
    )
    assert second.json()["balance"] == "0.30"
    tx = second.json()["transaction"]
    assert tx["amount"] == "0.20"
    assert tx["discount"] == "1.50"
    assert tx["created_by"] is not None
    debit = await client.post(_tx_url(world.client_id), headers=head, json={"amount": "-0.30"})
    assert debit.status_code == 201
    assert debit.json()["balance"] == "0.00"
    big = await client.post(
        _tx_url(world.client_id), headers=head, json={"amount": "9999999999.99"}
    )
    assert big.json()["balance"] == "9999999999.99"

    wallet = (await client.get(f"{API}/clients/{world.client_id}/wallet", headers=head)).json()
    assert wallet["balance"] == "9999999999.99"
    assert sorted(t["amount"] for t in wallet["transactions"]) == sorted(
        ["0.10", "0.20", "-0.30", "9999999999.99"]
    )
    assert sum(Decimal(t["amount"]) for t in wallet["transactions"]) == Decimal(wallet["balance"])

    # The client user may read their own wallet, but not another client's.
    own = await client.get(
        f"{API}/clients/{world.client_id}/wallet", headers=world.headers("client")
    )
    assert own.status_code == 200
    assert own.json()["balance"] == "9999999999.99"
    assert (
        await client.get(
            f"{API}/clients/{world.other_client_id}/wallet", headers=world.headers("client")
        )
    ).status_code == 403


async def test_overdraft_is_409_and_nothing_written(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    head = world.headers("director")
    # No wallet yet: the debit fails and the wallet it would have created is not kept.
    first = await client.post(_tx_url(world.client_id), headers=head, json={"amount": "-0.01"})
    assert first.status_code == 409
    assert first.json()["code"] == "insufficient_balance"
    assert await _wallet_rows(app, world.client_id) == (0, 0)

    await client.post(_tx_url(world.client_id), headers=head, json={"amount": "10.00"})
    over = await client.post(_tx_url(world.client_id), headers=head, json={"amount": "-10.01"})
    assert over.status_code == 409
    assert over.json()["code"] == "insufficient_balance"
    wallet = (await client.get(f"{API}/clients/{world.client_id}/wallet", headers=head)).json()
    assert wallet["balance"] == "10.00"
    assert len(wallet["transactions"]) == 1
    assert await _wallet_rows(app, world.client_id) == (1, 1)
    exact = await client.post(_tx_url(world.client_id), headers=head, json={"amount": "-10.00"})
    assert exact.json()["balance"] == "0.00"


async def test_concurrent_debits_never_overdraw(client: httpx.AsyncClient, world: World) -> None:
    head = world.headers("manager")
    await client.post(_tx_url(world.client_id), headers=head, json={"amount": "5.00"})
    results = await asyncio.gather(
        *(
            client.post(_tx_url(world.client_id), headers=head, json={"amount": "-1.00"})
            for _ in range(8)
        )
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] * 5 + [409] * 3
    wallet = (await client.get(f"{API}/clients/{world.client_id}/wallet", headers=head)).json()
    assert wallet["balance"] == "0.00"
    assert len(wallet["transactions"]) == 6


async def test_bad_transactions_are_422(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    head = world.headers("manager")
    bad_bodies = [
        {},
        {"amount": 0},
        {"amount": "0.00"},
        {"amount": "0.123"},
        {"amount": "abc"},
        {"amount": "10000000000.00"},
        {"amount": "1.00", "discount": "-0.01"},
        {"amount": "1.00", "discount": "0.001"},
        {"amount": "1.00", "description": "d" * 501},
        {"amount": "1.00", "appointment_id": "nope"},
        {"amount": "1.00", "balance": "100.00"},
        {"amount": "NaN"},
        {"amount": "Infinity"},
    ]
    for body in bad_bodies:
        resp = await client.post(_tx_url(world.client_id), headers=head, json=body)
        assert resp.status_code == 422, (body, resp.text)
    assert await _wallet_rows(app, world.client_id) == (0, 0)


async def test_roles_on_transactions(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    for role in ("client", "worker"):
        resp = await client.post(
            _tx_url(world.client_id), headers=world.headers(role), json={"amount": "100.00"}
        )
        assert resp.status_code == 403
    assert await _wallet_rows(app, world.client_id) == (0, 0)


async def test_transaction_for_an_appointment(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    head = world.headers("manager")
    own = await add_appointment(app, world, workers=[world.specialist_a], client_id=world.client_id)
    others = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.other_client_id
    )
    foreign = await add_appointment(
        app, other_world, workers=[other_world.specialist_a], client_id=other_world.client_id
    )

    ok = await client.post(
        _tx_url(world.client_id), headers=head, json={"amount": "25.00", "appointment_id": str(own)}
    )
    assert ok.status_code == 201
    assert ok.json()["transaction"]["appointment_id"] == str(own)

    wrong_client = await client.post(
        _tx_url(world.client_id),
        headers=head,
        json={"amount": "1.00", "appointment_id": str(others)},
    )
    assert wrong_client.status_code == 422
    assert wrong_client.json()["code"] == "appointment_of_other_client"
    wrong_firm = await client.post(
        _tx_url(world.client_id),
        headers=head,
        json={"amount": "1.00", "appointment_id": str(foreign)},
    )
    assert wrong_firm.status_code == 404
    assert wrong_firm.json()["code"] == "appointment_not_found"
    wallet = (await client.get(f"{API}/clients/{world.client_id}/wallet", headers=head)).json()
    assert wallet["balance"] == "25.00"
    assert len(wallet["transactions"]) == 1


async def test_history_is_latest_fifty(client: httpx.AsyncClient, world: World) -> None:
    head = world.headers("manager")
    for cents in range(1, 56):
        resp = await client.post(
            _tx_url(world.client_id), headers=head, json={"amount": f"0.{cents:02d}"}
        )
        assert resp.status_code == 201
    wallet = (await client.get(f"{API}/clients/{world.client_id}/wallet", headers=head)).json()
    assert len(wallet["transactions"]) == 50
    assert wallet["balance"] == str(sum(Decimal(f"0.{c:02d}") for c in range(1, 56)))
    # Newest first: the five oldest (0.01 .. 0.05) are the ones left out.
    assert {t["amount"] for t in wallet["transactions"]} == {f"0.{c:02d}" for c in range(6, 56)}
    assert wallet["transactions"][0]["amount"] == "0.55"
