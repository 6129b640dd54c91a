"""Benchmark: one training iteration of backprop_core (with every trace kept) against a bare NumPy
loop of the same network in the style of the seed articles (Nielsen, typical blog posts), both
timed in the same run.

    python bench/bench_core.py            # 21 rounds
    python bench/bench_core.py --quick    # 5 rounds (smoke run)
    python bench/bench_core.py --cpu      # CPU time instead of wall clock

Cases: (a) digits 64-128-10 sigmoid, MSE, SGD, full batch over the training split; (b) XOR 2-3-1
sigmoid, MSE, SGD, full batch; (c) MNIST 784-100-10 ReLU, softmax + cross-entropy, SGD, the mnist
preset's 64-sample mini-batches (each loop takes the next batch of one fixed shuffle, X[idx], as
the session does); (d) the same network full batch over the 4,000 training images. "core" is
net.forward + net.backward + SGD.step through the public API (what Session's train_step does);
"session" is Session.step with its history, checkpoint and evaluation bookkeeping. Both loops keep
their last iteration's arrays until the next one replaces them, as a ``for`` loop does (that decides
how often glibc returns heap memory and page-faults it back: a loop whose temporaries all die at
once pays ~1400 page faults per digits iteration).

Each round times every loop once, in rotating order; the goal ratio core / bare is the median over
rounds of that round's ratio, which holds up when other load on the machine comes and goes.
Goals: digits <= 1.0, XOR <= 2.0, MNIST mini-batch <= 1.05 (full batch: no goal, printed). BLAS
runs single-threaded unless OPENBLAS_NUM_THREADS is set (as in bench_landscape.py).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads BLAS: time the algorithm, not thread contention

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import blas_info, fmt_time, interleaved_runs  # noqa: E402

import backprop_core as bp  # noqa: E402

GOALS = {"digits": 1.0, "xor": 2.0, "mnist": 1.05, "mnist-full": None}
KINDS = ("bare", "core", "session")


@dataclass(frozen=True)
class Case:
    name: str
    config: bp.Config
    dataset: bp.Dataset
    number: int  # calls per timed run
    batch: int | None = None  # mini-batch size (None: full batch)

    @property
    def softmax(self) -> bool:
        return self.config.output_act == "softmax"


def make_case(name: str) -> Case:
    if name == "digits":
        cfg = bp.PRESETS["digits"]
        assert (cfg.hidden, cfg.hidden_act, cfg.output_act, cfg.loss, cfg.optimizer, cfg.batch) == (
            (128,), "sigmoid", "sigmoid", "mse", "sgd", "full")
        return Case("digits", cfg, bp.make_dataset("digits", test_ratio=0.2), 5)
    if name.startswith("mnist"):
        cfg = bp.PRESETS["mnist"]
        assert (cfg.hidden, cfg.hidden_act, cfg.output_act, cfg.loss, cfg.optimizer, cfg.batch, cfg.batch_size) == (
            (100,), "relu", "softmax", "ce", "sgd", "mini", 64)
        ds = bp.make_dataset("mnist", test_ratio=0.2)
        if name == "mnist-full":
            return Case(name, cfg.replace(batch="full"), ds, 2)
        return Case(name, cfg, ds, 50, batch=64)
    return Case("xor", bp.PRESETS["xor"], bp.make_dataset("xor"), 500)


def batches(case: Case) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    """The next (X, Y) batch: the whole training set, or the next 64 rows of one fixed shuffle, taken
    with X[idx] as Session's train_step takes them (a fresh copy each iteration)."""
    X, Y = case.dataset.X_train, case.dataset.Y_train
    if case.batch is None:
        return lambda: (X, Y)
    order = np.random.default_rng(0).permutation(X.shape[0])
    idx = [order[i:i + case.batch] for i in range(0, len(order) - case.batch + 1, case.batch)]
    k = -1

    def nxt() -> tuple[np.ndarray, np.ndarray]:
        nonlocal k
        k = (k + 1) % len(idx)
        return X[idx[k]], Y[idx[k]]

    return nxt


def cases() -> list[Case]:
    return [make_case(name) for name in GOALS]


# -- the reference: a bare loop as the articles write it (no traces, in-place updates) -----------
def bare_loop(net: bp.Network, data: Callable[[], tuple[np.ndarray, np.ndarray]], lr: float) -> Callable[[], float]:
    """One iteration of a 1-hidden-layer sigmoid/MSE network, Nielsen style, on private copies.
    Its variables live until the next iteration rebinds them, as in the articles' ``for`` loop."""
    W1, W2 = (w.copy() for w in net.weights)
    b1, b2 = (b.copy() for b in net.biases)
    X = Y = z1 = a1 = z2 = a2 = delta1 = delta2 = None

    def step() -> float:
        nonlocal W1, b1, W2, b2, X, Y, z1, a1, z2, a2, delta1, delta2  # weights are updated in place, as there
        X, Y = data()
        n = X.shape[0]
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


def bare_softmax_loop(net: bp.Network, data: Callable[[], tuple[np.ndarray, np.ndarray]],
                      lr: float) -> Callable[[], float]:
    """One iteration of the articles' DenseLayer(784, 100) -> ReLU -> DenseLayer(100, 10) -> softmax with
    cross-entropy, written out (the softmax + CE gradient (a - y) / n), weights updated in place."""
    W1, W2 = (w.copy() for w in net.weights)
    b1, b2 = (b.copy() for b in net.biases)
    X = Y = z1 = a1 = z2 = a2 = delta1 = delta2 = None

    def step() -> float:
        nonlocal W1, b1, W2, b2, X, Y, z1, a1, z2, a2, delta1, delta2
        X, Y = data()
        n = X.shape[0]
        z1 = X @ W1 + b1
        a1 = np.maximum(z1, 0.0)
        z2 = a1 @ W2 + b2
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        a2 = e / e.sum(axis=1, keepdims=True)
        loss = -np.sum(Y * np.log(np.clip(a2, 1e-12, None))) / n
        delta2 = (a2 - Y) / n
        delta1 = (delta2 @ W2.T) * (z1 > 0)
        W2 -= lr * (a1.T @ delta2)
        b2 -= lr * delta2.sum(axis=0)
        W1 -= lr * (X.T @ delta1)
        b1 -= lr * delta1.sum(axis=0)
        return float(loss)

    return step


def core_loop(net: bp.Network, data: Callable[[], tuple[np.ndarray, np.ndarray]], lr: float) -> Callable[[], float]:
    """One iteration through the public API, every z, a, dA, dZ, dW, db kept as a read-only trace.
    Each trace lives until the next iteration's replaces it, exactly as in the loop
    ``for _ in ...: fwd = net.forward(X); bwd = net.backward(fwd, Y); net, st = opt.step(net, bwd, st)``.
    A mini-batch is handed over as train_step hands it: the fresh X[idx], marked read-only (no copy)."""
    opt = bp.SGD(lr)
    st, fwd, bwd = opt.init(net), None, None

    def step() -> float:
        nonlocal net, st, fwd, bwd
        X, Y = data()
        if X.flags.writeable:
            X.setflags(write=False)  # train_step's frozen(X[idx]): the batch is the trace's own copy
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
    bare, core = loop_of(case, "bare"), loop_of(case, "core")
    return max(abs(bare() - (c := core())) / abs(c) for _ in range(5))


def loop_of(case: Case, kind: str) -> Callable[[], object]:
    """The function one call of which is one iteration of ``kind``, from the preset's initial network."""
    if kind == "session":
        return session_loop(case)
    s = bp.Session(case.config, case.dataset)
    make = core_loop if kind == "core" else bare_softmax_loop if case.softmax else bare_loop
    return make(s.net, batches(case), case.config.lr)


def run(repeat: int, cpu: bool = False) -> dict[str, dict[str, float]]:
    """Per case: median seconds per iteration of each loop, and the median per-round ratios to bare."""
    results = {}
    for case in cases():
        runs = interleaved_runs({kind: loop_of(case, kind) for kind in KINDS}, repeat=repeat, number=case.number,
                                warmup=case.number, timer=time.process_time if cpu else time.perf_counter)
        t = {kind: statistics.median(r) for kind, r in runs.items()}
        for kind in ("core", "session"):
            t[f"{kind}/bare"] = statistics.median(k / b for k, b in zip(runs[kind], runs["bare"]))
        t["diff"] = check_same_math(case)
        results[case.name] = t
    return results


def report(results: dict[str, dict[str, float]]) -> list[str]:
    lines = []
    for name, t in results.items():
        core, sess, goal = t["core/bare"], t["session/bare"], GOALS[name]
        verdict = "no goal" if goal is None else f"goal <= {goal:g}, {'ok' if core <= goal else 'MISSED'}"
        lines.append(f"{name:10s} bare {fmt_time(t['bare']):>9s}  core {fmt_time(t['core']):>9s}  "
                     f"session {fmt_time(t['session']):>9s}  core/bare {core:5.3f} ({verdict})"
                     f"  session/bare {sess:5.2f}  loss diff {t['diff']:.1e}")
    return lines


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 21 (smoke run)")
    parser.add_argument("--cpu", action="store_true",
                        help="time CPU (process_time) instead of wall clock: steadier on a busy machine")
    args = parser.parse_args(argv)
    clock = "CPU time (process_time)" if args.cpu else "wall clock (perf_counter)"
    print(f"NumPy {np.__version__}; BLAS: {blas_info()}; {clock}")
    results = run(5 if args.quick else 21, args.cpu)
    print("\n".join(report(results)))
    return results


if __name__ == "__main__":
    main()
