"""Planning in the calendar: creating appointments (from a selected range, or with the
keyboard alone through the "New appointment" dialog), changing time and workers from the
dialog, a worker's Start and Finish, working time shaded, and the page's languages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import PASSWORD, World
from tests.web.accessibility import axe_violations
from tests.web.calendar_helpers import SLOT_PX, drag, read_stored
from tests.web.conftest import (
    FIRM_ZONE,
    SIZES,
    Board,
    CalendarOpener,
    Staff,
    expect,
    today_at,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def _appointments_of(staff: Staff, world: World, **query: str) -> list[dict[str, Any]]:
    response = await staff.http.get(
        "/appointments",
        params={"from": _iso(today_at(0)), "to": _iso(today_at(23, 59)), **query},
        headers=world.headers("director"),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _select(board: Board, *, column: int, below: dict[str, Any], minutes: int) -> None:
    """Selects a range in an empty part of a worker's column: from ``minutes`` after the top
    of the reference card ``below`` (a card whose top is a known time) for 30 minutes."""
    page = board.page
    head = await page.locator(".ec-header .ec-col-head").nth(column).bounding_box()
    card = page.locator(f'[data-appointment="{below["id"]}"]')
    await card.scroll_into_view_if_needed()
    box = await card.bounding_box()
    assert head is not None and box is not None
    x = head["x"] + head["width"] / 2
    y = box["y"] + minutes / 15 * SLOT_PX + 4
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x, y + SLOT_PX, steps=4)
    await page.mouse.move(x, y + 2 * SLOT_PX - 8, steps=4)
    await page.mouse.up()


async def test_create_from_a_selected_range_with_a_found_client(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    reference = await staff.book(today_at(11), [world.specialist_c], client=False)
    board = await open_calendar("director")
    page = board.page
    await _select(board, column=1, below=reference, minutes=60)  # Ben, 12:00-12:30

    dialog = page.locator("#card-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#card-title")).to_have_text("New appointment")
    await expect(dialog.get_by_label("Starts")).to_have_value("12:00")
    await expect(dialog.get_by_label("Ends")).to_have_value("12:30")
    await expect(dialog.get_by_label("Ben")).to_be_checked()
    await expect(dialog.get_by_label("Anna")).not_to_be_checked()
    assert await axe_violations(page) == []

    await dialog.get_by_role("button", name="Create appointment").click()
    await expect(dialog.locator("#card-error")).to_have_text("Choose at least one service.")

    await dialog.get_by_label("Client", exact=True).fill("+4930123")  # part of Clara's phone
    await dialog.get_by_role("button", name="Clara Client").click()
    await expect(dialog.locator("#card-client-name")).to_have_text("Clara Client")
    await dialog.get_by_label("Haircut (30 min)").check()
    await dialog.get_by_label("Notes").fill("First visit")
    async with page.expect_response(lambda r: r.request.method == "POST") as created:
        await dialog.get_by_role("button", name="Create appointment").click()
    assert (await created.value).status == 201
    await expect(dialog).to_be_hidden()

    [made] = [a for a in await _appointments_of(staff, world) if a["notes"] == "First visit"]
    assert made["start_at"] == _iso(today_at(12))
    assert made["end_at"] == _iso(today_at(12, 30))  # the service's 30 minutes
    assert [w["name"] for w in made["workers"]] == ["Ben"]
    assert [s["name"] for s in made["services"]] == ["Haircut"]
    assert made["client"]["id"] == str(world.client_id)
    card = page.locator(f'[data-appointment="{made["id"]}"]')
    await expect(card).to_contain_text("12:00")
    await expect(card).to_contain_text("Clara Client")
    assert not board.errors and not board.console, (board.errors, board.console)


async def test_create_with_the_keyboard_and_a_new_client_refused_then_retried(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    taken = await staff.book(today_at(14), [world.specialist_a], client=False)
    board = await open_calendar("director")
    page, keyboard = board.page, board.page.keyboard
    await page.locator("#planner-new").focus()
    await keyboard.press("Enter")
    dialog = page.locator("#card-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_label("Client", exact=True)).to_be_focused()

    await dialog.locator("#card-client-new").focus()
    await keyboard.press("Enter")
    await expect(dialog.get_by_label("First name")).to_be_focused()
    await keyboard.type("Nora")
    await dialog.get_by_label("Last name").focus()
    await keyboard.type("Newcomer")
    await dialog.get_by_label("Phone").focus()
    await keyboard.type("+49 30 5550101")
    await dialog.get_by_label("Starts").fill("14:00")  # Anna is booked then
    await dialog.get_by_label("Haircut (30 min)").focus()
    await keyboard.press("Space")
    await expect(dialog.get_by_label("Ends")).to_have_value("14:30")  # follows the service
    await dialog.get_by_label("Anna").focus()
    await keyboard.press("Space")
    await dialog.get_by_role("button", name="Create appointment").focus()
    await keyboard.press("Enter")

    error = dialog.locator("#card-error")
    await expect(error).to_have_text("Anna already has an appointment from 14:00 to 14:40.")
    await expect(dialog.get_by_label("First name")).to_have_value("Nora")  # nothing lost
    await dialog.get_by_label("Starts").fill("15:00")
    await dialog.get_by_role("button", name="Create appointment").focus()
    await keyboard.press("Enter")
    await expect(dialog).to_be_hidden()

    found = await staff.http.get(
        "/clients", params={"q": "Newcomer"}, headers=world.headers("director")
    )
    [nora] = found.json()["items"]  # one client, though the first try was refused
    assert (nora["first_name"], nora["phone"]) == ("Nora", "+49 30 5550101")
    [made] = [a for a in await _appointments_of(staff, world) if a["id"] != taken["id"]]
    assert made["client"]["id"] == nora["id"]
    assert made["start_at"] == _iso(today_at(15))
    assert [w["name"] for w in made["workers"]] == ["Anna"]
    await expect(page.locator(f'[data-appointment="{made["id"]}"]')).to_contain_text(
        "Nora Newcomer"
    )


async def test_move_and_change_workers_from_the_dialog(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    board = await open_calendar("director")
    page = board.page
    card = page.locator(f'[data-appointment="{booked["id"]}"]')
    await card.focus()
    await page.keyboard.press("Enter")
    dialog = page.locator("#card-dialog")
    await expect(dialog.get_by_label("Starts")).to_have_value("10:00")
    await dialog.get_by_label("Starts").fill("11:30")
    await expect(dialog.get_by_label("Ends")).to_have_value("12:00")
    await dialog.get_by_label("Cem").check()
    await dialog.get_by_label("Anna").uncheck()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()

    stored = (await read_stored(staff, world, booked["id"])).json()
    assert (stored["start_at"], stored["end_at"]) == (_iso(today_at(11, 30)), _iso(today_at(12)))
    assert [w["name"] for w in stored["workers"]] == ["Cem"]
    assert stored["notes"] == booked["notes"]  # untouched fields are not sent
    await expect(card).to_contain_text("11:30")
    cem = await page.locator(".ec-header .ec-col-head").nth(2).bounding_box()
    box = await card.bounding_box()
    assert cem is not None and box is not None
    assert cem["x"] - 2 <= box["x"] < cem["x"] + cem["width"]

    # Two workers at once: the card shows both names.
    await card.click()
    await dialog.get_by_label("Ben").check()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert sorted(w["name"] for w in stored["workers"]) == ["Ben", "Cem"]
    await expect(page.locator(f'[data-appointment="{booked["id"]}"]')).to_have_count(2)
    await expect(page.locator(f'[data-appointment="{booked["id"]}"]').first).to_contain_text(
        "Ben, Cem"
    )


async def test_a_worker_starts_and_finishes_and_the_director_sees_it_live(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    director = await open_calendar("director")
    worker = await open_calendar("worker", "phone")
    mine = worker.page.locator(f'[data-appointment="{booked["id"]}"]')
    await mine.click()
    dialog = worker.page.locator("#card-dialog")
    await expect(dialog.get_by_role("button", name="Save")).to_be_hidden()
    await expect(dialog.locator("#card-fields")).to_be_hidden()
    await expect(dialog.get_by_role("button", name="Cancel appointment")).to_be_hidden()
    assert await axe_violations(worker.page) == []
    await dialog.get_by_role("button", name="Start").click()
    await expect(dialog).to_be_hidden()
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["is_open"] is True and stored["opened_at"] is not None
    await expect(mine).to_contain_text("In progress")

    theirs = director.page.locator(f'[data-appointment="{booked["id"]}"]')
    await expect(theirs).to_contain_text("In progress")
    toasts = director.page.locator("#toasts")
    await expect(toasts).to_contain_text("Worker started the 10:00 appointment with Clara Client")

    await mine.click()
    await dialog.get_by_role("button", name="Finish").click()
    await expect(dialog).to_be_hidden()
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["is_open"] is False and stored["closed_at"] is not None
    await expect(theirs).not_to_contain_text("In progress")
    await expect(toasts).to_contain_text("Worker finished the 10:00 appointment with Clara Client")
    assert not worker.errors and not worker.console, (worker.errors, worker.console)


async def test_a_directors_changes_appear_on_the_workers_phone(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    worker = await open_calendar("worker", "phone")
    director = await open_calendar("director")
    mine = worker.page.locator(f'[data-appointment="{booked["id"]}"]')
    await expect(mine).to_contain_text("10:00")

    dialog = director.page.locator("#card-dialog")
    await director.page.locator(f'[data-appointment="{booked["id"]}"]').click()
    await dialog.get_by_label("Starts").fill("11:00")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(mine).to_contain_text("11:00")  # moved on the phone, no reload

    # Given to Ben: it leaves Anna's phone; given back: it appears again.
    await director.page.locator(f'[data-appointment="{booked["id"]}"]').click()
    await dialog.get_by_label("Ben").check()
    await dialog.get_by_label("Anna").uncheck()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(mine).to_have_count(0)
    await director.page.locator(f'[data-appointment="{booked["id"]}"]').click()
    await dialog.get_by_label("Anna").check()
    await dialog.get_by_role("button", name="Save").click()
    await expect(mine).to_contain_text("11:00")

    # A booking made elsewhere (here through the API) appears too.
    other = await staff.book(today_at(15), [world.specialist_a])
    await expect(worker.page.locator(f'[data-appointment="{other["id"]}"]')).to_contain_text(
        "15:00"
    )
    assert not worker.errors and not worker.console, (worker.errors, worker.console)


async def test_two_directors_drop_onto_the_same_time(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    """Both move a card to Cem at 14:00 from the dialog: the first gets it, the second is
    told who is in the way, and their card stays where it was."""
    first = await staff.book(today_at(10), [world.specialist_a])
    second = await staff.book(today_at(10), [world.specialist_b])
    one = await open_calendar("director")
    two = await open_calendar("owner")
    for board, booked in ((one, first), (two, second)):
        dialog = board.page.locator("#card-dialog")
        await board.page.locator(f'[data-appointment="{booked["id"]}"]').click()
        await dialog.get_by_label("Starts").fill("14:00")
        await dialog.get_by_label("Cem").check()
        await dialog.get_by_label("Anna" if booked is first else "Ben").uncheck()
    await one.page.locator("#card-dialog").get_by_role("button", name="Save").click()
    await expect(one.page.locator("#card-dialog")).to_be_hidden()
    await two.page.locator("#card-dialog").get_by_role("button", name="Save").click()
    await expect(two.page.locator("#card-error")).to_have_text(
        "Cem already has an appointment from 14:00 to 14:40."
    )
    await expect(two.page.locator("#card-dialog").get_by_label("Starts")).to_have_value("14:00")
    assert (await read_stored(staff, world, second["id"])).json()["version"] == second["version"]
    # The first move reached the second director's calendar live.
    await expect(two.page.locator(f'[data-appointment="{first["id"]}"]')).to_contain_text("14:00")


async def test_working_time_is_shaded(
    open_calendar: CalendarOpener, staff: Staff, world: World, http: httpx.AsyncClient
) -> None:
    day = today_at(0).date().isoformat()
    added = await http.post(
        f"/specialists/{world.specialist_a}/breaks",
        json={"date": day, "start_time": "12:00", "end_time": "13:00", "reason": "Dentist"},
        headers=world.headers("director"),
    )
    assert added.status_code == 201, added.text
    reference = await staff.book(today_at(11), [world.specialist_a], client=False)
    board = await open_calendar("director")
    page = board.page
    card = page.locator(f'[data-appointment="{reference["id"]}"]')
    await card.scroll_into_view_if_needed()
    box = await card.bounding_box()
    assert box is not None
    top_of_noon = box["y"] + 4 * SLOT_PX
    shaded = await page.evaluate(
        """() => [...document.querySelectorAll('.ec-bg-event.off-time')].map((n) => {
            const r = n.getBoundingClientRect();
            return {x: r.x + r.width / 2, y: r.y, height: r.height};
        })"""
    )
    heads = [await page.locator(".ec-header .ec-col-head").nth(i).bounding_box() for i in range(3)]

    def in_column(i: int, shade: dict[str, float]) -> bool:
        head = heads[i]
        assert head is not None
        return bool(head["x"] <= shade["x"] < head["x"] + head["width"])

    weekday = today_at(0).weekday()
    if weekday < 5:  # the specialists' schedules are Monday to Friday, 9 to 18
        breaks = [s for s in shaded if abs(s["y"] - top_of_noon) < 3]
        assert [i for i in range(3) for s in breaks if in_column(i, s)] == [0]
        assert abs(breaks[0]["height"] - 4 * SLOT_PX) < 3
    else:  # nobody works: every column is shaded all day
        assert all(any(in_column(i, s) for s in shaded) for i in range(3))


async def test_the_calendar_speaks_german_and_russian(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a])
    board = await open_calendar("director")
    page = board.page
    async with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        await page.get_by_label("Language").select_option("de")
    assert (await saved.value).status == 200
    await expect(page.get_by_role("button", name="Heute", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Neuer Termin")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    await expect(page.get_by_role("link", name="Kalender", exact=True)).to_be_visible()
    me = await staff.http.get("/me", headers=world.headers("director"))
    assert me.json()["locale"] == "de"  # kept with the login

    await page.locator(f'[data-appointment="{booked["id"]}"]').click()
    dialog = page.locator("#card-dialog")
    await expect(dialog.get_by_role("button", name="Termin stornieren")).to_be_visible()
    await expect(dialog.locator("#card-status")).to_have_text("Status: geplant")
    await dialog.get_by_role("button", name="Schließen").click()

    await page.get_by_label("Sprache").select_option("ru")
    await expect(page.get_by_role("button", name="Сегодня", exact=True)).to_be_visible()
    await expect(page.locator("#planner-zone")).to_have_text("Время: Europe/Berlin")
    await page.reload()  # the choice stays
    await expect(page.get_by_role("button", name="Новая запись")).to_be_visible()
    assert await axe_violations(page) == []
    assert not board.errors and not board.console, (board.errors, board.console)


@pytest.mark.parametrize("size", list(SIZES))
async def test_screenshots_of_the_dialogs(
    open_calendar: CalendarOpener, staff: Staff, world: World, size: str
) -> None:
    booked = await staff.book(today_at(10), [world.specialist_a], notes="Short fringe")
    board = await open_calendar("director", size)
    page = board.page
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.locator(f'[data-appointment="{booked["id"]}"]').click()
    dialog = page.locator("#card-dialog")
    await expect(dialog).to_be_visible()
    await page.screenshot(path=SCREENSHOTS / f"calendar-dialog-edit-{size}.png")
    await dialog.get_by_role("button", name="Close").click()
    await page.locator("#planner-new").click()
    await dialog.locator("#card-client-new").click()
    await page.screenshot(path=SCREENSHOTS / f"calendar-dialog-new-{size}.png")
    assert await axe_violations(page) == []


async def test_filter_by_worker_and_go_to_a_date(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    await staff.book(today_at(10), [world.specialist_a])
    later = await staff.book(today_at(10, days=9), [world.specialist_b])
    board = await open_calendar("director")
    page = board.page
    heads = page.locator(".ec-header .ec-col-head")
    await expect(heads).to_have_text(["Anna", "Ben", "Cem"])
    await page.get_by_label("Workers").select_option(label="Ben")
    await expect(heads).to_have_text(["Ben"])
    await expect(page.locator(".ec-event:not(.ec-bg-event)")).to_have_count(0)  # Anna's is hidden

    await page.locator("#planner-date").fill(today_at(0, days=9).date().isoformat())
    card = page.locator(f'[data-appointment="{later["id"]}"]')
    await expect(card).to_contain_text("10:00")
    await page.get_by_role("button", name="Week", exact=True).click()
    await expect(card).to_be_visible()  # Ben's week, one column a day
    await page.get_by_label("Workers").select_option("")
    await page.get_by_role("button", name="Day", exact=True).click()
    await expect(heads).to_have_text(["Anna", "Ben", "Cem"])
    await page.get_by_role("button", name="Today", exact=True).click()
    await expect(page.locator("#planner-date")).to_have_value(today_at(0).date().isoformat())
    assert not board.errors and not board.console, (board.errors, board.console)


async def test_an_ended_session_keeps_the_open_dialog(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    """The access token is refused and cannot be renewed (as after a long break): the user
    signs in again and finds the dialog as they left it."""
    booked = await staff.book(today_at(10), [world.specialist_a])
    board = await open_calendar("director")
    page = board.page
    await page.locator(f'[data-appointment="{booked["id"]}"]').click()
    dialog = page.locator("#card-dialog")
    await dialog.get_by_label("Notes").fill("Typed before the session ended")

    async def refused(route: Any) -> None:
        await route.fulfill(
            status=401,
            content_type="application/json",
            body='{"code": "not_authenticated", "message": "Token expired"}',
        )

    await page.route("**/api/v1/appointments/*", refused)
    await page.route("**/api/v1/auth/refresh", refused)
    await dialog.get_by_role("button", name="Save").click()
    login = page.locator("#login")
    await expect(login).to_be_visible()
    await expect(page.locator("#login-error")).to_have_text(
        "Your session has ended; please sign in again."
    )
    await page.unroute("**/api/v1/appointments/*")
    await page.unroute("**/api/v1/auth/refresh")
    await login.get_by_label("Email", exact=True).fill(world.emails["director"])
    await login.get_by_label("Password", exact=True).fill(PASSWORD)
    await login.get_by_role("button", name="Sign in").click()

    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_label("Notes")).to_have_value("Typed before the session ended")
    await expect(dialog.locator("#card-error")).to_contain_text("You are signed in again")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["notes"] == "Typed before the session ended"


async def test_a_move_across_the_change_to_summer_time_keeps_the_wall_clock(
    open_calendar: CalendarOpener, staff: Staff, world: World
) -> None:
    """Berlin moves its clocks on 28 March 2027: Saturday 10:00 dragged to Sunday is Sunday
    10:00 there (23 hours later, not 24)."""
    saturday = datetime(2027, 3, 27, 10, tzinfo=FIRM_ZONE)
    booked = await staff.book(saturday, [world.specialist_a])
    board = await open_calendar("director")
    page = board.page
    await page.get_by_label("Workers").select_option(label="Anna")
    await page.locator("#planner-date").fill("2027-03-27")
    await page.get_by_role("button", name="Week", exact=True).click()
    card = page.locator(f'[data-appointment="{booked["id"]}"]')
    await expect(card).to_contain_text("10:00")
    heads = page.locator(".ec-header .ec-col-head")
    texts = await heads.all_inner_texts()
    sunday = next(i for i, text in enumerate(texts) if "28" in text)
    async with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        await drag(board, booked["id"], to_column=sunday, minutes=0)
    assert (await saved.value).status == 200, await (await saved.value).text()
    await expect(card).to_contain_text("10:00")
    stored = (await read_stored(staff, world, booked["id"])).json()
    assert stored["start_at"] == _iso(datetime(2027, 3, 28, 10, tzinfo=FIRM_ZONE))
    assert stored["end_at"] == _iso(datetime(2027, 3, 28, 10, 30, tzinfo=FIRM_ZONE))
