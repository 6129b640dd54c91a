"""Timing helpers shared by the bench scripts: warm up, then the median of repeated runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping


def median_time(fn: Callable[[], object], *, repeat: int = 7, number: int = 10, warmup: int = 3) -> float:
    """Seconds per call of ``fn``: median over ``repeat`` runs of ``number`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return statistics.median(runs)


def interleaved_medians(fns: Mapping[str, Callable[[], object]], *, repeat: int = 7, number: int = 10,
                        warmup: int = 3) -> dict[str, float]:
    """Seconds per call of each function, measured in alternation (run r of every fn before run r + 1 of any,
    the order rotating each round), so load from other processes and cache state hit all of them alike;
    median over ``repeat`` runs of ``number`` calls."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    runs: dict[str, list[float]] = {name: [] for name in fns}
    items = list(fns.items())
    for r in range(repeat):
        for name, fn in items[r % len(items):] + items[:r % len(items)]:
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            runs[name].append((time.perf_counter() - t0) / number)
    return {name: statistics.median(r) for name, r in runs.items()}


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
