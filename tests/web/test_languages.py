"""The staff pages' three languages: every strings module has every word in English, German
and Russian, every word the pages ask for exists, and the board follows the language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from slotwise.web import routes
from tests.factories import World
from tests.web.conftest import BoardOpener, Staff, expect, today_at

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.browser

WEB = Path(routes.__file__).parent
STRINGS = sorted(name for name in routes._STATIC_TYPES if name.startswith("strings-"))
# t("key") and t("key", {...}) with a literal key; data-i18n="key" and its attribute forms.
ASKED_IN_SCRIPT = re.compile(r"""\bt\(\s*"([a-zA-Z0-9_.]+)"\s*[,)]""")
ASKED_IN_MARKUP = re.compile(r'data-i18n(?:-[a-z-]+)?="([a-zA-Z0-9_.$]+)"')


async def _catalogs(browser: Browser, server: str) -> dict[str, dict[str, dict[str, Any]]]:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{server}/board")
        catalogs: dict[str, dict[str, dict[str, Any]]] = await page.evaluate(
            """async (names) => {
                const out = {};
                for (const name of names) {
                    out[name] = (await import(`/board/static/${name}`)).default;
                }
                return out;
            }""",
            STRINGS,
        )
        return catalogs
    finally:
        await context.close()


async def test_every_word_exists_in_every_language(browser: Browser, server: str) -> None:
    assert "strings-common.js" in STRINGS and len(STRINGS) >= 4
    catalogs = await _catalogs(browser, server)
    known: set[str] = set()
    for name, catalog in catalogs.items():
        assert sorted(catalog) == ["de", "en", "ru"], name
        english = set(catalog["en"])
        for lang in ("de", "ru"):
            assert set(catalog[lang]) == english, (name, lang, set(catalog[lang]) ^ english)
            for key, value in catalog[lang].items():
                if isinstance(value, dict):  # plural forms: "other" is the fallback
                    assert "other" in value, (name, lang, key)
                else:
                    assert value.strip(), (name, lang, key)
        known |= english

    # What the scripts and templates ask for is there (keys built at run time excepted).
    asked: set[str] = set()
    for path in (WEB / "static").glob("*.js"):
        asked |= set(ASKED_IN_SCRIPT.findall(path.read_text(encoding="utf-8")))
    for path in (WEB / "templates").glob("*.html"):
        asked |= {k for k in ASKED_IN_MARKUP.findall(path.read_text(encoding="utf-8"))}
    asked = {key for key in asked if "$" not in key}  # header.html's $subtitle_key
    assert asked, "no words found: the patterns are out of date"
    assert sorted(asked - known) == []


async def test_the_board_follows_the_language(
    open_board: BoardOpener, staff: Staff, world: World
) -> None:
    await staff.book(today_at(10), [world.specialist_a])
    board = await open_board("director")
    page = board.page
    await expect(page.locator("#board-title")).to_contain_text("Today, ")
    await page.get_by_label("Language").select_option("de")
    await expect(page.locator("#board-title")).to_contain_text("Heute, ")
    anna = page.locator(".column").filter(has_text="Anna")
    await expect(anna.locator(".count")).to_have_text("1 Termin")
    await expect(page.locator(".column").filter(has_text="Ben").locator(".empty")).to_have_text(
        "Heute keine Termine."
    )
    await page.get_by_label("Sprache").select_option("ru")
    await expect(anna.locator(".count")).to_have_text("1 запись")
    await expect(page.locator("#board-zone")).to_have_text("Время: Europe/Berlin")
    await expect(page.get_by_role("link", name="Табло", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert not board.errors and not board.console, (board.errors, board.console)
