"""The connections page in Debian's Chromium: adding YClients and CalDAV connections, changing,
turning off and on, deleting, the mapping of external staff and services, "Sync now", and the
status the poller leaves (runs, conflicts, held-back bookings, health in words). Every change
made in the page is read back through the API; what the poller writes is written here through
the connections repository, as the poller does."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.connections import health, repository, service
from slotwise.connections.secrets import decrypt_credentials
from slotwise.models import Connection
from tests.connections.helpers import (
    CALDAV_PASSWORD,
    PARTNER_TOKEN,
    USER_TOKEN,
    caldav_body,
    connection_row,
    yclients_body,
)
from tests.factories import World, add_appointment
from tests.web.conftest import Board, expect, signed_in, sized_context

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
API = "/connections"
SECRETS = (PARTNER_TOKEN, USER_TOKEN, CALDAV_PASSWORD)

ConnectionsOpener = Callable[..., Awaitable[Board]]


@pytest.fixture
async def open_connections(
    browser: Browser, server: str, world: World
) -> AsyncIterator[ConnectionsOpener]:
    contexts: list[BrowserContext] = []

    async def open_as(role: str = "owner", size: str = "desktop", *, at: str = "") -> Board:
        """The page signed in as ``role``; ``at``: the fragment (a connection, a tab)."""
        context = await sized_context(browser, size)
        contexts.append(context)
        board = await signed_in(context, f"{server}/connections{at}", world.emails[role])
        await expect(board.page.locator("#connections")).to_be_visible(timeout=10000)
        return board

    yield open_as
    for context in contexts:
        await context.close()


# ------------------------------------------------------------------------------ helpers


async def _get(http: httpx.AsyncClient, world: World, path: str) -> Any:
    response = await http.get(path, headers=world.headers("owner"))
    assert response.status_code == 200, response.text
    return response.json()


async def _connections(http: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await _get(http, world, API))["items"]
    return items


async def _create(http: httpx.AsyncClient, world: World, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(API, json=body, headers=world.headers("owner"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _patch(
    http: httpx.AsyncClient, world: World, connection: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    response = await http.patch(
        f"{API}/{connection['id']}",
        json=fields,
        headers={**world.headers("owner"), "If-Match": f'"{connection["version"]}"'},
    )
    assert response.status_code == 200, response.text
    changed: dict[str, Any] = response.json()
    return changed


Work = Callable[[AsyncSession, Connection], Awaitable[Any]]


async def _as_poller(app: FastAPI, world: World, connection_id: str, work: Work) -> Any:
    """Runs ``work`` on the connection's row in one transaction, as the poller does."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker.begin() as session:
        connection = await repository.get_connection(
            session, world.firm_id, uuid.UUID(connection_id), for_update=True
        )
        return await work(session, connection)


def _ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


async def _run(
    session: AsyncSession,
    connection: Connection,
    started: datetime,
    outcome: str = "ok",
    error: str | None = None,
    **counts: int,
) -> None:
    run = await repository.start_run(session, connection, started)
    await repository.finish_run(
        session, run, outcome=outcome, now=started + timedelta(seconds=3), error=error, **counts
    )


async def _worked(app: FastAPI, world: World, connection_id: str) -> None:
    """Two runs of the poller, the latest a minute ago; the connection is healthy."""

    async def work(session: AsyncSession, connection: Connection) -> None:
        await _run(session, connection, _ago(minutes=11), requests=3, imported=4)
        await _run(
            session, connection, _ago(minutes=1), requests=2, imported=1, updated=2, deleted=1
        )
        health.mark_ok(connection, _ago(minutes=1), {"changed_after": "2030-01-07T09:01:00+03:00"})
        health.schedule_next(connection, _ago(minutes=1), delay_seconds=3600)

    await _as_poller(app, world, connection_id, work)


async def _listed(
    app: FastAPI,
    world: World,
    connection_id: str,
    staff: list[tuple[str, str]],
    services: list[tuple[str, str]],
) -> None:
    """The poller has seen these external staff and services (and suggests by name)."""

    async def work(session: AsyncSession, connection: Connection) -> None:
        await service.suggest_mappings(session, connection, staff, services)

    await _as_poller(app, world, connection_id, work)


def _record(record_id: int, staff: str, *services: str) -> dict[str, Any]:
    """A YClients record as the poller stores it when it holds one back."""
    return {
        "id": record_id,
        "datetime": "2030-01-08T11:00:00+01:00",
        "seance_length": 1800,
        "staff": {"id": 18, "name": staff},
        "services": [{"id": 6, "title": title} for title in services],
        "client": {"name": "Dora", "surname": "Dahl"},
    }


async def _held_and_conflicting(app: FastAPI, world: World, connection_id: str) -> uuid.UUID:
    """A booking held back for want of a mapping, one that could not be read, and an open
    conflict with an appointment; answers that appointment's id."""
    appointment = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id
    )

    async def work(session: AsyncSession, connection: Connection) -> None:
        await repository.hold_record(
            session,
            connection,
            external_id="601",
            reason="needs_mapping",
            detail="staff 18 (Dmitri) is not mapped",
            payload=_record(601, "Dmitri", "Beard trim"),
        )
        await repository.hold_record(
            session,
            connection,
            external_id="602",
            reason="malformed",
            detail="record 602: no datetime",
            payload={"id": 602},
        )
        await repository.open_conflict(
            session,
            connection,
            external_id="501",
            appointment_id=appointment,
            reason="overlaps an appointment of Anna",
            payload={**_record(501, "Anna", "Haircut"), "datetime": "2030-01-07T11:10:00+01:00"},
        )

    await _as_poller(app, world, connection_id, work)
    return appointment


# Chromium logs every refused request as a console error; the refusals a test asks for are
# those, and nothing else may be there (a CSP violation would be).
def _clean(board: Board, *refused: int) -> None:
    assert not board.errors, board.errors
    expected = {f"the server responded with a status of {status} " for status in refused}
    unexpected = [line for line in board.console if not any(e in line for e in expected)]
    assert not unexpected, unexpected


def _row(page: Page, name: str) -> Locator:
    return page.locator("#list-body tr", has=page.get_by_role("rowheader", name=name, exact=True))


async def _no_secret_shown(page: Page) -> None:
    html = await page.content()
    for secret in SECRETS:
        assert secret not in html
    for field in ("#yclients-partner", "#yclients-user", "#caldav-password"):
        assert await page.locator(field).input_value() == ""


# ------------------------------------------------------------------------------ adding


async def test_an_owner_adds_a_yclients_connection(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_connections("owner")
    page = board.page
    await expect(page.locator("#list-empty")).to_contain_text("No connections yet")
    await expect(page.get_by_role("link", name="Connections", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    await page.get_by_role("button", name="Add connection").click()
    dialog = page.locator("#connection-dialog")
    await expect(dialog.get_by_label("A salon in YClients")).to_be_checked()
    await expect(dialog.get_by_label("Check for changes every")).to_have_value("60")
    await expect(dialog.locator("#connection-interval-amount")).to_have_text("= 1 minute")
    await expect(dialog.get_by_label("Location")).to_have_value(str(world.location_id))
    await expect(dialog.get_by_label("Whose calendar")).to_be_hidden()

    # Nothing filled in: the missing fields are named and marked, nothing is sent.
    await dialog.get_by_role("button", name="Save").click()
    error = page.locator("#connection-error")
    await expect(error).to_have_text("Please check: Name; Company ID; Partner token; User token.")
    await expect(dialog.get_by_label("Company ID")).to_have_attribute("aria-invalid", "true")
    assert await _connections(http, world) == []

    await dialog.get_by_label("Name", exact=True).fill("Barbershop on YClients")
    await dialog.get_by_label("Company ID").fill("45x")
    await dialog.get_by_label("Partner token").fill(PARTNER_TOKEN)
    await dialog.get_by_label("User token").fill(f" {USER_TOKEN} ")
    await dialog.get_by_role("button", name="Save").click()
    await expect(error).to_have_text("Please check: Company ID.")
    await dialog.get_by_label("Company ID").fill("4564")
    await dialog.get_by_label("Check for changes every").fill("120")
    await expect(dialog.locator("#connection-interval-amount")).to_have_text("= 2 minutes")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#connections-status")).to_contain_text(
        "Barbershop on YClients is added"
    )

    [stored] = await _connections(http, world)
    assert stored["kind"] == "yclients" and stored["name"] == "Barbershop on YClients"
    assert stored["settings"]["company_id"] == 4564
    assert stored["location_id"] == str(world.location_id)
    assert stored["poll_interval_seconds"] == 120 and stored["enabled"] is True
    assert stored["credentials_set"] == ["partner_token", "user_token"]
    # The new one is listed and opened at once, not synced yet.
    listed = _row(page, "Barbershop on YClients")
    await expect(listed).to_contain_text("Not synced yet")
    await expect(listed).to_contain_text("YClients")
    await expect(listed).to_contain_text("Mitte")
    await expect(page.locator("#detail-title")).to_have_text("Barbershop on YClients")
    await expect(page.locator("#health-title")).to_have_text("Not synced yet.")
    await expect(page.locator("#facts")).to_contain_text("4564")
    await expect(page.locator("#facts")).to_contain_text("stored (partner token, user token)")
    await expect(page.locator("#facts")).to_contain_text("2 minutes")
    assert page.url.endswith(f"/connections#{stored['id']}")
    await _no_secret_shown(page)

    # The same name again: the API's refusal, beside the field that it is about.
    await page.get_by_role("button", name="Add connection").click()
    await dialog.get_by_label("Name", exact=True).fill("Barbershop on YClients")
    await dialog.get_by_label("Company ID").fill("4565")
    await dialog.get_by_label("Partner token").fill("p")
    await dialog.get_by_label("User token").fill("u")
    await dialog.get_by_role("button", name="Save").click()
    await expect(error).to_have_text("Another connection already has this name.")
    await expect(dialog.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    await expect(dialog.get_by_label("Company ID")).to_have_value("4565")  # what was typed stays
    assert len(await _connections(http, world)) == 1
    _clean(board, 409)


async def test_a_director_adds_a_specialists_caldav_calendar(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, world: World
) -> None:
    board = await open_connections("director")
    page = board.page
    await page.get_by_role("button", name="Add connection").click()
    dialog = page.locator("#connection-dialog")
    await dialog.get_by_label("A specialist's calendar (CalDAV)").check()
    await expect(dialog.get_by_label("Company ID")).to_be_hidden()
    whose = dialog.get_by_label("Whose calendar")
    await expect(whose.locator("option")).to_have_text(
        ["Choose a specialist", "Anna", "Ben", "Cem"]
    )
    await expect(page.locator("#caldav-specialist-hint")).to_have_text(
        "Specialists with weekly hours at Mitte."
    )
    await dialog.get_by_label("Name", exact=True).fill("Anna's calendar")
    await whose.select_option(label="Anna")
    # Plain http to the internet: the API refuses it, and the address is marked.
    await dialog.get_by_label("Calendar address (URL)").fill("http://caldav.example.com/dav/anna/")
    await dialog.get_by_label("Calendar name").fill("work")
    await dialog.get_by_label("Username").fill("anna")
    await dialog.get_by_label("Password").fill(CALDAV_PASSWORD)
    await dialog.get_by_role("button", name="Save").click()
    error = page.locator("#connection-error")
    await expect(error).to_have_text(
        "The address must start with https:// and lead to the public internet "
        "(not to this server or its private network)."
    )
    await expect(dialog.get_by_label("Calendar address (URL)")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert await _connections(http, world) == []

    await dialog.get_by_label("Calendar address (URL)").fill("https://caldav.example.com/dav/anna/")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    [stored] = await _connections(http, world)
    assert stored["kind"] == "caldav" and stored["name"] == "Anna's calendar"
    assert stored["specialist_id"] == str(world.specialist_a)
    assert stored["settings"] == {"url": "https://caldav.example.com/dav/anna/", "calendar": "work"}
    assert stored["credentials_set"] == ["password", "username"]
    assert stored["poll_interval_seconds"] == 60
    listed = _row(page, "Anna's calendar")
    await expect(listed).to_contain_text("CalDAV calendar")
    await expect(listed).to_contain_text("of Anna")
    await expect(page.locator("#facts")).to_contain_text("https://caldav.example.com/dav/anna/")
    await expect(page.locator("#facts")).to_contain_text("stored (password, username)")
    await _no_secret_shown(page)
    _clean(board, 422)


# ------------------------------------------------------------------------------ changing


async def test_editing_sends_only_what_changed_and_keeps_the_stored_login(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await _create(http, world, yclients_body(world))
    await _worked(app, world, created["id"])
    board = await open_connections("owner", at=f"#{created['id']}")
    page = board.page
    await expect(page.locator("#health-title")).to_contain_text("Working. Last synced")
    await page.get_by_role("button", name="Edit").click()
    dialog = page.locator("#connection-dialog")
    await expect(page.locator("#connection-dialog-title")).to_have_text(
        "Change Barbershop on YClients"
    )
    await expect(dialog.get_by_label("What to connect")).to_be_hidden()  # the kind stays
    await expect(dialog.get_by_label("Company ID")).to_have_value("4564")
    await expect(dialog.get_by_label("Partner token")).to_have_value("")
    await expect(page.locator("#yclients-tokens-hint")).to_contain_text("Leave both empty")

    await dialog.get_by_label("Name", exact=True).fill("YClients Mitte")
    await dialog.get_by_label("Check for changes every").fill("300")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#connections-status")).to_have_text("YClients Mitte is saved.")
    stored = await _get(http, world, f"{API}/{created['id']}")
    assert stored["name"] == "YClients Mitte" and stored["poll_interval_seconds"] == 300
    # Neither the settings nor the login were sent: the connection did not start afresh.
    assert stored["health"] == "ok" and stored["version"] == 2
    row = await connection_row(app, created["id"])
    assert row.cursor == {"changed_after": "2030-01-07T09:01:00+03:00"}
    secret = app.state.secret_key
    assert decrypt_credentials(secret, row.credentials) == {
        "partner_token": PARTNER_TOKEN,
        "user_token": USER_TOKEN,
    }

    # Half a login is not enough; a whole new one replaces the stored one.
    await page.get_by_role("button", name="Edit").click()
    await dialog.get_by_label("Partner token").fill("new-partner-token")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#connection-error")).to_have_text("Please check: User token.")
    await dialog.get_by_label("User token").fill("new-user-token")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    row = await connection_row(app, created["id"])
    assert decrypt_credentials(secret, row.credentials) == {
        "partner_token": "new-partner-token",
        "user_token": "new-user-token",
    }
    await expect(page.locator("#health-title")).to_have_text("Not synced yet.")  # afresh
    await _no_secret_shown(page)

    # A new company id: the settings change (the ones the form does not show are kept).
    await page.get_by_role("button", name="Edit").click()
    await dialog.get_by_label("Company ID").fill("4570")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    stored = await _get(http, world, f"{API}/{created['id']}")
    assert stored["settings"] == {
        "company_id": 4570,
        "base_url": "https://api.yclients.com/api/v1",
        "window_days": 1,
        "grace_seconds": 30,
    }
    assert (await connection_row(app, created["id"])).cursor == {}
    # Nothing changed: nothing is sent.
    await page.get_by_role("button", name="Edit").click()
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#connections-status")).to_have_text("Nothing was changed.")
    assert (await _get(http, world, f"{API}/{created['id']}"))["version"] == stored["version"]
    _clean(board)


async def test_someone_elses_change_meanwhile_is_shown_and_saving_again_applies_mine(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, world: World
) -> None:
    created = await _create(http, world, yclients_body(world))
    board = await open_connections("owner", at=f"#{created['id']}")
    page = board.page
    await page.get_by_role("button", name="Edit").click()
    dialog = page.locator("#connection-dialog")
    await dialog.get_by_label("Check for changes every").fill("90")
    # A director renames it while the dialog is open.
    await _patch(http, world, created, name="Renamed by the director")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#connection-error")).to_contain_text(
        "Someone else changed this connection meanwhile"
    )
    await expect(dialog.get_by_label("Name", exact=True)).to_have_value("Renamed by the director")
    await expect(dialog.get_by_label("Check for changes every")).to_have_value("90")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    stored = await _get(http, world, f"{API}/{created['id']}")
    assert stored["name"] == "Renamed by the director"
    assert stored["poll_interval_seconds"] == 90
    await expect(page.locator("#detail-title")).to_have_text("Renamed by the director")
    _clean(board, 412)


async def test_turning_a_connection_off_and_on(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, world: World
) -> None:
    created = await _create(http, world, yclients_body(world))
    board = await open_connections("owner")
    page = board.page
    await _row(page, "Barbershop on YClients").get_by_role("button", name="Open").click()
    await expect(page.locator("#detail-title")).to_have_text("Barbershop on YClients")
    await page.get_by_role("button", name="Turn off").click()
    await expect(page.locator("#health-title")).to_have_text("Turned off.")
    await expect(_row(page, "Barbershop on YClients")).to_contain_text("Off")
    await expect(page.get_by_role("button", name="Sync now")).to_be_hidden()
    assert (await _get(http, world, f"{API}/{created['id']}"))["enabled"] is False
    await page.get_by_role("button", name="Turn on").click()
    await expect(page.locator("#health-title")).to_have_text("Not synced yet.")
    await expect(page.get_by_role("button", name="Sync now")).to_be_visible()
    assert (await _get(http, world, f"{API}/{created['id']}"))["enabled"] is True
    _clean(board)


async def test_deleting_asks_first(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, world: World
) -> None:
    created = await _create(http, world, yclients_body(world))
    other = await _create(http, world, caldav_body(world))
    board = await open_connections("owner", at=f"#{created['id']}")
    page = board.page
    await page.get_by_role("button", name="Delete…").click()
    dialog = page.locator("#delete-dialog")
    await expect(dialog.get_by_role("heading")).to_have_text("Delete Barbershop on YClients?")
    await expect(dialog).to_contain_text("Appointments it brought in stay in the calendar.")
    await expect(dialog.get_by_role("button", name="Keep it")).to_be_focused()
    await dialog.get_by_role("button", name="Keep it").click()
    await expect(dialog).to_be_hidden()
    assert len(await _connections(http, world)) == 2

    await page.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#connections-status")).to_have_text(
        "Barbershop on YClients is deleted."
    )
    await expect(_row(page, "Barbershop on YClients")).to_have_count(0)
    await expect(page.locator("#detail")).to_be_hidden()
    assert [c["id"] for c in await _connections(http, world)] == [other["id"]]
    gone = await http.get(f"{API}/{created['id']}", headers=world.headers("owner"))
    assert gone.status_code == 404
    _clean(board)
