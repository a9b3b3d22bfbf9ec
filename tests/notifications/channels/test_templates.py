# ruff: noqa: RUF001 - Russian expectations contain Cyrillic letters that look like Latin ones.
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from slotwise.notifications.templates import (
    OPERATOR_NOTICES,
    MessageType,
    TemplateContext,
    format_lead,
    render,
    resolve_locale,
)
from slotwise.notifications.templates.locales import CATALOGS

BERLIN = "Europe/Berlin"
# The operators' notices have templates of their own (test_notice_templates.py).
ABOUT_APPOINTMENTS = [kind for kind in MessageType if kind not in OPERATOR_NOTICES]
# 24 November 2026 is a Tuesday; 09:00 UTC is 10:00 in Berlin (CET, UTC+1).
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _context(**changes: object) -> TemplateContext:
    base = TemplateContext(
        firm_name="Salon Müller",
        time_zone=BERLIN,
        starts_at=START,
        ends_at=START + timedelta(minutes=45),
        recipient_name="Anna",
        client_name="Anna Schmidt",
        services=["Haarschnitt"],
        specialists=["Ben Weber"],
        location_name="Filiale Mitte",
        location_address="Hauptstraße 1, 10115 Berlin",
        reminder_lead=timedelta(hours=24),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


SUBJECTS = {
    ("en", MessageType.CONFIRMATION): "Appointment confirmed: Tuesday, 24 November 2026, 10:00",
    ("en", MessageType.CHANGE): "Appointment moved: Tuesday, 24 November 2026, 10:00",
    ("en", MessageType.CANCELLATION): "Appointment cancelled: Tuesday, 24 November 2026, 10:00",
    ("en", MessageType.REMINDER): "Reminder: your appointment starts in 24 hours",
    ("en", MessageType.WORKER_ASSIGNED): "New appointment: Tuesday, 24 November 2026, 10:00",
    (
        "en",
        MessageType.WORKER_REMOVED,
    ): "Removed from appointment: Tuesday, 24 November 2026, 10:00",
    ("de", MessageType.CONFIRMATION): "Termin bestätigt: Dienstag, 24. November 2026, 10:00",
    ("de", MessageType.CHANGE): "Termin verschoben: Dienstag, 24. November 2026, 10:00",
    ("de", MessageType.CANCELLATION): "Termin abgesagt: Dienstag, 24. November 2026, 10:00",
    ("de", MessageType.REMINDER): "Erinnerung: Ihr Termin beginnt in 24 Stunden",
    ("de", MessageType.WORKER_ASSIGNED): "Neuer Termin: Dienstag, 24. November 2026, 10:00",
    (
        "de",
        MessageType.WORKER_REMOVED,
    ): "Termin entfällt für Sie: Dienstag, 24. November 2026, 10:00",
    ("ru", MessageType.CONFIRMATION): "Запись подтверждена: вторник, 24 ноября 2026, 10:00",
    ("ru", MessageType.CHANGE): "Запись перенесена: вторник, 24 ноября 2026, 10:00",
    ("ru", MessageType.CANCELLATION): "Запись отменена: вторник, 24 ноября 2026, 10:00",
    ("ru", MessageType.REMINDER): "Напоминание: ваша запись через 24 часа",
    ("ru", MessageType.WORKER_ASSIGNED): "Новая запись: вторник, 24 ноября 2026, 10:00",
    ("ru", MessageType.WORKER_REMOVED): "Вы сняты с записи: вторник, 24 ноября 2026, 10:00",
    # The context carries no code (the verification tests render one).
    ("en", MessageType.VERIFICATION_CODE): "Your booking code:",
    ("de", MessageType.VERIFICATION_CODE): "Ihr Buchungscode:",
    ("ru", MessageType.VERIFICATION_CODE): "Ваш код для записи:",
}

INTROS = {
    "en": ("Hello Anna,", "When: Tuesday, 24 November 2026, 10:00–10:45"),
    "de": ("Hallo Anna,", "Wann: Dienstag, 24. November 2026, 10:00–10:45"),
    "ru": ("Здравствуйте, Anna!", "Когда: вторник, 24 ноября 2026, 10:00–10:45"),
}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]
        assert not any(name.startswith("on") for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("locale", ["en", "de", "ru"])
@pytest.mark.parametrize("kind", ABOUT_APPOINTMENTS)
def test_every_type_in_every_language(kind: MessageType, locale: str) -> None:
    rendered = render(kind, locale, _context())
    assert rendered.locale == locale
    assert rendered.subject == SUBJECTS[(locale, kind)]
    greeting, when = INTROS[locale]
    lines = rendered.text.splitlines()
    assert lines[0] == greeting
    if kind is not MessageType.CHANGE:
        assert when in lines
    assert any("Haarschnitt" in line for line in lines)
    assert any("Ben Weber" in line for line in lines)
    assert any("Filiale Mitte" in line for line in lines)
    assert any("Hauptstraße 1, 10115 Berlin" in line for line in lines)
    assert any("Salon Müller" in line for line in lines)
    # Workers are told whose appointment it is; clients are not told their own name.
    assert ("Anna Schmidt" in rendered.text) == kind.value.startswith("worker_")
    parsed = _parse(rendered.html)
    assert f'<html lang="{locale}">' in rendered.html
    assert parsed.tags <= {
        "html",
        "head",
        "meta",
        "title",
        "body",
        "div",
        "p",
        "table",
        "tr",
        "th",
        "td",
    }
    assert greeting in parsed.text
    assert rendered.subject in parsed.text


def test_summary_for_notification_bubbles() -> None:
    assert render(MessageType.CONFIRMATION, "en", _context()).summary == (
        "Your appointment at Salon Müller is confirmed.\n"
        "Tuesday, 24 November 2026, 10:00–10:45, Filiale Mitte"
    )
    assert render(MessageType.REMINDER, "ru", _context()).summary == (
        "Напоминаем: ваша запись в Salon Müller начнётся через 24 часа.\n"
        "вторник, 24 ноября 2026, 10:00–10:45, Filiale Mitte"
    )
    previous = START - timedelta(days=1)
    moved = render(
        MessageType.CHANGE, "de", _context(previous_starts_at=previous, location_name=None)
    )
    assert moved.summary == (
        "Ihr Termin bei Salon Müller wurde verschoben.\nDienstag, 24. November 2026, 10:00–10:45"
    )


def test_the_catalogs_cover_every_message_type() -> None:
    for catalog in CATALOGS.values():
        assert set(catalog.messages) == set(MessageType)


@pytest.mark.parametrize(
    ("starts_at", "utc_offset_hours"),
    [
        (datetime(2026, 3, 28, 9, 0, tzinfo=UTC), 1),  # Saturday before spring forward: CET
        (datetime(2026, 3, 30, 8, 0, tzinfo=UTC), 2),  # Monday after: CEST
        (datetime(2026, 10, 24, 8, 0, tzinfo=UTC), 2),  # Saturday before fall back: CEST
        (datetime(2026, 10, 26, 9, 0, tzinfo=UTC), 1),  # Monday after: CET
    ],
)
def test_local_time_across_dst(starts_at: datetime, utc_offset_hours: int) -> None:
    # Every one of these is 10:00 on the wall in Berlin, though UTC hours differ.
    assert starts_at.hour + utc_offset_hours == 10
    for locale in ("en", "de", "ru"):
        rendered = render(
            MessageType.CONFIRMATION,
            locale,
            _context(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30)),
        )
        assert rendered.subject.endswith(", 10:00")
        assert "10:00–10:30" in rendered.text


def test_change_notice_across_the_autumn_dst_change() -> None:
    before = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # Saturday 10:00 CEST
    after = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # Monday 10:00 CET
    context = _context(
        starts_at=after,
        ends_at=after + timedelta(minutes=45),
        previous_starts_at=before,
        previous_ends_at=before + timedelta(minutes=45),
    )
    en = render(MessageType.CHANGE, "en", context)
    assert "New time: Monday, 26 October 2026, 10:00–10:45" in en.text
    assert "Previously: Saturday, 24 October 2026, 10:00–10:45" in en.text
    assert "<s>Saturday, 24 October 2026, 10:00–10:45</s>" in en.html
    de = render(MessageType.CHANGE, "de", context)
    assert "Neue Zeit: Montag, 26. Oktober 2026, 10:00–10:45" in de.text
    assert "Bisher: Samstag, 24. Oktober 2026, 10:00–10:45" in de.text
    ru = render(MessageType.CHANGE, "ru", context)
    assert "Новое время: понедельник, 26 октября 2026, 10:00–10:45" in ru.text
    assert "Было: суббота, 24 октября 2026, 10:00–10:45" in ru.text


def test_the_repeated_hour_of_the_autumn_change_names_its_zone() -> None:
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, an hour later
    a = render(MessageType.CONFIRMATION, "en", _context(starts_at=first, ends_at=None))
    b = render(MessageType.CONFIRMATION, "en", _context(starts_at=second, ends_at=None))
    assert a.subject == "Appointment confirmed: Sunday, 25 October 2026, 02:30 CEST"
    assert b.subject == "Appointment confirmed: Sunday, 25 October 2026, 02:30 CET"


def test_times_are_in_the_location_zone_not_utc_or_the_servers() -> None:
    context = _context(
        time_zone="Asia/Vladivostok",
        starts_at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
    )
    rendered = render(MessageType.CONFIRMATION, "ru", context)
    # 15:00 UTC is 01:00 the next day in Vladivostok (UTC+10); the end is on that day too.
    assert rendered.subject == "Запись подтверждена: среда, 25 ноября 2026, 01:00"
    assert "Когда: среда, 25 ноября 2026, 01:00–02:00" in rendered.text


def test_an_end_on_another_local_day_is_written_in_full() -> None:
    start = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # 23:00 in Berlin
    rendered = render(
        MessageType.CONFIRMATION,
        "en",
        _context(starts_at=start, ends_at=start + timedelta(hours=2)),
    )
    assert (
        "When: Tuesday, 24 November 2026, 23:00 – Wednesday, 25 November 2026, 01:00"
        in rendered.text
    )


@pytest.mark.parametrize(
    ("lead", "en", "de", "ru"),
    [
        (timedelta(hours=24), "24 hours", "24 Stunden", "24 часа"),
        (timedelta(hours=1), "1 hour", "1 Stunde", "1 час"),
        (timedelta(hours=11), "11 hours", "11 Stunden", "11 часов"),
        (timedelta(hours=21), "21 hours", "21 Stunden", "21 час"),
        (timedelta(minutes=90), "1 hour 30 minutes", "1 Stunde 30 Minuten", "1 час 30 минут"),
        (timedelta(minutes=21), "21 minutes", "21 Minuten", "21 минуту"),
        (timedelta(minutes=22), "22 minutes", "22 Minuten", "22 минуты"),
        (timedelta(minutes=1), "1 minute", "1 Minute", "1 минуту"),
        (timedelta(seconds=10), "1 minute", "1 Minute", "1 минуту"),
        (timedelta(days=2), "2 days", "2 Tagen", "2 дня"),
        (timedelta(days=7), "7 days", "7 Tagen", "7 дней"),
        (timedelta(hours=59, minutes=59, seconds=50), "60 hours", "60 Stunden", "60 часов"),
    ],
)
def test_reminder_lead_time(lead: timedelta, en: str, de: str, ru: str) -> None:
    assert format_lead(lead, CATALOGS["en"]) == en
    assert format_lead(lead, CATALOGS["de"]) == de
    assert format_lead(lead, CATALOGS["ru"]) == ru


def test_reminder_says_how_long_until_it_starts() -> None:
    context = _context(reminder_lead=timedelta(hours=1))
    assert "starts in 1 hour." in render(MessageType.REMINDER, "en", context).text
    assert "beginnt in 1 Stunde." in render(MessageType.REMINDER, "de", context).text
    assert "начнётся через 1 час." in render(MessageType.REMINDER, "ru", context).text
    # Without an explicit lead, it is measured from now.
    soon = datetime.now(UTC) + timedelta(hours=2, seconds=20)
    rendered = render(
        MessageType.REMINDER, "en", _context(starts_at=soon, ends_at=None, reminder_lead=None)
    )
    assert rendered.subject == "Reminder: your appointment starts in 2 hours"


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("de-AT", "ru"), "de"),
        (("de_AT", None), "de"),
        (("RU", "de"), "ru"),
        ((None, "ru-RU"), "ru"),
        (("fr", "de"), "de"),
        (("pt-BR", None), "en"),
        (("", "  "), "en"),
        ((None, None), "en"),
        (("english", "de"), "de"),
    ],
)
def test_locale_fallback(candidates: tuple[str | None, str | None], expected: str) -> None:
    assert resolve_locale(*candidates) == expected


def test_render_takes_any_locale_tag() -> None:
    assert render("confirmation", "de-CH", _context()).locale == "de"
    assert render("confirmation", "fr-FR", _context()).locale == "en"
    assert render("confirmation", None, _context()).locale == "en"


def test_html_escapes_every_value() -> None:
    evil = "<script>alert(1)</script>"
    context = _context(
        firm_name='A & B "Salon"',
        recipient_name=evil,
        client_name=evil,
        services=["<img src=x onerror=alert(1)>"],
        specialists=["</td><b>x"],
        location_name="<iframe>",
        location_address="'><svg onload=1>",
        note="Line 1\n<i>Line 2</i>",
        url='https://app.example/a?x=1&y="><script>',
    )
    for kind in ABOUT_APPOINTMENTS:
        for locale in ("en", "de", "ru"):
            rendered = render(kind, locale, context)
            parsed = _parse(rendered.html)
            assert parsed.tags <= {
                "html",
                "head",
                "meta",
                "title",
                "body",
                "div",
                "p",
                "table",
                "tr",
                "th",
                "td",
                "a",
                "s",
                "br",
            }
            assert parsed.hrefs == ['https://app.example/a?x=1&y="><script>']
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
            assert "A &amp; B &quot;Salon&quot;" in rendered.html
            # The plain text keeps the names as they are.
            assert 'A & B "Salon"' in rendered.text
            assert "Line 1\n<i>Line 2</i>" in rendered.text


def test_line_breaks_in_names_do_not_reach_the_subject() -> None:
    rendered = render(
        MessageType.REMINDER, "en", _context(firm_name="Salon\r\nBcc: eve@example.com")
    )
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert "Salon Bcc: eve@example.com" in rendered.text


def test_invalid_contexts_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _context(starts_at=datetime(2026, 11, 24, 10, 0))
    with pytest.raises(ValueError, match="unknown time zone"):
        _context(time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="http"):
        _context(url="javascript:alert(1)")
    with pytest.raises(ValueError):
        render("birthday", "en", _context())
