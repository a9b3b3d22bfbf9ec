"""German (formal "Sie")."""

from __future__ import annotations

from slotwise.notifications.templates.context import MessageType as T
from slotwise.notifications.templates.locales.base import Catalog, NoticeWords, Phrases

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
    manage_link="Ansehen, verschieben oder absagen",
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
        T.CONNECTION_FAILING: Phrases(
            "Verbindung gestört: {connection}",
            "Slotwise kann nicht mehr mit „{connection}“ ({kind}) synchronisieren. Bis das"
            " behoben ist, wird nichts von dort übernommen und nichts dorthin geschrieben.",
        ),
        T.SYNC_CONFLICT: Phrases(
            "Synchronisationskonflikt: {connection}, {when}",
            "Ein Eintrag in „{connection}“ ({kind}) überschneidet sich mit einem Termin in"
            " Slotwise. Nichts wurde doppelt gebucht: Der Eintrag wurde nicht übernommen, und"
            " der Termin in Slotwise bleibt, wie er ist.",
        ),
    },
    notices=NoticeWords(
        kinds={"yclients": "YClients", "caldav": "CalDAV-Kalender"},
        connection="Verbindung",
        kind="Art",
        reason="Grund",
        details="Details",
        failing_since="Gestört seit",
        what_to_do="Was tun",
        credentials_refused="Das andere System hat die Zugangsdaten abgelehnt, mit denen sich"
        " Slotwise anmeldet: Sie sind falsch, abgelaufen oder widerrufen, oder ihnen fehlt ein"
        " nötiges Recht.",
        unusable_answers="Die Antworten des anderen Systems waren nicht verwertbar.",
        check_credentials="Prüfen Sie die Zugangsdaten in den Verbindungseinstellungen von"
        " Slotwise und speichern Sie sie erneut. Die Synchronisation läuft dann von selbst"
        " weiter und holt nach, was sich inzwischen geändert hat.",
        external_record="Eintrag in {kind}",
        record_id="Eintrags-ID",
        in_slotwise="Termin in Slotwise",
        how_it_resolves="Wie es sich löst",
        conflict_resolves="Verschieben oder stornieren Sie einen der beiden, in {kind} oder in"
        " Slotwise. Die nächste Synchronisation übernimmt den Eintrag, sobald er sich nicht"
        " mehr überschneidet, und der Konflikt schließt sich von selbst.",
        open_connection="Verbindung öffnen",
        open_conflicts="Konflikte ansehen",
        footer="Automatisch von Slotwise an die Inhaber und die Leitung von {firm} gesendet.",
    ),
)
