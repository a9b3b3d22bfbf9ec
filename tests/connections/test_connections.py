"""Creating, reading, changing and deleting connections of each kind: validation, the URL
check, versions, and credentials that never come back."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections.secrets import decrypt_credentials
from slotwise.models import Specialist
from tests.connections.helpers import (
    API,
    CALDAV_PASSWORD,
    PARTNER_TOKEN,
    USER_TOKEN,
    allowed_hosts,
    caldav_body,
    connection_row,
    create,
    yclients_body,
)
from tests.factories import World

SECRETS = (PARTNER_TOKEN, USER_TOKEN, CALDAV_PASSWORD)


def _shows_no_secret(response: httpx.Response) -> None:
    for secret in SECRETS:
        assert secret not in response.text


async def test_create_and_read_a_yclients_connection(
    client: httpx.AsyncClient, world: World
) -> None:
    resp = await client.post(API, json=yclients_body(world), headers=world.headers("owner"))
    assert resp.status_code == 201, resp.text
    _shows_no_secret(resp)
    created = resp.json()
    assert created["kind"] == "yclients"
    assert created["settings"] == {
        "company_id": 4564,
        "base_url": "https://api.yclients.com/api/v1",
        "window_days": 1,
        "grace_seconds": 30,
    }
    assert created["credentials_set"] == ["partner_token", "user_token"]
    assert created["poll_interval_seconds"] == 60 and created["enabled"] is True
    assert created["health"] == "new" and created["version"] == 1
    assert created["specialist_id"] is None and created["next_run_at"] is None
    assert resp.headers["ETag"] == '"1"'
    assert resp.headers["Location"].endswith(f"{API}/{created['id']}")

    one = await client.get(f"{API}/{created['id']}", headers=world.headers("director"))
    assert one.status_code == 200 and one.json() == created
    assert one.headers["ETag"] == '"1"'
    listed = await client.get(API, headers=world.headers("owner"))
    assert listed.json()["items"] == [created] and listed.json()["total"] == 1
    _shows_no_secret(one)
    _shows_no_secret(listed)


async def test_create_a_caldav_connection(client: httpx.AsyncClient, world: World) -> None:
    created = await create(client, world, caldav_body(world, poll_interval_seconds=300))
    assert created["kind"] == "caldav"
    assert created["specialist_id"] == str(world.specialist_a)
    assert created["settings"] == {
        "url": "https://caldav.example.com/dav/anna/",
        "calendar": "work",
    }
    assert created["credentials_set"] == ["password", "username"]
    assert created["poll_interval_seconds"] == 300


async def test_credentials_are_stored_encrypted(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session:
        row = (
            await session.execute(
                text(
                    "SELECT credentials, settings::text AS settings FROM connections WHERE id = :id"
                ),
                {"id": created["id"]},
            )
        ).one()
    stored = bytes(row.credentials)
    for secret in SECRETS:
        assert secret.encode() not in stored
        assert secret not in row.settings
    assert decrypt_credentials(app.state.secret_key, stored) == {
        "partner_token": PARTNER_TOKEN,
        "user_token": USER_TOKEN,
    }


def _codes(resp: httpx.Response) -> tuple[int, str]:
    return resp.status_code, resp.json()["code"]


async def test_invalid_bodies_are_refused(client: httpx.AsyncClient, world: World) -> None:
    owner = world.headers("owner")
    no_specialist = caldav_body(world)
    del no_specialist["specialist_id"]
    no_credentials = yclients_body(world)
    del no_credentials["credentials"]
    wrong_credentials = yclients_body(world, credentials={"username": "a", "password": "b"})
    bodies: list[dict[str, Any]] = [
        yclients_body(world, kind="google"),
        no_specialist,
        no_credentials,
        wrong_credentials,
        yclients_body(world, credentials={"partner_token": PARTNER_TOKEN}),
        yclients_body(world, poll_interval_seconds=5),
        yclients_body(world, settings={"company_id": 1, "base_url": "ftp://x.example.com"}),
        caldav_body(world, settings={"url": "https://x.example.com", "extra": 1}),
    ]
    for body in bodies:
        resp = await client.post(API, json=body, headers=owner)
        assert _codes(resp) == (422, "validation_error"), (body, resp.text)
    assert (await client.get(API, headers=owner)).json()["total"] == 0


async def test_references_are_checked(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    owner = world.headers("owner")
    resp = await client.post(
        API, json=yclients_body(world, location_id=str(other_world.location_id)), headers=owner
    )
    assert _codes(resp) == (404, "location_not_found")
    resp = await client.post(
        API, json=caldav_body(world, specialist_id=str(uuid.uuid4())), headers=owner
    )
    assert _codes(resp) == (404, "specialist_not_found")
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        elsewhere = Specialist(firm_id=world.firm_id, name="Dora", specialization="")
        session.add(elsewhere)
        await session.flush()
        elsewhere_id = elsewhere.id
    resp = await client.post(
        API, json=caldav_body(world, specialist_id=str(elsewhere_id)), headers=owner
    )
    assert _codes(resp) == (422, "specialist_not_at_location")


async def test_names_are_unique_in_the_firm(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    await create(client, world, yclients_body(world))
    resp = await client.post(API, json=yclients_body(world), headers=world.headers("owner"))
    assert _codes(resp) == (409, "connection_name_taken")
    await create(client, other_world, yclients_body(other_world))


async def test_internal_urls_are_refused(client: httpx.AsyncClient, world: World) -> None:
    owner = world.headers("owner")
    for url in (
        "https://127.0.0.1/api/v1",
        "https://localhost:8443/",
        "https://169.254.169.254/latest",
        "https://[::1]/",
        "https://0x7f000001/",
        "http://api.yclients.com/api/v1",  # credentials never go out in clear text
        "https://[::1/",
        "https://api.example.com:99999/",
    ):
        body = yclients_body(world, settings={"company_id": 1, "base_url": url})
        resp = await client.post(API, json=body, headers=owner)
        assert _codes(resp) == (422, "connection_url_not_allowed"), (url, resp.text)
        resp = await client.post(API, json=caldav_body(world, settings={"url": url}), headers=owner)
        assert _codes(resp) == (422, "connection_url_not_allowed"), (url, resp.text)
    assert (await client.get(API, headers=owner)).json()["total"] == 0


async def test_allowed_hosts_may_be_internal_and_plain_http(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    with allowed_hosts(app, "127.0.0.1:5232"):
        created = await create(
            client, world, caldav_body(world, settings={"url": "http://127.0.0.1:5232/anna/"})
        )
        resp = await client.post(
            API,
            json=caldav_body(world, name="other", settings={"url": "http://127.0.0.1:5233/"}),
            headers=world.headers("owner"),
        )
        assert _codes(resp) == (422, "connection_url_not_allowed")
    assert created["settings"]["url"] == "http://127.0.0.1:5232/anna/"


async def _patch(
    client: httpx.AsyncClient,
    world: World,
    connection: dict[str, Any],
    body: dict[str, Any],
    version: int | None = None,
) -> httpx.Response:
    headers = world.headers("director")
    headers["If-Match"] = f'"{connection["version"] if version is None else version}"'
    return await client.patch(f"{API}/{connection['id']}", json=body, headers=headers)


async def test_patch_changes_what_is_sent(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    resp = await _patch(
        client, world, created, {"name": "Renamed", "poll_interval_seconds": 120, "enabled": False}
    )
    assert resp.status_code == 200, resp.text
    changed = resp.json()
    assert changed["name"] == "Renamed" and changed["poll_interval_seconds"] == 120
    assert changed["enabled"] is False and changed["version"] == 2
    assert changed["settings"] == created["settings"]
    assert resp.headers["ETag"] == '"2"'

    new_credentials = {"partner_token": "new-partner-abc", "user_token": "new-user-def"}
    resp = await _patch(client, world, changed, {"credentials": new_credentials})
    assert resp.status_code == 200, resp.text
    assert "new-partner-abc" not in resp.text and "new-user-def" not in resp.text
    row = await connection_row(app, created["id"])
    assert decrypt_credentials(app.state.secret_key, row.credentials) == new_credentials

    resp = await _patch(client, world, resp.json(), {"settings": {"company_id": 99}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["settings"]["company_id"] == 99
    assert resp.json()["settings"]["window_days"] == 1


async def test_patch_needs_the_current_version(client: httpx.AsyncClient, world: World) -> None:
    created = await create(client, world, yclients_body(world))
    url = f"{API}/{created['id']}"
    resp = await client.patch(url, json={"name": "x"}, headers=world.headers("owner"))
    assert _codes(resp) == (428, "precondition_required")
    assert (await _patch(client, world, created, {"name": "x"})).status_code == 200
    stale = await _patch(client, world, created, {"name": "y"}, version=1)
    assert _codes(stale) == (412, "version_mismatch")
    assert stale.headers["ETag"] == '"2"'
    assert (await client.get(url, headers=world.headers("owner"))).json()["name"] == "x"


async def test_patch_refusals(client: httpx.AsyncClient, world: World) -> None:
    yclients = await create(client, world, yclients_body(world))
    caldav = await create(client, world, caldav_body(world))
    for field in ("name", "settings", "credentials", "enabled", "poll_interval_seconds"):
        resp = await _patch(client, world, yclients, {field: None})
        assert _codes(resp) == (422, "validation_error"), field
        assert resp.json()["details"][0]["loc"][-1] == field
    resp = await _patch(client, world, yclients, {"settings": {"url": "https://x.example.com"}})
    assert _codes(resp) == (422, "connection_kind_mismatch")
    resp = await _patch(
        client, world, caldav, {"credentials": {"partner_token": "a", "user_token": "b"}}
    )
    assert _codes(resp) == (422, "connection_kind_mismatch")
    resp = await _patch(client, world, caldav, {"specialist_id": None})
    assert _codes(resp) == (422, "caldav_specialist_required")
    resp = await _patch(client, world, caldav, {"name": yclients["name"]})
    assert _codes(resp) == (409, "connection_name_taken")
    resp = await _patch(client, world, caldav, {"settings": {"url": "https://10.1.2.3/dav/"}})
    assert _codes(resp) == (422, "connection_url_not_allowed")
    resp = await _patch(client, world, yclients, {"specialist_id": None})
    assert resp.status_code == 200 and resp.json()["version"] == 2
    current = await client.get(f"{API}/{caldav['id']}", headers=world.headers("owner"))
    assert current.json() == caldav


async def test_new_credentials_start_a_failing_connection_afresh(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        await session.execute(
            text(
                "UPDATE connections SET health = 'failing', failure_reason = '401',"
                " failing_since = now(), operators_told_at = now(),"
                ' cursor = \'{"changed_after": "2030-01-01"}\' WHERE id = :id'
            ),
            {"id": created["id"]},
        )
    resp = await _patch(
        client, world, created, {"credentials": {"partner_token": "p", "user_token": "u"}}
    )
    assert resp.json()["health"] == "new" and resp.json()["failure_reason"] is None
    row = await connection_row(app, created["id"])
    assert row.operators_told_at is None and row.cursor == {"changed_after": "2030-01-01"}
    resp = await _patch(client, world, resp.json(), {"settings": {"company_id": 7}})
    assert (await connection_row(app, created["id"])).cursor == {}


async def test_delete(client: httpx.AsyncClient, world: World) -> None:
    created = await create(client, world, yclients_body(world))
    url = f"{API}/{created['id']}"
    owner = world.headers("owner")
    stale = await client.delete(url, headers={**owner, "If-Match": '"7"'})
    assert _codes(stale) == (412, "version_mismatch")
    assert (await client.delete(url, headers=owner)).status_code == 204
    assert _codes(await client.get(url, headers=owner)) == (404, "connection_not_found")
    assert _codes(await client.delete(url, headers=owner)) == (404, "connection_not_found")


async def test_only_owner_and_director_manage_connections(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await create(client, world, yclients_body(world), role="director")
    url = f"{API}/{created['id']}"
    for role in ("manager", "worker", "client"):
        headers = world.headers(role)
        calls = [
            await client.get(API, headers=headers),
            await client.post(API, json=yclients_body(world, name=role), headers=headers),
            await client.get(url, headers=headers),
            await client.patch(url, json={"name": role}, headers={**headers, "If-Match": '"1"'}),
            await client.delete(url, headers=headers),
            await client.get(f"{url}/status", headers=headers),
            await client.post(f"{url}/sync", headers=headers),
        ]
        assert {resp.status_code for resp in calls} == {403}, role
    assert (await client.get(url, headers=world.headers("owner"))).json() == created


async def test_other_firms_see_nothing(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    created = await create(client, world, yclients_body(world))
    url = f"{API}/{created['id']}"
    other = other_world.headers("owner")
    assert (await client.get(API, headers=other)).json()["items"] == []
    for resp in (
        await client.get(url, headers=other),
        await client.patch(url, json={"name": "mine"}, headers={**other, "If-Match": '"1"'}),
        await client.delete(url, headers=other),
        await client.get(f"{url}/mappings", headers=other),
        await client.put(f"{url}/mappings", json=[], headers=other),
        await client.get(f"{url}/status", headers=other),
        await client.get(f"{url}/runs", headers=other),
        await client.get(f"{url}/conflicts", headers=other),
        await client.get(f"{url}/held", headers=other),
        await client.post(f"{url}/sync", headers=other),
    ):
        assert _codes(resp) == (404, "connection_not_found"), resp.request.url
    assert (await client.get(url, headers=world.headers("owner"))).json() == created


async def test_a_location_in_use_by_a_connection_is_kept(
    client: httpx.AsyncClient, world: World
) -> None:
    owner = world.headers("owner")
    location = await client.post(
        "/api/v1/locations", json={"name": "Nord", "time_zone": "Europe/Berlin"}, headers=owner
    )
    assert location.status_code == 201, location.text
    await create(client, world, yclients_body(world, location_id=location.json()["id"]))
    resp = await client.delete(f"/api/v1/locations/{location.json()['id']}", headers=owner)
    # The database's reference refuses it; the connection keeps its location.
    assert (resp.status_code, resp.json()["code"]) == (409, "reference_conflict"), resp.text
