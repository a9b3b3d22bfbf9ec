"""Latency summaries and the printed report lines."""

from __future__ import annotations

import argparse
import gc
import io
import math
import pstats
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``pct`` % at or below it."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Latency:
    """Milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        values = sorted(s * 1000 for s in seconds)
        mean = sum(values) / len(values) if values else math.nan
        return cls(len(values), percentile(values, 50), percentile(values, 95),
                   percentile(values, 99), values[-1] if values else math.nan, mean)

    def line(self, label: str, width: int = 44) -> str:
        return (f"  {label:<{width}} n={self.count:<5d} p50 {self.p50:8.2f}  p95 {self.p95:8.2f}"
                f"  p99 {self.p99:8.2f}  max {self.max:8.2f} ms")


def heading(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


@contextmanager
def measuring_client() -> Iterator[None]:
    """Keeps the measuring client's own garbage collection out of the figures.

    A full collection walks every object the process holds (tens of milliseconds for a
    process with the app imported), and would be charged to the server. Frozen objects are
    skipped, so the collector still runs but only over what the measurement itself creates.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def profile_path(args: argparse.Namespace, bench: str) -> Path | None:
    """Where the server of ``bench`` writes its cProfile stats (``--profile DIR``), if asked."""
    directory: Path | None = args.profile
    if directory is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{bench}-server.prof"


def print_profile(args: argparse.Namespace, bench: str, top: int = 30) -> None:
    path = profile_path(args, bench)
    if path is None or not path.exists():
        return
    print_stats(path, "server", "the server", top)


def print_stats(path: Path, what: str, slowed: str, top: int = 30) -> None:
    """The hot spots of a cProfile file: ``what`` names the profile, ``slowed`` what ran
    under the profiler (and so ran slower)."""
    for order, pattern in (("tottime", ""), ("cumulative", "slotwise")):
        out = io.StringIO()
        pstats.Stats(str(path), stream=out).sort_stats(order).print_stats(pattern, top)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print(f"  {what} profile by {order}{f' ({pattern} only)' if pattern else ''} "
              f"({path}; profiling slows {slowed}, so this run's timings are inflated):")
        print("\n".join("    " + line for line in lines[start:]))
