"""Timing helpers shared by the bench scripts: warm up, then the median of repeated runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping


def run_times(fn: Callable[[], object], *, repeat: int = 7, number: int = 10, warmup: int = 3,
              timer: Callable[[], float] = time.perf_counter) -> list[float]:
    """Seconds per call of ``fn`` in each of ``repeat`` runs of ``number`` calls, after ``warmup`` calls.
    ``timer``: wall clock by default; time.process_time leaves out time spent waiting for a busy CPU."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        t0 = timer()
        for _ in range(number):
            fn()
        runs.append((timer() - t0) / number)
    return runs


def interleaved_runs(fns: Mapping[str, Callable[[], object]], *, repeat: int = 21, number: int = 10,
                     warmup: int = 3, timer: Callable[[], float] = time.perf_counter) -> dict[str, list[float]]:
    """Seconds per call of each function in each of ``repeat`` rounds; within a round every function runs
    ``number`` timed calls, in an order that rotates from round to round, each run after one untimed call
    (so the run is in its own steady state, not in the state the previous function left). Runs of one
    round share the machine's conditions: ratios of them hold up when other load comes and goes."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    runs: dict[str, list[float]] = {name: [] for name in fns}
    items = list(fns.items())
    for r in range(repeat):
        for name, fn in items[r % len(items):] + items[:r % len(items)]:
            fn()
            t0 = timer()
            for _ in range(number):
                fn()
            runs[name].append((timer() - t0) / number)
    return runs


def median_time(fn: Callable[[], object], *, repeat: int = 7, number: int = 10, warmup: int = 3) -> float:
    """Seconds per call of ``fn``: median over ``repeat`` runs of ``number`` calls, after ``warmup`` calls."""
    return statistics.median(run_times(fn, repeat=repeat, number=number, warmup=warmup))


def fmt_time(seconds: float) -> str:
    """1.23 ms / 45.6 µs style."""
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def blas_info() -> str:
    """One line per BLAS thread pool (threadpoolctl, if installed), so numbers can be compared across machines."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed (BLAS threads unknown)"
    rows = [f"{p.get('internal_api')} {p.get('version')} threads={p.get('num_threads')} "
            f"arch={p.get('architecture')}" for p in threadpool_info()]
    return "; ".join(rows) or "no BLAS thread pool found"
