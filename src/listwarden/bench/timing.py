"""Small helpers for benchmarks: percentiles, medians of repeated runs, a progress bar."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

from rich.progress import Progress as _RichProgress


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_of(runs: int, action: Callable[[], float]) -> float:
    return statistics.median(action() for _ in range(runs))


def progress(enabled: bool) -> _RichProgress:
    return _RichProgress(disable=not enabled, transient=True)
