"""Benchmark: ``loss_surface`` (vectorised over the grid) against the naive loop that builds one
Network per grid point (``net.unflatten(v).loss_value(X, Y)``), both timed in the same run.

    python bench/bench_landscape.py            # best of 5
    python bench/bench_landscape.py --quick    # best of 1 (smoke run)

Prints one line per case with both times and the speed-up; goals: >= 20x on the worked 2-2-2
example at 61x61, >= 2x on digits 64-32-10 (relu/softmax/ce, 512 samples, 25x25, random
filter-normalised directions), and MNIST 784-100-10 (the mnist preset's initial network, 1,000
training images, 25x25, random filter-normalised directions) in at most 2 s of wall clock (the
issue's goal; its speed-up over the naive loop is printed beside it). BLAS runs single-threaded
unless OPENBLAS_NUM_THREADS is set, so the ratio measures the algorithm, not how two BLAS threads
fare against other load on the machine.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads BLAS

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from backprop_core import Network, make_dataset  # noqa: E402
from backprop_core.landscape import (  # noqa: E402
    loss_surface,
    param_directions,
    param_index,
    random_directions,
    surface_subsample,
)
from backprop_core.presets import WORKED_BIASES, WORKED_WEIGHTS  # noqa: E402


@dataclass(frozen=True)
class Case:
    name: str
    net: Network
    X: np.ndarray
    Y: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    alphas: np.ndarray
    betas: np.ndarray
    goal: float | None
    max_seconds: float | None = None  # an absolute goal for the surface's time, where the issue sets one


def naive_surface(c: Case) -> np.ndarray:
    """The baseline: one Network and one forward pass per grid point."""
    theta = c.net.flatten()
    return np.array([[c.net.unflatten(theta + a * c.d1 + b * c.d2).loss_value(c.X, c.Y) for a in c.alphas]
                     for b in c.betas])


def best_time(fn: Callable[[], np.ndarray], repeats: int) -> tuple[float, np.ndarray]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def worked_case() -> Case:
    net = Network([2, 2, 2], ["sigmoid", "sigmoid"], weights=WORKED_WEIGHTS, biases=WORKED_BIASES)
    d1, d2 = param_directions(net, param_index(net, 1, "W", 0, 0), param_index(net, 1, "W", 1, 0))
    g = np.linspace(-2.0, 2.0, 61)
    return Case("worked 2-2-2 sigmoid/mse, (w5, w6)", net, np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]),
                d1, d2, g, g, 20.0)


def digits_case() -> Case:
    ds = make_dataset("digits")
    X, Y, _ = surface_subsample(ds.X_train, ds.Y_train, max_n=512, seed=0)
    net = Network([64, 32, 10], ["relu", "softmax"], loss="ce", init="he", seed=0)
    d1, d2 = random_directions(net, 1)
    g = np.linspace(-1.0, 1.0, 25)
    return Case("digits 64-32-10 relu/softmax/ce, random", net, X, Y, d1, d2, g, g, 2.0)


def mnist_case() -> Case:
    from backprop_core import Session
    from backprop_core.presets import PRESETS

    s = Session(PRESETS["mnist"])
    X, Y, _ = surface_subsample(s.dataset.X_train, s.dataset.Y_train, max_n=1000, seed=0)
    d1, d2 = random_directions(s.net, 1)
    g = np.linspace(-1.0, 1.0, 25)
    return Case("mnist 784-100-10 relu/softmax/ce, random", s.net, X, Y, d1, d2, g, g, None, 2.0)


def spirals_case() -> Case:
    ds = make_dataset("spirals", n_samples=400, noise=0.1, seed=0, standardize=True)
    net = Network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], loss="bce", seed=0)
    d1, d2 = random_directions(net, 2)
    g = np.linspace(-1.0, 1.0, 41)
    return Case("spirals 2-8-8-1 tanh/sigmoid/bce, random", net, ds.X_train, ds.Y_train, d1, d2, g, g, None)


def run_case(c: Case, repeats: int) -> dict[str, float]:
    t_fast, fast = best_time(lambda: loss_surface(c.net, c.X, c.Y, c.d1, c.d2, c.alphas, c.betas), repeats)
    t_naive, naive = best_time(lambda: naive_surface(c), max(1, repeats // 2))
    rel = float(np.max(np.abs(fast - naive) / np.abs(naive)))
    return {"naive": t_naive, "fast": t_fast, "ratio": t_naive / t_fast, "rel": rel}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat per timing (smoke run)")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 5
    print(f"loss_surface vs naive per-point loop (best of {repeats}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')})")
    print(f"{'case':44s} {'grid':>7s} {'n':>5s} {'naive ms':>9s} {'surface ms':>10s} {'speed-up':>9s} "
          f"{'goal':>6s} {'max rel diff':>12s}")
    missed = 0
    timed = []
    for c in (worked_case(), digits_case(), spirals_case(), mnist_case()):
        r = run_case(c, repeats)
        goal = f">={c.goal:g}x" if c.goal else "-"
        ok = c.goal is None or r["ratio"] >= c.goal
        missed += not ok
        print(f"{c.name:44s} {len(c.alphas):>3d}x{len(c.betas):<3d} {c.X.shape[0]:>5d} {1e3 * r['naive']:9.1f} "
              f"{1e3 * r['fast']:10.2f} {r['ratio']:8.1f}x {goal:>6s} {r['rel']:12.1e}"
              + ("" if ok else "  (below goal)"))
        if c.max_seconds is not None:
            timed.append((c, r["fast"]))
    for c, seconds in timed:
        ok = seconds <= c.max_seconds
        missed += not ok
        print(f"{c.name}: surface {seconds:.2f} s (goal <= {c.max_seconds:g} s: {'met' if ok else 'MISSED'})")
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
