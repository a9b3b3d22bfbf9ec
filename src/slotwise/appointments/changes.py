"""The one place every appointment write path reports its change to, so that the side
effects (the event log, the notifications and their jobs) join the same transaction and no
path can forget one."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.auth.caller import Caller
from slotwise.db import settings_of
from slotwise.notifications.planning import Policy, plan_for_change
from slotwise.pushes.planning import plan_pushes
from slotwise.realtime.events import Actor, record_appointment_change
from slotwise.records import AppointmentOut


async def appointment_changed(
    session: AsyncSession,
    firm_id: uuid.UUID,
    before: AppointmentOut | None,
    after: AppointmentOut | None,
    caller: Caller | None,
    *,
    now: datetime | None = None,
    by_client: bool | None = None,
    confirmation_delay: timedelta | None = None,
) -> None:
    """``before`` is None for a creation, ``after`` None for a deletion; ``caller`` None when
    the system itself made the change (e.g. a status moved by time) or a guest of the
    public booking page did. ``now`` is the moment the change counts from (delays of the
    messages it causes); ``by_client``: the client made it themselves (default: the caller
    is a client), so their message need not wait for further edits. ``confirmation_delay``
    replaces the configured one, for a source with a grace of its own (an external
    system's connection)."""
    if by_client is None:
        by_client = caller is not None and caller.is_client
    policy = Policy.from_settings(settings_of(session))
    if confirmation_delay is not None:
        policy = dataclasses.replace(policy, confirmation_delay=confirmation_delay)
    await plan_for_change(
        session,
        firm_id,
        before,
        after,
        by_client=by_client,
        now=now or datetime.now(UTC),
        policy=policy,
    )
    # Our bookings go out to the external systems that map their specialists.
    await plan_pushes(session, firm_id, before, after)
    # Last: taking the event sequence number locks the firm's row until commit (that lock
    # is what keeps sequence numbers in commit order), so nothing else should run after it.
    actor = Actor(caller.user_id, caller.full_name or caller.email) if caller else None
    await record_appointment_change(session, firm_id, before, after, actor)
