"""Availability as JSON, written directly.

A two-week listing for a busy firm holds thousands of (slot, specialist) pairs; building a
pydantic object for each costs more than computing the slots. The JSON here follows
``schemas.AvailabilityOut`` exactly (a test checks it against pydantic's own output), and
each specialist's fragment is encoded once and reused by every slot that lists it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

from slotwise.availability.engine import SlotOffer
from slotwise.availability.service import Availability


def _utc(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(instant: dt.datetime, zone: ZoneInfo) -> str:
    text = instant.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text  # as pydantic writes it


def _offer(offer: SlotOffer) -> str:
    return json.dumps({"id": str(offer.specialist_id), "name": offer.specialist_name,
                       "workplace_ids": [str(w) for w in offer.workplace_ids]},
                      ensure_ascii=False, separators=(",", ":"))


def render(result: Availability) -> bytes:
    zone = ZoneInfo(result.time_zone)
    fragments: dict[tuple[uuid.UUID, tuple[uuid.UUID, ...]], str] = {}
    slots: list[str] = []
    for slot in result.slots:
        offers = []
        for offer in slot.offers:
            key = (offer.specialist_id, offer.workplace_ids)
            fragment = fragments.get(key)
            if fragment is None:
                fragment = fragments[key] = _offer(offer)
            offers.append(fragment)
        slots.append(
            f'{{"start":"{_utc(slot.start)}","end":"{_utc(slot.end)}",'
            f'"start_local":"{_local(slot.start, zone)}","end_local":"{_local(slot.end, zone)}",'
            f'"specialists":[{",".join(offers)}]}}')
    head = json.dumps({"service_id": str(result.service_id),
                       "location_id": str(result.location_id),
                       "time_zone": result.time_zone}, separators=(",", ":"))
    return f'{head[:-1]},"slots":[{",".join(slots)}]}}'.encode()
