"""Property-based, through the API and the database: over prices, discounts and refunds, the
charge is the price less the half-even discount, the balance is exact to the cent and equals
the sum of the transactions, and refunds never exceed what was paid."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import World
from tests.wallets.helpers import (
    pay_url,
    priced_appointment,
    refund_url,
    stored_wallet,
    top_up_url,
)

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
percents = st.decimals(min_value=0, max_value=Decimal("99.99"), places=2)


@dataclass(frozen=True)
class Case:
    price: Decimal
    top_up: Decimal
    percent: Decimal | None
    amount_off: Decimal | None
    refunds: list[Decimal]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    price = draw(money)
    percent = amount_off = None
    match draw(st.sampled_from(["none", "percent", "amount"])):
        case "percent":
            percent = draw(percents)
        case "amount":
            amount_off = draw(st.decimals(min_value=0, max_value=price - Decimal("0.01"), places=2))
    return Case(
        price=price,
        top_up=draw(money),
        percent=percent,
        amount_off=amount_off,
        refunds=draw(st.lists(money, max_size=4)),
    )


def expected_charge(case: Case) -> Decimal:
    if case.percent is not None:
        off = (case.price * case.percent / 100).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    else:
        off = case.amount_off or Decimal("0.00")
    return case.price - off


async def _run(app: FastAPI, client: httpx.AsyncClient, world: World, case: Case) -> None:
    before, _, _ = await stored_wallet(app, world.client_id)
    up = await client.post(
        top_up_url(world.client_id),
        headers=world.headers("manager"),
        json={"amount": str(case.top_up), "reason": "property"},
    )
    assert up.status_code == 201, up.text
    balance = before + case.top_up
    assert Decimal(up.json()["balance"]) == balance

    appt = await priced_appointment(app, world, case.price)
    body: dict[str, str] = {}
    if case.percent is not None:
        body["discount_percent"] = str(case.percent)
    if case.amount_off is not None:
        body["discount_amount"] = str(case.amount_off)
    paid = await client.post(pay_url(appt), headers=world.headers("client"), json=body)
    charge = expected_charge(case)
    if charge == 0:
        # A percent that rounds the whole (tiny) price away leaves nothing to charge.
        assert paid.status_code == 409 and paid.json()["code"] == "nothing_to_pay"
        charged = Decimal("0.00")
    elif charge > balance:
        assert paid.status_code == 409 and paid.json()["code"] == "insufficient_balance"
        charged = Decimal("0.00")
    else:
        assert paid.status_code == 201, paid.text
        assert Decimal(paid.json()["transaction"]["amount"]) == -charge
        assert Decimal(paid.json()["transaction"]["discount"]) == case.price - charge
        charged = charge
        balance -= charge

    refunded = Decimal("0.00")
    for amount in case.refunds:
        back = await client.post(
            refund_url(appt),
            headers=world.headers("owner"),
            json={"amount": str(amount), "reason": "property"},
        )
        if refunded + amount <= charged:
            assert back.status_code == 201, back.text
            refunded += amount
            balance += amount
        else:
            assert back.status_code == 409 and back.json()["code"] == "refund_exceeds_payment"
    stored, total, _ = await stored_wallet(app, world.client_id)
    assert stored == balance == total
    assert refunded <= charged


async def test_payments_and_refunds_are_exact(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    loop = asyncio.get_running_loop()

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(cases())
    # A tie to the even cent, a price rounded away entirely, an overdraw, an over-refund.
    @example(Case(Decimal("10.05"), Decimal("20.00"), Decimal("50"), None, [Decimal("5.02")]))
    @example(Case(Decimal("0.01"), Decimal("1.00"), Decimal("99.99"), None, []))
    @example(Case(Decimal("30.00"), Decimal("0.01"), None, None, []))
    @example(Case(Decimal("3.00"), Decimal("9.00"), None, Decimal("1.00"), [Decimal("2.01")]))
    def prop(case: Case) -> None:
        asyncio.run_coroutine_threadsafe(_run(app, client, world, case), loop).result(timeout=120)

    # Hypothesis drives the examples from a thread; the database work stays on this loop.
    await asyncio.to_thread(prop)
