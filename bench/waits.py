"""What the database sessions of the run are doing, sampled from ``pg_stat_activity``.

A session found active with no wait event is running on a CPU; one waiting on a ``Lock`` is
queued behind another transaction (the statement says which lock). Sampled every 100 ms while
the load runs, so it shows where requests spend their database time.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import psycopg

SAMPLE_SQL = """
SELECT coalesce(wait_event_type || ':' || wait_event, 'running (CPU)'),
       regexp_replace(left(query, 70), '\\s+', ' ', 'g')
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
  AND state NOT IN ('idle')
"""


class WaitSampler:
    def __init__(self, conninfo: str, interval: float = 0.1) -> None:
        self._conninfo = conninfo
        self._interval = interval
        self.samples = 0
        self.states: Counter[str] = Counter()
        self.lock_statements: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
            while True:
                rows = await (await conn.execute(SAMPLE_SQL)).fetchall()
                self.samples += 1
                for state, query in rows:
                    self.states[state] += 1
                    if state.startswith("Lock:"):
                        self.lock_statements[query] += 1
                await asyncio.sleep(self._interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def report(self, top: int = 6) -> list[str]:
        if not self.samples:
            return []
        lines = ["database sessions of the run, average count by state (sampled):"]
        lines += [f"    {count / self.samples:6.1f}  {state}"
                  for state, count in self.states.most_common(top)]
        if self.lock_statements:
            lines.append("  statements waiting on a lock, average count:")
            lines += [f"    {count / self.samples:6.1f}  {query}"
                      for query, count in self.lock_statements.most_common(3)]
        return lines
