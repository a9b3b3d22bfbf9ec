"""The WebSocket protocol: subscriptions with topics over one hub subscriber per connection.

Commands from the client are queued behind the deliveries that came before them, and one
loop handles both, so a subscription starts at a well-defined position: its ack names the
firm's position, a ``since`` replays what came after it, and only later events follow.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from slotwise.realtime import repository
from slotwise.realtime.feed import check_resume
from slotwise.realtime.hub import ClientCommand, Closed, Hub, Subscriber
from slotwise.realtime.schemas import SubscribeIn, Topic, UnsubscribeIn, parse_topic
from slotwise.realtime.views import Delivery, deliver

CLOSE_UNAUTHENTICATED, CLOSE_FORBIDDEN, CLOSE_TOO_SLOW = 4401, 4403, 4429
CLOSE_RESTART = 1012
# "Try again later": the user already has the most event streams open at once, or the
# database is away.
CLOSE_TRY_AGAIN = 1013
MAX_SUBSCRIPTIONS = 20
_BACKLOG_PAGE = 200


@dataclass
class _Subscription:
    id: str
    topic: Topic
    position: int


class _Failure(Exception):
    def __init__(self, ref: Any, code: str, message: str) -> None:
        super().__init__(message)
        self.ref, self.code, self.message = ref, code, message


class WsSession:
    def __init__(
        self,
        websocket: WebSocket,
        maker: async_sessionmaker[AsyncSession],
        sub: Subscriber,
        send_timeout: float,
    ) -> None:
        self._ws = websocket
        self._maker = maker
        self._sub = sub
        self._send_timeout = send_timeout
        self._subscriptions: dict[str, _Subscription] = {}

    async def run(self) -> None:
        # A task group, so that the receiver has ended (not merely been asked to) when the
        # connection's handler returns.
        async with asyncio.TaskGroup() as tasks:
            receiver = tasks.create_task(self._receive())
            try:
                await self._serve()
            finally:
                receiver.cancel()

    async def _serve(self) -> None:
        try:
            while True:
                item = await self._sub.get(None)
                if isinstance(item, Delivery):
                    await self._deliver(item)
                elif isinstance(item, ClientCommand):
                    await self._command(item.text)
        except Closed:
            if self._sub.reason == "too_slow":
                await self._close(CLOSE_TOO_SLOW, "too slow; reconnect and resume with since")
            elif self._sub.reason == "shutdown":
                await self._close(CLOSE_RESTART, "server restarting; resume with since")
        except DBAPIError:  # a subscribe or replay while the database is away (a restart)
            await self._close(CLOSE_TRY_AGAIN, "database unavailable; resume with since")

    async def _receive(self) -> None:
        try:
            while True:
                message = await self._ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    text = (message.get("bytes") or b"").decode("utf-8", "replace")
                if not self._sub.push(ClientCommand(text)):
                    self._sub.close(self._sub.reason or "too_slow")
                    return
        except (WebSocketDisconnect, RuntimeError):
            pass
        self._sub.close("disconnected")

    async def _send(self, message: str) -> None:
        await self._sub.guard(self._ws.send_text(message), self._send_timeout)

    async def _close(self, code: int, reason: str) -> None:
        if self._ws.application_state is WebSocketState.CONNECTED:
            try:
                async with asyncio.timeout(1.0):
                    await self._ws.close(code, reason)
            except (TimeoutError, RuntimeError, OSError):
                pass

    async def _deliver(self, delivery: Delivery) -> None:
        for subscription in list(self._subscriptions.values()):
            if delivery.seq <= subscription.position:
                continue
            subscription.position = delivery.seq
            if subscription.topic.matches(delivery.event):
                await self._send_event(subscription.id, delivery)

    async def _send_event(self, subscription_id: str, delivery: Delivery) -> None:
        await self._send(
            f'{{"type":"event","subscription":{json.dumps(subscription_id)},'
            f'"event":{delivery.json}}}'
        )

    async def _command(self, text: str) -> None:
        try:
            try:
                message = json.loads(text)
            except ValueError:
                raise _Failure(None, "invalid_message", "Messages are JSON objects") from None
            if not isinstance(message, dict):
                raise _Failure(None, "invalid_message", "Messages are JSON objects")
            ref = message.get("id")
            kind = message.get("type")
            if kind == "subscribe":
                await self._subscribe(_parse(SubscribeIn, message, ref))
            elif kind == "unsubscribe":
                await self._unsubscribe(_parse(UnsubscribeIn, message, ref))
            else:
                raise _Failure(ref, "unknown_type", "type must be subscribe or unsubscribe")
        except _Failure as failure:
            await self._send(
                json.dumps(
                    {
                        "type": "error",
                        "id": failure.ref,
                        "code": failure.code,
                        "message": failure.message,
                    }
                )
            )

    async def _subscribe(self, body: SubscribeIn) -> None:
        if body.id in self._subscriptions:
            raise _Failure(body.id, "duplicate_subscription", "This id is already subscribed")
        if len(self._subscriptions) >= MAX_SUBSCRIPTIONS:
            raise _Failure(
                body.id,
                "too_many_subscriptions",
                f"At most {MAX_SUBSCRIPTIONS} subscriptions per connection",
            )
        try:
            topic = parse_topic(body.topic)
        except ValueError as exc:
            raise _Failure(body.id, "invalid_topic", str(exc)) from None
        firm_id = self._sub.firm_id
        async with self._maker() as session:
            resume = await check_resume(session, firm_id, body.since)
        ack: dict[str, Any] = {"type": "ack", "id": body.id, "seq": resume.current}
        if resume.reset:
            ack["reset"] = True
        await self._send(json.dumps(ack))
        position = resume.current
        if body.since is not None and not resume.reset and body.since < resume.current:
            position = max(position, await self._replay(body.id, topic, firm_id, body.since))
        self._subscriptions[body.id] = _Subscription(body.id, topic, position)

    async def _replay(self, ref: str, topic: Topic, firm_id: uuid.UUID, after: int) -> int:
        """Sends what the subscription missed; returns how far it read."""
        view = self._sub.view
        while True:
            async with self._maker() as session:
                events = await repository.read_visible(session, firm_id, view, after, _BACKLOG_PAGE)
            for event in events:
                delivery = deliver(event, view)
                if delivery is not None and topic.matches(event):
                    await self._send_event(ref, delivery)
            if events:
                after = events[-1].seq
            if len(events) < _BACKLOG_PAGE:
                return after

    async def _unsubscribe(self, body: UnsubscribeIn) -> None:
        subscription = self._subscriptions.pop(body.id, None)
        if subscription is None:
            raise _Failure(body.id, "unknown_subscription", "No subscription with this id")
        await self._send(json.dumps({"type": "ack", "id": body.id, "seq": subscription.position}))


_Body = TypeVar("_Body", SubscribeIn, UnsubscribeIn)


def _parse(model: type[_Body], message: dict[str, Any], ref: Any) -> _Body:
    try:
        return model.model_validate(message)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise _Failure(ref if isinstance(ref, str) else None, "invalid_message", errors) from None


async def serve(
    websocket: WebSocket,
    hub: Hub,
    maker: async_sessionmaker[AsyncSession],
    sub: Subscriber,
    send_timeout: float,
) -> None:
    try:
        await WsSession(websocket, maker, sub, send_timeout).run()
    finally:
        hub.unsubscribe(sub)
