"""Top-ups, payments, refunds and the statement over the API: exact to the cent, refused
clearly, never charged twice, and only by whom the roles allow."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.models import Appointment, ClientWallet
from tests.factories import World
from tests.wallets.helpers import (
    pay_url,
    priced_appointment,
    refund_url,
    statement_url,
    stored_wallet,
    top_up_url,
)


async def _top_up(
    client: httpx.AsyncClient, world: World, amount: str, client_id: uuid.UUID | None = None
) -> httpx.Response:
    return await client.post(
        top_up_url(client_id or world.client_id),
        headers=world.headers("manager"),
        json={"amount": amount, "reason": "cash at the desk"},
    )


async def test_top_up_pay_refund_and_statement(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appt = await priced_appointment(app, world, Decimal("33.33"))
    up = await _top_up(client, world, "100.00")
    assert up.status_code == 201, up.text
    assert up.json()["balance"] == "100.00"
    assert up.json()["transaction"]["kind"] == "top_up"
    assert up.json()["transaction"]["reason"] == "cash at the desk"

    paid = await client.post(
        pay_url(appt), headers=world.headers("director"), json={"discount_percent": "10"}
    )
    assert paid.status_code == 201, paid.text
    tx = paid.json()["transaction"]
    # 10 % of 33.33 is 3.333 -> 3.33; charged 30.00.
    assert (tx["kind"], tx["amount"], tx["discount"]) == ("payment", "-30.00", "3.33")
    assert tx["appointment_id"] == str(appt)
    assert paid.json()["balance"] == "70.00"

    again = await client.post(pay_url(appt), headers=world.headers("director"), json={})
    assert again.status_code == 409 and again.json()["code"] == "appointment_already_paid"

    part = await client.post(
        refund_url(appt),
        headers=world.headers("owner"),
        json={"amount": "12.50", "reason": "service shortened"},
    )
    assert part.status_code == 201, part.text
    assert part.json()["transaction"]["kind"] == "refund"
    assert part.json()["balance"] == "82.50"
    over = await client.post(
        refund_url(appt), headers=world.headers("owner"), json={"amount": "17.51", "reason": "x"}
    )
    assert over.status_code == 409 and over.json()["code"] == "refund_exceeds_payment"
    rest = await client.post(refund_url(appt), headers=world.headers("owner"), json={"reason": "y"})
    assert rest.status_code == 201 and rest.json()["transaction"]["amount"] == "17.50"
    none_left = await client.post(
        refund_url(appt), headers=world.headers("owner"), json={"reason": "z"}
    )
    assert none_left.status_code == 409 and none_left.json()["code"] == "refund_exceeds_payment"

    statement = await client.get(statement_url(world.client_id), headers=world.headers("client"))
    assert statement.status_code == 200, statement.text
    body = statement.json()
    assert [(i["kind"], i["amount"], i["balance_after"]) for i in body["items"]] == [
        ("top_up", "100.00", "100.00"),
        ("payment", "-30.00", "70.00"),
        ("refund", "12.50", "82.50"),
        ("refund", "17.50", "100.00"),
    ]
    assert (body["balance"], body["total"], body["currency"]) == ("100.00", 4, "EUR")
    page = await client.get(
        statement_url(world.client_id),
        params={"limit": 2, "offset": 2},
        headers=world.headers("manager"),
    )
    # The running balance is over the whole history, not restarted on the page.
    assert [i["balance_after"] for i in page.json()["items"]] == ["82.50", "100.00"]
    assert await stored_wallet(app, world.client_id) == (Decimal("100.00"), Decimal("100.00"), 4)


async def test_an_overdraw_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appt = await priced_appointment(app, world, Decimal("25.00"))
    await _top_up(client, world, "24.99")
    resp = await client.post(pay_url(appt), headers=world.headers("client"), json={})
    assert resp.status_code == 409
    assert resp.json()["code"] == "insufficient_balance"
    assert await stored_wallet(app, world.client_id) == (Decimal("24.99"), Decimal("24.99"), 1)
    # With an amount discount that brings it within the balance, it goes through.
    ok = await client.post(
        pay_url(appt), headers=world.headers("client"), json={"discount_amount": "0.01"}
    )
    assert ok.status_code == 201 and ok.json()["balance"] == "0.00"


async def test_discount_bounds(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    appt = await priced_appointment(app, world, Decimal("20.00"))
    head = world.headers("manager")
    await _top_up(client, world, "50.00")
    too_much = await client.post(pay_url(appt), headers=head, json={"discount_amount": "20.01"})
    assert too_much.status_code == 422 and too_much.json()["code"] == "discount_exceeds_price"
    for body in (
        {"discount_percent": "100.01"},
        {"discount_percent": "-1"},
        {"discount_percent": "10", "discount_amount": "1.00"},
        {"discount_amount": "0.001"},
    ):
        resp = await client.post(pay_url(appt), headers=head, json=body)
        assert resp.status_code == 422 and resp.json()["code"] == "validation_error", body
    free = await client.post(pay_url(appt), headers=head, json={"discount_percent": "100"})
    assert free.status_code == 409 and free.json()["code"] == "nothing_to_pay"
    assert await stored_wallet(app, world.client_id) == (Decimal("50.00"), Decimal("50.00"), 1)


async def test_a_client_pays_only_their_own(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    theirs = await priced_appointment(app, world, Decimal("5.00"), client_id=world.other_client_id)
    await _top_up(client, world, "50.00", client_id=world.other_client_id)
    resp = await client.post(pay_url(theirs), headers=world.headers("client"), json={})
    assert resp.status_code == 404 and resp.json()["code"] == "appointment_not_found"
    worker = await client.post(pay_url(theirs), headers=world.headers("worker"), json={})
    assert worker.status_code == 403
    others = await client.get(statement_url(world.other_client_id), headers=world.headers("client"))
    assert others.status_code == 403
    assert await stored_wallet(app, world.other_client_id) == (
        Decimal("50.00"),
        Decimal("50.00"),
        1,
    )


async def test_another_firm_cannot_touch_the_wallet(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    appt = await priced_appointment(app, world, Decimal("5.00"))
    await _top_up(client, world, "10.00")
    head = other_world.headers("owner")
    up = await client.post(
        top_up_url(world.client_id), headers=head, json={"amount": "1", "reason": "x"}
    )
    pay = await client.post(pay_url(appt), headers=head, json={})
    back = await client.post(refund_url(appt), headers=head, json={"reason": "x"})
    assert [r.status_code for r in (up, pay, back)] == [404, 404, 404]
    assert await stored_wallet(app, world.client_id) == (Decimal("10.00"), Decimal("10.00"), 1)


async def test_an_appointment_without_client_has_no_wallet(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appt = await priced_appointment(app, world, Decimal("5.00"))
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            update(Appointment).where(Appointment.id == appt).values(client_id=None)
        )
    resp = await client.post(pay_url(appt), headers=world.headers("manager"), json={})
    assert resp.status_code == 409 and resp.json()["code"] == "appointment_without_client"


async def test_a_cancelled_appointment_is_not_paid_but_an_earlier_payment_is_refunded(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    first = await priced_appointment(app, world, Decimal("6.00"))
    second = await priced_appointment(app, world, Decimal("6.00"))
    head = world.headers("manager")
    await _top_up(client, world, "20.00")
    paid = await client.post(pay_url(first), headers=head, json={})
    assert paid.status_code == 201, paid.text
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            update(Appointment)
            .where(Appointment.id.in_([first, second]))
            .values(status="cancelled")
        )
    refused = await client.post(pay_url(second), headers=head, json={})
    assert refused.status_code == 409 and refused.json()["code"] == "appointment_cancelled"
    back = await client.post(refund_url(first), headers=head, json={"reason": "cancelled"})
    assert back.status_code == 201, back.text
    assert (await stored_wallet(app, world.client_id))[0] == Decimal("20.00")


async def test_retries_with_the_idempotency_key_never_charge_twice(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appt = await priced_appointment(app, world, Decimal("7.77"))
    head = {**world.headers("manager"), "Idempotency-Key": "top-up-1"}
    body = {"amount": "10.00", "reason": "cash"}
    first = await client.post(top_up_url(world.client_id), headers=head, json=body)
    second = await client.post(top_up_url(world.client_id), headers=head, json=body)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    other = await client.post(
        top_up_url(world.client_id), headers=head, json={**body, "amount": "11.00"}
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"

    pay_head = {**world.headers("client"), "Idempotency-Key": "pay-1"}
    paid = [await client.post(pay_url(appt), headers=pay_head, json={}) for _ in range(3)]
    assert {r.status_code for r in paid} == {201}
    assert len({r.json()["transaction"]["id"] for r in paid}) == 1

    refund_head = {**world.headers("owner"), "Idempotency-Key": "refund-1"}
    part = {"amount": "1.00", "reason": "late"}
    refunds = [
        await client.post(refund_url(appt), headers=refund_head, json=part) for _ in range(3)
    ]
    assert {r.json()["transaction"]["id"] for r in refunds} == {
        refunds[0].json()["transaction"]["id"]
    }
    # 10.00 - 7.77 + 1.00, one of each.
    assert await stored_wallet(app, world.client_id) == (Decimal("3.23"), Decimal("3.23"), 3)


async def test_the_database_itself_refuses_a_negative_balance(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """The last line of defence, below the conditional UPDATE: the table's CHECK."""
    await _top_up(client, world, "1.00")
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    with pytest.raises(IntegrityError, match="balance_not_negative"):
        async with maker.begin() as session:
            await session.execute(
                update(ClientWallet)
                .where(ClientWallet.client_id == world.client_id)
                .values(balance=ClientWallet.balance - Decimal("1.01"))
            )
    assert await stored_wallet(app, world.client_id) == (Decimal("1.00"), Decimal("1.00"), 1)


async def test_the_firm_limits_discounts(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    appt = await priced_appointment(app, world, Decimal("40.00"))
    await _top_up(client, world, "100.00")
    owner = world.headers("owner")
    setting = await client.patch("/api/v1/firm", headers=owner, json={"max_discount_percent": "25"})
    assert setting.status_code == 200 and setting.json()["max_discount_percent"] == "25.00"
    head = world.headers("manager")
    for body in ({"discount_percent": "25.01"}, {"discount_amount": "10.01"}):
        resp = await client.post(pay_url(appt), headers=head, json=body)
        assert resp.status_code == 422, body
        assert resp.json()["code"] == "discount_above_firm_limit", body
    bad = await client.patch("/api/v1/firm", headers=owner, json={"max_discount_percent": "101"})
    assert bad.status_code == 422
    ok = await client.post(pay_url(appt), headers=head, json={"discount_amount": "10.00"})
    assert ok.status_code == 201 and ok.json()["transaction"]["amount"] == "-30.00"
