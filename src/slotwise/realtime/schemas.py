"""Bodies of the live-update endpoints and the WebSocket messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from slotwise.realtime.events import UPDATED
from slotwise.realtime.views import StoredEvent

EventType = Literal[
    "appointment.created", "appointment.updated", "appointment.deleted", "sync.conflict_opened"
]


class StreamToken(BaseModel):
    token: str = Field(description="Pass as `?token=` to GET /events/stream or /ws")
    expires_in: int = Field(description="Seconds until the token stops opening streams")


class ActorOut(BaseModel):
    id: uuid.UUID
    name: str


class EventOut(BaseModel):
    """One change as a subscriber sees it (the same in SSE, WebSocket and polling).

    Owners and directors also get `sync.conflict_opened`: an external record was not
    imported because it overlaps an appointment; it carries `conflict` and no appointment.
    """

    seq: int = Field(description="The firm's gap-free sequence number; resume after it")
    type: EventType
    appointment_id: uuid.UUID | None = Field(
        description="The appointment changed; null for `sync.conflict_opened`"
    )
    changed: list[str]
    actor: ActorOut | None = Field(
        description="Who made the change; null for the system and always for clients"
    )
    appointment: dict[str, Any] | None = Field(
        description="The appointment as GET /appointments/{id} returns it (clients: without "
        "`notes`); null when it stopped being yours"
    )
    conflict: dict[str, Any] | None = Field(
        None,
        description="`sync.conflict_opened` only (absent from the other events): `id`, "
        "`connection_id`, `connection_name`, `connection_kind`, `external_id`, "
        "`appointment_id` (the Slotwise appointment in the way, or null), `reason`, `status`, "
        "`created_at`, and the external record's `start_at` and `end_at` (null when unknown); "
        "the record itself is in GET /connections/{id}/conflicts",
    )
    at: datetime


class EventPage(BaseModel):
    items: list[EventOut]
    last_seq: int = Field(description="Pass as `after` next time")
    reset: bool = Field(
        description="The position asked for is older than the retention: "
        "refetch over REST and continue from `last_seq`"
    )


SubscriptionId = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["subscribe"]
    id: SubscriptionId
    topic: Annotated[str, StringConstraints(max_length=200)] = "appointments"
    since: int | None = Field(None, ge=0, lt=2**63)


class UnsubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["unsubscribe"]
    id: SubscriptionId


@dataclass(frozen=True)
class Topic:
    """Narrows a subscription within what the caller may see anyway. A change that moves an
    appointment (time or location) is delivered to every topic, so a client can drop an
    appointment that moved out of its view."""

    location_id: uuid.UUID | None = None
    start: datetime | None = None
    end: datetime | None = None

    def matches(self, event: StoredEvent) -> bool:
        changed = event.changed if event.type == UPDATED else ()
        if (
            self.location_id is not None
            and event.location_id != self.location_id
            and "location_id" not in changed
        ):
            return False
        if self.start is not None and self.end is not None:
            moved = "start_at" in changed or "end_at" in changed
            overlaps = (
                event.start_at is not None
                and event.end_at is not None
                and event.start_at < self.end
                and event.end_at > self.start
            )
            return overlaps or moved
        return True


def parse_topic(text: str) -> Topic:
    """``appointments`` | ``location:<uuid>`` | ``range:<from ISO>/<to ISO>``."""
    kind, _, arg = text.partition(":")
    if kind == "appointments" and not arg:
        return Topic()
    if kind == "location":
        return Topic(location_id=uuid.UUID(arg))
    if kind == "range":
        start_text, _, end_text = arg.partition("/")
        start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the range needs UTC offsets")
        if end <= start:
            raise ValueError("the range must end after it starts")
        return Topic(start=start, end=end)
    raise ValueError(f"unknown topic {text!r}")
