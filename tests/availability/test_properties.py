"""Random schedules, breaks, holidays, hours, claims and bookings, often on DST days.

The engine must offer exactly what a cell-by-cell model of the rules offers: nothing whose
claim range touches a break, a claim, a holiday or a closed hour (and nothing free is left
out), and its own check must accept every slot it offers, from a one-day query as the hold
endpoint makes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slotwise.availability.engine import AvailabilityQuery, choose, compute_slots
from tests.availability.oracle import Offer, expected_offers
from tests.availability.strategies import queries


def offered(query: AvailabilityQuery) -> set[Offer]:
    offers = [
        (int(slot.start.timestamp()), int(slot.end.timestamp()), offer.specialist_id, wp)
        for slot in compute_slots(query)
        for offer in slot.offers
        for wp in (offer.workplace_ids or (None,))
    ]
    assert len(offers) == len(set(offers)), "an option is listed twice"
    return set(offers)


def show(offers: set[Offer], zone: str) -> list[str]:
    tz = ZoneInfo(zone)
    return [
        f"{dt.datetime.fromtimestamp(s, tz):%m-%d %H:%M%z}+{(e - s) // 60} {p} {w}"
        for s, e, p, w in sorted(offers, key=str)[:10]
    ]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries())
def test_engine_offers_exactly_the_free_claim_ranges(query: AvailabilityQuery) -> None:
    engine, model = offered(query), expected_offers(query)
    zone = query.location.time_zone
    assert not engine - model, f"offered but not free: {show(engine - model, zone)}"
    assert not model - engine, f"free but not offered: {show(model - engine, zone)}"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries(), st.randoms(use_true_random=False))
def test_every_offered_slot_passes_the_one_day_check(
    query: AvailabilityQuery, rnd: random.Random
) -> None:
    slots = compute_slots(query)
    zone = ZoneInfo(query.location.time_zone)
    by_id = {w.id: w for w in query.workplaces}
    picked = slots if len(slots) <= 12 else rnd.sample(slots, 12)
    for slot in picked:
        day = slot.start.astimezone(zone).date()
        one_day = dataclasses.replace(query, first_day=day, last_day=day)
        assert choose(one_day, slot.start) is not None
        for offer in slot.offers:
            for workplace_id in offer.workplace_ids or (None,):
                choice = choose(
                    one_day,
                    slot.start,
                    specialist_id=offer.specialist_id,
                    workplace_id=workplace_id,
                )
                assert choice is not None
                assert (choice.start, choice.end) == (slot.start, slot.end)
                assert choice.workplace_id == workplace_id
                terms = query.service
                brk = terms.break_after_minutes
                workplace = by_id.get(workplace_id) if workplace_id else None
                if workplace is not None and workplace.break_after_minutes is not None:
                    brk = workplace.break_after_minutes
                assert choice.claim_start == slot.start - dt.timedelta(
                    minutes=terms.buffer_before_minutes
                )
                assert choice.claim_end == slot.end + dt.timedelta(
                    minutes=brk + terms.buffer_after_minutes
                )
