"""A subscriber's waits: the keepalive and send deadlines, and interruption by a close."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from slotwise.realtime.hub import ClientCommand, Closed, Subscriber
from slotwise.realtime.views import ALL


def _subscriber(size: int = 4) -> Subscriber:
    return Subscriber(uuid.uuid4(), ALL, size, uuid.uuid4())


async def test_get_returns_none_after_its_timeout_and_items_otherwise() -> None:
    sub = _subscriber()
    loop = asyncio.get_running_loop()
    # Which comes first says whether the deadline held: an item pushed long after it, or
    # one pushed long before it.
    late = loop.call_later(5, sub.push, ClientCommand("late"))
    assert await sub.get(0.1) is None
    late.cancel()
    loop.call_later(0.05, sub.push, ClientCommand("item"))
    assert await sub.get(5) == ClientCommand("item")
    # A deadline armed by an earlier, longer wait does not delay a shorter one.
    loop.call_later(0.05, sub.push, ClientCommand("again"))
    assert await sub.get(30) == ClientCommand("again")
    late = loop.call_later(5, sub.push, ClientCommand("late"))
    assert await sub.get(0.1) is None
    late.cancel()


async def test_many_waits_each_keep_their_own_deadline() -> None:
    sub = _subscriber()
    loop = asyncio.get_running_loop()
    for n in range(200):  # quick waits, each with a fresh deadline
        loop.call_soon(sub.push, ClientCommand(str(n)))
        assert await sub.get(0.2) == ClientCommand(str(n))
    # The timer of those waits does not cut a later, longer one short...
    loop.call_later(0.4, sub.push, ClientCommand("in time"))
    assert await sub.get(5) == ClientCommand("in time")
    # ...and the deadline of the last one still ends it.
    late = loop.call_later(5, sub.push, ClientCommand("late"))
    assert await sub.get(0.2) is None
    late.cancel()


async def test_a_write_that_does_not_finish_in_time_closes_the_subscriber() -> None:
    sub = _subscriber()
    await sub.guard(asyncio.sleep(0.01), 5.0)  # in time: nothing happens
    assert not sub.closed
    # Raising at all shows the deadline came first: the write itself would succeed.
    with pytest.raises(Closed, match="send_timeout"):
        await sub.guard(asyncio.sleep(10), 0.1)
    assert sub.closed and sub.reason == "send_timeout"


async def test_a_close_interrupts_a_waiting_consumer_at_once() -> None:
    sub = _subscriber()
    asyncio.get_running_loop().call_later(0.05, sub.close, "too_slow")
    with pytest.raises(Closed, match="too_slow"):
        await sub.get(None)  # would wait forever

    stuck = _subscriber()
    asyncio.get_running_loop().call_later(0.05, stuck.close, "disconnected")
    with pytest.raises(Closed, match="disconnected"):
        await stuck.guard(asyncio.sleep(10), 30)  # the write would succeed after 10 s


async def test_cancelling_the_consumer_from_outside_still_cancels_it() -> None:
    sub = _subscriber()
    consumer = asyncio.create_task(sub.get(5))
    await asyncio.sleep(0.01)
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    # Also when the subscriber is closed at the same moment: the outside cancel wins.
    consumer = asyncio.create_task(sub.get(None))
    await asyncio.sleep(0.01)

    def both() -> None:
        sub.close("too_slow")
        consumer.cancel()

    asyncio.get_running_loop().call_soon(both)
    with pytest.raises(asyncio.CancelledError):
        await consumer
