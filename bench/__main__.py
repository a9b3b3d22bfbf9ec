"""``python -m bench [availability|booking|all|calendar|sync] [options]``
(``make bench BENCH_ARGS=...``).

``all`` is availability and booking; ``calendar`` (the staff calendar in headless Chromium) runs
only when named, as it needs Debian's Chromium, Playwright and the page bundle (``make web``);
so does ``sync`` (the YClients import on the local YClients server), which takes minutes.

Runs on a fresh database made for the run and dropped after it: on the server of
``SLOTWISE_BENCH_DATABASE_URL`` when set, else on the embedded PostgreSQL in a new temporary
directory (stopped and removed at the end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

from bench import availability, booking, calendar_page, sync
from bench.database import bench_database
from bench.server import GC_MODES

ROOT = Path(__file__).resolve().parent.parent


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="?", default="all",
                        choices=("all", "availability", "booking", "calendar", "sync"))
    parser.add_argument("--server-gc", choices=GC_MODES, default="default",
                        help="diagnostic: run the HTTP server with the cyclic garbage collector "
                        "off (default: as the product runs)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="run the HTTP server under cProfile, write DIR/<bench>-server.prof "
                        "and print its hot spots (slows the server: timings are inflated)")
    availability.add_arguments(parser)
    booking.add_arguments(parser)
    calendar_page.add_arguments(parser)
    sync.add_arguments(parser)
    return parser.parse_args(argv)


def revision() -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True, cwd=ROOT).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True, cwd=ROOT).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"commit {head}{' + uncommitted changes in src/' if dirty.strip() else ''}"


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    print(f"Slotwise benchmarks, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}, load average "
          + " ".join(f"{load:.2f}" for load in os.getloadavg()) + f"; {revision()}")
    failed = False
    with bench_database() as db:
        print(f"Database: {db.label}")
        if args.which in ("all", "availability"):
            result = availability.run(db, args)
            failed |= result.target_ratio >= 1
        if args.which in ("all", "booking"):
            outcome = booking.run(db, args)
            failed |= not outcome.passed
        if args.which == "calendar":
            failed |= not calendar_page.run(db, args).passed
        if args.which == "sync":
            failed |= not sync.run(db, args).passed
    print()
    print("FAILED: a target was missed (see above)" if failed else "All targets met.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
