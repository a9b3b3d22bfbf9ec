# ruff: noqa: RUF001 - Russian expectations contain Cyrillic letters that look like Latin ones.
"""The notices to a firm's operators: every one in every language, times in the connection's
location's zone, the reason in plain words, every value escaped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from slotwise.notifications.templates import (
    OPERATOR_NOTICES,
    MessageType,
    NoticeContext,
    TemplateContext,
    render,
    render_notice,
)
from slotwise.notifications.templates.locales import CATALOGS
from slotwise.notifications.templates.notices import credentials_refused
from tests.notifications.channels.test_templates import _parse

# 24 November 2026 is a Tuesday; 09:00 UTC is 10:00 in Berlin.
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _failing(**changes: object) -> NoticeContext:
    base = NoticeContext(
        firm_name="Salon Müller",
        time_zone="Europe/Berlin",
        connection_name="Barbershop on YClients",
        connection_kind="yclients",
        recipient_name="Olga",
        reason="YClients refused the tokens (401 Unauthorized)",
        failing_since=START,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _conflict(**changes: object) -> NoticeContext:
    base = NoticeContext(
        firm_name="Salon Müller",
        time_zone="Europe/Berlin",
        connection_name="Barbershop on YClients",
        connection_kind="yclients",
        recipient_name="Olga",
        external_id="4564:9001",
        external_starts_at=START,
        external_ends_at=START + timedelta(minutes=45),
        specialists=["Anna"],
        appointment_starts_at=START + timedelta(minutes=15),
        appointment_ends_at=START + timedelta(minutes=45),
        client_name="Clara Client",
        services=["Haarschnitt"],
    )
    return replace(base, **changes)  # type: ignore[arg-type]


FAILING = {
    "en": (
        "Connection failing: Barbershop on YClients",
        "Reason: The other system refused the credentials Slotwise signs in with",
        "Failing since: Tuesday, 24 November 2026, 10:00",
        "What to do: Check the credentials in the connections settings of Slotwise",
    ),
    "de": (
        "Verbindung gestört: Barbershop on YClients",
        "Grund: Das andere System hat die Zugangsdaten abgelehnt",
        "Gestört seit: Dienstag, 24. November 2026, 10:00",
        "Was tun: Prüfen Sie die Zugangsdaten in den Verbindungseinstellungen",
    ),
    "ru": (
        "Сбой подключения: Barbershop on YClients",
        "Причина: Другая система отклонила учётные данные",
        "Не работает с: вторник, 24 ноября 2026, 10:00",
        "Что сделать: Проверьте учётные данные в настройках подключений Slotwise",
    ),
}

CONFLICT = {
    "en": (
        "Sync conflict: Barbershop on YClients, Tuesday, 24 November 2026, 10:00",
        "Nothing was double-booked",
        "Record in YClients: Tuesday, 24 November 2026, 10:00–10:45",
        "Appointment in Slotwise: Tuesday, 24 November 2026, 10:15–10:45",
        "How it resolves: Move or cancel one of the two, in YClients or in Slotwise.",
    ),
    "de": (
        "Synchronisationskonflikt: Barbershop on YClients, Dienstag, 24. November 2026, 10:00",
        "Nichts wurde doppelt gebucht",
        "Eintrag in YClients: Dienstag, 24. November 2026, 10:00–10:45",
        "Termin in Slotwise: Dienstag, 24. November 2026, 10:15–10:45",
        "Wie es sich löst: Verschieben oder stornieren Sie einen der beiden, in YClients",
    ),
    "ru": (
        "Конфликт синхронизации: Barbershop on YClients, вторник, 24 ноября 2026, 10:00",
        "Двойного бронирования нет",
        "Запись в YClients: вторник, 24 ноября 2026, 10:00–10:45",
        "Запись в Slotwise: вторник, 24 ноября 2026, 10:15–10:45",
        "Как это решится: Перенесите или отмените одну из двух записей — в YClients",
    ),
}


@pytest.mark.parametrize("locale", ["en", "de", "ru"])
def test_a_failing_connection_in_every_language(locale: str) -> None:
    rendered = render_notice(MessageType.CONNECTION_FAILING, locale, _failing())
    subject, reason, since, action = FAILING[locale]
    assert rendered.locale == locale
    assert rendered.subject == subject
    lines = rendered.text.splitlines()
    assert lines[0] == CATALOGS[locale].greeting.format(name="Olga")
    for expected in (reason, since, action):
        assert any(line.startswith(expected) for line in lines), (expected, rendered.text)
    # The poller's own words stay beside the plain ones, for whoever fixes it.
    assert "YClients refused the tokens (401 Unauthorized)" in rendered.text
    assert "Salon Müller" in rendered.text
    # A notification bubble: what happened, and why in plain words.
    assert rendered.summary.splitlines()[1] == CATALOGS[locale].notices.credentials_refused
    assert f'<html lang="{locale}">' in rendered.html
    assert subject in _parse(rendered.html).text


@pytest.mark.parametrize("locale", ["en", "de", "ru"])
def test_a_sync_conflict_in_every_language(locale: str) -> None:
    rendered = render_notice(MessageType.SYNC_CONFLICT, locale, _conflict())
    subject, *expected = CONFLICT[locale]
    assert rendered.subject == subject
    for part in expected:
        assert part in rendered.text, (part, rendered.text)
    for name in ("Anna", "Clara Client", "Haarschnitt", "4564:9001"):
        assert name in rendered.text
    # A notification bubble says what and when.
    intro, when = rendered.summary.splitlines()
    assert intro in rendered.text and when in expected[1]


def test_the_catalogs_cover_every_notice_and_kind() -> None:
    for catalog in CATALOGS.values():
        assert OPERATOR_NOTICES <= set(catalog.messages)
        assert set(catalog.notices.kinds) == {"yclients", "caldav"}
    caldav = render_notice(MessageType.CONNECTION_FAILING, "de", _failing(connection_kind="caldav"))
    assert "Art: CalDAV-Kalender" in caldav.text


@pytest.mark.parametrize(
    ("reason", "refused"),
    [
        ("The server refused the login", True),
        ("YClients answered 403 Forbidden", True),
        ("The stored credentials cannot be read (was the secret key changed?)", True),
        ("The server's answer is not valid XML", False),
        ("The calendar does not exist", False),
        (None, False),
    ],
)
def test_the_reason_in_plain_words(reason: str | None, refused: bool) -> None:
    assert credentials_refused(reason) is refused
    rendered = render_notice(MessageType.CONNECTION_FAILING, "en", _failing(reason=reason))
    words = CATALOGS["en"].notices
    plain = words.credentials_refused if refused else words.unusable_answers
    assert f"Reason: {plain}" in rendered.text.splitlines()
    assert ("Details:" in rendered.text) is (reason is not None)


def test_a_conflict_with_unknown_times_leaves_them_out() -> None:
    rendered = render_notice(
        MessageType.SYNC_CONFLICT,
        "en",
        _conflict(
            external_starts_at=None,
            external_ends_at=None,
            appointment_starts_at=None,
            appointment_ends_at=None,
        ),
    )
    assert rendered.subject == "Sync conflict: Barbershop on YClients"
    assert "Record in YClients:" not in rendered.text
    assert "Appointment in Slotwise:" not in rendered.text
    assert rendered.summary == rendered.summary.splitlines()[0]


def test_every_value_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    contexts = {
        MessageType.CONNECTION_FAILING: _failing(
            firm_name='A & B "Salon"', connection_name=evil, recipient_name=evil, reason=evil
        ),
        MessageType.SYNC_CONFLICT: _conflict(
            connection_name=evil, specialists=["</td><b>x"], client_name=evil, external_id=evil
        ),
    }
    for kind, context in contexts.items():
        for locale in ("en", "de", "ru"):
            rendered = render_notice(kind, locale, context)
            assert "<script>" not in rendered.html and "<b>" not in rendered.html
            assert _parse(rendered.html).tags <= {
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


def test_each_renderer_refuses_the_other_kind() -> None:
    with pytest.raises(ValueError, match="render_notice"):
        render(
            MessageType.SYNC_CONFLICT,
            "en",
            TemplateContext(firm_name="Salon", time_zone="Europe/Berlin", starts_at=START),
        )
    with pytest.raises(ValueError, match="about an appointment"):
        render_notice(MessageType.CONFIRMATION, "en", _failing())
    with pytest.raises(ValueError, match="timezone-aware"):
        _failing(failing_since=datetime(2026, 11, 24, 10, 0))
    with pytest.raises(ValueError, match="unknown time zone"):
        _failing(time_zone="Mars/Olympus_Mons")


def test_the_link_to_the_connections_page() -> None:
    url = "https://slotwise.example/connections#c0ffee"
    failing = render_notice(MessageType.CONNECTION_FAILING, "de", _failing(url=url))
    assert f"Verbindung öffnen: {url}" in failing.text
    assert f'href="{url}"' in failing.html and failing.url == url
    conflict = render_notice(MessageType.SYNC_CONFLICT, "ru", _conflict(url=f"{url}/conflicts"))
    assert f"Показать конфликты: {url}/conflicts" in conflict.text
    assert render_notice(MessageType.SYNC_CONFLICT, "en", _conflict()).url is None
    with pytest.raises(ValueError, match="http"):
        _failing(url="javascript:alert(1)")
