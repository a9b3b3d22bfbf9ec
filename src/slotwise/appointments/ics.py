"""An appointment as an iCalendar file (RFC 5545), for "Add to calendar".

One VEVENT whose UID is the appointment's id, so importing the file again after a move
updates the entry instead of adding a second one (SEQUENCE is the appointment's version); a
cancelled appointment is STATUS:CANCELLED. Times are UTC: every calendar shows them in its
own zone without needing a VTIMEZONE. Nothing internal goes in (no notes, no client data).
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from slotwise.appointments.client_view import ClientAppointmentOut

PRODUCT_ID = "-//Slotwise//Appointments//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"


def appointment_calendar(
    view: ClientAppointmentOut,
    *,
    firm_name: str,
    version: int,
    updated_at: datetime,
    url: str | None = None,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{view.id}@slotwise")
    event.add("dtstamp", updated_at)
    event.add("last-modified", updated_at)
    event.add("sequence", max(version - 1, 0))
    event.add("dtstart", view.start_at)
    event.add("dtend", view.end_at)
    title = view.service.name or firm_name
    event.add("summary", f"{title} · {firm_name}" if view.service.name else title)
    place = ", ".join(part for part in (view.location.name, view.location.address) if part)
    if place:
        event.add("location", place)
    lines = []
    if view.specialists:
        lines.append(", ".join(s.name for s in view.specialists))
    lines.append(f"{view.service.price} {view.service.currency}".strip())
    if url:
        lines.append(url)
    event.add("description", "\n".join(lines))
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if view.status == "cancelled" else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if view.status == "cancelled" else "OPAQUE")
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics


def file_name(view: ClientAppointmentOut) -> str:
    return f"appointment-{view.start_local:%Y-%m-%d-%H%M}.ics"
