"""The booking page's first steps when the firm has more than one of each: the locations,
the services with duration and price (axe-core, screenshots at three sizes), a step with a
single choice skipped both ways, and the way back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import FastAPI

from slotwise.models import Location, Service, SpecialistService
from tests.factories import World
from tests.web.book_helpers import (
    BookingServer,
    Opener,
    booking_server,
    check_view,
    open_booking,
    open_page,
    wait_for_month,
)
from tests.web.conftest import SIZES, expect

pytestmark = pytest.mark.browser
__all__ = ["booking_server", "open_page"]  # fixtures


async def _second_location_and_service(app: FastAPI, world: World) -> None:
    async with app.state.sessionmaker.begin() as session:
        session.add(
            Location(
                firm_id=world.firm_id,
                name="Kreuzberg",
                address="Oranienstraße 12, 10999 Berlin",
                time_zone="Europe/Berlin",
                capacity=2,
            )
        )
        beard = Service(
            firm_id=world.firm_id,
            name="Beard trim with hot towel",
            description="Shaped, trimmed and finished with a hot towel and balm",
            duration_minutes=45,
            break_after_minutes=0,
            price=Decimal("32.50"),
            currency="EUR",
        )
        session.add(beard)
        await session.flush()
        # Only Anna trims beards.
        session.add(
            SpecialistService(
                firm_id=world.firm_id, specialist_id=world.specialist_a, service_id=beard.id
            )
        )


@pytest.mark.parametrize("size", list(SIZES))
async def test_location_then_service_then_straight_to_the_days(
    booking_server: BookingServer, app: FastAPI, world: World, open_page: Opener, size: str
) -> None:
    await open_booking(app, world)
    await _second_location_and_service(app, world)
    visit = await open_page(f"{booking_server.url}/book/{world.slug}", size)
    page = visit.page

    await expect(page.locator("#view-location")).to_be_visible(timeout=15000)
    locations = page.locator("#location-list .choice")
    await expect(locations).to_have_count(2)
    await expect(locations.filter(has_text="Kreuzberg")).to_contain_text("Oranienstraße 12")
    await expect(page.locator("#view-location [data-back]")).to_have_count(0)
    await check_view(page, "location", size)

    await locations.filter(has_text="Mitte").click()
    await expect(page.locator("#view-service")).to_be_visible()
    services = page.locator("#service-list .choice")
    await expect(services).to_have_count(2)
    await expect(services.filter(has_text="Haircut")).to_contain_text("30 min · €25.00")
    beard = services.filter(has_text="Beard trim with hot towel")
    await expect(beard).to_contain_text("45 min · €32.50")
    await expect(beard).to_contain_text("hot towel and balm")
    await expect(page.get_by_role("button", name="Back")).to_be_visible()
    await check_view(page, "service", size)

    # Only Anna offers it: no question of whom, the days come at once.
    await beard.click()
    await wait_for_month(page)
    await expect(page.locator("#time-picked")).to_have_text(
        "Mitte · Beard trim with hot towel · 45 min · €32.50 · Anna"
    )
    # Back skips the question that was not asked.
    await page.get_by_role("button", name="Back").click()
    await expect(page.locator("#view-service")).to_be_visible()
    await page.get_by_role("button", name="Back").click()
    await expect(page.locator("#view-location")).to_be_visible()
    assert visit.clean(), visit.errors
