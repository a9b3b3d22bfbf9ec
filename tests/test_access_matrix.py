"""Every endpoint and every role: who gets in (401/403 or not), and tenant isolation on every
read. A new endpoint without a row here fails the test, so the matrix stays complete."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.jobs import queue
from slotwise.jobs.app import QUEUE_NOTIFICATIONS
from slotwise.models import Holiday, SpecialistBreak, User
from slotwise.notifications.dispatch import DELIVER_TASK
from tests.factories import World, add_appointment, add_connection

ROLES = ("owner", "director", "manager", "worker", "client")
ADMINS = ("owner", "director", "manager")
ALL = ROLES
STAFF = (*ADMINS, "worker")
PUBLIC = "public"  # reachable without a token (login, refresh, logout)
# Responses that never end (an in-process client would wait forever): only the refusals are
# checked here; tests/realtime opens them over real HTTP.
STREAMS = {
    ("GET", "/api/v1/events/stream"),
    ("GET", "/api/v1/public/{firm_slug}/availability/stream"),
}

# (method, path) -> roles allowed in; every other role must get 403, no token 401.
MATRIX: dict[tuple[str, str], tuple[str, ...] | str] = {
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("POST", "/api/v1/auth/refresh"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): PUBLIC,
    ("POST", "/api/v1/auth/set-password"): PUBLIC,
    # staff logins: the firm's operators
    ("GET", "/api/v1/users"): ("owner", "director"),
    ("POST", "/api/v1/users"): ("owner", "director"),
    ("GET", "/api/v1/users/{user_id}"): ("owner", "director"),
    ("PATCH", "/api/v1/users/{user_id}"): ("owner", "director"),
    ("POST", "/api/v1/users/{user_id}/password-reset"): ("owner", "director"),
    ("GET", "/api/v1/me"): ALL,
    ("PATCH", "/api/v1/me"): ALL,
    ("GET", "/api/v1/firm"): ALL,
    ("PATCH", "/api/v1/firm"): ("owner", "director"),
    # catalog: everyone of the firm reads, staff write
    ("GET", "/api/v1/locations"): ALL,
    ("POST", "/api/v1/locations"): ADMINS,
    ("GET", "/api/v1/locations/{location_id}"): ALL,
    ("PATCH", "/api/v1/locations/{location_id}"): ADMINS,
    ("DELETE", "/api/v1/locations/{location_id}"): ADMINS,
    ("GET", "/api/v1/locations/{location_id}/hours"): ALL,
    ("PUT", "/api/v1/locations/{location_id}/hours"): ADMINS,
    ("GET", "/api/v1/locations/{location_id}/holidays"): ALL,
    ("GET", "/api/v1/locations/{location_id}/working-time"): STAFF,
    ("POST", "/api/v1/locations/{location_id}/holidays"): ADMINS,
    ("PATCH", "/api/v1/locations/{location_id}/holidays/{holiday_id}"): ADMINS,
    ("DELETE", "/api/v1/locations/{location_id}/holidays/{holiday_id}"): ADMINS,
    ("GET", "/api/v1/workplaces"): ALL,
    ("POST", "/api/v1/workplaces"): ADMINS,
    ("GET", "/api/v1/workplaces/{workplace_id}"): ALL,
    ("PATCH", "/api/v1/workplaces/{workplace_id}"): ADMINS,
    ("DELETE", "/api/v1/workplaces/{workplace_id}"): ADMINS,
    ("GET", "/api/v1/workplaces/{workplace_id}/services"): ALL,
    ("PUT", "/api/v1/workplaces/{workplace_id}/services/{service_id}"): ADMINS,
    ("DELETE", "/api/v1/workplaces/{workplace_id}/services/{service_id}"): ADMINS,
    ("GET", "/api/v1/services"): ALL,
    ("POST", "/api/v1/services"): ADMINS,
    ("GET", "/api/v1/services/{service_id}"): ALL,
    ("PATCH", "/api/v1/services/{service_id}"): ADMINS,
    ("DELETE", "/api/v1/services/{service_id}"): ADMINS,
    ("GET", "/api/v1/specialists"): ALL,
    ("POST", "/api/v1/specialists"): ADMINS,
    ("GET", "/api/v1/specialists/{specialist_id}"): ALL,
    ("PATCH", "/api/v1/specialists/{specialist_id}"): ADMINS,
    ("DELETE", "/api/v1/specialists/{specialist_id}"): ADMINS,
    ("GET", "/api/v1/specialists/{specialist_id}/services"): ALL,
    ("PUT", "/api/v1/specialists/{specialist_id}/services/{service_id}"): ADMINS,
    ("DELETE", "/api/v1/specialists/{specialist_id}/services/{service_id}"): ADMINS,
    ("GET", "/api/v1/specialists/{specialist_id}/schedules"): ALL,
    ("PUT", "/api/v1/specialists/{specialist_id}/schedules"): ADMINS,
    # breaks carry a private reason: the worker sees their own, clients none
    ("GET", "/api/v1/specialists/{specialist_id}/breaks"): (*ADMINS, "worker"),
    ("POST", "/api/v1/specialists/{specialist_id}/breaks"): ADMINS,
    ("PATCH", "/api/v1/specialists/{specialist_id}/breaks/{break_id}"): ADMINS,
    ("DELETE", "/api/v1/specialists/{specialist_id}/breaks/{break_id}"): ADMINS,
    # clients: staff; a client reads their own record and wallet
    ("GET", "/api/v1/clients"): ADMINS,
    ("POST", "/api/v1/clients"): ADMINS,
    ("GET", "/api/v1/clients/{client_id}"): (*ADMINS, "client"),
    ("PATCH", "/api/v1/clients/{client_id}"): ADMINS,
    ("DELETE", "/api/v1/clients/{client_id}"): ADMINS,
    ("GET", "/api/v1/clients/{client_id}/wallet"): (*ADMINS, "client"),
    ("POST", "/api/v1/clients/{client_id}/wallet/transactions"): ADMINS,
    # wallet operations: staff move money; a client pays their own appointment
    ("POST", "/api/v1/clients/{client_id}/wallet/top-ups"): ADMINS,
    ("GET", "/api/v1/clients/{client_id}/wallet/statement"): (*ADMINS, "client"),
    ("POST", "/api/v1/appointments/{appointment_id}/wallet-payment"): (*ADMINS, "client"),
    ("POST", "/api/v1/appointments/{appointment_id}/wallet-refunds"): ADMINS,
    # appointments: visibility is narrowed per role (tested in tests/appointments)
    ("GET", "/api/v1/appointments"): ALL,
    ("POST", "/api/v1/appointments"): (*ADMINS, "client"),
    ("GET", "/api/v1/appointments/{appointment_id}"): ALL,
    ("PATCH", "/api/v1/appointments/{appointment_id}"): ALL,
    ("DELETE", "/api/v1/appointments/{appointment_id}"): ADMINS,
    ("GET", "/api/v1/appointments/{appointment_id}/calendar.ics"): ALL,
    # a client's own appointments (staff: an empty list)
    ("GET", "/api/v1/me/appointments"): ALL,
    # live updates: what each role receives is tested in tests/realtime
    ("POST", "/api/v1/events/stream-token"): ALL,
    ("GET", "/api/v1/events"): ALL,
    ("GET", "/api/v1/events/stream"): ALL,
    # the booking page's live slots: anonymous (tests/public/test_stream_*)
    ("GET", "/api/v1/public/{firm_slug}/availability/stream"): PUBLIC,
    # Web Push subscriptions: every user manages their own browsers
    ("GET", "/api/v1/push-subscriptions/vapid-public-key"): ALL,
    ("GET", "/api/v1/push-subscriptions"): ALL,
    ("POST", "/api/v1/push-subscriptions"): ALL,
    ("DELETE", "/api/v1/push-subscriptions"): ALL,
    ("DELETE", "/api/v1/push-subscriptions/{subscription_id}"): ALL,
    # operations: owner and director
    ("GET", "/api/v1/ops/queues"): ("owner", "director"),
    ("GET", "/api/v1/ops/jobs"): ("owner", "director"),
    ("GET", "/api/v1/ops/jobs/{job_id}"): ("owner", "director"),
    ("POST", "/api/v1/ops/jobs/{job_id}/retry"): ("owner", "director"),
    ("GET", "/api/v1/ops/periodic"): ("owner", "director"),
    ("GET", "/api/v1/ops/notifications"): ("owner", "director"),
    # connections to external systems: owner and director (tests/connections)
    ("GET", "/api/v1/connections"): ("owner", "director"),
    ("POST", "/api/v1/connections"): ("owner", "director"),
    ("GET", "/api/v1/connections/{connection_id}"): ("owner", "director"),
    ("PATCH", "/api/v1/connections/{connection_id}"): ("owner", "director"),
    ("DELETE", "/api/v1/connections/{connection_id}"): ("owner", "director"),
    ("GET", "/api/v1/connections/{connection_id}/mappings"): ("owner", "director"),
    ("PUT", "/api/v1/connections/{connection_id}/mappings"): ("owner", "director"),
    ("GET", "/api/v1/connections/{connection_id}/status"): ("owner", "director"),
    ("GET", "/api/v1/connections/{connection_id}/runs"): ("owner", "director"),
    ("GET", "/api/v1/connections/{connection_id}/conflicts"): ("owner", "director"),
    ("GET", "/api/v1/connections/{connection_id}/held"): ("owner", "director"),
    ("POST", "/api/v1/connections/{connection_id}/sync"): ("owner", "director"),
    # booking
    ("GET", "/api/v1/availability"): ALL,
    ("POST", "/api/v1/holds"): (*ADMINS, "client"),
    ("GET", "/api/v1/holds/{hold_id}"): ALL,
    ("DELETE", "/api/v1/holds/{hold_id}"): ALL,
    # the public booking API: no login (tests/public covers what each answers)
    ("GET", "/api/v1/public/{firm_slug}"): PUBLIC,
    ("GET", "/api/v1/public/{firm_slug}/locations"): PUBLIC,
    ("GET", "/api/v1/public/{firm_slug}/services"): PUBLIC,
    ("GET", "/api/v1/public/{firm_slug}/specialists"): PUBLIC,
    ("GET", "/api/v1/public/{firm_slug}/availability/days"): PUBLIC,
    ("GET", "/api/v1/public/{firm_slug}/availability/slots"): PUBLIC,
    ("POST", "/api/v1/public/{firm_slug}/holds"): PUBLIC,
    ("GET", "/api/v1/public/{firm_slug}/holds/{hold_id}"): PUBLIC,
    ("DELETE", "/api/v1/public/{firm_slug}/holds/{hold_id}"): PUBLIC,
    ("POST", "/api/v1/public/{firm_slug}/holds/{hold_id}/verification"): PUBLIC,
    ("POST", "/api/v1/public/{firm_slug}/holds/{hold_id}/confirm"): PUBLIC,
    # the manage link: no login, its token in X-Manage-Token (tested in tests/public)
    ("GET", "/api/v1/public/{firm_slug}/manage"): PUBLIC,
    ("POST", "/api/v1/public/{firm_slug}/manage/cancel"): PUBLIC,
    ("POST", "/api/v1/public/{firm_slug}/manage/move"): PUBLIC,
    ("GET", "/api/v1/public/{firm_slug}/manage/availability/slots"): PUBLIC,
    ("GET", "/api/v1/public/{firm_slug}/manage/calendar.ics"): PUBLIC,
    ("POST", "/api/v1/public/{firm_slug}/manage/push-subscriptions"): PUBLIC,
}

# Bodies that pass validation, so that a refusal can only come from the role check.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/appointments"): {"hold_id": str(uuid.uuid4())},
    ("POST", "/api/v1/holds"): None,  # filled per world below
}


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every API operation, as published in the OpenAPI document."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if path.startswith("/api/")
    }


async def _path_ids(app: FastAPI, world: World) -> dict[str, str]:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        holiday = Holiday(
            firm_id=world.firm_id, location_id=world.location_id, date=date(2030, 12, 24)
        )
        brk = SpecialistBreak(
            firm_id=world.firm_id,
            specialist_id=world.specialist_a,
            date=date(2030, 1, 7),
            start_time=time(12),
            end_time=time(13),
        )
        session.add_all([holiday, brk])
        await session.flush()
        # A login every operator may manage: the manager's.
        manager = await session.scalar(select(User.id).where(User.email == world.emails["manager"]))
        ids = {"holiday_id": str(holiday.id), "break_id": str(brk.id), "user_id": str(manager)}
        # A delivery job of this firm (its outbox row need not exist for access checks).
        job_id = await queue.defer(
            session,
            DELIVER_TASK,
            queue=QUEUE_NOTIFICATIONS,
            kwargs={"notification_id": str(uuid.uuid4()), "firm_id": str(world.firm_id)},
        )
    appointment = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id
    )
    return {
        **ids,
        "appointment_id": str(appointment),
        "connection_id": str(await add_connection(app, world)),
        "client_id": str(world.client_id),
        "location_id": str(world.location_id),
        "workplace_id": str(world.workplace_id),
        "service_id": str(world.service_id),
        "specialist_id": str(world.specialist_a),  # the worker's own specialist
        "hold_id": str(uuid.uuid4()),
        "subscription_id": str(uuid.uuid4()),
        "job_id": str(job_id),
        "firm_slug": world.slug,
    }


def _query(path: str, world: World) -> dict[str, str]:
    if path.endswith("/availability"):
        day = (date.today() + timedelta(days=7)).isoformat()
        return {
            "service_id": str(world.service_id),
            "location_id": str(world.location_id),
            "from": day,
            "to": day,
        }
    if path.endswith("/working-time"):
        return {"from": "2030-01-07", "to": "2030-01-13"}
    return {}


async def _call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    ids: dict[str, str],
    world: World,
    headers: dict[str, str],
) -> httpx.Response:
    url = path.format(**ids)
    body = BODIES.get((method, path))
    if (method, path) == ("POST", "/api/v1/holds"):
        body = {
            "service_id": str(world.service_id),
            "location_id": str(world.location_id),
            "start_at": "2030-01-07T10:00:00+01:00",
        }
    if method in ("GET", "DELETE"):
        return await client.request(method, url, params=_query(path, world), headers=headers)
    return await client.request(method, url, headers=headers, json=body if body is not None else {})


def test_matrix_covers_every_endpoint(app: FastAPI) -> None:
    routes = _routes(app)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"endpoints without a row in the access matrix: {missing}"
    assert not stale, f"matrix rows for endpoints that do not exist: {stale}"


async def test_role_matrix(client: httpx.AsyncClient, app: FastAPI, world: World) -> None:
    ids = await _path_ids(app, world)
    failures = []
    # Deletes last, so that the rows they may remove are still there for the other calls.
    order = sorted(MATRIX.items(), key=lambda item: item[0][0] == "DELETE")
    for (method, path), allowed in order:
        anonymous = await _call(client, method, path, ids, world, {})
        if allowed == PUBLIC:
            if anonymous.status_code in (401, 403):
                failures.append((method, path, "anonymous", anonymous.status_code))
            continue
        if anonymous.status_code != 401:
            failures.append((method, path, "anonymous", anonymous.status_code))
        if (method, path) in STREAMS:
            continue
        for role in ROLES:
            resp = await _call(client, method, path, ids, world, world.headers(role))
            denied = resp.status_code == 403
            if resp.status_code >= 500 or denied == (role in allowed):
                failures.append((method, path, role, resp.status_code))
            elif (
                method == "GET"
                and role in allowed
                and not any(p in path for p in ("{hold_id}", "vapid"))
            ):
                if resp.status_code != 200:
                    failures.append((method, path, role, resp.status_code))
    assert not failures, "\n".join(map(str, failures))


def _leaks(document: Any, texts: set[str], job_id: str) -> set[str]:
    """Which of firm A's values a response holds: its ids (uuids) and e-mail addresses inside
    any string (long and random: never there by chance), its job's number only where a
    job's id stands (as a bare number it would match any count or sequence number)."""
    found: set[str] = set()

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str):
            found.update(text for text in texts if text in value)
        if (
            key in ("id", "job_id")
            and not isinstance(value, bool)
            and isinstance(value, int | str)
            and str(value) == job_id
        ):
            found.add(job_id)

    walk(document, None)
    return found


def test_the_leak_check_is_exact() -> None:
    """A short job number found in counts, or in a uuid's digits, is no leak; in an id it is."""
    secret = str(uuid.uuid4())
    page = {
        "total": 206,
        "items": [
            {"seq": 206, "id": "c0206f00-0000-4000-8000-000000000206", "note": f"about {secret}"}
        ],
        "job_id": 207,
    }
    assert _leaks(page, {secret}, "206") == {secret}
    assert _leaks({"items": [{"id": 206}], "runs": [{"job_id": "206"}]}, set(), "206") == {"206"}


async def test_other_firm_reads_nothing(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World
) -> None:
    """Firm B's staff, with firm A's ids in paths and filters: 404 or empty, never A's data."""
    ids = await _path_ids(app, world)
    job_id = ids.pop("job_id")
    secrets = set(ids.values()) | {str(world.specialist_b), str(world.other_client_id)}
    secrets |= set(world.emails.values())
    ids["job_id"] = job_id
    for (method, path), allowed in MATRIX.items():
        if method != "GET" or allowed == PUBLIC or (method, path) in STREAMS:
            continue
        url = path.format(**ids)
        params = _query(path, world)
        if "{" not in path:
            params = {**params, "location_id": ids["location_id"]}
        resp = await client.get(url, params=params, headers=other_world.headers("owner"))
        assert resp.status_code in (200, 404, 422), (path, resp.status_code, resp.text)
        if "{" in path:
            assert resp.status_code == 404, (path, resp.status_code)
        # An id the caller sent may be echoed in a 404 message; anything else of A's is a leak.
        leaked = {
            found
            for found in _leaks(resp.json(), secrets, job_id)
            if found not in resp.request.url.path.split("/")
            and (found == job_id or found not in str(resp.request.url))
        }
        assert not leaked, (path, leaked)
