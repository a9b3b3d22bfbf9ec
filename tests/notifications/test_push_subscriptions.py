"""Browsers subscribe to Web Push for the user logged in there."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from sqlalchemy import select

from slotwise.models import PushSubscription
from slotwise.notifications import subscriptions
from slotwise.notifications.channels import ChannelSettings
from tests.factories import World
from tests.jobs.support import maker

URL = "/api/v1/push-subscriptions"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subscription(endpoint: str = "https://push.example.net/send/abc123") -> dict[str, Any]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": _b64(point), "auth": _b64(b"0123456789abcdef")},
    }


async def _stored(app: FastAPI, world: World) -> list[PushSubscription]:
    async with maker(app)() as session:
        return list(
            (
                await session.scalars(
                    select(PushSubscription).where(PushSubscription.firm_id == world.firm_id)
                )
            ).all()
        )


async def test_subscribe_renew_and_unsubscribe(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    body = subscription(f"https://push.example.net/send/{world.slug}")
    created = await client.post(URL, json=body, headers=world.headers("worker"))
    assert created.status_code == 201, created.text
    assert created.json()["endpoint"] == body["endpoint"]

    # The same user again, with new keys (the browser renewed them): one row, new keys.
    renewed = subscription(f"https://push.example.net/send/{world.slug}")
    again = await client.post(URL, json=renewed, headers=world.headers("worker"))
    assert again.status_code == 201
    assert again.json()["id"] == created.json()["id"]
    [row] = await _stored(app, world)
    assert row.p256dh == renewed["keys"]["p256dh"]
    listed = await client.get(URL, headers=world.headers("worker"))
    assert [s["endpoint"] for s in listed.json()] == [body["endpoint"]]
    assert (await client.get(URL, headers=world.headers("client"))).json() == []

    # Only its owner may remove it.
    foreign = await client.delete(
        URL, params={"endpoint": body["endpoint"]}, headers=world.headers("client")
    )
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "push_subscription_not_found"
    gone = await client.delete(
        URL, params={"endpoint": body["endpoint"]}, headers=world.headers("worker")
    )
    assert gone.status_code == 204
    assert await _stored(app, world) == []


async def test_an_endpoint_never_changes_owner(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    endpoint = f"https://push.example.net/send/{world.slug}-client"
    original = subscription(endpoint)
    created = await client.post(URL, json=original, headers=world.headers("client"))
    assert created.status_code == 201, created.text

    # Another user of the same firm, and a user of another firm, each with their own keys.
    for intruder, role in (
        (world, "worker"),
        (world, "director"),
        (other_world, "client"),
        (other_world, "owner"),
    ):
        taken = await client.post(URL, json=subscription(endpoint), headers=intruder.headers(role))
        assert taken.status_code == 409, (role, taken.text)
        assert taken.json()["code"] == "endpoint_in_use"
        assert "unsubscribe" in taken.json()["message"]
        assert (await client.get(URL, headers=intruder.headers(role))).json() == []

    [row] = await _stored(app, world)
    assert str(row.id) == created.json()["id"]
    assert (row.p256dh, row.auth) == (original["keys"]["p256dh"], original["keys"]["auth"])
    assert await _stored(app, other_world) == []
    listed = await client.get(URL, headers=world.headers("client"))
    assert [s["id"] for s in listed.json()] == [created.json()["id"]]


async def test_delete_by_id(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    created = await client.post(
        URL,
        json=subscription(f"https://push.example.net/{world.slug}"),
        headers=world.headers("director"),
    )
    subscription_id = created.json()["id"]
    assert (
        await client.delete(f"{URL}/{subscription_id}", headers=world.headers("owner"))
    ).status_code == 404
    assert (
        await client.delete(f"{URL}/{subscription_id}", headers=world.headers("director"))
    ).status_code == 204
    assert await _stored(app, world) == []


async def test_invalid_subscriptions_are_refused(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    good = subscription()
    keys = dict(good["keys"])
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


INTERNAL_ENDPOINTS = [
    "https://127.0.0.1:6379/x",
    "https://169.254.169.254/latest/meta-data/iam",
    "https://[::1]:5432/",
    "https://10.0.0.8/push/abc",
    "https://192.168.1.20:8443/push",
    "https://localhost/push/abc",
    "https://[::ffff:127.0.0.1]:6379/x",
    "https://[::ffff:a9fe:a9fe]/latest",
    "https://0x7f000001/push",
]


async def test_internal_endpoints_are_refused(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    for endpoint in INTERNAL_ENDPOINTS:
        resp = await client.post(URL, json=subscription(endpoint), headers=world.headers("client"))
        assert resp.status_code == 422, (endpoint, resp.text)
        assert resp.json()["code"] == "endpoint_not_allowed"
        assert "public internet" in resp.json()["message"]
    assert await _stored(app, world) == []


async def test_an_operator_can_allow_listed_hosts(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    app.dependency_overrides[subscriptions.channel_settings] = lambda: ChannelSettings(
        _env_file=None, outbound_allowed_hosts="127.0.0.1:8443, push.localhost"
    )
    try:
        for endpoint in ("https://127.0.0.1:8443/push/a", "https://push.localhost/push/b"):
            resp = await client.post(
                URL, json=subscription(endpoint), headers=world.headers("client")
            )
            assert resp.status_code == 201, (endpoint, resp.text)
        other_port = await client.post(
            URL, json=subscription("https://127.0.0.1:8444/push"), headers=world.headers("client")
        )
        assert other_port.json()["code"] == "endpoint_not_allowed"
    finally:
        del app.dependency_overrides[subscriptions.channel_settings]
    assert len(await _stored(app, world)) == 2


async def test_vapid_public_key(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.get(f"{URL}/vapid-public-key", headers=world.headers("client"))
    assert resp.status_code == 200
    assert set(resp.json()) == {"public_key"}
