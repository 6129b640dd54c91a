"""Benchmark: one training iteration of backprop_core (with every trace kept) against a bare NumPy
loop of the same network in the style of the seed articles (Nielsen, typical blog posts), both
timed in the same run.

    python bench/bench_core.py            # median of 15 interleaved runs
    python bench/bench_core.py --quick    # median of 3 (smoke run)

Cases: (a) digits 64-128-10 sigmoid, MSE, SGD, full batch over the training split; (b) XOR 2-3-1
sigmoid, MSE, SGD, full batch. "core" is net.forward + net.backward + SGD.step through the public
API (what Session's train_step does); "session" is Session.step with its history, checkpoint and
evaluation bookkeeping. Ratios are core / bare; goals: digits <= 1.0, XOR <= 2.0. BLAS runs
single-threaded unless OPENBLAS_NUM_THREADS is set (as in bench_landscape.py); the pool is printed.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads BLAS: time the algorithm, not thread contention

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import blas_info, fmt_time, interleaved_medians  # noqa: E402

import backprop_core as bp  # noqa: E402

GOALS = {"digits": 1.0, "xor": 2.0}


@dataclass(frozen=True)
class Case:
    name: str
    config: bp.Config
    dataset: bp.Dataset
    number: int  # calls per timed run


def cases() -> list[Case]:
    digits = bp.PRESETS["digits"]
    assert (digits.hidden, digits.hidden_act, digits.output_act, digits.loss, digits.optimizer, digits.batch) == (
        (128,), "sigmoid", "sigmoid", "mse", "sgd", "full")
    xor = bp.PRESETS["xor"]
    return [
        Case("digits", digits, bp.make_dataset("digits", test_ratio=0.2), 5),
        Case("xor", xor, bp.make_dataset("xor"), 500),
    ]


# -- the reference: a bare loop as the articles write it (no traces, in-place updates) -----------
def bare_loop(net: bp.Network, X: np.ndarray, Y: np.ndarray, lr: float) -> Callable[[], float]:
    """One iteration of a 1-hidden-layer sigmoid/MSE network, Nielsen style, on private copies."""
    W1, W2 = (w.copy() for w in net.weights)
    b1, b2 = (b.copy() for b in net.biases)
    n = X.shape[0]

    def step() -> float:
        nonlocal W1, b1, W2, b2  # updated in place, as the articles do
        z1 = X @ W1 + b1
        a1 = 1.0 / (1.0 + np.exp(-z1))
        z2 = a1 @ W2 + b2
        a2 = 1.0 / (1.0 + np.exp(-z2))
        loss = 0.5 * np.sum((a2 - Y) ** 2) / n
        delta2 = (a2 - Y) * a2 * (1 - a2) / n
        delta1 = (delta2 @ W2.T) * a1 * (1 - a1)
        W2 -= lr * (a1.T @ delta2)
        b2 -= lr * delta2.sum(axis=0)
        W1 -= lr * (X.T @ delta1)
        b1 -= lr * delta1.sum(axis=0)
        return float(loss)

    return step


def core_loop(net: bp.Network, X: np.ndarray, Y: np.ndarray, lr: float) -> Callable[[], float]:
    """One iteration through the public API, every z, a, dA, dZ, dW, db kept as a read-only trace.
    Each trace lives until the next iteration's replaces it, exactly as in the loop
    ``for _ in ...: fwd = net.forward(X); bwd = net.backward(fwd, Y); net, st = opt.step(net, bwd, st)``."""
    opt = bp.SGD(lr)
    st, fwd, bwd = opt.init(net), None, None

    def step() -> float:
        nonlocal net, st, fwd, bwd
        fwd = net.forward(X)
        bwd = net.backward(fwd, Y)
        net, st = opt.step(net, bwd, st)
        return bwd.loss

    return step


def session_loop(case: Case) -> Callable[[], object]:
    s = bp.Session(case.config, case.dataset)
    return s.step


def check_same_math(case: Case) -> float:
    """Both loops compute the same losses (to rounding) for a few iterations: max relative difference."""
    s = bp.Session(case.config, case.dataset)
    X, Y = case.dataset.X_train, case.dataset.Y_train
    bare, core = bare_loop(s.net, X, Y, case.config.lr), core_loop(s.net, X, Y, case.config.lr)
    return max(abs(bare() - (c := core())) / abs(c) for _ in range(5))


def run(repeat: int) -> dict[str, dict[str, float]]:
    results = {}
    for case in cases():
        s = bp.Session(case.config, case.dataset)
        X, Y, lr = case.dataset.X_train, case.dataset.Y_train, case.config.lr
        fns = {"bare": bare_loop(s.net, X, Y, lr), "core": core_loop(s.net, X, Y, lr), "session": session_loop(case)}
        timings = interleaved_medians(fns, repeat=repeat, number=case.number)
        timings["diff"] = check_same_math(case)
        results[case.name] = timings
    return results


def report(results: dict[str, dict[str, float]]) -> list[str]:
    lines = []
    for name, t in results.items():
        core, sess = t["core"] / t["bare"], t["session"] / t["bare"]
        ok = "ok" if core <= GOALS[name] else "MISSED"
        lines.append(f"{name:7s} bare {fmt_time(t['bare']):>9s}  core {fmt_time(t['core']):>9s}  "
                     f"session {fmt_time(t['session']):>9s}  core/bare {core:5.2f} (goal <= {GOALS[name]:.1f}, {ok})"
                     f"  session/bare {sess:5.2f}  loss diff {t['diff']:.1e}")
    return lines


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 15 (smoke run)")
    args = parser.parse_args(argv)
    print(f"NumPy {np.__version__}; BLAS: {blas_info()}")
    results = run(3 if args.quick else 15)
    print("\n".join(report(results)))
    return results


if __name__ == "__main__":
    main()
