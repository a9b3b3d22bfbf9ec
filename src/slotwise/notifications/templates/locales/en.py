"""English."""

from __future__ import annotations

from slotwise.notifications.templates.context import MessageType as T
from slotwise.notifications.templates.locales.base import Catalog, Phrases

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
    },
)
