"""A subscriber's waits: the keepalive and send deadlines, and interruption by a close."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from slotwise.realtime.hub import Closed, Subscriber
from slotwise.realtime.views import ALL


def _subscriber(size: int = 4) -> Subscriber:
    return Subscriber(uuid.uuid4(), ALL, size)


async def test_get_returns_none_after_its_timeout_and_items_otherwise() -> None:
    sub = _subscriber()
    started = time.monotonic()
    assert await sub.get(0.1) is None
    assert 0.09 <= time.monotonic() - started < 1
    asyncio.get_running_loop().call_later(0.05, sub.push, "item")
    assert await sub.get(5) == "item"
    # A deadline armed by an earlier, longer wait does not delay a shorter one.
    asyncio.get_running_loop().call_later(0.05, sub.push, "again")
    assert await sub.get(30) == "again"
    started = time.monotonic()
    assert await sub.get(0.1) is None
    assert time.monotonic() - started < 1


async def test_many_waits_each_keep_their_own_deadline() -> None:
    sub = _subscriber()
    for n in range(200):  # quick waits, each with a fresh deadline
        asyncio.get_running_loop().call_soon(sub.push, n)
        assert await sub.get(0.2) == n
    started = time.monotonic()
    assert await sub.get(0.2) is None
    assert 0.19 <= time.monotonic() - started < 1


async def test_a_write_that_does_not_finish_in_time_closes_the_subscriber() -> None:
    sub = _subscriber()
    await sub.guard(asyncio.sleep(0.01), 1.0)  # in time: nothing happens
    assert not sub.closed
    started = time.monotonic()
    with pytest.raises(Closed, match="send_timeout"):
        await sub.guard(asyncio.sleep(10), 0.1)
    assert time.monotonic() - started < 1
    assert sub.closed and sub.reason == "send_timeout"


async def test_a_close_interrupts_a_waiting_consumer_at_once() -> None:
    sub = _subscriber()
    asyncio.get_running_loop().call_later(0.05, sub.close, "too_slow")
    started = time.monotonic()
    with pytest.raises(Closed, match="too_slow"):
        await sub.get(None)
    assert time.monotonic() - started < 1

    stuck = _subscriber()
    asyncio.get_running_loop().call_later(0.05, stuck.close, "disconnected")
    with pytest.raises(Closed, match="disconnected"):
        await stuck.guard(asyncio.sleep(10), 30)
    assert time.monotonic() - started < 2


async def test_cancelling_the_consumer_from_outside_still_cancels_it() -> None:
    sub = _subscriber()
    consumer = asyncio.create_task(sub.get(0.05))
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
