"""argon2 runs in a bounded pool of its own threads, never on the event loop."""

from __future__ import annotations

import asyncio
import threading

from fastapi import FastAPI

from slotwise.config import Settings
from slotwise.security import argon2_threads, hash_password, verify_password_async
from tests.auth.helpers import attempts_counted, client_at, login, new_address
from tests.factories import World
from tests.jobs.support import wait_for


async def test_verification_waits_for_a_free_thread_and_leaves_the_loop_alone() -> None:
    pool = argon2_threads(1)
    release = threading.Event()
    loop = asyncio.get_running_loop()
    occupied = loop.run_in_executor(pool, release.wait)
    try:
        verifying = asyncio.create_task(
            verify_password_async(hash_password("secret"), "secret", threads=1)
        )
        # The loop goes on turning while the verification waits for the pool's one thread.
        for _ in range(10):
            await asyncio.sleep(0)
        assert not verifying.done()
    finally:
        release.set()
    assert await verifying is True
    assert await occupied is True


async def test_healthz_answers_while_logins_wait_for_argon2(
    app: FastAPI, world: World, settings: Settings
) -> None:
    pool = argon2_threads(settings.password_hashing_threads)
    release = threading.Event()
    loop = asyncio.get_running_loop()
    occupied = [
        loop.run_in_executor(pool, release.wait) for _ in range(settings.password_hashing_threads)
    ]
    address = new_address()
    roles = ["owner", "director", "manager", "worker", "client"]
    try:
        async with client_at(app, address) as http:
            logins = [asyncio.create_task(login(http, world.emails[role])) for role in roles]
            # Every login has been counted: each is at its password check now.
            await wait_for(lambda: _counted(app, address, len(roles)))
            health = await http.get("/healthz")
            assert health.status_code == 200
            assert not any(task.done() for task in logins)
            release.set()
            answers = await asyncio.gather(*logins)
    finally:
        release.set()
    assert [a.status_code for a in answers] == [200] * len(roles)
    await asyncio.gather(*occupied)
    # Successful logins take their attempts back.
    assert await attempts_counted(app, address) == 0


async def _counted(app: FastAPI, address: str, expected: int) -> bool:
    return await attempts_counted(app, address) == expected
