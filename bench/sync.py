# ruff: noqa: RUF001 - Russian names and texts (a Moscow salon's YClients), Cyrillic on purpose.
"""The YClients import (issue 13): a firm with 50 specialists and 2,000 records in the window.

The local YClients-compatible server of the tests (``tests/sync/yclients_server.py``) runs in a
child process (``bench.yclients_child``) with 50 staff, 5 services and 2,000 records over today
and tomorrow (the connection's window, ``window_days`` 1), made by an admin over the past
30 days. Measured, with the product's own poll (``yclients_run.run_connection``, as the
poller's job runs it; no client-side rate limit):

1. the first full import: wall time, requests (the run's count and the server's), records/s,
   and that every record became an appointment (counted in the database, no conflicts);
2. incremental polls, each after 10 records were changed there (moved, edited, deleted): time,
   requests, and that exactly those 10 appointments changed.

The floor beside each, measured in the same run against the same server state: the same
pages (the same ranges the poll plans from the connection's cursor, page size, filters) pulled
with ``YclientsApi.pull`` and parsed, nothing applied.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import functools
import random
import re
import secrets
import signal
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import greenlet  # type: ignore[import-untyped]  # no stubs; getcurrent, parent, gr_frame
import psutil
import psycopg
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.database import BenchDatabase
from bench.stats import heading, print_stats
from bench.yclients_child import Company, PlannedRecord, RemoteYclients, serving
from slotwise.config import Settings
from slotwise.connections.secrets import encrypt_credentials
from slotwise.db import ApplicationName, create_engine, create_sessionmaker
from slotwise.models import (
    Appointment,
    AppointmentWorker,
    Client,
    Connection,
    ConnectionMapping,
    Firm,
    Location,
    Service,
    Specialist,
    SpecialistService,
    SyncLink,
)
from slotwise.outbound import AllowList
from slotwise.sync.rate_limit import Window
from slotwise.sync.yclients import (
    DEFAULT_PAGE_SIZE,
    YCLIENTS_RATE_LIMITS,
    RetryPolicy,
    YclientsApi,
    YclientsCredentials,
)
from slotwise.sync.yclients_cursor import PollPlan, merge, plan_poll
from slotwise.sync.yclients_run import ApiOptions, RunReport, run_connection
from tests.sync.yclients_server import COMPANY_ID, PARTNER_TOKEN, USER_TOKEN, Person

ZONE = ZoneInfo("Europe/Moscow")  # the company's and the location's
WINDOW_DAYS = 1  # today and tomorrow, the connection setting's default
OPEN, CLOSE = 8 * 60, 21 * 60  # the records' working day, minutes; the evening stays free
GRID = 15
STAMP_STEP = dt.timedelta(seconds=6)  # between two changes an admin makes in YClients
# As the tests' poll: no provider-sized limit (tests/sync/conftest.py), no retries.
UNLIMITED = Window(1000, 1.0)
OPTIONS = ApiOptions(rate_limits=(UNLIMITED,), retry=RetryPolicy(max_attempts=1), timeout=20)
LOOPBACK = AllowList.parse(["127.0.0.1"])
CREDENTIALS = YclientsCredentials(PARTNER_TOKEN, USER_TOKEN)
JOBS_SQL = "SELECT count(*) FROM procrastinate.procrastinate_jobs"

# Targets (bench/README.md says why).
IMPORT_TARGET_S = 60.0
POLL_TARGET_S = 1.0
# A change an incremental poll applies, above its floor, costs at most this many records of
# the first import above theirs: the poll's work follows the changes, not the window.
CHANGE_TARGET_RECORDS = 2.0

# YClients id -> (title, price, minutes). The Slotwise services have the same names.
SERVICES = {
    331: ("Мужская стрижка", Decimal("1300.00"), 30),
    333: ("Бритьё головы", Decimal("1000.00"), 15),
    335: ("Окрашивание", Decimal("2450.50"), 45),
    337: ("Детская стрижка", Decimal("900.00"), 30),
    339: ("Укладка", Decimal("700.00"), 15),
}
# What a record of each length is for, with weights.
BY_LENGTH: dict[int, list[tuple[tuple[int, ...], float]]] = {
    15: [((333,), 0.5), ((339,), 0.5)],
    30: [((331,), 0.8), ((337,), 0.2)],
    45: [((335,), 0.5), ((331, 333), 0.5)],
}
LENGTHS = ((15, 0.3), (30, 0.5), (45, 0.2))
FIRST_NAMES = [
    ("Анна", "anna"), ("Мария", "maria"), ("Елена", "elena"), ("Ольга", "olga"),
    ("Наталья", "natalya"), ("Татьяна", "tatyana"), ("Ирина", "irina"), ("Светлана", "svetlana"),
    ("Екатерина", "ekaterina"), ("Юлия", "yulia"), ("Дарья", "darya"), ("Ксения", "ksenia"),
    ("Иван", "ivan"), ("Сергей", "sergey"), ("Алексей", "aleksey"), ("Дмитрий", "dmitry"),
    ("Андрей", "andrey"), ("Михаил", "mikhail"), ("Николай", "nikolay"), ("Павел", "pavel"),
    ("Артём", "artem"), ("Максим", "maksim"), ("Егор", "egor"), ("Роман", "roman"),
]  # fmt: skip
SURNAMES = [
    ("Иванова", "ivanova"), ("Смирнова", "smirnova"), ("Кузнецова", "kuznetsova"),
    ("Попова", "popova"), ("Соколова", "sokolova"), ("Лебедева", "lebedeva"),
    ("Новикова", "novikova"), ("Морозова", "morozova"), ("Петрова", "petrova"),
    ("Волкова", "volkova"), ("Соловьёва", "solovyova"), ("Васильева", "vasilyeva"),
]  # fmt: skip
COMMENTS = ["Постоянный клиент", "Просит мастера у окна", "Оплата картой", "Придёт с сыном"]
OPERATORS = (903, 905, 910, 915, 916, 925, 926, 977, 985, 999)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sync")
    group.add_argument(
        "--records", type=int, default=2000, help="YClients records in the window (default 2000)"
    )
    group.add_argument(
        "--specialists",
        type=int,
        default=50,
        help="specialists, each mapped to one YClients staff member (default 50)",
    )
    group.add_argument(
        "--polls",
        type=int,
        default=5,
        help="incremental polls measured, each after --changes edits (default 5)",
    )
    group.add_argument(
        "--changes",
        type=int,
        default=10,
        help="records changed before each incremental poll (default 10)",
    )
    group.add_argument(
        "--sample",
        action="store_true",
        help="diagnostic: sample the poller's stack (SIGPROF, every 2 ms of CPU) during the "
        "first import and print where its CPU goes (slotwise functions, inclusive)",
    )
    group.add_argument(
        "--floor-passes",
        type=int,
        default=3,
        help="times each floor is measured; the median is shown (default 3)",
    )


# -- the data -------------------------------------------------------------------------------


def _surname(female: str, male_name: bool) -> str:
    # Russian surnames agree with the person: Иванова / Иванов.
    return female[:-1] if male_name and female.endswith("а") else female


def _people(rng: random.Random, count: int) -> list[Person]:
    phones: set[str] = set()
    people: list[Person] = []
    while len(people) < count:
        index = rng.randrange(len(FIRST_NAMES))
        first, first_latin = FIRST_NAMES[index]
        surname, surname_latin = rng.choice(SURNAMES)
        male = index >= 12
        phone = (
            f"+7 {rng.choice(OPERATORS)} {rng.randrange(1000):03d}-"
            f"{rng.randrange(100):02d}-{rng.randrange(100):02d}"
        )
        if phone in phones:
            continue
        phones.add(phone)
        email = ""
        if rng.random() < 0.4:
            email = f"{first_latin}.{surname_latin.rstrip('a')}{len(people)}@mail.ru"
        people.append(Person(name=first, surname=_surname(surname, male), phone=phone, email=email))
    return people


def _staff(count: int) -> dict[int, str]:
    names: dict[int, str] = {}
    for n in range(count):
        first, _ = FIRST_NAMES[n % len(FIRST_NAMES)]
        surname, _ = SURNAMES[(n // len(FIRST_NAMES) + n) % len(SURNAMES)]
        names[1001 + n] = f"{first} {_surname(surname, n % len(FIRST_NAMES) >= 12)} {n + 1}"
    return names


def _pick(
    rng: random.Random, choices: list[tuple[Any, float]] | tuple[tuple[Any, float], ...]
) -> Any:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _day_plan(rng: random.Random, count: int) -> list[tuple[int, int]]:
    """(start minute, length) of ``count`` records in one staff member's day, no overlaps:
    back to back with a few gaps on the grid, between OPEN and CLOSE."""
    lengths = [_pick(rng, LENGTHS) for _ in range(count)]
    while sum(lengths) > CLOSE - OPEN:
        lengths[lengths.index(max(lengths))] -= GRID
    units = (CLOSE - OPEN - sum(lengths)) // GRID
    cuts = sorted(rng.randint(0, units) for _ in range(count))
    gaps = [high - low for low, high in zip([0, *cuts], cuts, strict=False)]
    out, minute = [], OPEN
    for gap, length in zip(gaps, lengths, strict=True):
        minute += gap * GRID
        out.append((minute, length))
        minute += length
    return out


def _local(day: dt.date, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), ZONE)


def company(args: argparse.Namespace, today: dt.date, made_until: dt.datetime) -> Company:
    """The YClients side: staff, services, and the records spread over today and tomorrow
    across every staff member, made at random moments over the 30 days before ``made_until``
    (so the cursor after the import is one record's stamp, as in a real company)."""
    rng = random.Random(13)
    staff = _staff(args.specialists)
    days = [today + dt.timedelta(days=n) for n in range(WINDOW_DAYS + 1)]
    per_day = args.records / (len(staff) * len(days))
    if per_day > 24:
        raise SystemExit(f"--records: at most {24 * len(staff) * len(days)} records fit")
    people = _people(rng, max(10, round(args.records * 0.75)))
    records: list[PlannedRecord] = []
    slots = [(day, staff_id) for day in days for staff_id in staff]
    base, extra = divmod(args.records, len(slots))
    for index, (day, staff_id) in enumerate(slots):
        for minute, length in _day_plan(rng, base + (index < extra)):
            services = _pick(rng, BY_LENGTH[length])
            records.append(
                PlannedRecord(
                    staff_id=staff_id,
                    start=_local(day, minute),
                    minutes=length,
                    services=services,
                    client=rng.choice(people) if rng.random() > 0.03 else None,
                    comment=rng.choice(COMMENTS) if rng.random() < 0.1 else "",
                    attendance=2 if rng.random() < 0.3 else 0,
                    made_at=made_until - dt.timedelta(seconds=rng.randrange(1, 30 * 86400)),
                )
            )
    services = {sid: (title, price) for sid, (title, price, _) in SERVICES.items()}
    return Company(staff, services, records)


@dataclass
class BenchConnection:
    firm_id: uuid.UUID
    connection_id: uuid.UUID
    specialists: dict[int, uuid.UUID]  # YClients staff id -> specialist


async def build_firm(
    maker: async_sessionmaker[AsyncSession], yc: Company, base_url: str, secret: str
) -> BenchConnection:
    """The Slotwise side: a firm, its location in the company's zone, a specialist per staff
    member and a service per YClients service (same names, no buffers or breaks: a YClients
    record's length is all the time it takes), and the connection with every staff member
    and service mapped, as a director leaves it after confirming the suggestions."""
    async with maker.begin() as session:
        slug = f"bench-sync-{uuid.uuid4().hex[:8]}"
        firm = Firm(name="Барбершоп на Тверской", slug=slug, time_zone=ZONE.key)
        session.add(firm)
        await session.flush()
        location = Location(firm_id=firm.id, name="Тверская", time_zone=ZONE.key)
        specialists = {
            sid: Specialist(firm_id=firm.id, name=name, specialization="барбер")
            for sid, name in yc.staff.items()
        }
        services = {
            sid: Service(
                firm_id=firm.id, name=title, duration_minutes=minutes, price=price, currency="RUB"
            )
            for sid, (title, price, minutes) in SERVICES.items()
        }
        session.add_all([location, *specialists.values(), *services.values()])
        await session.flush()
        session.add_all(
            SpecialistService(firm_id=firm.id, specialist_id=s.id, service_id=v.id)
            for s in specialists.values()
            for v in services.values()
        )
        connection = Connection(
            firm_id=firm.id,
            kind="yclients",
            name="YClients",
            location_id=location.id,
            settings={
                "company_id": COMPANY_ID,
                "base_url": base_url,
                "window_days": WINDOW_DAYS,
                "grace_seconds": 30,
            },
            credentials=encrypt_credentials(
                secret, {"partner_token": PARTNER_TOKEN, "user_token": USER_TOKEN}
            ),
        )
        session.add(connection)
        await session.flush()
        session.add_all(
            [
                ConnectionMapping(
                    firm_id=firm.id,
                    connection_id=connection.id,
                    kind="staff",
                    external_id=str(sid),
                    external_name=yc.staff[sid],
                    specialist_id=s.id,
                )
                for sid, s in specialists.items()
            ]
            + [
                ConnectionMapping(
                    firm_id=firm.id,
                    connection_id=connection.id,
                    kind="service",
                    external_id=str(sid),
                    external_name=SERVICES[sid][0],
                    service_id=v.id,
                )
                for sid, v in services.items()
            ]
        )
        return BenchConnection(firm.id, connection.id, {k: v.id for k, v in specialists.items()})


# -- the changes an admin makes between two polls -------------------------------------------


@dataclass
class Change:
    kind: str  # moved | edited | deleted
    record_id: int
    start: dt.datetime | None = None  # moved: the new start, and the new staff member
    staff_id: int | None = None


@dataclass
class Admin:
    """Picks records not touched before and changes them in YClients without making any
    two overlap: moves go to the free evening (21:00-23:00) of some staff member's day.

    Each change gets its own ``last_change_date``, ``STAMP_STEP`` after the one before (from
    ``clock``, after every record was made): an admin's edits spread over the minute between
    two polls, so a poll reads the changes and the one record at the cursor's instant, not a
    whole batch stamped in one second again.
    """

    yc: Company
    remote: RemoteYclients
    clock: dt.datetime
    rng: random.Random = field(default_factory=lambda: random.Random(1313))
    touched: set[int] = field(default_factory=set)
    evenings: list[tuple[dt.date, int, int]] = field(default_factory=list)
    edits: int = 0

    def __post_init__(self) -> None:
        days = sorted({r.start.date() for r in self.yc.records})
        self.evenings = [
            (day, sid, hour) for day in days for sid in self.yc.staff for hour in (21, 22)
        ]
        self.rng.shuffle(self.evenings)
        self._last_of_day: dict[tuple[dt.date, int], int] = {}
        for index, record in enumerate(self.yc.records):
            self._last_of_day[(record.start.date(), record.staff_id)] = index

    def _untouched(self, candidates: list[int]) -> int:
        index = self.rng.choice([i for i in candidates if i not in self.touched])
        self.touched.add(index)
        return index

    def _stamp(self) -> dt.datetime:
        self.clock += STAMP_STEP
        return self.clock

    def change(self, count: int) -> list[Change]:
        moves, edits = round(count * 0.4), round(count * 0.3)
        everyone = list(range(len(self.yc.records)))
        changes = []
        for _ in range(moves):
            index = self._untouched(everyone)
            day, staff_id, hour = self.evenings.pop()
            start = dt.datetime.combine(day, dt.time(hour), ZONE)
            self.remote.edit(
                self.remote.record_ids[index], start=start, staff_id=staff_id, at=self._stamp()
            )
            changes.append(Change("moved", self.remote.record_ids[index], start, staff_id))
        for _ in range(edits):
            kind = self.edits % 3
            self.edits += 1
            if kind == 2:
                # Longer, with one more service: the last record of its day runs into the
                # evening, whose first hour is then no one else's.
                index = self._untouched(
                    [
                        i
                        for i in self._last_of_day.values()
                        if self._evening_free(self.yc.records[i])
                    ]
                )
                record = self.yc.records[index]
                self.evenings.remove((record.start.date(), record.staff_id, 21))
                extra = (333,) if 333 not in record.services else (339,)
                self.remote.edit(
                    self.remote.record_ids[index],
                    services=record.services + extra,
                    length=dt.timedelta(minutes=record.minutes + GRID),
                    at=self._stamp(),
                )
            else:
                index = self._untouched(everyone)
                if kind == 0:
                    self.remote.edit(
                        self.remote.record_ids[index], comment="Перенёс с 18:00", at=self._stamp()
                    )
                else:
                    phone = f"+7 999 {self.edits:03d}-00-{self.rng.randrange(100):02d}"
                    self.remote.edit(
                        self.remote.record_ids[index],
                        client=Person("Григорий", phone, surname="Орлов"),
                        at=self._stamp(),
                    )
            changes.append(Change("edited", self.remote.record_ids[index]))
        for _ in range(count - moves - edits):
            index = self._untouched(everyone)
            self.remote.delete(self.remote.record_ids[index], at=self._stamp())
            changes.append(Change("deleted", self.remote.record_ids[index]))
        return changes

    def _evening_free(self, record: PlannedRecord) -> bool:
        return (record.start.date(), record.staff_id, 21) in self.evenings


# -- measuring -------------------------------------------------------------------------------


def key(record_id: int) -> str:
    return f"{COMPANY_ID}:{record_id}"


@dataclass(frozen=True)
class Pass:
    seconds: float
    requests: int  # as the server counted them
    records: int


async def _timed(remote: RemoteYclients, call: Callable[[], Awaitable[int]]) -> Pass:
    before = remote.requests()
    started = time.perf_counter()
    records = await call()
    seconds = time.perf_counter() - started
    return Pass(seconds, remote.requests() - before, records)


async def pull_only(base_url: str, plan: PollPlan) -> int:
    """The floor: the pages the poll's plan asks for, pulled and parsed as ``_fetch`` does
    (one client, the same ranges, page size and filters), nothing applied."""
    async with YclientsApi(
        CREDENTIALS,
        base_url=base_url,
        allowed=LOOPBACK,
        timeout=OPTIONS.timeout,
        rate_limits=OPTIONS.rate_limits,
        retry=OPTIONS.retry,
    ) as api:
        results = [
            await api.pull(COMPANY_ID, part.start, part.end, part.changed_after)
            for part in plan.ranges
        ]
    return len(merge(results).records)


async def floor(remote: RemoteYclients, plan: PollPlan, passes: int) -> Pass:
    runs = [await _timed(remote, lambda: pull_only(remote.base_url, plan)) for _ in range(passes)]
    return Pass(statistics.median(r.seconds for r in runs), runs[0].requests, runs[0].records)


async def cursor_plan(
    maker: async_sessionmaker[AsyncSession], bc: BenchConnection, now: dt.datetime
) -> PollPlan:
    async with maker() as session:
        connection = await session.get(Connection, bc.connection_id)
        assert connection is not None
        return plan_poll(connection.cursor, now.astimezone(ZONE).date(), WINDOW_DAYS)


async def versions(
    maker: async_sessionmaker[AsyncSession],
    firm_id: uuid.UUID,
) -> dict[str, tuple[int, dt.datetime, uuid.UUID]]:
    """external id -> (version, start, specialist) of every imported appointment."""
    async with maker() as session:
        rows = await session.execute(
            select(
                Appointment.external_id,
                Appointment.version,
                Appointment.start_at,
                AppointmentWorker.specialist_id,
            )
            .join(AppointmentWorker, AppointmentWorker.appointment_id == Appointment.id)
            .where(Appointment.firm_id == firm_id, Appointment.source == "yclients")
        )
        return {str(k): (v, start, s) for k, v, start, s in rows.all()}


async def counted(maker: async_sessionmaker[AsyncSession], firm_id: uuid.UUID, model: Any) -> int:
    async with maker() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(model).where(model.firm_id == firm_id)
            )
            or 0
        )


def changed_as_expected(
    before: dict[str, tuple[int, dt.datetime, uuid.UUID]],
    after: dict[str, tuple[int, dt.datetime, uuid.UUID]],
    changes: list[Change],
    bc: BenchConnection,
) -> list[str]:
    """What differs from the changes made (empty: exactly those appointments changed)."""
    wrong = []
    expected = {key(c.record_id): c for c in changes}
    for name in set(before) | set(after):
        change = expected.get(name)
        old, new = before.get(name), after.get(name)
        if change is None:
            if old != new:
                wrong.append(f"{name} changed although its record did not")
        elif change.kind == "deleted":
            if new is not None:
                wrong.append(f"{name} was deleted in YClients but is still there")
        elif old is None or new is None or new[0] != old[0] + 1:
            wrong.append(f"{name} ({change.kind}): version {old and old[0]} -> {new and new[0]}")
        elif change.kind == "moved":
            assert change.start is not None and change.staff_id is not None
            if (new[1], new[2]) != (change.start, bc.specialists[change.staff_id]):
                wrong.append(f"{name} was not moved to {change.start} and its staff member")
    return wrong


def rate_limited(requests: int) -> str:
    """What YClients' own rate limit (5 requests/s, and 200/min: ``YCLIENTS_RATE_LIMITS``)
    alone would cost these requests, which the benchmark sends without a limit."""
    per_second, per_minute = YCLIENTS_RATE_LIMITS
    seconds = requests / per_second.limit * per_second.period
    text = (
        f"at YClients' rate limit ({per_second.limit} requests/s) its {requests} requests "
        f"alone would take {seconds:.1f} s (requests / {per_second.limit})"
    )
    if requests > per_minute.limit:
        minute = requests / per_minute.limit * per_minute.period
        text += f"; {minute:.0f} s at {per_minute.limit}/min"
    return text


@dataclass
class SyncOutcome:
    passed: bool


@dataclass
class _Poll:
    report: RunReport
    seconds: float
    server_requests: int
    floor: Pass
    changes: list[Change]
    wrong: list[str]


class Statements:
    """The statements the poller's engine sends while ``counting``, and the time each took
    from being handed to the driver until its result was there (the database's work and the
    round trip), by kind ("INSERT appointments", "SAVEPOINT", ...). procrastinate's job
    inserts go through the raw connection and are not seen here (the jobs table counts them).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self.counts: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self._on = False
        event.listen(self._engine, "before_cursor_execute", self._before)
        event.listen(self._engine, "after_cursor_execute", self._after)

    @contextmanager
    def counting(self, *, fresh: bool = True) -> Iterator[None]:
        """Counts inside the block; ``fresh=False`` adds to what was counted before."""
        if fresh:
            self.counts.clear()
            self.seconds.clear()
        self._on = True
        try:
            yield
        finally:
            self._on = False

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self._on:
            conn.info["bench_sent"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent = conn.info.pop("bench_sent", None)
        if self._on and sent is not None:
            kind = _statement_kind(statement)
            self.counts[kind] += 1
            self.seconds[kind] += time.perf_counter() - sent

    def report(self, per: int, what: str, wall: float, top: int = 14) -> list[str]:
        total, spent = self.counts.total(), sum(self.seconds.values())
        lines = [
            f"statements: {total} ({total / per:.1f} per {what}), {spent:.2f} s in them "
            f"({spent / wall:.0%} of the run; the rest is Python in the poller and waiting "
            "for a CPU); the most frequent, per " + what + ":"
        ]
        for kind, count in self.counts.most_common(top):
            lines.append(
                f"  {count / per:6.2f}  {self.seconds[kind] / count * 1000:6.2f} ms each  {kind}"
            )
        return lines


_TABLE = re.compile(r"\b(?:INTO|UPDATE|FROM)\s+\"?(\w+)", re.IGNORECASE)


@functools.cache
def _statement_kind(statement: str) -> str:
    text = " ".join(statement.split())
    verb = text.split(" ", 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
        return verb
    table = _TABLE.search(text)
    return f"{verb} {table.group(1)}" if table else text[:60]


LOCK_PROBE_SQL = "SELECT event_seq FROM firms WHERE id = %s FOR NO KEY UPDATE"
LOCK_PROBE_AFTER = 2.0  # seconds into the import


async def firm_lock_wait(conninfo: str, firm_id: uuid.UUID) -> float:
    """How long a write of the firm that records an event (a booking, a move) waits, when
    it starts ``LOCK_PROBE_AFTER`` seconds into the import, for the firm's row lock that
    ``realtime.events.next_seq`` takes: the same lock mode as its UPDATE, nothing changed."""
    await asyncio.sleep(LOCK_PROBE_AFTER)
    async with await psycopg.AsyncConnection.connect(conninfo) as conn:
        started = time.perf_counter()
        await conn.execute(LOCK_PROBE_SQL, (firm_id,))
        waited = time.perf_counter() - started
        await conn.rollback()
    return waited


async def jobs_deferred(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as session:
        return int(await session.scalar(text(JOBS_SQL)) or 0)


class StackSampler:
    """Where the poller's CPU time goes (``--sample``): a SIGPROF every ``interval`` seconds
    of the process's CPU time, its handler run in the event loop's thread at the next
    bytecode, counts each ``slotwise`` function on the stack once (inclusive) and the package
    of the innermost frame. Waiting (for PostgreSQL, YClients) uses no CPU, so it is not
    sampled: the figures are shares of the poller's CPU, whose total the CPU line gives."""

    def __init__(self, interval: float = 0.002) -> None:
        self._interval = interval
        self._previous: Any = None
        self.samples = 0
        self.inclusive: Counter[str] = Counter()
        self.libraries: Counter[str] = Counter()  # the innermost frame's package
        self.outside: Counter[str] = Counter()  # innermost functions, no slotwise frame

    def __enter__(self) -> StackSampler:
        self._previous = signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self._interval, self._interval)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._previous)

    def _sample(self, signum: int, frame: FrameType | None) -> None:
        if frame is None:
            return
        self.samples += 1
        self.libraries[_package(frame.f_code.co_filename)] += 1
        outer = frame
        seen: set[str] = set()
        # SQLAlchemy's async layer runs its sync code in a greenlet, whose frames end at the
        # greenlet's start: the caller's frames are those of the parent greenlet, suspended.
        running = greenlet.getcurrent()
        while frame is not None:
            path = frame.f_code.co_filename
            if "/slotwise/" in path:
                module = path.rsplit("/slotwise/", 1)[1].removesuffix(".py")
                seen.add(f"{module.replace('/', '.')}.{frame.f_code.co_qualname}")
            frame = frame.f_back
            if frame is None and running is not None:
                running = running.parent
                frame = running.gr_frame if running is not None else None
        self.inclusive.update(seen)
        if not seen:
            self.outside[f"{_package(outer.f_code.co_filename)}:{outer.f_code.co_qualname}"] += 1

    def report(self, top: int = 32) -> list[str]:
        if not self.samples:
            return []
        lines = [
            f"CPU samples of the poller: {self.samples} ({self._interval * 1000:g} ms of CPU "
            "each); by the innermost frame's package: "
            + ", ".join(
                f"{name} {n / self.samples:.0%}" for name, n in self.libraries.most_common(6)
            ),
            "  share of the poller's CPU spent in (inclusive):",
        ]
        for name, count in self.inclusive.most_common(top):
            lines.append(f"  {count / self.samples:6.1%}  {name}")
        lines.append("  outside slotwise code, by the innermost function:")
        for name, count in self.outside.most_common(12):
            lines.append(f"  {count / self.samples:6.1%}  {name}")
        return lines


def _package(path: str) -> str:
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0]
    if "/slotwise/" in path:
        return "slotwise"
    return "python"


class Cpu:
    """CPU seconds of the poller (this process), of the bench database's PostgreSQL server
    (its postmaster and every process under it: backends, WAL writer, checkpointer; a backend
    started meanwhile counts whole, one that ended meanwhile is lost), of the YClients server,
    and of the whole machine."""

    def __init__(self, remote: RemoteYclients, postmaster: psutil.Process | None) -> None:
        self._remote = remote
        self._own = psutil.Process()
        self._postmaster = postmaster

    def sample(self) -> CpuSample:
        own = self._own.cpu_times()
        machine = psutil.cpu_times()
        return CpuSample(
            time.monotonic(),
            own.user + own.system,
            _cpu_by_pid(self._postmaster),
            self._remote.cpu_seconds(),
            sum(machine) - machine.idle,
        )

    @staticmethod
    def line(start: CpuSample, end: CpuSample) -> str:
        wall = end.wall - start.wall
        own = end.poller - start.poller
        postgres = sum(cpu - start.postgres.get(pid, 0.0) for pid, cpu in end.postgres.items())
        server = end.yclients - start.yclients
        machine = end.machine - start.machine
        rest = machine - own - postgres - server
        return (
            f"CPU, in cores on average: the poller (this process) {own / wall:.2f}, "
            f"PostgreSQL {postgres / wall:.2f}, the YClients server {server / wall:.2f}, "
            f"anything else {rest / wall:.2f}; the whole machine {machine / wall:.2f} of "
            f"{psutil.cpu_count()}"
        )


@dataclass(frozen=True)
class CpuSample:
    wall: float
    poller: float
    postgres: dict[int, float]  # pid -> CPU seconds
    yclients: float
    machine: float


def _cpu_by_pid(postmaster: psutil.Process | None) -> dict[int, float]:
    if postmaster is None:
        return {}
    seconds: dict[int, float] = {}
    try:
        processes = [postmaster, *postmaster.children(recursive=True)]
    except psutil.Error:
        return {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # ended meanwhile
        seconds[process.pid] = times.user + times.system
    return seconds


def postmaster_of(conninfo: str) -> psutil.Process | None:
    """The bench database's server process, when it runs on this machine and is visible."""
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
            assert row is not None
            return psutil.Process(int(row[0])).parent()
    except (psycopg.Error, psutil.Error):
        return None


async def _measure(db: BenchDatabase, args: argparse.Namespace) -> bool:
    secret = secrets.token_urlsafe(32)
    real_now = dt.datetime.now(ZONE)
    today = real_now.date()
    # The polls' clock: this morning before the first record, whenever the benchmark runs, so
    # every record is still ahead (the same statuses and messages in every run). YClients'
    # own stamps (last_change_date, hence the cursor) keep the real clock.
    now = dt.datetime.combine(today, dt.time(7), ZONE)
    started = time.perf_counter()
    yc = company(args, today, real_now)
    settings = Settings(database_url=db.url, secret_key=secret)
    engine = create_engine(db.url, settings, application_name=ApplicationName.WORKER)
    maker = create_sessionmaker(engine, settings)
    try:
        with serving(yc) as remote:
            bc = await build_firm(maker, yc, remote.base_url, secret)
            clients = len({r.client.phone for r in yc.records if r.client is not None})
            print(
                f"  data: {len(yc.staff)} staff / specialists (all mapped), "
                f"{len(SERVICES)} services (all mapped), {len(yc.records)} records on "
                f"{today} and {today + dt.timedelta(days=1)} ({ZONE.key}), "
                f"{clients} distinct clients, 3 % of records without one; page size "
                f"{DEFAULT_PAGE_SIZE}; built in {time.perf_counter() - started:.1f} s"
            )
            bench = _Bench(maker, bc, remote, secret, Statements(engine), db.conninfo)
            imported = await bench.first_import(yc, args, now)
            polls = await bench.incremental(yc, args, now, clock=real_now)
            return _verdict(imported, polls)
    finally:
        await engine.dispose()


@dataclass
class _Import:
    seconds: float
    floor: Pass
    correct: bool
    records: int

    @property
    def per_record(self) -> float:
        """Seconds per record above the floor."""
        return (self.seconds - self.floor.seconds) / self.records


@dataclass
class _Bench:
    maker: async_sessionmaker[AsyncSession]
    bc: BenchConnection
    remote: RemoteYclients
    secret: str
    statements: Statements
    conninfo: str  # the same database, for plain psycopg

    async def poll(self, at: dt.datetime, *, fresh: bool = True) -> tuple[RunReport, float, int]:
        """One run of the connection as the poller's job runs it: (report, seconds, requests
        the server answered meanwhile); its statements counted (``Statements.counting``)."""
        before = self.remote.requests()
        with self.statements.counting(fresh=fresh):
            started = time.perf_counter()
            report = await run_connection(
                self.maker,
                self.bc.connection_id,
                secret_key=self.secret,
                allowed=LOOPBACK,
                now=at,
                api_options=OPTIONS,
            )
            seconds = time.perf_counter() - started
        return report, seconds, self.remote.requests() - before

    async def first_import(
        self, yc: Company, args: argparse.Namespace, now: dt.datetime
    ) -> _Import:
        maker, firm_id = self.maker, self.bc.firm_id
        plan = await cursor_plan(maker, self.bc, now)
        full_floor = await floor(self.remote, plan, args.floor_passes)
        cpu = Cpu(self.remote, postmaster_of(self.conninfo))
        profiler = cProfile.Profile() if args.profile is not None else None
        sampler = StackSampler() if args.sample else None
        cpu_start = cpu.sample()
        probe = asyncio.create_task(firm_lock_wait(self.conninfo, firm_id))
        with sampler or nullcontext():
            if profiler is not None:
                profiler.enable()
            report, seconds, server_requests = await self.poll(now)
            if profiler is not None:
                profiler.disable()
        lock_wait = await probe
        cpu_line = Cpu.line(cpu_start, cpu.sample())
        run = report.run
        stored = await counted(maker, firm_id, Appointment)
        links = await counted(maker, firm_id, SyncLink)
        clients = await counted(maker, firm_id, Client)
        expected = len(yc.records)
        print()
        print(
            f"  First full import: run {run.outcome}, {run.imported} imported, "
            f"{run.conflicts} conflicts, {run.errors} errors; in the database {stored} "
            f"appointments, {links} links, {clients} clients"
        )
        print(
            f"    run_connection                        {seconds:8.2f} s  {run.requests:4d} "
            f"requests (server: {server_requests})  {expected / seconds:6.1f} records/s"
        )
        print(
            f"    floor: the same pages pulled + parsed {full_floor.seconds:8.2f} s  "
            f"{full_floor.requests:4d} requests, {full_floor.records} records "
            f"(median of {args.floor_passes})"
        )
        above = (seconds - full_floor.seconds) / expected * 1000
        print(
            f"    import / floor = {seconds / full_floor.seconds:.0f}; "
            f"{above:.1f} ms per record above the floor"
        )
        print(f"    {rate_limited(run.requests)}")
        print(f"    {cpu_line}")
        for line in self.statements.report(expected, "record", seconds):
            print(f"    {line}")
        if seconds > LOCK_PROBE_AFTER:
            print(
                f"    a booking in the firm {LOCK_PROBE_AFTER:g} s into the import waits "
                f"{lock_wait:.1f} s for the firm's event lock (next_seq), i.e. until the "
                "import commits"
            )
        jobs = await jobs_deferred(maker)
        print(f"    jobs deferred (procrastinate's inserts, not among the statements): {jobs}")
        for line in sampler.report() if sampler is not None else []:
            print(f"    {line}")
        correct = (
            run.outcome == "ok"
            and run.imported == stored == links == expected
            and run.conflicts == 0
            and run.errors == 0
            and run.requests == server_requests == full_floor.requests
        )
        if not correct:
            print(
                f"    WRONG: {expected} records should make {expected} appointments and "
                "links, with no conflicts or errors, in as many requests as the floor"
            )
        if profiler is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
            path = args.profile / "sync-import.prof"
            profiler.dump_stats(path)
            print_stats(path, "first full import", "the poller")
        return _Import(seconds, full_floor, correct, expected)

    async def incremental(
        self, yc: Company, args: argparse.Namespace, now: dt.datetime, *, clock: dt.datetime
    ) -> list[_Poll]:
        """``clock``: YClients' time after the records were made, for the changes' stamps."""
        admin = Admin(yc, self.remote, clock)
        polls: list[_Poll] = []
        for n in range(args.polls):
            at = now + dt.timedelta(minutes=n + 1)
            changes = admin.change(args.changes)
            before = await versions(self.maker, self.bc.firm_id)
            plan = await cursor_plan(self.maker, self.bc, at)
            poll_floor = await floor(self.remote, plan, args.floor_passes)
            report, seconds, server_requests = await self.poll(at, fresh=n == 0)
            after = await versions(self.maker, self.bc.firm_id)
            wrong = changed_as_expected(before, after, changes, self.bc)
            polls.append(_Poll(report, seconds, server_requests, poll_floor, changes, wrong))
        _print_polls(polls, args)
        if polls:
            changed = sum(len(p.changes) for p in polls)
            wall = sum(p.seconds for p in polls)
            for line in self.statements.report(changed, "change", wall):
                print(f"    {line}")
        return polls


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {statistics.median(ordered) * 1000:7.1f}  max {ordered[-1] * 1000:7.1f} ms"


def _poll_correct(poll: _Poll) -> bool:
    run, kinds = poll.report.run, [c.kind for c in poll.changes]
    return (
        run.outcome == "ok"
        and run.imported == 0
        and run.conflicts == 0
        and run.errors == 0
        and run.updated == kinds.count("moved") + kinds.count("edited")
        and run.deleted == kinds.count("deleted")
        and not poll.wrong
        and run.requests == poll.server_requests == poll.floor.requests
    )


def _print_polls(polls: list[_Poll], args: argparse.Namespace) -> None:
    if not polls:
        return
    kinds = [c.kind for c in polls[0].changes]
    print()
    print(
        f"  Incremental polls: {len(polls)}, each after {len(kinds)} records changed in "
        f"YClients ({kinds.count('moved')} moved to another staff member and time, "
        f"{kinds.count('edited')} edited: comment, client, or services and length; "
        f"{kinds.count('deleted')} deleted)"
    )
    for n, poll in enumerate(polls, 1):
        run = poll.report.run
        print(
            f"    poll {n}: {poll.seconds * 1000:7.1f} ms, {run.requests} requests (server: "
            f"{poll.server_requests}), {poll.floor.records} records pulled; "
            f"{run.updated} updated, {run.deleted} deleted, {run.imported} imported, "
            f"{run.conflicts} conflicts, {run.errors} errors; floor "
            f"{poll.floor.seconds * 1000:.1f} ms"
        )
        for problem in poll.wrong[:5]:
            print(f"      WRONG: {problem}")
        if not _poll_correct(poll) and not poll.wrong:
            print("      WRONG: the run's counts are not the changes made")
    seconds = [p.seconds for p in polls]
    floors = [p.floor.seconds for p in polls]
    print(f"    run_connection                        {_ms(seconds)}")
    print(
        f"    floor: the same pages pulled + parsed {_ms(floors)} "
        f"(each the median of {args.floor_passes})"
    )
    ratio = statistics.median(seconds) / statistics.median(floors)
    print(
        f"    poll / floor (p50) = {ratio:.0f}; exactly the changed appointments changed: "
        f"{'yes' if all(not p.wrong for p in polls) else 'NO'}"
    )
    print(f"    {rate_limited(polls[0].report.run.requests)}")


def _verdict(imported: _Import, polls: list[_Poll]) -> bool:
    print()
    import_ok = imported.seconds < IMPORT_TARGET_S
    print(
        f"  first full import {imported.seconds:.1f} s / {IMPORT_TARGET_S:.0f} s target = "
        f"{imported.seconds / IMPORT_TARGET_S:.2f}  (target {'met' if import_ok else 'MISSED'})"
    )
    polls_ok = changes_ok = True
    if polls:
        worst = max(p.seconds for p in polls)
        polls_ok = worst < POLL_TARGET_S
        print(
            f"  slowest incremental poll {worst * 1000:.0f} ms / {POLL_TARGET_S * 1000:.0f} ms "
            f"target = {worst / POLL_TARGET_S:.2f}  (target {'met' if polls_ok else 'MISSED'})"
        )
        above = statistics.median(p.seconds - p.floor.seconds for p in polls)
        per_change = above / len(polls[0].changes)
        ratio = per_change / imported.per_record / CHANGE_TARGET_RECORDS
        changes_ok = ratio < 1
        print(
            f"  a change in a poll {per_change * 1000:.1f} ms / an imported record "
            f"{imported.per_record * 1000:.1f} ms (both above their floors) = "
            f"{per_change / imported.per_record:.2f}; / {CHANGE_TARGET_RECORDS:g} target = "
            f"{ratio:.2f}  (target {'met' if changes_ok else 'MISSED'})"
        )
    correct = imported.correct and all(_poll_correct(p) for p in polls)
    print(f"  every record imported and exactly the changes applied: {'yes' if correct else 'NO'}")
    return import_ok and polls_ok and changes_ok and correct


def run(db: BenchDatabase, args: argparse.Namespace) -> SyncOutcome:
    heading(
        f"YClients sync: {args.specialists} specialists, {args.records} records today and "
        "tomorrow, on the local YClients server"
    )
    return SyncOutcome(asyncio.run(_measure(db, args)))
