"""Money under concurrency, over real HTTP connections to a live server: simultaneous
payments never overdraw, simultaneous retries never charge twice, simultaneous refunds never
give back more than was paid."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from slotwise.config import Settings
from tests.factories import World
from tests.live_server import live_server
from tests.wallets.helpers import (
    pay_url,
    priced_appointment,
    refund_url,
    stored_wallet,
    top_up_url,
)

REQUESTS = 50


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    with live_server(settings) as base_url:
        yield base_url


async def _fire(
    base_url: str, calls: list[tuple[str, dict[str, str], dict[str, object]]]
) -> list[httpx.Response]:
    """Sends every (path, headers, body) at once, each on its own connection."""
    clients = [httpx.AsyncClient(base_url=base_url, timeout=60) for _ in calls]
    try:
        start = asyncio.Event()

        async def one(
            client: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, object]
        ) -> httpx.Response:
            await start.wait()
            return await client.post(path, headers=headers, json=body)

        tasks = [asyncio.create_task(one(c, *call)) for c, call in zip(clients, calls, strict=True)]
        await asyncio.sleep(0.05)
        start.set()
        return await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def _top_up(base_url: str, world: World, amount: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        resp = await client.post(
            top_up_url(world.client_id),
            headers=world.headers("manager"),
            json={"amount": amount, "reason": "float for the test"},
        )
        assert resp.status_code == 201, resp.text


async def test_fifty_payments_from_a_wallet_that_covers_ten(
    app: FastAPI, server: str, world: World
) -> None:
    appointments = [await priced_appointment(app, world, Decimal("10.01")) for _ in range(REQUESTS)]
    await _top_up(server, world, "100.10")
    responses = await _fire(
        server, [(pay_url(a), world.headers("client"), {}) for a in appointments]
    )
    assert Counter(r.status_code for r in responses) == {201: 10, 409: 40}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"insufficient_balance"}
    balance, total, count = await stored_wallet(app, world.client_id)
    assert (balance, total, count) == (Decimal("0.00"), Decimal("0.00"), 11)
    # Every answered balance is a distinct step of the one sequence of debits.
    after = sorted(Decimal(r.json()["balance"]) for r in responses if r.status_code == 201)
    assert after == [Decimal("10.01") * n for n in range(10)]


async def test_simultaneous_retries_charge_once(app: FastAPI, server: str, world: World) -> None:
    appt = await priced_appointment(app, world, Decimal("3.33"))
    await _top_up(server, world, "10.00")
    head = {**world.headers("client"), "Idempotency-Key": "pay-once"}
    responses = await _fire(server, [(pay_url(appt), head, {}) for _ in range(20)])
    # The first commits; every retry waited on its key and replays it.
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["transaction"]["id"] for r in responses}) == 1
    assert await stored_wallet(app, world.client_id) == (Decimal("6.67"), Decimal("6.67"), 2)


async def test_simultaneous_refunds_never_exceed_the_payment(
    app: FastAPI, server: str, world: World
) -> None:
    appt = await priced_appointment(app, world, Decimal("5.00"))
    await _top_up(server, world, "5.00")
    async with httpx.AsyncClient(base_url=server, timeout=60) as client:
        paid = await client.post(pay_url(appt), headers=world.headers("manager"), json={})
        assert paid.status_code == 201, paid.text
    body: dict[str, object] = {"amount": "1.00", "reason": "goodwill"}
    responses = await _fire(
        server, [(refund_url(appt), world.headers("owner"), body) for _ in range(20)]
    )
    assert Counter(r.status_code for r in responses) == {201: 5, 409: 15}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "refund_exceeds_payment"
    }
    assert await stored_wallet(app, world.client_id) == (Decimal("5.00"), Decimal("5.00"), 7)
