"""Holds on the public page: a guest's with its token, a client's with their login."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.booking.helpers import at, book, next_monday
from tests.factories import World
from tests.public.helpers import base, guest_hold, hold_body, visitor

HOLD_KEYS = {
    "id",
    "location_id",
    "service_id",
    "specialist_id",
    "specialist_name",
    "start_at",
    "end_at",
    "expires_at",
    "hold_token",
}


async def test_a_guest_holds_reads_and_releases_with_the_token(
    app: FastAPI, client: httpx.AsyncClient, guest: httpx.AsyncClient, public_world: World
) -> None:
    start = at(next_monday(), 10)
    before = datetime.now(UTC)
    resp = await guest_hold(guest, public_world, start, public_world.specialist_b)
    assert resp.status_code == 201, resp.text
    held = resp.json()
    assert set(held) == HOLD_KEYS
    token = held["hold_token"]
    assert isinstance(token, str) and len(token) >= 40
    assert (held["specialist_id"], held["specialist_name"]) == (
        str(public_world.specialist_b),
        "Ben",
    )
    assert datetime.fromisoformat(held["start_at"]) == start
    assert datetime.fromisoformat(held["end_at"]) == start + timedelta(minutes=30)
    expires = datetime.fromisoformat(held["expires_at"])
    assert before + timedelta(seconds=119) <= expires <= datetime.now(UTC) + timedelta(seconds=120)

    url = f"{base(public_world)}/holds/{held['id']}"
    read = await guest.get(url, headers={"X-Hold-Token": token})
    assert read.status_code == 200, read.text
    assert read.json() == {**held, "hold_token": None}
    # The slot is gone for everyone else.
    slots = await guest.get(
        f"{base(public_world)}/availability/slots",
        params={
            "location_id": str(public_world.location_id),
            "service_id": str(public_world.service_id),
            "specialist_id": str(public_world.specialist_b),
            "date": start.date().isoformat(),
        },
    )
    assert start not in [datetime.fromisoformat(s["start"]) for s in slots.json()["slots"]]

    missing = await guest.get(url)
    assert (missing.status_code, missing.json()["code"]) == (422, "hold_token_required")
    for wrong in ("x", token[:-1] + ("A" if token[-1] != "A" else "B")):
        refused = await guest.get(url, headers={"X-Hold-Token": wrong})
        assert (refused.status_code, refused.json()["code"]) == (404, "hold_not_found")
    unknown = await guest.get(
        f"{base(public_world)}/holds/{uuid.uuid4()}", headers={"X-Hold-Token": token}
    )
    assert unknown.status_code == 404
    # A client's login does not reach a guest's hold either.
    as_client = await guest.get(url, headers=public_world.headers("client"))
    assert as_client.status_code == 404

    gone = await guest.delete(url, headers={"X-Hold-Token": token})
    assert gone.status_code == 204
    again = await guest.delete(url, headers={"X-Hold-Token": token})
    assert again.status_code == 404
    retaken = await guest_hold(guest, public_world, start, public_world.specialist_b)
    assert retaken.status_code == 201


async def test_a_logged_in_client_holds_as_themselves(
    client: httpx.AsyncClient, guest: httpx.AsyncClient, public_world: World
) -> None:
    start = at(next_monday(), 11)
    headers = public_world.headers("client")
    resp = await guest_hold(guest, public_world, start, headers=headers)
    assert resp.status_code == 201, resp.text
    held = resp.json()
    assert held["hold_token"] is None
    assert held["specialist_name"] == "Anna"  # "any": the first free by name
    url = f"{base(public_world)}/holds/{held['id']}"
    assert (await guest.get(url, headers=headers)).status_code == 200
    assert (await guest.get(url)).json()["code"] == "hold_token_required"
    # In the staff API it is the client's own hold.
    staff = await client.get(f"/api/v1/holds/{held['id']}", headers=public_world.headers("client"))
    assert staff.json()["client_id"] == str(public_world.client_id)
    assert (await guest.delete(url, headers=headers)).status_code == 204


@pytest.mark.parametrize("role", ["owner", "manager", "worker"])
async def test_staff_logins_are_no_clients_here(
    guest: httpx.AsyncClient, public_world: World, role: str
) -> None:
    resp = await guest_hold(
        guest, public_world, at(next_monday(), 12), headers=public_world.headers(role)
    )
    assert (resp.status_code, resp.json()["code"]) == (403, "not_a_client_here")


async def test_another_firms_client_and_broken_tokens_are_refused(
    guest: httpx.AsyncClient, public_world: World, other_world: World
) -> None:
    start = at(next_monday(), 12)
    foreign = await guest_hold(guest, public_world, start, headers=other_world.headers("client"))
    assert (foreign.status_code, foreign.json()["code"]) == (403, "not_a_client_here")
    broken = await guest_hold(
        guest, public_world, start, headers={"Authorization": "Bearer nonsense"}
    )
    assert (broken.status_code, broken.json()["code"]) == (401, "invalid_token")


async def test_a_taken_slot_names_no_booking(
    app: FastAPI, client: httpx.AsyncClient, public_world: World
) -> None:
    start = at(next_monday(), 14)
    booked = await book(client, public_world, start, 30, [public_world.specialist_a])
    assert booked.status_code == 201, booked.text
    async with visitor(app) as first, visitor(app) as second:
        held = await guest_hold(first, public_world, start, public_world.specialist_b)
        assert held.status_code == 201
        for specialist in (public_world.specialist_a, public_world.specialist_b):
            taken = await guest_hold(second, public_world, start, specialist)
            assert (taken.status_code, taken.json()["code"]) == (409, "slot_taken"), taken.text
            assert "details" not in taken.json()
            text = taken.text
            assert booked.json()["id"] not in text and held.json()["id"] not in text
        odd = await guest_hold(second, public_world, start + timedelta(minutes=7))
        assert (odd.status_code, odd.json()["code"]) == (409, "slot_unavailable")


async def test_two_guests_racing_for_one_slot(app: FastAPI, public_world: World) -> None:
    start = at(next_monday(), 15)
    async with visitor(app) as first, visitor(app) as second:
        answers = await asyncio.gather(
            guest_hold(first, public_world, start, public_world.specialist_c),
            guest_hold(second, public_world, start, public_world.specialist_c),
        )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["code"] == "slot_taken"
    assert "details" not in loser.json()


class _Rotating:
    """A visitor from a new address on every request: many writes, none over the limit."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async with visitor(self.app) as http:
            return await http.request(method, url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)


BAD_BODIES: dict[str, list[object]] = {
    "location_id": ["", "x", 1, None, str(uuid.uuid4()), [], {}],
    "service_id": ["", "x", 1, None, str(uuid.uuid4()), [], {}],
    "specialist_id": ["", "x", 1, str(uuid.uuid4()), [], {}],
    "start_at": [
        "",
        "x",
        0,
        1893456000,
        None,
        "2030-01-07T10:00:00",
        "2030-01-07",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59+00:00",
        "2020-01-06T10:00:00+01:00",
        "2030-02-30T10:00:00+01:00",
    ],
}


async def test_bad_input_on_every_field_is_a_4xx(
    app: FastAPI, public_world: World, other_world: World
) -> None:
    good = hold_body(public_world, at(next_monday(), 16), public_world.specialist_a)
    url = f"{base(public_world)}/holds"
    guest = _Rotating(app)
    for field, values in BAD_BODIES.items():
        for bad in values:
            resp = await guest.post(url, json={**good, field: bad})
            assert 400 <= resp.status_code < 500, (field, bad, resp.status_code, resp.text)
            assert resp.json()["code"]
        if field != "specialist_id":
            missing = {k: v for k, v in good.items() if k != field}
            assert (await guest.post(url, json=missing)).status_code == 422
    for field, foreign in (
        ("location_id", other_world.location_id),
        ("service_id", other_world.service_id),
        ("specialist_id", other_world.specialist_a),
    ):
        resp = await guest.post(url, json={**good, field: str(foreign)})
        assert resp.status_code == 404, (field, resp.text)
    wrong_shapes: list[object] = [{**good, "client_id": str(public_world.client_id)}, [], "x", None]
    for body in wrong_shapes:
        resp = await guest.post(url, json=body)
        assert (resp.status_code, resp.json()["code"]) == (422, "validation_error")
    raw = await guest.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert raw.status_code == 422
    for header in ("x" * 201, ""):
        resp = await guest.get(f"{url}/{uuid.uuid4()}", headers={"X-Hold-Token": header})
        assert resp.status_code in (404, 422), header
    assert (await guest.get(f"{url}/not-a-uuid", headers={"X-Hold-Token": "t"})).status_code == 422
    assert (await guest.post(url, json=good)).status_code == 201
