"""What the calendar's browser tests share (the `open_calendar` fixture is in conftest):
reading what the API stored, and dragging a card."""

from __future__ import annotations

import httpx

from tests.factories import World
from tests.web.conftest import Board, Staff


async def read_stored(staff: Staff, world: World, appointment_id: str) -> httpx.Response:
    return await staff.http.get(
        f"/appointments/{appointment_id}", headers=world.headers("director")
    )


SLOT_PX = 28  # calendar.js: slotHeight of one 15-minute slot


async def drag(board: Board, appointment_id: str, *, to_column: int, minutes: int) -> None:
    """Drags the card by its middle to another column and ``minutes`` later (or earlier)."""
    page = board.page
    card = page.locator(f'[data-appointment="{appointment_id}"]')
    box = await card.bounding_box()
    column = await page.locator(".ec-header .ec-col-head").nth(to_column).bounding_box()
    assert box is not None and column is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + min(12, box["height"] / 3)
    await page.mouse.move(x, y)
    await page.mouse.down()
    target_x = column["x"] + column["width"] / 2
    target_y = y + minutes / 15 * SLOT_PX
    await page.mouse.move(x + 5, y + 5, steps=2)
    await page.mouse.move(target_x, target_y, steps=12)
    await page.mouse.up()
