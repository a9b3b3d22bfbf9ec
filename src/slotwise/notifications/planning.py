"""Which messages an appointment change causes, planned in the change's own transaction.

Messages are rendered when they are sent, from the appointment as it is then, so a burst of
edits within the grace delay goes out as one message with the final state. Every "hello"
has its "goodbye" (confirmation / cancellation, worker assigned / removed): when the
opposite message has not gone out yet it is withdrawn instead, so a person who was never
told about something is not told that it is gone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.config import Settings
from slotwise.notifications import dispatch, reminders, repository
from slotwise.notifications.repository import Planned, Recipient
from slotwise.records import AppointmentOut

_WORKER_LIVE = ("scheduled", "in_progress")


@dataclass(frozen=True)
class Policy:
    confirmation_delay: timedelta
    notice_delay: timedelta
    dispatch_horizon: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            timedelta(seconds=settings.confirmation_delay_seconds),
            timedelta(seconds=settings.notice_delay_seconds),
            timedelta(seconds=settings.notification_dispatch_horizon_seconds),
        )


def _snapshot(appointment: AppointmentOut) -> dict[str, Any]:
    return {"appointment": appointment.model_dump(mode="json")}


def _moved(before: AppointmentOut, after: AppointmentOut) -> bool:
    return (before.start_at, before.end_at, before.location_id) != (
        after.start_at,
        after.end_at,
        after.location_id,
    )


class Planner:
    def __init__(
        self, session: AsyncSession, firm_id: uuid.UUID, now: datetime, policy: Policy
    ) -> None:
        self.session, self.firm_id, self.now, self.policy = session, firm_id, now, policy
        self.planned: list[Planned] = []

    def client_relevant(self, appointment: AppointmentOut) -> bool:
        return appointment.status == "scheduled" and appointment.start_at > self.now

    def worker_relevant(self, appointment: AppointmentOut) -> bool:
        return appointment.status in _WORKER_LIVE and appointment.end_at > self.now

    async def _add(
        self,
        appointment: AppointmentOut,
        type_: str,
        recipient: Recipient,
        version: object,
        delay: timedelta,
        data: dict[str, Any],
    ) -> None:
        planned = await repository.add(
            self.session,
            firm_id=self.firm_id,
            appointment_id=appointment.id,
            type_=type_,
            recipient=recipient,
            dedupe_key=f"{type_}:{appointment.id}:{recipient.id}:{version}",
            send_after=self.now + delay,
            data=data,
        )
        if planned is not None:
            self.planned.append(planned)

    async def _withdraw(
        self, appointment_id: uuid.UUID, types: tuple[str, ...], recipient: Recipient, reason: str
    ) -> int:
        return await repository.withdraw(
            self.session,
            self.firm_id,
            appointment_id,
            types=types,
            recipient=recipient,
            reason=reason,
        )

    async def hello_client(self, after: AppointmentOut, *, by_client: bool) -> None:
        assert after.client_id is not None
        client = Recipient("client", after.client_id)
        if await self._withdraw(after.id, ("cancellation",), client, "the appointment is on again"):
            return
        delay = timedelta(0) if by_client else self.policy.confirmation_delay
        await self._add(after, "confirmation", client, after.version, delay, {})

    async def goodbye_client(
        self, before: AppointmentOut, client_id: uuid.UUID, version: object
    ) -> None:
        client = Recipient("client", client_id)
        if await self._withdraw(
            before.id,
            ("confirmation",),
            client,
            "the appointment was cancelled before it was confirmed",
        ):
            await self._withdraw(before.id, ("change",), client, "the appointment is gone")
            return
        await self._withdraw(before.id, ("change",), client, "the appointment was cancelled")
        await self._add(
            before, "cancellation", client, version, self.policy.notice_delay, _snapshot(before)
        )

    async def change_notice(self, before: AppointmentOut, after: AppointmentOut) -> None:
        assert after.client_id is not None
        client = Recipient("client", after.client_id)
        # A message still waiting renders the final state anyway.
        if await repository.has_pending(
            self.session, self.firm_id, after.id, ("confirmation", "change"), client
        ):
            return
        previous = {
            "start_at": before.start_at.isoformat(),
            "end_at": before.end_at.isoformat(),
            "location_id": str(before.location_id),
        }
        await self._add(
            after, "change", client, after.version, self.policy.notice_delay, {"previous": previous}
        )

    async def hello_worker(self, after: AppointmentOut, specialist_id: uuid.UUID) -> None:
        worker = Recipient("worker", specialist_id)
        if await self._withdraw(
            after.id, ("worker_removed",), worker, "the worker was assigned again"
        ):
            return
        await self._add(
            after, "worker_assigned", worker, after.version, self.policy.notice_delay, {}
        )

    async def goodbye_worker(
        self, before: AppointmentOut, specialist_id: uuid.UUID, version: object
    ) -> None:
        worker = Recipient("worker", specialist_id)
        if await self._withdraw(
            before.id, ("worker_assigned",), worker, "the worker was removed before being told"
        ):
            return
        await self._add(
            before, "worker_removed", worker, version, self.policy.notice_delay, _snapshot(before)
        )

    async def created(self, after: AppointmentOut, *, by_client: bool) -> None:
        if after.client_id is not None and self.client_relevant(after):
            await self.hello_client(after, by_client=by_client)
        if self.worker_relevant(after):
            for worker in after.workers:
                await self.hello_worker(after, worker.id)

    async def deleted(self, before: AppointmentOut) -> None:
        if before.client_id is not None and self.client_relevant(before):
            await self.goodbye_client(before, before.client_id, "deleted")
        if self.worker_relevant(before):
            for worker in before.workers:
                await self.goodbye_worker(before, worker.id, "deleted")

    async def updated(
        self, before: AppointmentOut, after: AppointmentOut, *, by_client: bool
    ) -> None:
        client_changed = after.client_id != before.client_id
        if (
            before.client_id is not None
            and self.client_relevant(before)
            and (client_changed or after.status == "cancelled")
        ):
            await self.goodbye_client(before, before.client_id, after.version)
        if (
            after.client_id is not None
            and self.client_relevant(after)
            and (client_changed or before.status == "cancelled")
        ):
            await self.hello_client(after, by_client=by_client)
        elif (
            after.client_id is not None
            and not client_changed
            and self.client_relevant(after)
            and _moved(before, after)
        ):
            await self.change_notice(before, after)

        staffed_before = {w.id for w in before.workers} if before.status != "cancelled" else set()
        staffed_after = {w.id for w in after.workers} if after.status != "cancelled" else set()
        if self.worker_relevant(before):
            for specialist_id in sorted(staffed_before - staffed_after):
                await self.goodbye_worker(before, specialist_id, after.version)
        if self.worker_relevant(after):
            for specialist_id in sorted(staffed_after - staffed_before):
                await self.hello_worker(after, specialist_id)


async def plan_for_change(
    session: AsyncSession,
    firm_id: uuid.UUID,
    before: AppointmentOut | None,
    after: AppointmentOut | None,
    *,
    by_client: bool,
    now: datetime,
    policy: Policy,
) -> list[Planned]:
    """Plans (and, when due soon, enqueues) every message the change causes; returns them."""
    planner = Planner(session, firm_id, now, policy)
    if before is None and after is not None:
        await planner.created(after, by_client=by_client)
    elif after is None and before is not None:
        await planner.deleted(before)
    elif before is not None and after is not None:
        await planner.updated(before, after, by_client=by_client)
    current = after or before
    assert current is not None
    planner.planned += await reminders.replan_appointment(session, firm_id, current.id, now)
    await dispatch.enqueue(session, planner.planned, now=now, horizon=policy.dispatch_horizon)
    return planner.planned


async def plan_for_new_browser(
    session: AsyncSession,
    firm_id: uuid.UUID,
    appointment: AppointmentOut,
    subscription_id: uuid.UUID,
    *,
    now: datetime,
    policy: Policy,
) -> list[Planned]:
    """The confirmation again, to one browser only: the one that just asked for this
    booking's messages ("Get reminders in this browser" after booking), which was not
    subscribed yet when the confirmation went out. Once per browser and appointment."""
    planner = Planner(session, firm_id, now, policy)
    if appointment.client_id is None or not planner.client_relevant(appointment):
        return []
    recipient = Recipient("client", appointment.client_id)
    statuses = await repository.lock_own_statuses(
        session, firm_id, appointment.id, "confirmation", recipient
    )
    if "pending" in statuses:
        # Not gone out yet (or to be tried again): its delivery chooses its targets after
        # this commit, this browser among them; a copy as well would be a second message.
        return []
    planned = await repository.add(
        session,
        firm_id=firm_id,
        appointment_id=appointment.id,
        type_="confirmation",
        recipient=recipient,
        dedupe_key=f"confirmation:{appointment.id}:browser:{subscription_id}",
        send_after=now,
        data={repository.BROWSER_KEY: str(subscription_id)},
    )
    rows = [planned] if planned is not None else []
    await dispatch.enqueue(session, rows, now=now, horizon=policy.dispatch_horizon)
    return rows
