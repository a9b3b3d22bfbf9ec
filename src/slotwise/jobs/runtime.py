"""What a task gets from the worker that runs it.

Every task may use the worker's database and settings (``JobRuntime``). A domain whose tasks
need more for as long as the worker runs (delivery: the channels' settings and an HTTP client)
hands the worker a ``WorkerResource``: opened once the worker's database is there, it puts
its objects into every job's context under keys of its own, and is closed when the worker
stops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slotwise.config import Settings

_RUNTIME = "slotwise.jobs.runtime"


@dataclass(frozen=True)
class JobRuntime:
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings


WorkerResource = Callable[[JobRuntime], AbstractAsyncContextManager[Mapping[str, object]]]


def runtime_context(runtime: JobRuntime) -> dict[str, object]:
    """The part of every job's context that ``job_runtime`` reads."""
    return {_RUNTIME: runtime}


def job_runtime(context: JobContext) -> JobRuntime:
    runtime = context.additional_context[_RUNTIME]
    assert isinstance(runtime, JobRuntime)
    return runtime
