"""English."""

from __future__ import annotations

from slotwise.notifications.templates.context import MessageType as T
from slotwise.notifications.templates.locales.base import Catalog, NoticeWords, Phrases

CATALOG = Catalog(
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months=(
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    datetime_pattern="{weekday}, {day} {month} {year}, {time}",
    days=lambda n: f"{n} {'day' if n == 1 else 'days'}",
    hours=lambda n: f"{n} {'hour' if n == 1 else 'hours'}",
    minutes=lambda n: f"{n} {'minute' if n == 1 else 'minutes'}",
    greeting="Hello {name},",
    greeting_anonymous="Hello,",
    when="When",
    new_time="New time",
    previous_time="Previously",
    service="Service",
    services="Services",
    specialist="Specialist",
    specialists="Specialists",
    location="Location",
    address="Address",
    client="Client",
    note="Note",
    open_link="View appointment",
    manage_link="View, move or cancel",
    footer="This message was sent automatically by {firm}.",
    messages={
        T.CONFIRMATION: Phrases(
            "Appointment confirmed: {when}", "Your appointment at {firm} is confirmed."
        ),
        T.CHANGE: Phrases(
            "Appointment moved: {when}", "Your appointment at {firm} has been rescheduled."
        ),
        T.CANCELLATION: Phrases(
            "Appointment cancelled: {when}", "Your appointment at {firm} has been cancelled."
        ),
        T.REMINDER: Phrases(
            "Reminder: your appointment starts in {lead}",
            "A reminder: your appointment at {firm} starts in {lead}.",
        ),
        T.WORKER_ASSIGNED: Phrases(
            "New appointment: {when}", "You have been assigned to an appointment."
        ),
        T.WORKER_REMOVED: Phrases(
            "Removed from appointment: {when}", "You are no longer assigned to this appointment."
        ),
        T.VERIFICATION_CODE: Phrases(
            "Your booking code: {code}",
            "Your code for {firm} is {code}. Enter it on the booking page to confirm this"
            " appointment; it is valid for {lead}.",
        ),
        T.CONNECTION_FAILING: Phrases(
            "Connection failing: {connection}",
            "Slotwise can no longer sync with “{connection}” ({kind}). Until this is fixed,"
            " nothing is imported from it or written to it.",
        ),
        T.SYNC_CONFLICT: Phrases(
            "Sync conflict: {connection}, {when}",
            "A record in “{connection}” ({kind}) overlaps an appointment in Slotwise. Nothing was"
            " double-booked: the record was not imported, and the appointment in Slotwise"
            " stays as it is.",
        ),
    },
    notices=NoticeWords(
        kinds={"yclients": "YClients", "caldav": "CalDAV calendar"},
        connection="Connection",
        kind="Kind",
        reason="Reason",
        details="Details",
        failing_since="Failing since",
        what_to_do="What to do",
        credentials_refused="The other system refused the credentials Slotwise signs in with:"
        " they are wrong, expired or revoked, or lack a right they need.",
        unusable_answers="The other system's answers could not be used.",
        check_credentials="Check the credentials in the connections settings of Slotwise and"
        " save them again. Syncing then resumes by itself and picks up what changed meanwhile.",
        external_record="Record in {kind}",
        record_id="Record id",
        in_slotwise="Appointment in Slotwise",
        how_it_resolves="How it resolves",
        conflict_resolves="Move or cancel one of the two, in {kind} or in Slotwise. The next"
        " sync imports the record as soon as it no longer overlaps, and the conflict closes by"
        " itself.",
        open_connection="Open the connection",
        open_conflicts="Show the conflicts",
        footer="Sent automatically by Slotwise to the owners and directors of {firm}.",
    ),
)
