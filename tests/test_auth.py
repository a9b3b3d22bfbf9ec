from __future__ import annotations

import httpx

from tests.auth.helpers import login as _login
from tests.factories import World


async def test_login_me_refresh_logout(client: httpx.AsyncClient, world: World) -> None:
    resp = await _login(client, world.emails["director"].upper())
    assert resp.status_code == 200, resp.text
    pair = resp.json()
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 15 * 60

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200
    assert me.json()["role"] == "director"
    assert me.json()["firm"]["slug"] == world.slug

    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new_pair = refreshed.json()
    assert new_pair["refresh_token"] != pair["refresh_token"]
    # Presenting the rotated token again: tests/auth/test_refresh.py.


async def test_logout_revokes_refresh_token(client: httpx.AsyncClient, world: World) -> None:
    pair = (await _login(client, world.emails["worker"])).json()
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert out.status_code == 204
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401


async def test_no_token_and_bad_token(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"
    assert resp.headers["www-authenticate"] == "Bearer"
    bad = await client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.json()["code"] == "invalid_token"


async def test_wrong_password_is_401_and_throttled(client: httpx.AsyncClient, world: World) -> None:
    email = world.emails["manager"]
    for _ in range(5):
        resp = await _login(client, email, "wrong password")
        assert resp.status_code == 401
        assert resp.json()["code"] == "invalid_credentials"
    blocked = await _login(client, email)  # even the right password waits out the window
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_attempts"
    assert int(blocked.headers["retry-after"]) > 0
    # Another account from the same address is not locked by this account's failures.
    other = await _login(client, world.emails["owner"])
    assert other.status_code == 200


async def test_unknown_email_is_same_error(client: httpx.AsyncClient) -> None:
    resp = await _login(client, "nobody@example.com")
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_credentials"


async def test_login_form_validation(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/v1/auth/token", data={"username": "x"})
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "validation_error"
    assert any(d["loc"][-1] == "password" for d in body["details"])
