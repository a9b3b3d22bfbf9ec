"""The hand-written JSON of ``present.render`` is byte for byte what pydantic would write for
``AvailabilityOut``: same keys, order, datetime formats and escaping."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from slotwise.availability.engine import compute_slots
from slotwise.availability.present import render
from slotwise.availability.schemas import AvailabilityOut, SlotOut, SlotSpecialistOut
from slotwise.availability.service import Availability
from tests.availability.builders import MONDAY, hours, query, specialist, workplace


def pydantic_json(result: Availability) -> bytes:
    zone = ZoneInfo(result.time_zone)
    return (
        AvailabilityOut(
            service_id=result.service_id,
            location_id=result.location_id,
            time_zone=result.time_zone,
            slots=[
                SlotOut(
                    start=s.start,
                    end=s.end,
                    start_local=s.start.astimezone(zone),
                    end_local=s.end.astimezone(zone),
                    specialists=[
                        SlotSpecialistOut(
                            id=o.specialist_id,
                            name=o.specialist_name,
                            workplace_ids=list(o.workplace_ids),
                        )
                        for o in s.offers
                    ],
                )
                for s in result.slots
            ],
        )
        .model_dump_json()
        .encode()
    )


@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC", "Asia/Kolkata", "America/New_York"])
@pytest.mark.parametrize("with_workplaces", [False, True])
def test_render_matches_pydantic(zone: str, with_workplaces: bool) -> None:
    staff = [specialist('Zoë "the scissors" \\ Ünal'), specialist("Ben", custom_duration=45)]
    places = [workplace("Chair 1"), workplace("Chair 2", duration=60)] if with_workplaces else []
    q = query(
        staff,
        zone=zone,
        workplaces=places,
        last=MONDAY + dt.timedelta(days=2),
        opening=hours(range(7), "00:00", "23:00"),
    )
    result = Availability(uuid.uuid4(), uuid.uuid4(), zone, compute_slots(q))
    assert result.slots
    assert render(result) == pydantic_json(result)


def test_render_nothing() -> None:
    empty = Availability(uuid.uuid4(), uuid.uuid4(), "Europe/Berlin", [])
    assert render(empty) == pydantic_json(empty)
