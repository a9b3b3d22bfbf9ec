"""Availability as JSON, written directly.

A two-week listing for a busy firm holds thousands of (slot, specialist) pairs; building a
pydantic object for each costs more than computing the slots. The JSON here follows
``schemas.AvailabilityOut`` exactly (a test checks it against pydantic's own output); each
specialist's fragment is encoded once and reused by every slot that lists it, and each
instant is formatted once (a slot's end is the start of others).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

from slotwise.availability.engine import SlotOffer
from slotwise.availability.service import Availability


def _z(text: str) -> str:
    return text[:-6] + "Z" if text.endswith("+00:00") else text  # as pydantic writes it


class _Stamps:
    """``(UTC, local)`` ISO texts of instants, each computed once."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._known: dict[dt.datetime, tuple[str, str]] = {}

    def __call__(self, instant: dt.datetime) -> tuple[str, str]:
        found = self._known.get(instant)
        if found is None:
            # Slots lie on whole seconds, so ``isoformat`` writes no fraction.
            found = self._known[instant] = (
                _z(instant.astimezone(dt.UTC).isoformat()),
                _z(instant.astimezone(self._zone).isoformat()),
            )
        return found


def _offer(offer: SlotOffer) -> str:
    return json.dumps(
        {
            "id": str(offer.specialist_id),
            "name": offer.specialist_name,
            "workplace_ids": [str(w) for w in offer.workplace_ids],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def render(result: Availability) -> bytes:
    stamps = _Stamps(ZoneInfo(result.time_zone))
    fragments: dict[tuple[uuid.UUID, tuple[uuid.UUID, ...]], str] = {}
    # Most slots share their offer objects (one per specialist when no workplace is needed):
    # looking those up by identity spares hashing their ids thousands of times. The result
    # keeps every offer alive meanwhile, so no identity is reused.
    by_object: dict[int, str] = {}
    slots: list[str] = []
    for slot in result.slots:
        offers = []
        for offer in slot.offers:
            fragment = by_object.get(id(offer))
            if fragment is None:
                key = (offer.specialist_id, offer.workplace_ids)
                fragment = fragments.get(key)
                if fragment is None:
                    fragment = fragments[key] = _offer(offer)
                by_object[id(offer)] = fragment
            offers.append(fragment)
        start, start_local = stamps(slot.start)
        end, end_local = stamps(slot.end)
        slots.append(
            f'{{"start":"{start}","end":"{end}","start_local":"{start_local}",'
            f'"end_local":"{end_local}","specialists":[{",".join(offers)}]}}'
        )
    head = json.dumps(
        {
            "service_id": str(result.service_id),
            "location_id": str(result.location_id),
            "time_zone": result.time_zone,
        },
        separators=(",", ":"),
    )
    return f'{head[:-1]},"slots":[{",".join(slots)}]}}'.encode()
