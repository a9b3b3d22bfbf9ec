"""What a message says, decided when it is sent: whether it still applies, and the facts
of the appointment in the recipient's language and the location's time zone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.manage_links import issue_manage_token, manage_url
from slotwise.models import Client, Notification, Specialist
from slotwise.notifications import lookups
from slotwise.notifications.templates import TemplateContext, resolve_locale

_ABOUT_CURRENT = frozenset({"confirmation", "change", "reminder"})


@dataclass(frozen=True)
class View:
    """The appointment as a message describes it."""

    id: uuid.UUID
    status: str
    client_id: uuid.UUID | None
    client_name: str | None
    start_at: datetime
    end_at: datetime
    location_id: uuid.UUID
    worker_ids: frozenset[uuid.UUID]
    worker_names: tuple[str, ...]
    service_names: tuple[str, ...]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> View:
        """From the appointment as the API showed it (kept in the row at planning time)."""
        client = data.get("client")
        return cls(
            id=uuid.UUID(data["id"]),
            status=data["status"],
            client_id=uuid.UUID(data["client_id"]) if data.get("client_id") else None,
            client_name=(
                f"{client['first_name']} {client['last_name']}".strip() if client else None
            ),
            start_at=datetime.fromisoformat(data["start_at"]),
            end_at=datetime.fromisoformat(data["end_at"]),
            location_id=uuid.UUID(data["location_id"]),
            worker_ids=frozenset(uuid.UUID(w["id"]) for w in data.get("workers", [])),
            worker_names=tuple(w["name"] for w in data.get("workers", [])),
            service_names=tuple(s["name"] for s in data.get("services", [])),
        )


@dataclass(frozen=True)
class Place:
    name: str
    address: str
    time_zone: str


@dataclass(frozen=True)
class Facts:
    firm_name: str
    firm_time_zone: str
    firm_locale: str
    reminder_offsets: tuple[int, ...]
    # The appointment now (None once deleted) and the one the message describes: a
    # cancellation or removal describes it as it was when that happened.
    current: View | None
    view: View | None
    location: Place | None
    client: Client | None
    specialist: Specialist | None
    firm_slug: str = ""
    # The firm's public page is on: a client's messages carry the appointment's manage link.
    public_booking: bool = False


def _current(row: Any) -> View | None:
    if row.id is None:
        return None
    client_name = (
        f"{row.first_name} {row.last_name}".strip() if row.first_name is not None else None
    )
    return View(
        id=row.id,
        status=row.status,
        client_id=row.client_id,
        client_name=client_name,
        start_at=row.start_at,
        end_at=row.end_at,
        location_id=row.location_id,
        worker_ids=frozenset(row.worker_ids or ()),
        worker_names=tuple(row.worker_names or ()),
        service_names=tuple(row.service_names or ()),
    )


async def gather(session: AsyncSession, row: Notification) -> Facts | None:
    if row.appointment_id is None:
        return None
    found = await lookups.facts(session, row.firm_id, row.appointment_id)
    if found is None:
        return None
    current = _current(found)
    view = current
    location = (
        Place(found.location_name, found.location_address, found.location_time_zone)
        if current is not None and found.location_name is not None
        else None
    )
    snapshot = row.data.get("appointment")
    if row.type in ("cancellation", "worker_removed") and snapshot is not None:
        view = View.from_snapshot(snapshot)
        if current is None or current.location_id != view.location_id:
            place = await lookups.location(session, row.firm_id, view.location_id)
            location = Place(place.name, place.address, place.time_zone) if place else None
    client = (
        await lookups.client(session, row.firm_id, row.client_id)
        if row.client_id is not None
        else None
    )
    specialist = (
        await lookups.specialist(session, row.firm_id, row.specialist_id)
        if row.specialist_id is not None
        else None
    )
    return Facts(
        found.firm_name,
        found.firm_time_zone,
        found.default_locale,
        tuple(found.reminder_offsets_minutes),
        current,
        view,
        location,
        client,
        specialist,
        firm_slug=found.firm_slug,
        public_booking=bool(found.public_booking),
    )


def _client_reason(row: Notification, facts: Facts, now: datetime) -> str | None:
    current = facts.current
    if current is None:
        return "the appointment was deleted"
    if current.status != "scheduled":
        return f"the appointment is {current.status}"
    if current.client_id != row.client_id:
        return "the appointment has another client now"
    if current.start_at <= now:
        return "the appointment has already started"
    if (
        row.type == "change"
        and _previous(row) == (current.start_at, current.end_at)
        and (row.data["previous"].get("location_id") == str(current.location_id))
    ):
        return "the appointment is back at its original time and place"
    if row.type == "reminder":
        if current.start_at != row.planned_start_at:
            return "the appointment moved"
        if row.offset_minutes not in facts.reminder_offsets:
            return "the firm no longer sends this reminder"
    return None


def why_not(row: Notification, facts: Facts | None, now: datetime) -> str | None:
    """Why the message no longer applies, or None when it should go out."""
    if facts is None:
        return "the firm no longer exists"
    current = facts.current
    if row.type in _ABOUT_CURRENT:
        return _client_reason(row, facts, now)
    if facts.view is None:
        return "the appointment was deleted"
    if row.type == "cancellation":
        if (
            current is not None
            and current.status != "cancelled"
            and current.client_id == row.client_id
        ):
            return "the appointment is on again"
        return None
    assigned = (
        current is not None
        and current.status != "cancelled"
        and row.specialist_id in current.worker_ids
    )
    if row.type == "worker_assigned":
        if current is None or not assigned:
            return "the worker is no longer assigned"
        if current.end_at <= now:
            return "the appointment is over"
        return None
    if row.type == "worker_removed" and assigned:
        return "the worker is assigned again"
    return None


def locale(facts: Facts) -> str:
    own = facts.client.locale if facts.client is not None else None
    return resolve_locale(own, facts.firm_locale)


def _full_name(client: Client | None) -> str | None:
    if client is None:
        return None
    return f"{client.first_name} {client.last_name}".strip() or None


def _previous(row: Notification) -> tuple[datetime | None, datetime | None]:
    previous = row.data.get("previous") if row.type == "change" else None
    if not previous:
        return None, None
    return (
        datetime.fromisoformat(previous["start_at"]),
        datetime.fromisoformat(previous["end_at"]),
    )


# The client's messages about an appointment that carry its manage link.
_WITH_MANAGE_LINK = frozenset({"confirmation", "change", "cancellation", "reminder"})


@dataclass(frozen=True)
class LinkTerms:
    """What a manage link needs from the settings (``Settings``: the secret key, the
    public base URL, ``manage_link_days_after_end``)."""

    secret: str
    base_url: str
    days_after_end: int


def manage_link(row: Notification, facts: Facts, terms: LinkTerms | None) -> str | None:
    """The manage link a client's message carries when the firm's public page is on."""
    view = facts.view
    if (
        terms is None
        or not facts.public_booking
        or row.recipient_kind != "client"
        or row.type not in _WITH_MANAGE_LINK
        or view is None
        or row.client_id is None
    ):
        return None
    token = issue_manage_token(
        view.id,
        row.firm_id,
        view.end_at,
        secret=terms.secret,
        days_after_end=terms.days_after_end,
        client_id=row.client_id,
    )
    return manage_url(terms.base_url, facts.firm_slug, token)


def template_context(
    row: Notification, facts: Facts, *, manage: str | None = None
) -> TemplateContext:
    view = facts.view
    assert view is not None
    location = facts.location
    previous_start, previous_end = _previous(row)
    if row.recipient_kind == "client":
        recipient_name = _full_name(facts.client)
    else:
        recipient_name = facts.specialist.name if facts.specialist is not None else None
    return TemplateContext(
        firm_name=facts.firm_name,
        time_zone=location.time_zone if location is not None else facts.firm_time_zone,
        starts_at=view.start_at,
        ends_at=view.end_at,
        recipient_name=recipient_name,
        client_name=view.client_name,
        services=list(view.service_names),
        specialists=list(view.worker_names),
        location_name=location.name if location is not None else None,
        location_address=(location.address or None) if location is not None else None,
        previous_starts_at=previous_start,
        previous_ends_at=previous_end,
        reminder_lead=(
            timedelta(minutes=row.offset_minutes)
            if row.type == "reminder" and row.offset_minutes
            else None
        ),
        manage_url=manage,
    )
