# ruff: noqa: RUF001 - the page writes ranges with en dashes, and Russian words.
"""The connections page in Debian's Chromium: adding YClients and CalDAV connections, changing,
turning off and on, deleting, the mapping of external staff and services, "Sync now", and the
status the poller leaves (runs, conflicts, held-back bookings, health in words). Every change
made in the page is read back through the API; what the poller writes is written here through
the connections repository, as the poller does."""

from __future__ import annotations

import re
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
from tests.web.accessibility import axe_violations, check_view
from tests.web.conftest import SIZES, Board, expect, signed_in, sized_context, staff_context
from tests.web.static_files import entry_point, served_modules

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
    await expect(page.locator("#health-title")).to_have_text(
        "The first sync starts within a minute."
    )
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
    await expect(page.locator("#health-title")).to_contain_text("Last synced")
    await page.get_by_role("button", name="Edit").click()
    dialog = page.locator("#connection-dialog")
    await expect(page.locator("#connection-dialog-title")).to_have_text(
        "Change Barbershop on YClients"
    )
    await expect(dialog.get_by_label("What to connect")).to_be_hidden()  # the kind stays
    await expect(dialog.get_by_label("Company ID")).to_have_value("4564")
    await expect(dialog.get_by_label("Partner token")).to_have_value("")
    await expect(page.locator("#yclients-tokens-hint")).to_contain_text("Leave both empty")
    await expect(dialog.get_by_label("User token")).to_have_attribute(
        "placeholder", "stored (leave empty to keep)"
    )

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
    await expect(page.locator("#health-title")).to_have_text(
        "The first sync starts within a minute."
    )  # afresh
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
    await expect(page.locator("#health-title")).to_have_text(
        "Slotwise does not sync it until it is turned on again."
    )
    await expect(_row(page, "Barbershop on YClients")).to_contain_text("Off")
    await expect(page.get_by_role("button", name="Sync now")).to_be_hidden()
    assert (await _get(http, world, f"{API}/{created['id']}"))["enabled"] is False
    await page.get_by_role("button", name="Turn on").click()
    await expect(page.locator("#health-title")).to_have_text(
        "The first sync starts within a minute."
    )
    await expect(page.get_by_role("button", name="Sync now")).to_be_visible()
    assert (await _get(http, world, f"{API}/{created['id']}"))["enabled"] is True
    # The dialog's switch does the same.
    await page.get_by_role("button", name="Edit").click()
    dialog = page.locator("#connection-dialog")
    await dialog.get_by_label("On: Slotwise syncs it").uncheck()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#health-badge")).to_have_text("Off")
    stored = await _get(http, world, f"{API}/{created['id']}")
    assert stored["enabled"] is False and stored["version"] == 4
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
    # Pausing is offered instead: the connection stays, turned off.
    await dialog.get_by_role("button", name="Turn it off instead").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#health-badge")).to_have_text("Off")
    assert (await _get(http, world, f"{API}/{created['id']}"))["enabled"] is False
    await page.get_by_role("button", name="Delete…").click()
    await expect(dialog.get_by_role("button", name="Turn it off instead")).to_be_hidden()
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


# ------------------------------------------------------------------------------ status, sync


async def test_sync_now_and_the_run_the_poller_then_makes(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await _create(http, world, yclients_body(world))
    cid = created["id"]
    await _worked(app, world, cid)
    board = await open_connections("owner", at=f"#{cid}")
    page = board.page
    counts = page.locator("#counts-body")
    await expect(counts.locator("tr")).to_have_count(2)
    latest, totals = counts.locator("tr").nth(0), counts.locator("tr").nth(1)
    await expect(latest.locator("td")).to_have_text(["1", "2", "1", "0", "0", "2"])
    await expect(totals.locator("th")).to_have_text("All syncs kept")
    await expect(totals.locator("td")).to_have_text(["5", "2", "1", "0", "0", "5"])
    facts = page.locator("#facts")
    await expect(facts).to_contain_text("Last sync")
    await expect(facts).to_contain_text("1 minute ago")
    await expect(facts).to_contain_text("in 59 minutes")
    await page.locator("#cursor-box summary").click()
    await expect(page.locator("#cursor")).to_have_text("changed_after: 2030-01-07T09:01:00+03:00")

    before = datetime.now(UTC)
    await page.get_by_role("button", name="Sync now").click()
    await expect(page.locator("#connections-status")).to_contain_text(
        "Sync of Barbershop on YClients asked for"
    )
    due = (await connection_row(app, cid)).next_run_at
    assert due is not None and before - timedelta(seconds=1) <= due <= datetime.now(UTC)

    # The poller takes it: a run with its counts. The page, waiting for it, shows it.
    async def run(session: AsyncSession, connection: Connection) -> None:
        await _run(session, connection, datetime.now(UTC), requests=1, imported=3, updated=1)
        health.mark_ok(connection, datetime.now(UTC))
        health.schedule_next(connection, datetime.now(UTC))

    await _as_poller(app, world, cid, run)
    await expect(page.locator("#connections-status")).to_have_text(
        "Synced: 3 new, 1 changed, 0 removed.", timeout=15000
    )
    await expect(latest.locator("td")).to_have_text(["3", "1", "0", "0", "0", "1"])
    await page.get_by_role("tab", name="History").click()
    runs = page.locator("#runs-body tr")
    await expect(runs).to_have_count(3)
    await expect(runs.first.locator("td").first).to_have_text("Done")
    await expect(runs.first).to_contain_text("took 3 seconds")

    # Turned off elsewhere meanwhile: the API's refusal, in words, and the page catches up.
    await _patch(http, world, await _get(http, world, f"{API}/{cid}"), enabled=False)
    await page.get_by_role("button", name="Sync now").click()
    await expect(page.locator("#detail-error")).to_have_text(
        "The connection is turned off; turn it on to sync."
    )
    await expect(page.locator("#health-title")).to_have_text(
        "Slotwise does not sync it until it is turned on again."
    )
    await expect(page.get_by_role("button", name="Sync now")).to_be_hidden()
    _clean(board, 409)


async def test_a_failing_connection_says_why_in_plain_words(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    yclients = await _create(http, world, yclients_body(world))
    calendar = await _create(http, world, caldav_body(world))

    async def refused(session: AsyncSession, connection: Connection) -> None:
        await _run(session, connection, _ago(minutes=2), "failed", "YClients 401: Unauthorized")
        health.mark_failing(connection, "YClients 401: Unauthorized", _ago(minutes=2))

    async def away(session: AsyncSession, connection: Connection) -> None:
        await _run(session, connection, _ago(minutes=3), "failed", "Cannot connect to the server")
        health.mark_failing(connection, "Cannot connect to the server", _ago(minutes=3))

    await _as_poller(app, world, yclients["id"], refused)
    await _as_poller(app, world, calendar["id"], away)
    board = await open_connections("owner")
    page = board.page
    row = _row(page, "Barbershop on YClients")
    await expect(row).to_contain_text("Failing")
    await expect(row).to_contain_text("YClients did not accept the partner token or the user token")
    await expect(_row(page, "Anna's calendar")).to_contain_text(
        "Slotwise cannot reach the calendar's server right now."
    )
    await row.get_by_role("button", name="Open").click()
    await expect(page.locator("#health-badge")).to_have_text("Failing")
    await expect(page.locator("#health-title")).to_have_text(
        re.compile(r"^Not working since .+ \(2 minutes ago\)\.$")
    )
    await expect(page.locator("#health-text")).to_contain_text("Enter them again under Edit.")
    await expect(page.locator("#health-said")).to_have_text(
        "What the other system said: YClients 401: Unauthorized"
    )
    await page.get_by_role("tab", name="History").click()
    await expect(page.locator("#runs-body tr").first).to_contain_text("Failed")
    await expect(page.locator("#runs-body tr").first).to_contain_text("YClients 401: Unauthorized")
    _clean(board)


# ------------------------------------------------------------------------------ mapping


async def test_the_mapping_preselects_suggestions_and_shows_what_is_not_mapped(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await _create(http, world, yclients_body(world))
    cid = created["id"]
    await _listed(
        app,
        world,
        cid,
        staff=[("17", "anna"), ("18", "Dmitri")],
        services=[("5", "Haircut"), ("6", "Beard trim")],
    )
    board = await open_connections("owner", at=f"#{cid}/mapping")
    page = board.page
    await expect(page.get_by_role("tab", name="Mapping 2")).to_have_attribute(
        "aria-selected", "true"
    )
    anna = page.get_by_label("anna is here")
    dmitri = page.get_by_label("Dmitri is here")
    await expect(anna).to_have_value(str(world.specialist_a))
    await expect(anna.locator("option")).to_have_text(["Not mapped", "Anna", "Ben", "Cem"])
    await expect(dmitri).to_have_value("")
    staff = page.locator("#mapping-staff tr")
    await expect(staff.nth(0)).to_contain_text("Suggested by name: save to confirm")
    await expect(staff.nth(1)).to_contain_text("Not mapped")
    await expect(staff.nth(1)).to_have_class("unmapped")
    await expect(page.get_by_label("Haircut is here")).to_have_value(str(world.service_id))
    await expect(page.get_by_label("Beard trim is here")).to_have_value("")

    await dmitri.select_option(label="Ben")
    await expect(staff.nth(1)).to_contain_text("Changed, not saved")
    await page.get_by_role("button", name="Save mapping").click()
    await expect(page.locator("#mapping-done")).to_have_text(
        "The mapping is saved. One is still not mapped; its bookings stay held back."
    )
    stored = {
        (m["kind"], m["external_id"]): (m["target_id"], m["suggested"])
        for m in await _get(http, world, f"{API}/{cid}/mappings")
    }
    assert stored == {
        ("staff", "17"): (str(world.specialist_a), False),  # the suggestion, confirmed
        ("staff", "18"): (str(world.specialist_b), False),
        ("service", "5"): (str(world.service_id), False),
        ("service", "6"): (None, False),
    }
    await expect(staff.nth(0)).to_contain_text("Mapped")
    await expect(page.get_by_role("tab", name="Mapping 1")).to_be_visible()

    # "Not mapped" is a choice too; undo puts back what is stored.
    await anna.select_option("")
    await page.get_by_role("button", name="Undo changes").click()
    await expect(anna).to_have_value(str(world.specialist_a))
    await anna.select_option("")
    await page.get_by_role("button", name="Save mapping").click()
    await expect(page.locator("#mapping-done")).to_contain_text("2 are still not mapped")
    mapped = {
        m["external_id"]: m["target_id"] for m in await _get(http, world, f"{API}/{cid}/mappings")
    }
    assert mapped["17"] is None

    # Ben stops working at the location meanwhile: the API's refusal, in words.
    emptied = await http.put(
        f"/specialists/{world.specialist_b}/schedules", json=[], headers=world.headers("owner")
    )
    assert emptied.status_code == 200, emptied.text
    await anna.select_option(label="Ben")
    await page.get_by_role("button", name="Save mapping").click()
    await expect(page.locator("#mapping-error")).to_have_text(
        "This specialist has no weekly hours at the chosen location (the Staff page sets them)."
    )
    await expect(anna).to_have_value(str(world.specialist_b))  # the choice stays, unsaved
    mapped = {
        m["external_id"]: m["target_id"] for m in await _get(http, world, f"{API}/{cid}/mappings")
    }
    assert mapped["17"] is None
    _clean(board, 422)


# ------------------------------------------------------------------------------ held, conflicts


async def test_held_back_bookings_and_open_conflicts(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await _create(http, world, yclients_body(world))
    cid = created["id"]
    await _listed(app, world, cid, staff=[("18", "Dmitri")], services=[])
    await _held_and_conflicting(app, world, cid)
    board = await open_connections("owner", at=f"#{cid}")
    page = board.page
    await expect(page.get_by_role("tab", name="Held back 2")).to_be_visible()
    await expect(page.get_by_role("tab", name="Conflicts 1")).to_be_visible()

    await page.get_by_role("tab", name="Held back 2").click()
    held = page.locator("#held-body tr")
    await expect(held).to_have_count(2)
    waiting = held.filter(has_text="Needs mapping")
    # The booking in the location's time (the browser is on UTC+14), its people and service.
    await expect(waiting).to_contain_text("8 Jan 2030, 11:00 · Dmitri · Beard trim · Dora Dahl")
    await expect(waiting).to_contain_text("staff 18 (Dmitri) is not mapped")
    await expect(waiting).to_contain_text("ID 601 there")
    unread = held.filter(has_text="Could not be read")
    await expect(unread).to_contain_text("Booking 602")
    await expect(unread).to_contain_text("record 602: no datetime")
    await page.get_by_role("button", name="Go to the mapping").click()
    await expect(page.get_by_role("tab", name=re.compile("^Mapping"))).to_be_focused()
    await expect(page.get_by_label("Dmitri is here")).to_be_visible()

    await page.get_by_role("tab", name="Conflicts 1").click()
    conflict = page.locator("#conflicts-body tr")
    await expect(conflict).to_have_count(1)
    await expect(conflict).to_contain_text("7 Jan 2030, 11:10 · Anna · Haircut · Dora Dahl")
    await expect(conflict).to_contain_text("7 Jan 2030, 11:00–11:30 · Anna · Clara Client")
    await expect(conflict).to_contain_text("overlaps an appointment of Anna")
    assert page.url.endswith(f"#{cid}/conflicts")  # a reload comes back here
    await page.reload()
    await expect(page.locator("#panel-conflicts")).to_be_visible(timeout=10000)
    await expect(page.locator("#conflicts-body tr")).to_have_count(1)
    _clean(board)


async def test_a_long_history_is_read_a_page_at_a_time(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await _create(http, world, yclients_body(world))

    async def runs(session: AsyncSession, connection: Connection) -> None:
        for minute in range(25):
            await _run(session, connection, _ago(minutes=30 - minute), imported=minute)

    await _as_poller(app, world, created["id"], runs)
    board = await open_connections("owner", at=f"#{created['id']}/runs")
    page = board.page
    rows = page.locator("#runs-body tr")
    await expect(rows).to_have_count(20)
    await expect(rows.first.locator("td").nth(1)).to_have_text("24")  # newest first
    await page.get_by_role("button", name="Show more").click()
    await expect(rows).to_have_count(25)
    await expect(page.locator("#runs-more")).to_be_hidden()
    _clean(board)


# ------------------------------------------------------------------------------ who may


@pytest.mark.parametrize("role", ["manager", "worker", "client"])
async def test_everyone_else_is_told_the_page_is_for_the_owner_and_directors(
    browser: Browser, server: str, world: World, http: httpx.AsyncClient, role: str
) -> None:
    await _create(http, world, yclients_body(world))
    context = await staff_context(browser)
    try:
        asked: list[str] = []
        context.on(
            "request", lambda r: asked.append(r.url) if "/api/v1/connections" in r.url else None
        )
        board = await signed_in(context, f"{server}/connections", world.emails[role])
        page = board.page
        await expect(page.locator("#connections")).to_be_visible(timeout=10000)
        await expect(page.locator("#connections-denied")).to_have_text(
            "The connections page is for the firm's owner and directors: they connect "
            "YClients and CalDAV calendars here."
        )
        await expect(page.locator("#list")).to_be_hidden()
        await expect(page.get_by_text("Barbershop on YClients")).to_have_count(0)
        await expect(page.locator(".pages a[href='/connections']")).to_be_hidden()
        assert await axe_violations(page) == []
        assert asked == []  # nothing is asked that the API would refuse
        _clean(board)
    finally:
        await context.close()


async def test_owners_and_directors_find_it_in_the_topbar(
    open_connections: ConnectionsOpener,
) -> None:
    for role in ("owner", "director"):
        board = await open_connections(role)
        link = board.page.get_by_role("link", name="Connections", exact=True)
        await expect(link).to_be_visible()
        await expect(link).to_have_attribute("href", "/connections")
        await board.page.get_by_role("link", name="Setup", exact=True).click()
        await expect(board.page.locator("#setup")).to_be_visible(timeout=10000)
        await expect(board.page.get_by_role("link", name="Connections", exact=True)).to_be_visible()
        _clean(board)


# ------------------------------------------------------------------------------ words, looks


async def _seed_views(http: httpx.AsyncClient, app: FastAPI, world: World) -> dict[str, Any]:
    """A working connection with everything to show, and a failing calendar beside it."""
    created = await _create(
        http, world, yclients_body(world, name="Barbershop Mitte on YClients (main salon)")
    )
    cid = created["id"]
    await _worked(app, world, cid)
    await _listed(
        app,
        world,
        cid,
        staff=[("17", "Anna"), ("18", "Dmitri"), ("19", "Ben")],
        services=[("5", "Haircut"), ("6", "Beard trim"), ("7", "Haircut + beard (long hair)")],
    )
    await _held_and_conflicting(app, world, cid)

    async def partly(session: AsyncSession, connection: Connection) -> None:
        await _run(
            session,
            connection,
            _ago(seconds=30),
            "partial",
            "record 602: no datetime; record 603: the staff member 99 is not in the staff list",
            requests=2,
            imported=1,
            errors=2,
        )

    await _as_poller(app, world, cid, partly)
    calendar = await _create(http, world, caldav_body(world))

    async def refused(session: AsyncSession, connection: Connection) -> None:
        await _run(session, connection, _ago(hours=2), "failed", "The server refused the login")
        health.mark_failing(connection, "The server refused the login", _ago(hours=2))
        # Its next try was due long ago: no worker has run since (the page says so).
        health.schedule_next(connection, _ago(hours=2))

    await _as_poller(app, world, calendar["id"], refused)
    return created


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_view_passes_axe_and_is_photographed(
    open_connections: ConnectionsOpener,
    http: httpx.AsyncClient,
    app: FastAPI,
    world: World,
    size: str,
) -> None:
    empty = await open_connections("owner", size)
    await expect(empty.page.locator("#list-empty")).to_be_visible()
    await check_view(empty.page, "empty", SCREENSHOTS / f"connections-empty-{size}.png")
    await empty.page.context.close()

    created = await _seed_views(http, app, world)
    board = await open_connections("owner", size, at=f"#{created['id']}")
    page = board.page
    await expect(page.locator("#counts-body tr")).to_have_count(2)

    async def shot(view: str, *, dialog: bool = False) -> None:
        path = SCREENSHOTS / f"connections-{view}-{size}.png"
        await check_view(page, view, path)
        if dialog:  # as it is seen: its backdrop covers the window, not the whole page
            await page.screenshot(path=str(path))

    await shot("status")
    for view, tab in (
        ("mapping", "Mapping"),
        ("held", "Held back"),
        ("conflicts", "Conflicts"),
        ("runs", "History"),
    ):
        await page.get_by_role("tab", name=re.compile(f"^{tab}")).click()
        await expect(page.locator(f"#panel-{view}")).to_be_visible()
        await shot(view)
    if size == "phone":
        # The open connection has the screen to itself; the way back leads to the list.
        await expect(page.locator("#list")).to_be_hidden()
        await page.get_by_role("button", name="All connections").click()
        await expect(page.locator("#detail")).to_be_hidden()
        await expect(
            _row(page, "Barbershop Mitte on YClients (main salon)").get_by_role("button")
        ).to_be_focused()
    else:
        await expect(page.get_by_role("button", name="All connections")).to_be_hidden()
    await _row(page, "Anna's calendar").get_by_role("button", name="Open").click()
    await expect(page.locator("#health-badge")).to_have_text("Failing")
    await page.get_by_role("tab", name="Status").click()
    await shot("failing")

    await page.get_by_role("button", name="Edit").click()
    await expect(page.locator("#connection-dialog")).to_be_visible()
    await shot("edit-caldav", dialog=True)
    await page.keyboard.press("Escape")
    await page.get_by_role("button", name="Delete…").click()
    await expect(page.locator("#delete-dialog")).to_be_visible()
    await shot("delete", dialog=True)
    await page.keyboard.press("Escape")
    if size == "phone":
        await page.get_by_role("button", name="All connections").click()
    await page.get_by_role("button", name="Add connection").click()
    await shot("add-yclients", dialog=True)
    await page.get_by_label("A specialist's calendar (CalDAV)").check()
    await shot("add-caldav", dialog=True)
    await page.keyboard.press("Escape")
    _clean(board)


async def test_the_page_speaks_german_and_russian(
    open_connections: ConnectionsOpener, http: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    created = await _seed_views(http, app, world)
    board = await open_connections("owner", at=f"#{created['id']}")
    page = board.page
    await expect(page.locator("#counts-body tr")).to_have_count(2)
    await page.locator("#language").select_option("de")
    await expect(page.locator("#list-title")).to_have_text("Verbindungen")
    await expect(page.get_by_role("button", name="Verbindung hinzufügen")).to_be_visible()
    await expect(page.get_by_role("button", name="Jetzt abgleichen")).to_be_visible()
    await expect(page.locator("#health-badge")).to_have_text("Funktioniert")
    await expect(page.locator("#facts")).to_contain_text("Prüfabstand")
    await expect(page.locator("#facts")).to_contain_text("vor 1 Minute")
    await expect(_row(page, "Anna's calendar")).to_contain_text(
        "Der Kalender hat Benutzername oder Passwort nicht angenommen."
    )
    await page.get_by_role("tab", name=re.compile("^Zuordnung")).click()
    await expect(page.locator("#mapping-staff")).to_contain_text("Nach Namen vorgeschlagen")
    await expect(page.locator("#mapping-staff")).to_contain_text("Nicht zugeordnet")
    await page.screenshot(
        path=str(SCREENSHOTS / "connections-mapping-de-desktop.png"), full_page=True
    )

    await page.locator("#language").select_option("ru")
    await expect(page.locator("#list-title")).to_have_text("Интеграции")
    await expect(page.get_by_role("tab", name=re.compile("^Сопоставление"))).to_be_visible()
    await expect(page.locator("#mapping-staff")).to_contain_text("Не сопоставлено")
    await page.get_by_role("button", name="Изменить").click()
    await expect(page.locator("#connection-dialog-title")).to_have_text(
        "Изменить «Barbershop Mitte on YClients (main salon)»"
    )
    await expect(page.get_by_label("ID компании")).to_have_value("4564")
    await page.keyboard.press("Escape")
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.get_by_role("tab", name="Состояние").click()
    await page.screenshot(path=str(SCREENSHOTS / "connections-status-ru-phone.png"), full_page=True)
    me = await http.get("/me", headers=world.headers("owner"))
    assert me.json()["locale"] == "ru"  # kept with the login
    _clean(board)


async def test_the_page_and_its_modules_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/connections")
    assert response.status_code == 200
    page = response.text
    assert entry_point(page).startswith("/board/static/connections.js?v=")
    assert 'href="/board/static/connections.css?v=' in page
    assert 'href="/board/static/staff.css?v=' in page
    assert 'id="login-form"' in page
    assert '<a href="/connections" data-i18n="nav.connections"' in page
    assert 'data-roles="owner director"' in page and 'aria-current="page"' in page
    # Nothing from another origin (the hints speak of https:// addresses, in words).
    assert not re.findall(r'(?:src|href|action)="(?:https?:)?//', page)
    assert " style=" not in page  # the policy would refuse inline styles
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    modules = await served_modules(client, entry_point(page))
    assert {
        "connections.js",
        "connections-dom.js",
        "connections-health.js",
        "connections-detail.js",
        "connections-records.js",
        "connections-mappings.js",
        "connections-form.js",
        "strings-connections.js",
        "session.js",
    } <= modules
    style = await client.get("/board/static/connections.css")
    assert style.headers["content-type"].startswith("text/css")
    # The address first asked for leads to the page; the API's connections are the API's.
    moved = await client.get("/app/connections")
    assert moved.status_code == 307 and moved.headers["location"] == "/connections"
    assert (await client.get("/api/v1/connections")).status_code == 401
