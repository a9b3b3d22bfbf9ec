"""Turning stop signals into a clean exit, so that ``finally`` blocks (and the embedded
PostgreSQL's stop) run on SIGTERM, SIGINT (Ctrl-C) and SIGHUP.

Uvicorn catches SIGINT/SIGTERM itself, shuts down, restores the previous handlers and then
re-raises the signal. With the default SIGTERM disposition that re-raise kills the process before
any ``finally`` runs; with these handlers installed it becomes ``SystemExit(128 + signum)``.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

logger = logging.getLogger("slotwise.signals")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class SignalExit:
    """Turns the first stop signal into SystemExit(128 + signum) while armed; afterwards (during
    cleanup) signals are only recorded, so a second Ctrl-C cannot interrupt the shutdown."""

    def __init__(self) -> None:
        self.armed = True
        self.received: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        first = self.received is None
        if first:
            self.received = signum
        if self.armed and first:
            logger.info("received %s, shutting down", signal.Signals(signum).name)
            raise SystemExit(128 + signum)
        logger.info(
            "received %s while shutting down; finishing shutdown first", signal.Signals(signum).name
        )

    def disarm(self) -> None:
        """From now on (a cleanup is running) a signal is only recorded."""
        self.armed = False

    def exit_if_received(self) -> None:
        """After the cleanup: a signal recorded meanwhile still ends the program as it asked."""
        if self.received is not None:
            raise SystemExit(128 + self.received)


def _install(handler: SignalExit, signals: Sequence[signal.Signals]) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        logger.debug("not in the main thread; leaving signal handlers alone")
        return lambda: None
    previous = {sig: signal.signal(sig, handler) for sig in signals}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


@contextlib.contextmanager
def exit_on_signals(signals: Sequence[signal.Signals] = STOP_SIGNALS) -> Iterator[SignalExit]:
    """Within the block SIGTERM/SIGINT/SIGHUP raise ``SystemExit`` in the main thread, so
    ``finally`` blocks (and ``stop()``) run; the previous handlers are restored after it. No-op
    outside the main thread, where Python cannot install handlers. Yields the handler, so that a
    cleanup which must not be interrupted can ``disarm()`` it and ``exit_if_received()`` once
    done."""
    handler = SignalExit()
    restore = _install(handler, signals)
    try:
        yield handler
    finally:
        restore()
