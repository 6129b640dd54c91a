"""Runs that differ in one setting, from the same initial weights, and one landscape for all of them.

``run_variants(base, setting, values, iterations)`` trains 2 to 4 copies of ``base`` that differ only
in ``setting`` ("lr", "hidden_act", "optimizer" or "batch"). Every variant keeps the base seed and
init, so all start from the same parameters: the init draws depend only on the layer sizes, which no
allowed setting changes (so an activation variant starts from the same numbers too), and mini-batch
shuffles depend only on the seed.

Each variant is iterated with the session's pure kernel ``train_step`` and its divergence rule, so
its losses and parameters are bit-for-bit those of ``Session.replay(config, k)``, without the
session's per-iteration bookkeeping (history rows, layer health, checkpoints), which costs about
twice the step itself on a small network. A variant that diverges stops there and says why; that is
a result, not an error.

Batch values: "full", "single" or a whole number b (mini-batches of b samples); the pairs
("full", None), ("single", None) and ("mini", b) are accepted too.

``shared_plane(runs)`` is the PCA plane of all paths, centred on their common starting point, and
``shared_surface`` the loss over it for one run's network.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import FIELD_BY_NAME, Config
from .datasets import Dataset
from .landscape import Plane, default_range, loss_surface, pca_directions, project, surface_subsample
from .losses import LOSSES
from .network import Network
from .session import (
    Divergence,
    State,
    batch_size_of,
    dataset_for,
    divergence_of,
    initial_network,
    settings_of,
    train_step,
)
from .traces import frozen_copy

Array = np.ndarray

SETTINGS = ("lr", "hidden_act", "optimizer", "batch")
MIN_VARIANTS, MAX_VARIANTS = 2, 4
MAX_ITERATIONS = 5_000
PATH_BYTES = 1_000_000  # parameters kept per run for its path (a wide network keeps fewer points)
MAX_PATH_POINTS = 300
MIN_PATH_POINTS = 16
EVAL_POINTS, MIN_EVAL_POINTS = 100, 20  # whole-set evaluations per run
PROGRESS_TICKS = 25  # progress reports per run
# Cost model (measured on a 2-core Haswell, one BLAS thread): NumPy does about 5e9 multiply-adds a second on
# these matrices, and one iteration's Python bookkeeping takes about 0.2 ms, i.e. 1e6 multiply-adds' worth.
STEP_OVERHEAD_FLOPS = 1e6
SURFACE_FLOP_BUDGET = 2e9  # well under a second for the shared surface
MAX_RESOLUTION, MIN_RESOLUTION = 61, 11


@dataclass(frozen=True, eq=False)
class VariantRun:
    """One variant's run.

    iterations (m,) 1..m; losses (m,) the loss of iteration k's batch before its update (the
    history's 'loss' column). eval_iterations (e,), train_losses (e,), test_losses (e,): the whole
    training and test sets' losses before those iterations' updates (test NaN without a test set).
    path_iterations (t,) and trajectory (t, n_params): flat parameters (``Network.flatten`` layout)
    after those iterations, from 0 to the last one taken. net: the final network. diverged: why the
    run stopped early (the iteration it would have taken), or None.
    """

    label: str
    setting: str
    value: Any
    config: Config
    iterations: Array
    losses: Array
    eval_iterations: Array
    train_losses: Array
    test_losses: Array
    path_iterations: Array
    trajectory: Array
    net: Network
    diverged: Divergence | None

    @property
    def done(self) -> int:
        """Iterations taken."""
        return int(self.iterations.size)

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1]) if self.losses.size else math.nan


# -- values ------------------------------------------------------------------------------------
def batch_value(v: Any) -> str | int:
    """A batch value as "full", "single" or a mini-batch size (int >= 1); ValueError otherwise."""
    if isinstance(v, (tuple, list)) and len(v) == 2:
        mode, size = v
        if mode in ("full", "single") and size is None:
            return mode
        if mode == "mini":
            return batch_value(size)
        raise ValueError(f"A batch pair must be ('full', None), ('single', None) or ('mini', size); got {v!r}.")
    if v in ("full", "single"):
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and FIELD_BY_NAME["batch_size"].check(int(v)):
        return int(v)
    raise ValueError(f"A batch value must be 'full', 'single' or a mini-batch size from 1 to 1024; got {v!r}.")


def _value(setting: str, v: Any) -> Any:
    """The canonical form of one value of ``setting``; ValueError with a plain message if not allowed."""
    if setting == "batch":
        return batch_value(v)
    field = FIELD_BY_NAME[setting]
    if setting == "lr":
        ok = isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and field.check(float(v))
        if not ok:
            raise ValueError(f"A learning rate must be {field.describe}; got {v!r}.")
        return float(v)
    if not (isinstance(v, str) and field.check(v)):
        raise ValueError(f"{setting} must be {field.describe}; got {v!r}.")
    return v


def value_label(setting: str, value: Any) -> str:
    """A short English name for a value: 'lr 0.1', 'adam', 'tanh', 'full batch', 'batch 32'."""
    if setting == "lr":
        return f"lr {value:g}"
    if setting == "batch":
        return {"full": "full batch", "single": "one sample"}.get(value, f"batch {value}")
    return str(value)


def variant_config(base: Config, setting: str, value: Any) -> Config:
    """``base`` with one setting changed (batch: mode and, for mini-batches, size)."""
    if setting != "batch":
        return base.replace(**{setting: value})
    if value in ("full", "single"):
        return base.replace(batch=value)
    return base.replace(batch="mini", batch_size=int(value))


def check_request(base: Config, setting: str, values: Sequence, iterations: int) -> list:
    """The canonical values, or ValueError saying plainly what is wrong."""
    if setting not in SETTINGS:
        raise ValueError(f"The setting to vary must be one of {', '.join(SETTINGS)}; got {setting!r}.")
    values = list(values)
    if not MIN_VARIANTS <= len(values) <= MAX_VARIANTS:
        raise ValueError(f"Compare {MIN_VARIANTS} to {MAX_VARIANTS} values; got {len(values)}.")
    canon = [_value(setting, v) for v in values]
    for i, v in enumerate(canon):
        if v in canon[:i]:
            raise ValueError(f"Each value must differ from the others; {value_label(setting, v)!r} appears twice.")
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) \
            or not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be a whole number from 1 to {MAX_ITERATIONS}; got {iterations!r}.")
    if setting == "hidden_act" and not base.hidden:
        raise ValueError("This network has no hidden layer, so there is no hidden activation to vary.")
    return canon


# -- cost --------------------------------------------------------------------------------------
def iteration_cost(cfg: Config, n_features: int, n_outputs: int, n_train: int) -> float:
    """Multiply-adds of one iteration (forward, backward, update over the batch) plus Python overhead."""
    sizes = (n_features, *cfg.hidden, n_outputs)
    n_params = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    b = batch_size_of(settings_of(cfg), n_train)
    return 6.0 * n_params * b + STEP_OVERHEAD_FLOPS


def iteration_cap(base: Config, setting: str, values: Sequence, dataset: Dataset, budget: float) -> int:
    """The most iterations per variant whose summed cost over all variants fits ``budget`` (>= 1)."""
    canon = [_value(setting, v) for v in values]
    per = sum(iteration_cost(variant_config(base, setting, v), dataset.n_features, dataset.n_outputs,
                             dataset.n_train) for v in canon)
    return int(max(1, min(MAX_ITERATIONS, budget // max(per, 1.0))))


# -- running -----------------------------------------------------------------------------------
def _evaluate(net: Network, X: Array, Y: Array) -> float:
    """Whole-set loss as the session reports it (data loss + penalty); NaN for an empty set."""
    if X.shape[0] == 0:
        return math.nan
    return LOSSES[net.loss].value(net.forward(X).output, Y) + net.penalty()


def _eval_every(cfg: Config, ds: Dataset, iterations: int) -> int:
    """Evaluate the whole sets about EVAL_POINTS times, fewer (down to MIN_EVAL_POINTS) where that would
    cost more than the training itself (a wide network on many samples, stepping on one sample)."""
    b = batch_size_of(settings_of(cfg), ds.n_train)
    full = b >= ds.n_train
    sizes = (ds.n_features, *cfg.hidden, ds.n_outputs)
    n_params = sum(a * c + c for a, c in zip(sizes, sizes[1:]))
    per_eval = 2.0 * n_params * (ds.n_test + (0 if full else ds.n_train)) + 1.0
    affordable = iterations * iteration_cost(cfg, ds.n_features, ds.n_outputs, ds.n_train) / per_eval
    points = int(np.clip(affordable, MIN_EVAL_POINTS, EVAL_POINTS))
    return max(1, math.ceil(iterations / points))


def _path_stride(n_params: int, iterations: int) -> int:
    points = int(np.clip(PATH_BYTES // (8 * n_params), MIN_PATH_POINTS, MAX_PATH_POINTS))
    return max(1, math.ceil(iterations / points))


def run_one(cfg: Config, ds: Dataset, iterations: int, label: str = "", setting: str = "", value: Any = None,
            progress: Callable[[int], None] | None = None) -> VariantRun:
    """Train ``cfg`` for up to ``iterations`` on ``ds`` (see VariantRun); ``progress(k)`` is called
    every few iterations with the number taken so far."""
    settings = settings_of(cfg)
    net = initial_network(cfg, ds.n_features, ds.n_outputs, settings)
    state = State(0, 0, 0, net, settings.make_optimizer().init(net), settings.optimizer)
    X, Y = ds.X_train, ds.Y_train
    every, stride = _eval_every(cfg, ds, iterations), _path_stride(net.spec.n_params, iterations)
    tick = max(1, iterations // PROGRESS_TICKS)
    full = batch_size_of(settings, ds.n_train) >= ds.n_train
    test_is_train = np.array_equal(ds.X_test, X) and np.array_equal(ds.Y_test, Y)  # e.g. the four XOR points
    losses = np.full(iterations, np.nan)
    evals: list[tuple[int, float, float]] = []
    path_its, path = [0], [net.flatten()]
    diverged = None
    with np.errstate(all="ignore"):
        for k in range(1, iterations + 1):
            if k == 1 or k % every == 0 or k == iterations:
                train = math.nan if full else _evaluate(state.net, X, Y)  # full batch: the step's own loss
                test = math.nan if test_is_train else _evaluate(state.net, ds.X_test, ds.Y_test)
                evals.append((k, train, test))
            rec, nxt = train_step(state, settings, X, Y, cfg.seed)
            code = divergence_of(rec)
            if code is not None:
                diverged = Divergence(k, code, settings.lr)
                evals = [e for e in evals if e[0] < k]
                break
            losses[k - 1], state = rec.backward.loss, nxt
            if k % stride == 0 or k == iterations:
                path_its.append(k)
                path.append(state.net.flatten())
            if progress is not None and k % tick == 0:
                progress(k)
    done = state.iteration
    if path_its[-1] != done:  # a diverged run's last good parameters
        path_its.append(done)
        path.append(state.net.flatten())
    ev = np.array(evals, dtype=float).reshape(-1, 3)
    if full:
        ev[:, 1] = losses[ev[:, 0].astype(int) - 1]
    if test_is_train:
        ev[:, 2] = ev[:, 1]
    arrays = (np.arange(1, done + 1), losses[:done], ev[:, 0], ev[:, 1], ev[:, 2], path_its, np.stack(path))
    return VariantRun(label, setting, value, cfg, *map(frozen_copy, arrays), state.net, diverged)


def run_variants(base: Config, setting: str, values: Sequence, iterations: int, dataset: Dataset | None = None,
                 progress: Callable[[float], None] | None = None) -> list[VariantRun]:
    """Train ``base`` with ``setting`` set to each of ``values`` (2 to 4, all different) for up to
    ``iterations`` each, from the same initial parameters. ``dataset`` defaults to the one ``base``
    names (pass it for CSV data). ``progress(fraction)`` reports the share of iterations done.
    Raises ValueError for an unknown setting, a value it cannot take, or too few or many values."""
    canon = check_request(base, setting, values, iterations)
    if dataset is None:
        if base.dataset == "csv":
            raise ValueError("Pass the dataset for CSV data.")
        dataset = dataset_for(base)
    configs = [variant_config(base, setting, v) for v in canon]
    for cfg in configs:  # validate every variant before any work
        initial_network(cfg, dataset.n_features, dataset.n_outputs)
    total = len(configs) * iterations
    runs = []
    for i, (cfg, v) in enumerate(zip(configs, canon)):
        report = None if progress is None else (lambda k, i=i: progress((i * iterations + k) / total))
        runs.append(run_one(cfg, dataset, iterations, value_label(setting, v), setting, v, report))
    if progress is not None:
        progress(1.0)
    return runs


def base_index(runs: Sequence[VariantRun], base: Config) -> int:
    """The run whose config is ``base`` (the sidebar's), else 0."""
    return next((i for i, r in enumerate(runs) if r.config == base), 0)


# -- one plane for all runs ----------------------------------------------------------------------
def shared_plane(runs: Sequence[VariantRun]) -> tuple[Plane, list[Array]]:
    """(plane, coords): the PCA plane of all runs' paths and each run's path in it ((t_i, 2) each).

    The origin is the common initial point, so every run starts exactly at (0, 0) and the
    directions are the two along which the runs moved farthest from where they all began (PCA of
    the paths' offsets from that point, ``pca_directions``'s convention with the start as the
    reference instead of a final point). Runs that diverged are left out of the PCA unless all did:
    their last parameters can be orders of magnitude away and would take over both directions.
    ``plane.explained`` sums the shares of the included runs' squared distance from the start that
    the plane shows. Signs put the first included run's end at non-negative coordinates.
    """
    if not runs:
        raise ValueError("Need at least one run.")
    start = runs[0].trajectory[0]
    if any(not np.array_equal(r.trajectory[0], start) for r in runs):
        raise ValueError("The runs do not start from the same parameters.")
    tame = [r for r in runs if r.diverged is None] or list(runs)
    rows = [tame[0].trajectory[::-1]] + [r.trajectory for r in tame[1:]] + [start[None, :]]
    pca = pca_directions(np.concatenate(rows))  # reference = last row = the start
    plane = Plane(pca.d1, pca.d2, start, "pca", pca.explained, pca.fallback)
    return plane, [project(plane, r.trajectory) for r in runs]


@dataclass(frozen=True, eq=False)
class SharedSurface:
    """S (len(betas), len(alphas)) over ``plane`` for runs[base]'s network; subsampled: whether the
    loss used a subsample of the training set (``surface_subsample``)."""

    alphas: Array
    betas: Array
    S: Array
    base: int
    subsampled: bool


def surface_resolution(net: Network, n_rows: int, budget: float = SURFACE_FLOP_BUDGET) -> int:
    """Grid points per axis so the surface's forward passes fit ``budget`` multiply-adds."""
    per_point = 2.0 * net.spec.n_params * max(1, n_rows)
    return int(np.clip(math.isqrt(int(budget // per_point)), MIN_RESOLUTION, MAX_RESOLUTION))


def shared_surface(runs: Sequence[VariantRun], plane: Plane, coords: Sequence[Array], dataset: Dataset,
                   base: int = 0, resolution: int | None = None) -> SharedSurface:
    """The training loss over the shared plane, for runs[base]'s network (the spec of its config:
    activations, loss, regularisation; the parameters come from the plane). The range frames the
    paths of the runs that did not diverge (all paths if every run did)."""
    net = runs[base].net
    Xs, Ys, sub = surface_subsample(dataset.X_train, dataset.Y_train)
    framed = [c for r, c in zip(runs, coords) if r.diverged is None] or list(coords)
    (a0, a1), (b0, b1) = default_range(plane, np.concatenate(framed))
    n = resolution or surface_resolution(net, Xs.shape[0])
    alphas, betas = np.linspace(a0, a1, n), np.linspace(b0, b1, n)
    S = loss_surface(net, Xs, Ys, plane.d1, plane.d2, alphas, betas, origin=plane.origin)
    return SharedSurface(frozen_copy(alphas), frozen_copy(betas), S, base, sub)


__all__ = [
    "MAX_ITERATIONS", "MAX_VARIANTS", "MIN_VARIANTS", "SETTINGS", "SharedSurface", "VariantRun", "base_index",
    "batch_value", "check_request", "iteration_cap", "iteration_cost", "run_one", "run_variants", "shared_plane",
    "shared_surface", "surface_resolution", "value_label", "variant_config",
]
