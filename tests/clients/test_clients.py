from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from tests.factories import World, add_appointment

API = "/api/v1"


async def _create(client: httpx.AsyncClient, world: World, **fields: object) -> httpx.Response:
    body = {"first_name": "Dora", "last_name": "Diaz", **fields}
    return await client.post(f"{API}/clients", json=body, headers=world.headers("manager"))


async def test_create_read_update_client(client: httpx.AsyncClient, world: World) -> None:
    created = await _create(
        client,
        world,
        phone="+49 (30) 555-12",
        email="dora@example.com",
        locale="de-AT",
        telegram_id="123456",
        notes="prefers mornings",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["first_name"] == "Dora"
    assert body["phone"] == "+49 (30) 555-12"
    assert body["locale"] == "de-AT"
    assert body["is_active"] is True
    assert created.headers["location"].endswith(f"/api/v1/clients/{body['id']}")

    read = await client.get(f"{API}/clients/{body['id']}", headers=world.headers("director"))
    assert read.status_code == 200
    assert read.json() == body

    patched = await client.patch(
        f"{API}/clients/{body['id']}",
        headers=world.headers("owner"),
        json={"last_name": "Dahl", "email": None, "is_active": False},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["last_name"] == "Dahl"
    assert patched.json()["email"] is None
    assert patched.json()["is_active"] is False
    assert patched.json()["phone"] == "+49 (30) 555-12"  # untouched


async def test_list_search_filter_and_order(client: httpx.AsyncClient, world: World) -> None:
    for first, last, phone in [
        ("Zoe", "Adams", None),
        ("Amy", "Adams", "+44 20 7946 0000"),
        ("Bob", "Zeta", None),
        ("Max", "Mu_ller", None),
        ("Eva", "Bruell", None),
    ]:
        assert (
            await _create(client, world, first_name=first, last_name=last, phone=phone)
        ).status_code == 201
    inactive = (
        await _create(client, world, first_name="Ina", last_name="Active", is_active=False)
    ).json()
    head = world.headers("manager")

    everyone = (await client.get(f"{API}/clients", headers=head, params={"limit": 500})).json()
    names = [(c["last_name"], c["first_name"]) for c in everyone["items"]]
    assert names == sorted(names)
    assert everyone["total"] == 2 + 6  # the world's two clients and the six above

    adams = (await client.get(f"{API}/clients", headers=head, params={"q": "aDaMs"})).json()
    assert [c["first_name"] for c in adams["items"]] == ["Amy", "Zoe"]
    assert adams["total"] == 2

    by_phone = (await client.get(f"{API}/clients", headers=head, params={"q": "7946"})).json()
    assert [c["first_name"] for c in by_phone["items"]] == ["Amy"]
    full_name = (await client.get(f"{API}/clients", headers=head, params={"q": "amy adams"})).json()
    assert [c["first_name"] for c in full_name["items"]] == ["Amy"]
    # A LIKE wildcard typed by the user is a literal character ("Bruell" must not match).
    underscore = (await client.get(f"{API}/clients", headers=head, params={"q": "u_l"})).json()
    assert [c["first_name"] for c in underscore["items"]] == ["Max"]
    percent = (await client.get(f"{API}/clients", headers=head, params={"q": "%"})).json()
    assert percent["total"] == 0

    only_inactive = (
        await client.get(f"{API}/clients", headers=head, params={"active": "false"})
    ).json()
    assert [c["id"] for c in only_inactive["items"]] == [inactive["id"]]
    active = (await client.get(f"{API}/clients", headers=head, params={"active": "true"})).json()
    assert active["total"] == 7

    page1 = (
        await client.get(f"{API}/clients", headers=head, params={"limit": 3, "offset": 0})
    ).json()
    page2 = (
        await client.get(f"{API}/clients", headers=head, params={"limit": 3, "offset": 3})
    ).json()
    page3 = (
        await client.get(f"{API}/clients", headers=head, params={"limit": 3, "offset": 6})
    ).json()
    assert len(page3["items"]) == 2
    paged = [c["id"] for p in (page1, page2, page3) for c in p["items"]]
    assert paged == [c["id"] for c in everyone["items"]]
    assert (page1["total"], page1["limit"], page1["offset"]) == (8, 3, 0)


async def test_roles(client: httpx.AsyncClient, world: World) -> None:
    own = await client.get(f"{API}/clients/{world.client_id}", headers=world.headers("client"))
    assert own.status_code == 200
    assert own.json()["first_name"] == "Clara"
    other = await client.get(
        f"{API}/clients/{world.other_client_id}", headers=world.headers("client")
    )
    assert other.status_code == 403
    for role in ("worker", "worker_b"):
        head = world.headers(role)
        assert (await client.get(f"{API}/clients", headers=head)).status_code == 403
        assert (
            await client.get(f"{API}/clients/{world.client_id}", headers=head)
        ).status_code == 403
        assert (
            await client.get(f"{API}/clients/{world.client_id}/wallet", headers=head)
        ).status_code == 403
    client_head = world.headers("client")
    assert (await client.get(f"{API}/clients", headers=client_head)).status_code == 403
    assert (
        await client.post(f"{API}/clients", headers=client_head, json={"first_name": "X"})
    ).status_code == 403
    assert (
        await client.patch(
            f"{API}/clients/{world.client_id}", headers=client_head, json={"first_name": "Hacked"}
        )
    ).status_code == 403
    assert (
        await client.delete(f"{API}/clients/{world.client_id}", headers=client_head)
    ).status_code == 403
    reread = await client.get(f"{API}/clients/{world.client_id}", headers=client_head)
    assert reread.json()["first_name"] == "Clara"
    assert (await client.get(f"{API}/clients")).status_code == 401


async def test_bad_input_is_422_and_nothing_written(
    client: httpx.AsyncClient, world: World
) -> None:
    head = world.headers("manager")
    before = (await client.get(f"{API}/clients", headers=head)).json()["total"]
    bad_bodies = [
        {},  # first_name missing
        {"first_name": ""},
        {"first_name": "   "},
        {"first_name": "x" * 101},
        {"first_name": "A", "last_name": "x" * 101},
        {"first_name": "A", "email": "not-an-email"},
        {"first_name": "A", "phone": "call me"},
        {"first_name": "A", "phone": "12"},
        {"first_name": "A", "phone": "+" + "1" * 40},
        {"first_name": "A", "locale": "english"},
        {"first_name": "A", "locale": "DE"},
        {"first_name": "A", "notes": "n" * 5001},
        {"first_name": "A", "is_active": "maybe"},
        {"first_name": 42},
        {"first_name": "A", "nickname": "typo"},
    ]
    for body in bad_bodies:
        resp = await client.post(f"{API}/clients", json=body, headers=head)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["code"] == "validation_error"
    after = (await client.get(f"{API}/clients", headers=head)).json()["total"]
    assert after == before

    for patch in (
        {"first_name": None},
        {"is_active": None},
        {"locale": "xx_YY"},
        {"id": str(uuid.uuid4())},
    ):
        resp = await client.patch(f"{API}/clients/{world.client_id}", json=patch, headers=head)
        assert resp.status_code == 422, (patch, resp.text)
    reread = (await client.get(f"{API}/clients/{world.client_id}", headers=head)).json()
    assert reread["first_name"] == "Clara"
    assert reread["is_active"] is True
    assert reread["locale"] is None

    assert (
        await client.get(f"{API}/clients", headers=head, params={"limit": 0})
    ).status_code == 422
    assert (await client.get(f"{API}/clients/not-a-uuid", headers=head)).status_code == 422
    missing = await client.get(f"{API}/clients/{uuid.uuid4()}", headers=head)
    assert missing.status_code == 404
    assert missing.json()["code"] == "client_not_found"


async def test_telegram_id_unique_per_firm(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    assert (await _create(client, world, telegram_id="777")).status_code == 201
    again = await _create(client, world, telegram_id="777")
    assert again.status_code == 409
    assert again.json()["code"] == "telegram_id_taken"
    other = await client.post(
        f"{API}/clients",
        headers=other_world.headers("manager"),
        json={"first_name": "T", "telegram_id": "777"},
    )
    assert other.status_code == 201


async def test_delete_rules(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    head = world.headers("director")
    fresh = (await _create(client, world)).json()
    assert (await client.delete(f"{API}/clients/{fresh['id']}", headers=head)).status_code == 204
    assert (await client.get(f"{API}/clients/{fresh['id']}", headers=head)).status_code == 404

    # The world's client is linked to the client user's login.
    linked = await client.delete(f"{API}/clients/{world.client_id}", headers=head)
    assert linked.status_code == 409
    assert linked.json()["code"] == "client_has_login"

    await add_appointment(app, world, workers=[world.specialist_a], client_id=world.other_client_id)
    booked = await client.delete(f"{API}/clients/{world.other_client_id}", headers=head)
    assert booked.status_code == 409
    assert booked.json()["code"] == "client_in_use"
    assert "deactivate" in booked.json()["message"]
    assert (
        await client.get(f"{API}/clients/{world.other_client_id}", headers=head)
    ).status_code == 200

    paying = (await _create(client, world)).json()
    credit = await client.post(
        f"{API}/clients/{paying['id']}/wallet/transactions", headers=head, json={"amount": "5.00"}
    )
    assert credit.status_code == 201
    with_money = await client.delete(f"{API}/clients/{paying['id']}", headers=head)
    assert with_money.status_code == 409
    assert with_money.json()["code"] == "client_in_use"
    wallet = await client.get(f"{API}/clients/{paying['id']}/wallet", headers=head)
    assert wallet.json()["balance"] == "5.00"


async def test_tenant_isolation(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    head_b = other_world.headers("owner")
    url = f"{API}/clients/{world.client_id}"
    assert (await client.get(url, headers=head_b)).status_code == 404
    patched = await client.patch(url, headers=head_b, json={"first_name": "Stolen"})
    assert patched.status_code == 404
    assert patched.json()["code"] == "client_not_found"
    assert (await client.delete(url, headers=head_b)).status_code == 404
    assert (await client.get(f"{url}/wallet", headers=head_b)).status_code == 404
    assert (
        await client.post(f"{url}/wallet/transactions", headers=head_b, json={"amount": "1.00"})
    ).status_code == 404
    # A client user of firm B is not the owner of firm A's record either.
    assert (await client.get(url, headers=other_world.headers("client"))).status_code == 403
    listed = (await client.get(f"{API}/clients", headers=head_b)).json()
    assert world.client_id not in {uuid.UUID(c["id"]) for c in listed["items"]}

    unchanged = await client.get(url, headers=world.headers("owner"))
    assert unchanged.json()["first_name"] == "Clara"
    wallet = await client.get(f"{url}/wallet", headers=world.headers("owner"))
    assert wallet.json()["balance"] == "0.00"
    assert wallet.json()["transactions"] == []
