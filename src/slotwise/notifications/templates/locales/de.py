"""German (formal "Sie")."""

from __future__ import annotations

from slotwise.notifications.templates.context import MessageType as T
from slotwise.notifications.templates.locales.base import Catalog, Phrases

# Durations follow "in", so they take the dative: "in 2 Tagen", "in 1 Stunde".
CATALOG = Catalog(
    weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    months=(
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    datetime_pattern="{weekday}, {day}. {month} {year}, {time}",
    days=lambda n: f"{n} {'Tag' if n == 1 else 'Tagen'}",
    hours=lambda n: f"{n} {'Stunde' if n == 1 else 'Stunden'}",
    minutes=lambda n: f"{n} {'Minute' if n == 1 else 'Minuten'}",
    greeting="Hallo {name},",
    greeting_anonymous="Guten Tag,",
    when="Wann",
    new_time="Neue Zeit",
    previous_time="Bisher",
    service="Leistung",
    services="Leistungen",
    specialist="Mitarbeiter",
    specialists="Mitarbeiter",
    location="Ort",
    address="Adresse",
    client="Kunde",
    note="Hinweis",
    open_link="Termin ansehen",
    footer="Diese Nachricht wurde automatisch von {firm} gesendet.",
    messages={
        T.CONFIRMATION: Phrases("Termin bestätigt: {when}", "Ihr Termin bei {firm} ist bestätigt."),
        T.CHANGE: Phrases("Termin verschoben: {when}", "Ihr Termin bei {firm} wurde verschoben."),
        T.CANCELLATION: Phrases("Termin abgesagt: {when}", "Ihr Termin bei {firm} wurde abgesagt."),
        T.REMINDER: Phrases(
            "Erinnerung: Ihr Termin beginnt in {lead}",
            "Zur Erinnerung: Ihr Termin bei {firm} beginnt in {lead}.",
        ),
        T.WORKER_ASSIGNED: Phrases(
            "Neuer Termin: {when}", "Sie wurden für einen Termin eingeteilt."
        ),
        T.WORKER_REMOVED: Phrases(
            "Termin entfällt für Sie: {when}", "Sie sind für diesen Termin nicht mehr eingeteilt."
        ),
        T.VERIFICATION_CODE: Phrases(
            "Ihr Buchungscode: {code}",
            "Ihr Code für {firm} lautet {code}. Geben Sie ihn auf der Buchungsseite ein, um"
            " diesen Termin zu bestätigen; er gilt {lead}.",
        ),
    },
)
