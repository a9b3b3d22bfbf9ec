"""Accessibility checks with axe-core (installed by npm from frontend/package-lock.json)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

AXE = Path(__file__).parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# What must never be on a page; "moderate" and "minor" findings are reported, not failed.
BLOCKING = frozenset({"critical", "serious"})
# @event-calendar/core 5.15.0 gives its root role="table" and puts its toolbar (<nav>) and
# the event cards (<article>) inside it and inside its rowgroup, which ARIA does not allow.
# That one finding on those two elements is the component's, known and listed here rather
# than hidden: `upstream_findings` says when it is gone, and then this entry must go too.
UPSTREAM = {("aria-required-children", (".ec",)), ("aria-required-children", (".ec-body",))}


async def _run_axe(page: Page) -> list[dict[str, Any]]:
    # ``evaluate`` runs the script through the DevTools protocol, so the pages' strict
    # Content-Security-Policy stays as it is for the check.
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
    )
    found = []
    for v in results["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        for node in v["nodes"]:
            found.append(
                {
                    "rule": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "target": tuple(node["target"]),
                    "why": node.get("failureSummary", ""),
                }
            )
    return found


async def upstream_findings(page: Page) -> set[tuple[str, tuple[str, ...]]]:
    """Which of the known findings of the component the page still has."""
    return {(f["rule"], f["target"]) for f in await _run_axe(page)} & UPSTREAM


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The critical and serious axe-core violations of the page as it is now, each with its
    rule, impact, help text, the element and why."""
    return [f for f in await _run_axe(page) if (f["rule"], f["target"]) not in UPSTREAM]


async def check_view(page: Page, view: str, screenshot: Path) -> None:
    """The page as it is now has no blocking axe finding and does not scroll sideways (nothing
    sticks out); its full-page screenshot is saved to ``screenshot`` to be looked at."""
    assert await axe_violations(page) == [], view
    screenshot.parent.mkdir(exist_ok=True)
    await page.screenshot(path=str(screenshot), full_page=True)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, (view, overflow)
