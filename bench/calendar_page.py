"""The staff calendar's day view in headless Chromium (issue 11).

A firm with 20 workers and 200 appointments today (10 per worker, through
``POST /api/v1/appointments`` as its director), and a floor firm of the same shape with no
appointment (one, for the moves). Debian's Chromium (``/usr/bin/chromium``) through Playwright
opens ``/calendar`` signed in as a director (the page's own session in ``sessionStorage``,
from one real login) against uvicorn in a child process (bench.server), and measures:

- **navigation -> drawn**: from the navigation's start (``performance.timeOrigin``) to the
  first animation frame after every card (``[data-appointment]``, one per appointment here)
  is in the DOM and ``#planner`` has ``aria-busy="false"``; measured in the page by a
  MutationObserver installed before the page's scripts run. Repeated ``--loads`` times after
  ``--load-warmup`` unmeasured loads, each from ``about:blank`` (warm browser cache: the
  static files, under versioned URLs, come from it without asking the server);
- **change -> card moved**: with the page live, an appointment's ``start_at`` is moved 15
  minutes by ``PATCH`` (with ``If-Match``) from this process, and the page records when that
  card's time reads the new start. Measured from just before the request is sent and from
  its response, in wall-clock time: the page's ``performance.timeOrigin + performance.now()``
  against ``time.time()``, with the offset between the two clocks measured in the same run.

Where the time of a load goes is taken from the page's Resource Timing entries (the static
files, ``/me``, the catalog lists, the stream token, the appointments, and the location's
working time: holidays, schedules and breaks in one read), and the same API reads are timed
from this process over one keep-alive connection as a reference. Targets: p95 draw < 500 ms,
p95 move < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import secrets
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.database import BENCH_APPLICATION_NAME, BenchDatabase
from bench.server import CpuMeter, Server, serving
from bench.stats import Latency, heading
from slotwise.db import create_tool_engine
from slotwise.models import (
    Client,
    Firm,
    Location,
    LocationHours,
    Service,
    Specialist,
    SpecialistSchedule,
    SpecialistService,
    User,
)
from slotwise.security import hash_password

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

TARGET_DRAW_MS = 500.0
TARGET_MOVE_MS = 200.0
CHROMIUM = "/usr/bin/chromium"
# As tests/web/conftest.py launches it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUNDLE = Path(__file__).resolve().parent.parent / "src/slotwise/web/static/build/event-calendar.js"
STORAGE_KEY = "slotwise.board.session"  # static/session.js
ZONE = ZoneInfo("Europe/Berlin")
OPEN, CLOSE = dt.time(7), dt.time(21)  # every day of the week, so that today is always open
WORKERS = 20
PITCH_MINUTES = 60  # one appointment an hour per worker, starting 08:00 + (worker % 4) * 15
MOVE_MINUTES = 15
WORKING_TIME_URLS = ["*/api/v1/locations/*/working-time*"]
WIDTH, HEIGHT = 1440, 900
WAIT_MS = 30000
PASSWORD = "bench-" + secrets.token_urlsafe(12)

# Runs before the page's own scripts on every navigation of the context: the session the page
# keeps (only when the tab has none yet, so that a token the page renewed is kept), English
# words, and the measurement.
INIT_SCRIPT = """
(([storageKey, tokens, want]) => {
  if (location.pathname !== "/calendar") return;
  if (!sessionStorage.getItem(storageKey)) sessionStorage.setItem(storageKey, tokens);
  localStorage.setItem("slotwise.language", "en");
  const marks = { events: {}, moved: {} };
  window.__bench = marks;
  const now = () => performance.now();
  // When the stream's events reach the page (before the page's own listeners run).
  const Source = window.EventSource;
  window.EventSource = class extends Source {
    constructor(...args) {
      super(...args);
      this.addEventListener("connected", () => {
        if (marks.connected === undefined) marks.connected = now();
      });
      this.addEventListener("appointment.updated", (event) => {
        const data = JSON.parse(event.data);
        const id = data.appointment_id || (data.appointment && data.appointment.id);
        if (id && marks.events[id] === null) marks.events[id] = now();
      });
    }
  };
  // When the page's load() starts and ends (it sets #planner's aria-busy "true", and "false"
  // after handing the events to the calendar, which renders them afterwards).
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (name === "aria-busy" && this.id === "planner") {
      const key = value === "true" ? "busy" : "loaded";
      if (marks[key] === undefined) marks[key] = now();
    }
    return setAttribute.call(this, name, value);
  };
  // Frames whose work took over 50 ms (Long Animation Frames): the one that draws the cards.
  marks.frames = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const styleAndLayout = e.startTime + e.duration - e.styleAndLayoutStart;
      marks.frames.push([e.startTime, e.duration, styleAndLayout]);
    }
  }).observe({ type: "long-animation-frame", buffered: true });
  const drawn = () => {
    const planner = document.getElementById("planner");
    if (!planner || planner.getAttribute("aria-busy") !== "false") return false;
    return document.querySelectorAll("[data-appointment]").length >= want;
  };
  const observer = new MutationObserver(() => {
    if (marks.dom !== undefined || !drawn()) return;
    marks.dom = now();
    marks.cards = document.querySelectorAll("[data-appointment]").length;
    observer.disconnect();
    requestAnimationFrame(() => { marks.frame = now(); });
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true,
                               attributeFilter: ["aria-busy"] });
  // Change -> moved: records when the card of `id` shows a time starting with `start`.
  marks.watch = (id, start) => {
    marks.events[id] = null;  // the next event of this appointment
    delete marks.moved[id];
    delete marks.moved[id + ":frame"];
    const card = () => document.querySelector(`[data-appointment="${id}"] .time`);
    const check = () => {
      const node = card();
      if (!node || !node.textContent.startsWith(start)) return;
      marks.moved[id] = now();
      watcher.disconnect();
      requestAnimationFrame(() => { marks.moved[id + ":frame"] = now(); });
    };
    const watcher = new MutationObserver(check);
    watcher.observe(document.getElementById("calendar"),
                    { subtree: true, childList: true, characterData: true, attributes: true });
  };
})
"""

# Resource Timing of one load, grouped by what the page reads.
TIMINGS_SCRIPT = """
async () => {
  // Long-animation-frame entries are reported a little after their frame.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const nav = performance.getEntriesByType("navigation")[0];
  const rows = performance.getEntriesByType("resource").map((e) => {
    const url = new URL(e.name);
    return [url.pathname + url.search, e.startTime, e.responseEnd, e.transferSize];
  });
  return { html: nav ? nav.responseEnd : null, dcl: nav ? nav.domContentLoadedEventEnd : null,
           rows, marks: { connected: window.__bench.connected, busy: window.__bench.busy,
                          loaded: window.__bench.loaded,
                          dom: window.__bench.dom,
                          frame: window.__bench.frame, cards: window.__bench.cards,
                          frames: window.__bench.frames } };
}
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("calendar")
    group.add_argument(
        "--loads",
        type=int,
        default=20,
        help="measured loads of the day view per variant (default 20)",
    )
    group.add_argument(
        "--load-warmup", type=int, default=2, help="unmeasured loads before them (default 2)"
    )
    group.add_argument(
        "--moves", type=int, default=20, help="measured changes per firm (default 20)"
    )
    group.add_argument(
        "--day-appointments",
        type=int,
        default=200,
        help="appointments today in the busy firm (default 200)",
    )


# --- the data --------------------------------------------------------------------------------


@dataclass
class CalendarFirm:
    slug: str
    email: str
    location_id: uuid.UUID
    service_id: uuid.UUID
    specialists: list[uuid.UUID]
    clients: list[uuid.UUID]
    appointments: list[dict[str, Any]] = field(default_factory=list)  # as the API returned them


async def _seed(url: str, slug: str, clients: int) -> CalendarFirm:
    """A salon open every day 07:00-21:00 (Europe/Berlin), 20 specialists working those hours
    every day, one 30-minute service, clients and a director with a password. ORM bulk
    inserts: the setup is not what is measured."""
    engine = create_tool_engine(url, application_name=BENCH_APPLICATION_NAME)
    try:
        maker = async_sessionmaker(engine, expire_on_commit=False)
        async with maker.begin() as session:
            firm = Firm(
                name=f"Calendar bench {slug}",
                slug=slug,
                time_zone="Europe/Berlin",
                default_locale="de",
            )
            session.add(firm)
            await session.flush()
            fid = firm.id
            location = Location(firm_id=fid, name="Mitte", time_zone="Europe/Berlin")
            service = Service(
                firm_id=fid,
                name="Haircut",
                duration_minutes=30,
                break_after_minutes=10,
                price=Decimal("35.00"),
            )
            session.add_all([location, service])
            await session.flush()
            specialists = [uuid.uuid4() for _ in range(WORKERS)]
            client_ids = [uuid.uuid4() for _ in range(clients)]
            email = f"director@{slug}.example.com"
            await _bulk(
                session,
                LocationHours,
                [
                    {
                        "firm_id": fid,
                        "location_id": location.id,
                        "day_of_week": day,
                        "start_time": OPEN,
                        "end_time": CLOSE,
                    }
                    for day in range(7)
                ],
            )
            await _bulk(
                session,
                Specialist,
                [
                    {
                        "id": sid,
                        "firm_id": fid,
                        "name": f"Specialist {n + 1:02d}",
                        "specialization": "hair",
                    }
                    for n, sid in enumerate(specialists)
                ],
            )
            await _bulk(
                session,
                SpecialistService,
                [
                    {"firm_id": fid, "specialist_id": sid, "service_id": service.id}
                    for sid in specialists
                ],
            )
            await _bulk(
                session,
                SpecialistSchedule,
                [
                    {
                        "firm_id": fid,
                        "specialist_id": sid,
                        "location_id": location.id,
                        "day_of_week": day,
                        "start_time": OPEN,
                        "end_time": CLOSE,
                    }
                    for sid in specialists
                    for day in range(7)
                ],
            )
            await _bulk(
                session,
                Client,
                [
                    {
                        "id": cid,
                        "firm_id": fid,
                        "first_name": f"Client {n + 1}",
                        "last_name": "Bench",
                        "email": f"client{n + 1}@{slug}.example.com",
                    }
                    for n, cid in enumerate(client_ids)
                ],
            )
            await _bulk(
                session,
                User,
                [
                    {
                        "firm_id": fid,
                        "email": email,
                        "role": "director",
                        "password_hash": hash_password(PASSWORD),
                        "full_name": "Bench director",
                    }
                ],
            )
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
        return CalendarFirm(slug, email, location.id, service.id, specialists, client_ids)
    finally:
        await engine.dispose()


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(model), rows)


def _starts(count: int, day: dt.date) -> list[tuple[int, dt.datetime]]:
    """(worker index, start) of ``count`` appointments: round-robin over the workers, one an
    hour each from 08:00 (shifted by a quarter hour per worker, so columns differ). Each
    leaves 20 minutes free after its padded end, so a move by 15 minutes never overlaps."""
    out = []
    for n in range(count):
        worker, slot = n % WORKERS, n // WORKERS
        minute = 8 * 60 + slot * PITCH_MINUTES + (worker % 4) * 15
        if minute + 30 + MOVE_MINUTES > 20 * 60:
            raise ValueError(f"{count} appointments do not fit one day of {WORKERS} workers")
        wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), ZONE)
        out.append((worker, wall))
    return out


def login(base: str, firm: CalendarFirm) -> dict[str, Any]:
    response = httpx.post(
        f"{base}/api/v1/auth/token",
        timeout=30,
        data={"username": firm.email, "password": PASSWORD, "client_id": firm.slug},
    )
    response.raise_for_status()
    pair: dict[str, Any] = response.json()
    return pair


def book(client: httpx.Client, firm: CalendarFirm, count: int, day: dt.date) -> float:
    """``count`` appointments today through the API, 4 requests at a time; seconds taken."""

    def one(n: int, worker: int, start: dt.datetime) -> dict[str, Any]:
        response = client.post(
            "/appointments",
            json={
                "location_id": str(firm.location_id),
                "start_at": start.isoformat(),
                "worker_ids": [str(firm.specialists[worker])],
                "services": [{"service_id": str(firm.service_id)}],
                "client_id": str(firm.clients[n % len(firm.clients)]),
            },
        )
        if response.status_code != 201:
            raise RuntimeError(f"POST /appointments: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body

    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        firm.appointments = list(
            pool.map(
                lambda args: one(*args), [(n, w, s) for n, (w, s) in enumerate(_starts(count, day))]
            )
        )
    return time.perf_counter() - started


# --- the browser -----------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def calendar_tab(
    browser: Browser,
    base: str,
    pair: dict[str, Any],
    want: int,
    *,
    refuse_working_time: bool = False,
) -> Iterator[Page]:
    """A tab signed in as ``pair``'s user, measuring; ``refuse_working_time`` (diagnostic)
    makes the working-time read fail at once in the browser (the page then
    shades nothing), to show what they cost."""
    context: BrowserContext = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB", timezone_id="Europe/Berlin"
    )
    try:
        tokens = json.dumps(
            {
                "access": pair["access_token"],
                "refresh": pair["refresh_token"],
                "expiresAt": int(time.time() * 1000) + pair["expires_in"] * 1000,
            }
        )
        context.add_init_script(f"{INIT_SCRIPT}({json.dumps([STORAGE_KEY, tokens, want])})")
        page = context.new_page()
        if refuse_working_time:
            # In Chromium's network stack (no round trip to this process, unlike page.route).
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setBlockedURLs", {"urls": WORKING_TIME_URLS})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page
        if errors:
            raise RuntimeError(f"script errors in the page: {errors}")
    finally:
        context.close()


@dataclass
class Load:
    frame: float  # ms since navigation start: the frame after the last card and aria-busy
    dom: float  # the same moment in the DOM (MutationObserver)
    cards: int
    phases: dict[str, float]  # ms since navigation start


def _phases(data: dict[str, Any]) -> dict[str, float]:
    rows: list[tuple[str, float, float, int]] = [tuple(r) for r in data["rows"]]

    def span(match: Callable[[str], bool]) -> tuple[float, float, int]:
        hits = [r for r in rows if match(r[0])]
        if not hits:
            return float("nan"), float("nan"), 0
        return min(r[1] for r in hits), max(r[2] for r in hits), len(hits)

    api = "/api/v1/"
    static = span(lambda p: p.startswith("/board/static/"))
    me = span(lambda p: p == f"{api}me")
    lists = span(
        lambda p: any(
            p.startswith(f"{api}{n}?")
            for n in ("locations", "specialists", "services", "workplaces")
        )
    )
    token = span(lambda p: p == f"{api}events/stream-token")
    appointments = span(lambda p: p.startswith(f"{api}appointments?"))
    working = span(lambda p: "/working-time?" in p)
    marks = data["marks"]
    # The longest frame from the last response to the cards in the DOM: the drawing.
    last = max(end for end in (appointments[1], working[1]) if end == end)
    drawing = [f for f in marks["frames"] if f[0] + f[1] >= last and f[0] <= marks["dom"]]
    render = max(drawing, key=lambda f: f[1], default=[0.0, 0.0, 0.0])
    return {
        "html": data["html"],
        "static_end": static[1],
        "static_count": static[2],
        # A file taken from the cache without asking the server transfers nothing.
        "static_asked": sum(1 for r in rows if r[0].startswith("/board/static/") and r[3] > 0),
        "me_start": me[0],
        "me_end": me[1],
        "lists_start": lists[0],
        "lists_end": lists[1],
        "token_start": token[0],
        "token_end": token[1],
        "connected": _number(marks["connected"]),
        "appointments_start": appointments[0],
        "appointments_end": appointments[1],
        "working_start": working[0],
        "working_end": working[1],
        "working_count": working[2],
        "busy": _number(marks["busy"]),
        "loaded": _number(marks["loaded"]),
        "render": render[1],
        "render_style": render[2],
        "dom": marks["dom"],
        "frame": marks["frame"],
    }


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def measure_loads(page: Page, base: str, want: int, loads: int, warmup: int) -> list[Load]:
    out = []
    for n in range(warmup + loads):
        page.goto("about:blank")
        time.sleep(0.3)  # the previous page's stream closed, the server idle again
        page.goto(f"{base}/calendar", wait_until="commit")
        page.wait_for_function(
            "() => window.__bench && window.__bench.frame !== undefined",
            timeout=WAIT_MS,
            polling=50,
        )
        data = page.evaluate(TIMINGS_SCRIPT)
        if n >= warmup:
            marks = data["marks"]
            out.append(Load(marks["frame"], marks["dom"], marks["cards"], _phases(data)))
    return out


def clock_offset(page: Page) -> tuple[float, float]:
    """(page wall clock - time.time(), uncertainty) in seconds, from the tightest of 15 reads."""
    best: tuple[float, float] | None = None
    for _ in range(15):
        before = time.time()
        in_page = page.evaluate("() => performance.timeOrigin + performance.now()") / 1000
        after = time.time()
        sample = (in_page - (before + after) / 2, (after - before) / 2)
        if best is None or sample[1] < best[1]:
            best = sample
    assert best is not None
    return best


@dataclass
class Moves:
    from_send: list[float] = field(default_factory=list)  # seconds, to the card's new time
    from_send_frame: list[float] = field(default_factory=list)  # to the frame after
    from_response: list[float] = field(default_factory=list)
    event_from_send: list[float] = field(default_factory=list)  # the SSE event at the page
    request: list[float] = field(default_factory=list)  # the PATCH's own round trip
    offset: tuple[float, float] = (0.0, 0.0)


def measure_moves(
    page: Page, base: str, firm: CalendarFirm, client: httpx.Client, moves: int
) -> Moves:
    """Moves ``moves`` appointments (round-robin over those of the firm, so different workers)
    15 minutes later, one at a time, and times each until its card shows the new start."""
    page.goto(f"{base}/calendar")
    page.wait_for_function(
        "() => window.__bench && window.__bench.frame !== undefined "
        "&& document.body.dataset.live === 'live'",
        timeout=WAIT_MS,
    )
    result = Moves(offset=clock_offset(page))
    offset = result.offset[0]
    for n in range(moves):
        index = n % len(firm.appointments)
        appointment = firm.appointments[index]
        start = dt.datetime.fromisoformat(appointment["start_at"])
        new_start = start + dt.timedelta(minutes=MOVE_MINUTES)
        wall = new_start.astimezone(ZONE).strftime("%H:%M")
        card = f'[data-appointment="{appointment["id"]}"]'
        top_before = page.evaluate(
            f"() => document.querySelector('{card}').getBoundingClientRect().top"
        )
        page.evaluate(f"() => window.__bench.watch({json.dumps(appointment['id'])}, '{wall}')")
        time.sleep(0.2)  # nothing else in flight
        sent = time.time()
        response = client.patch(
            f"/appointments/{appointment['id']}",
            json={"start_at": new_start.isoformat()},
            headers={"If-Match": f'"{appointment["version"]}"'},
        )
        back = time.time()
        if response.status_code != 200:
            raise RuntimeError(f"PATCH: {response.status_code} {response.text}")
        firm.appointments[index] = response.json()
        key = json.dumps(appointment["id"])
        page.wait_for_function(
            f"() => window.__bench.moved[{key} + ':frame'] !== undefined",
            timeout=WAIT_MS,
            polling=50,
        )
        marks = page.evaluate(
            f"() => [performance.timeOrigin, window.__bench.moved[{key}], "
            f"window.__bench.moved[{key} + ':frame'], window.__bench.events[{key}] ?? null, "
            f"document.querySelector('{card}').getBoundingClientRect().top]"
        )
        origin, moved, frame, event, top_after = marks
        if top_after == top_before:
            raise RuntimeError(f"the card {appointment['id']} shows {wall} but did not move")
        # The page's wall clock (its time origin plus its monotonic clock), in this
        # process's time.
        moved_at, frame_at = (origin + moved) / 1000 - offset, (origin + frame) / 1000 - offset
        result.from_send.append(moved_at - sent)
        result.from_send_frame.append(frame_at - sent)
        result.from_response.append(moved_at - back)
        if event is not None:
            result.event_from_send.append((origin + event) / 1000 - offset - sent)
        result.request.append(back - sent)
    return result


# --- references from this process ------------------------------------------------------------


def api_reads(
    client: httpx.Client, firm: CalendarFirm, day: dt.date, repeats: int = 5
) -> tuple[float, float]:
    """Median seconds, sequential on one connection: the day's appointments as the page asks
    (36 h margin each side), and the location's working time (one read)."""
    margin = dt.timedelta(hours=36)
    low = dt.datetime.combine(day, dt.time(), dt.UTC) - margin
    high = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC) + margin
    dates = {"from": day.isoformat(), "to": (day + dt.timedelta(days=1)).isoformat()}
    appointments, working = [], []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        client.get(
            "/appointments",
            params={
                "from": low.isoformat(),
                "to": high.isoformat(),
                "location_id": str(firm.location_id),
                "limit": 500,
                "offset": 0,
            },
        ).raise_for_status()
        appointments.append(time.perf_counter() - started)
        started = time.perf_counter()
        url = f"/locations/{firm.location_id}/working-time"
        client.get(url, params=dates).raise_for_status()
        working.append(time.perf_counter() - started)
    return (
        statistics.median(appointments[1:]),
        statistics.median(working[1:]),
    )


# --- the run ---------------------------------------------------------------------------------


@dataclass
class CalendarOutcome:
    draw: Latency
    move: Latency
    passed: bool


def _median(loads: list[Load], key: str) -> float:
    return statistics.median(load.phases[key] for load in loads)


def _print_phases(label: str, loads: list[Load]) -> None:
    def m(key: str) -> float:
        return _median(loads, key)

    working = m("working_end") - m("working_start")
    # load() waits for both the appointments and the working time (Promise.all): how much
    # later than the appointments alone the working-time reads ended.
    extra = statistics.median(
        max(0.0, load.phases["working_end"] - load.phases["appointments_end"]) for load in loads
    )
    print(f"  where the time goes, {label} (medians, ms since navigation start):")
    print(
        f"    HTML {m('html'):.0f}; page scripts and styles ({m('static_count'):.0f} files, "
        f"{m('static_asked'):.0f} of them asked of the server) until {m('static_end'):.0f}; "
        f"/me {m('me_start'):.0f}-"
        f"{m('me_end'):.0f}; the 4 catalog lists {m('lists_start'):.0f}-{m('lists_end'):.0f}"
    )
    print(
        f"    stream token {m('token_start'):.0f}-{m('token_end'):.0f}; stream connected "
        f"{m('connected'):.0f}; appointments {m('appointments_start'):.0f}-"
        f"{m('appointments_end'):.0f}"
    )
    print(
        f"    working time: {m('working_count'):.0f} request (holidays, schedules, breaks) "
        f"{m('working_start'):.0f}-{m('working_end'):.0f} ({working:.0f} ms); "
        f"they end {extra:.0f} ms after the appointments"
    )
    last = statistics.median(
        max(load.phases["working_end"], load.phases["appointments_end"]) for load in loads
    )
    print(
        f"    load() from {m('busy'):.0f} to {m('loaded'):.0f} (its last response at "
        f"{last:.0f}); the cards in the DOM {m('dom'):.0f}, next frame {m('frame'):.0f}"
    )
    print(
        f"    the frame that draws them: {m('render'):.0f} ms, of which style and layout "
        f"{m('render_style'):.0f} ms (0: no frame over 50 ms)"
    )


def run(db: BenchDatabase, args: argparse.Namespace) -> CalendarOutcome:
    heading(
        f"Calendar page: day view, {WORKERS} workers, {args.day_appointments} "
        "appointments today, headless Chromium"
    )
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `make web` first")
    secret = secrets.token_urlsafe(32)
    day = dt.datetime.now(ZONE).date()
    started = time.perf_counter()
    busy = asyncio.run(_seed(db.url, "bench-calendar", max(1, args.day_appointments)))
    floor = asyncio.run(_seed(db.url, "bench-calendar-floor", 1))
    seeded = time.perf_counter() - started
    with serving(db.url, secret, gc_mode=args.server_gc) as server:
        base = server.base_url
        busy_pair, floor_pair = login(base, busy), login(base, floor)
        busy_api = _api(server, busy_pair)
        floor_api = _api(server, floor_pair)
        with busy_api, floor_api:
            booked = book(busy_api, busy, args.day_appointments, day)
            print(
                f"  data: 2 firms of {WORKERS} specialists working 07:00-21:00 every day "
                f"(Europe/Berlin), {day}: {args.day_appointments} appointments in one firm "
                f"(POST /appointments as its director: {booked:.1f} s), none in the floor "
                f"firm; catalog built in {seeded:.1f} s"
            )
            with chromium() as browser:
                print(
                    f"  browser: Chromium {browser.version} ({CHROMIUM}), "
                    f"{WIDTH}x{HEIGHT}, en-GB, signed in as a "
                    "director; each load from about:blank, warm cache"
                )
                outcome = _measure(
                    browser,
                    server,
                    args,
                    day,
                    busy,
                    floor,
                    busy_pair,
                    floor_pair,
                    busy_api,
                    floor_api,
                )
    return outcome


def _api(server: Server, pair: dict[str, Any]) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.base_url}/api/v1",
        timeout=60,
        headers={"Authorization": f"Bearer {pair['access_token']}"},
    )


def _measure(
    browser: Browser,
    server: Server,
    args: argparse.Namespace,
    day: dt.date,
    busy: CalendarFirm,
    floor: CalendarFirm,
    busy_pair: dict[str, Any],
    floor_pair: dict[str, Any],
    busy_api: httpx.Client,
    floor_api: httpx.Client,
) -> CalendarOutcome:
    base = server.base_url
    want = args.day_appointments
    meter = CpuMeter(server)
    with calendar_tab(browser, base, floor_pair, 0) as page:
        floor_loads = measure_loads(page, base, 0, args.loads, args.load_warmup)
    with calendar_tab(browser, base, busy_pair, want) as page:
        busy_loads = measure_loads(page, base, want, args.loads, args.load_warmup)
    cpu = meter.report()
    with calendar_tab(browser, base, busy_pair, want, refuse_working_time=True) as page:
        refused_loads = measure_loads(page, base, want, args.loads, args.load_warmup)
    wrong = [load.cards for load in busy_loads if load.cards != want]
    if wrong:
        raise RuntimeError(f"expected {want} cards, saw {wrong}")
    reads = api_reads(busy_api, busy, day)
    floor_reads = api_reads(floor_api, floor, day)

    book(floor_api, floor, 1, day)
    with calendar_tab(browser, base, floor_pair, 1) as page:
        floor_moves = measure_moves(page, base, floor, floor_api, args.moves)
    with calendar_tab(browser, base, busy_pair, want) as page:
        busy_moves = measure_moves(page, base, busy, busy_api, args.moves)

    draw = {
        "floor": Latency.of([load.frame / 1000 for load in floor_loads]),
        "busy": Latency.of([load.frame / 1000 for load in busy_loads]),
        "busy_dom": Latency.of([load.dom / 1000 for load in busy_loads]),
        "refused": Latency.of([load.frame / 1000 for load in refused_loads]),
    }
    print(
        f"  reference: the page's API reads from this process, one connection, sequential "
        f"(medians): appointments of the day {reads[0] * 1000:.1f} ms "
        f"(floor {floor_reads[0] * 1000:.1f}), the working time {reads[1] * 1000:.1f} ms "
        f"(floor {floor_reads[1] * 1000:.1f})"
    )
    print(f"  while loading: {cpu}")
    width = 58
    print(draw["floor"].line("navigation -> drawn, empty day (floor)", width))
    print(draw["busy"].line(f"navigation -> drawn, {want} appointments", width))
    print(draw["busy_dom"].line("  ... the cards in the DOM (one frame earlier)", width))
    print(draw["refused"].line(f"diagnostic: {want}, the working-time read refused", width))
    _print_phases("empty day", floor_loads)
    _print_phases(f"{want} appointments", busy_loads)
    _print_phases(f"{want} appointments, working-time reads refused", refused_loads)

    for label, moves in (
        ("1 appointment (floor)", floor_moves),
        (f"{want} appointments", busy_moves),
    ):
        offset, uncertainty = moves.offset
        print(
            f"  moves, {label}: page clock - this process's clock = "
            f"{offset * 1000:+.2f} ms (+-{uncertainty * 1000:.2f}), corrected"
        )
        print(Latency.of(moves.request).line("  PATCH round trip (this process)", width))
        print(Latency.of(moves.event_from_send).line("  PATCH sent -> event at the page", width))
        print(Latency.of(moves.from_send).line("  PATCH sent -> card shows the new time", width))
        print(Latency.of(moves.from_send_frame).line("  PATCH sent -> next frame", width))
        print(
            Latency.of(moves.from_response).line(
                "  PATCH returned -> card shows the new time", width
            )
        )
    move = Latency.of(busy_moves.from_send_frame)
    draw_ratio, move_ratio = draw["busy"].p95 / TARGET_DRAW_MS, move.p95 / TARGET_MOVE_MS
    floor_move = Latency.of(floor_moves.from_send_frame)
    print(
        f"  draw p95 / {TARGET_DRAW_MS:.0f} ms = {draw_ratio:.2f} "
        f"(target {'met' if draw_ratio < 1 else 'MISSED'}; floor p95 "
        f"{draw['floor'].p95:.0f} ms = {draw['floor'].p95 / TARGET_DRAW_MS:.2f})"
    )
    print(
        f"  move p95 (sent -> next frame) / {TARGET_MOVE_MS:.0f} ms = {move_ratio:.2f} "
        f"(target {'met' if move_ratio < 1 else 'MISSED'}; floor p95 {floor_move.p95:.0f} ms "
        f"= {floor_move.p95 / TARGET_MOVE_MS:.2f})"
    )
    return CalendarOutcome(draw["busy"], move, draw_ratio < 1 and move_ratio < 1)
