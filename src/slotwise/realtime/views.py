"""What one subscriber may see of an event, decided once from the caller's role.

Staff see every appointment event of their firm as stored; the firm's operators (owners and
directors) also see the events about its connections (a sync conflict that opened). A worker
sees the appointments their specialist is assigned to after or before a change, a client
their own; for them an appointment that just became theirs arrives as a creation and one
that stopped being theirs as a deletion carrying only its id, so a board can add and drop
rows without knowing why. Clients never get staff names (``actor``) or the internal
``notes``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from slotwise.auth.caller import OPERATOR_ROLES, Caller
from slotwise.realtime.events import CREATED, DELETED, OPERATOR_EVENTS
from slotwise.realtime.frames import sse_message

ViewKind = Literal["all", "operators", "worker", "client"]


@dataclass(frozen=True, slots=True)
class View:
    kind: ViewKind
    subject: uuid.UUID | None = None


# Managers: every appointment event. Operators: those, and the operators' own events.
ALL = View("all")
OPERATORS = View("operators")
_WHOLE_FIRM = frozenset({"all", "operators"})


def view_for(caller: Caller) -> View | None:
    """None for a caller who may see no appointment at all."""
    if caller.role in OPERATOR_ROLES:
        return OPERATORS
    if caller.is_admin:
        return ALL
    if caller.is_worker and caller.specialist_id is not None:
        return View("worker", caller.specialist_id)
    if caller.is_client and caller.client_id is not None:
        return View("client", caller.client_id)
    return None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event row as read from the table, independent of the ORM session."""

    firm_id: uuid.UUID
    seq: int
    type: str
    appointment_id: uuid.UUID | None
    location_id: uuid.UUID | None
    worker_ids: frozenset[uuid.UUID]
    worker_ids_before: frozenset[uuid.UUID]
    client_id: uuid.UUID | None
    client_id_before: uuid.UUID | None
    changed: tuple[str, ...]
    actor_id: uuid.UUID | None
    actor_name: str | None
    data: dict[str, Any]
    created_at: datetime
    start_at: datetime | None
    end_at: datetime | None

    def views(self) -> list[View]:
        """Every view that sees this event in some form."""
        if self.type in OPERATOR_EVENTS:
            return [OPERATORS]
        views = [ALL, OPERATORS]
        views.extend(View("worker", w) for w in self.worker_ids | self.worker_ids_before)
        views.extend(
            View("client", c) for c in {self.client_id, self.client_id_before} if c is not None
        )
        return views


def _membership(view: View, event: StoredEvent) -> tuple[bool, bool]:
    """Whether the view's subject is part of the appointment (before, after) the change."""
    if view.kind == "worker":
        return view.subject in event.worker_ids_before, view.subject in event.worker_ids
    return event.client_id_before == view.subject, event.client_id == view.subject


def _operator_envelope(event: StoredEvent, view: View) -> dict[str, Any] | None:
    if view != OPERATORS:
        return None
    return {
        "seq": event.seq,
        "type": event.type,
        "appointment_id": None,
        "changed": [],
        "actor": None,
        "appointment": None,
        "conflict": event.data,
        "at": event.created_at.isoformat(),
    }


def render(event: StoredEvent, view: View) -> dict[str, Any] | None:
    """The envelope this view receives, or None when the event is not theirs."""
    if event.type in OPERATOR_EVENTS:
        return _operator_envelope(event, view)
    kind, changed = event.type, list(event.changed)
    appointment: dict[str, Any] | None = event.data
    actor: dict[str, Any] | None = (
        {"id": str(event.actor_id), "name": event.actor_name or ""}
        if event.actor_id is not None
        else None
    )
    if view.kind not in _WHOLE_FIRM:
        before, after = _membership(view, event)
        if not before and not after:
            return None
        if after and not before and kind != CREATED:
            kind = CREATED
        elif before and not after:
            kind, changed, appointment, actor = DELETED, [], None, None
        if view.kind == "client":
            actor = None
            if appointment is not None:
                appointment = {k: v for k, v in appointment.items() if k != "notes"}
    return {
        "seq": event.seq,
        "type": kind,
        "appointment_id": str(event.appointment_id),
        "changed": changed,
        "actor": actor,
        "appointment": appointment,
        "at": event.created_at.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event rendered for one view; shared by every subscriber of that view, so a burst
    costs one serialisation per view, not per connection: ``json`` is the envelope, ``sse``
    its whole Server-Sent Events message, the bytes every stream of the view writes."""

    seq: int
    type: str
    json: str
    sse: bytes
    event: StoredEvent


def deliver(event: StoredEvent, view: View) -> Delivery | None:
    envelope = render(event, view)
    if envelope is None:
        return None
    data = json.dumps(envelope, separators=(",", ":"))
    return Delivery(
        event.seq, envelope["type"], data, sse_message(envelope["type"], data, event.seq), event
    )
