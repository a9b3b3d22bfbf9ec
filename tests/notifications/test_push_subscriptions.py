"""Browsers subscribe to Web Push for the user logged in there."""

from __future__ import annotations

import base64

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from sqlalchemy import select

from slotwise.models import PushSubscription
from tests.factories import World
from tests.jobs.support import maker

URL = "/api/v1/push-subscriptions"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subscription(endpoint: str = "https://push.example.net/send/abc123") -> dict[str, object]:
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint)
    return {"endpoint": endpoint, "expirationTime": None,
            "keys": {"p256dh": _b64(point), "auth": _b64(b"0123456789abcdef")}}


async def _stored(app: FastAPI, world: World) -> list[PushSubscription]:
    async with maker(app)() as session:
        return list((await session.scalars(select(PushSubscription).where(
            PushSubscription.firm_id == world.firm_id))).all())


async def test_subscribe_replace_and_unsubscribe(client: httpx.AsyncClient, app: FastAPI,
                                                 world: World) -> None:
    body = subscription(f"https://push.example.net/send/{world.slug}")
    created = await client.post(URL, json=body, headers=world.headers("client"))
    assert created.status_code == 201, created.text
    assert created.json()["endpoint"] == body["endpoint"]

    # The same browser again (now logged in as the worker): one row, the worker's.
    again = await client.post(URL, json=body, headers=world.headers("worker"))
    assert again.status_code == 201
    assert again.json()["id"] == created.json()["id"]
    assert len(await _stored(app, world)) == 1
    listed = await client.get(URL, headers=world.headers("worker"))
    assert [s["endpoint"] for s in listed.json()] == [body["endpoint"]]
    assert (await client.get(URL, headers=world.headers("client"))).json() == []

    # Only its owner may remove it.
    foreign = await client.delete(URL, params={"endpoint": body["endpoint"]},
                                  headers=world.headers("client"))
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "push_subscription_not_found"
    gone = await client.delete(URL, params={"endpoint": body["endpoint"]},
                               headers=world.headers("worker"))
    assert gone.status_code == 204
    assert await _stored(app, world) == []


async def test_delete_by_id(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    created = await client.post(URL, json=subscription(f"https://push.example.net/{world.slug}"),
                                headers=world.headers("director"))
    subscription_id = created.json()["id"]
    assert (await client.delete(f"{URL}/{subscription_id}",
                                headers=world.headers("owner"))).status_code == 404
    assert (await client.delete(f"{URL}/{subscription_id}",
                                headers=world.headers("director"))).status_code == 204
    assert await _stored(app, world) == []


async def test_invalid_subscriptions_are_refused(client: httpx.AsyncClient, app: FastAPI,
                                                 world: World) -> None:
    good = subscription()
    keys = dict(good["keys"])  # type: ignore[call-overload]
    cases = [
        {**good, "endpoint": "http://push.example.net/x/y"},  # not https
        {**good, "endpoint": "javascript:alert(1)"},
        {**good, "keys": {**keys, "p256dh": _b64(b"\x04" + b"1" * 10)}},
        {**good, "keys": {**keys, "auth": _b64(b"short")}},
        {**good, "extra": 1},
    ]
    for body in cases:
        resp = await client.post(URL, json=body, headers=world.headers("client"))
        assert resp.status_code == 422, body
    assert await _stored(app, world) == []
    assert (await client.post(URL, json=good)).status_code == 401


async def test_vapid_public_key(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.get(f"{URL}/vapid-public-key", headers=world.headers("client"))
    assert resp.status_code == 200
    assert set(resp.json()) == {"public_key"}
