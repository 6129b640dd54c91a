"""A training run a classroom can step through: one iteration, or one phase of it, at a time.

The math is one pure kernel, ``train_step(state, settings, data) -> (StepRecord, State)``; the
Session only does bookkeeping around it (cursor, checkpoints, history, settings changes), so
replaying the same config and seed gives the same bits and stepping back is exact.

What changes mid-run:
- learning rate, optimizer parameters, batch mode/size, regularisation, train-biases: apply from
  the next iteration (an iteration already being walked phase by phase finishes with the old ones);
- optimizer: as above, with a fresh optimizer state (momentum / Adam moments start at zero);
- activations and loss: the weights are kept, the new functions apply from the next iteration;
- sizes, dataset (and its noise, size, split), init or seed: a new run from iteration 0.
Every such change is logged as a segment, so replay and step-back reproduce runs with changes too.

Memory is bounded however long it plays: history keeps at most ``MAX_HISTORY_ROWS`` rows (older
rows are thinned two to one past that), and parameter checkpoints (``checkpoints.Checkpoints``) are
capped by ``CHECKPOINT_BUDGET_BYTES`` (dense for the last iterations, thinned with doubling stride before).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from . import checkpoints as ckpt
from .config import Config
from .datasets import Dataset, classification_accuracy, make_dataset
from .losses import LOSSES
from .network import Network, NetworkSpec
from .optimizers import OptState, make_optimizer
from .presets import WORKED_BIASES, WORKED_WEIGHTS
from .traces import BackwardTrace, ForwardTrace, Update, frozen, frozen_copy

Array = np.ndarray

MAX_HISTORY_ROWS = 50_000
CHECKPOINT_BUDGET_BYTES = ckpt.CHECKPOINT_BUDGET_BYTES  # each session's checkpoints; see checkpoints.py
EXPLODED = 1e8  # a parameter or loss this large counts as diverged before it overflows


# -- records ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """What may change mid-run without starting over."""

    activations: tuple[str, ...]
    loss: str
    regularization: str
    reg_rate: float
    train_biases: bool
    optimizer: str
    lr: float
    beta: float
    beta1: float
    beta2: float
    eps: float
    batch: str
    batch_size: int

    def make_optimizer(self):
        return make_optimizer(self.optimizer, self.lr, self.beta, self.beta1, self.beta2, self.eps)

    def spec_fields(self) -> dict:
        """The fields a network's spec takes from these settings (keyword arguments of Network)."""
        return {f: getattr(self, f) for f in SPEC_FIELDS}

    def spec_for(self, spec: NetworkSpec) -> NetworkSpec:
        """``spec`` with these settings' activations, loss, regularisation and bias training (the same
        object when nothing differs). Raises ValueError for a combination the network cannot take."""
        if all(getattr(spec, f) == getattr(self, f) for f in SPEC_FIELDS):
            return spec
        return replace(spec, **self.spec_fields())

    def network_for(self, net: Network) -> Network:
        """``net``'s parameters under these settings' spec (``net`` itself when nothing differs)."""
        spec = self.spec_for(net.spec)
        return net if spec is net.spec else Network._from(spec, net.weights, net.biases, owned=True)


SPEC_FIELDS = ("activations", "loss", "regularization", "reg_rate", "train_biases")


RUN_FIELDS = ("dataset", "n_samples", "noise", "test_ratio", "standardize", "hidden", "init", "seed")


def settings_of(cfg: Config) -> Settings:
    acts = (cfg.hidden_act,) * len(cfg.hidden) + (cfg.output_act,)
    return Settings(acts, cfg.loss, cfg.reg, cfg.reg_rate, cfg.train_biases, cfg.optimizer, cfg.lr, cfg.beta,
                    cfg.beta1, cfg.beta2, cfg.eps, cfg.batch, cfg.batch_size)


def run_key(cfg: Config) -> tuple:
    """The fields whose change starts a new run."""
    return tuple(getattr(cfg, f) for f in RUN_FIELDS)


@dataclass(frozen=True)
class State:
    """Everything that evolves: after ``iteration`` iterations, ``epoch`` full passes done and
    ``pos`` samples into the current pass."""

    iteration: int
    epoch: int
    pos: int
    net: Network
    opt_state: OptState
    opt_name: str


@dataclass(frozen=True)
class StepRecord:
    """One iteration: which samples, the traces, the update, and the settings it used."""

    iteration: int  # 1-based: the state after this record has state.iteration == iteration
    epoch: int
    batch: Array  # indices into the training set (read-only)
    Y: Array  # (b, n_out) targets of the batch
    forward: ForwardTrace
    backward: BackwardTrace
    update: Update
    settings: Settings

    @property
    def loss_before(self) -> float:
        return self.backward.loss


@dataclass(frozen=True)
class Phase:
    """kind: forward | loss | backward | update; layer: 0-based weight layer (None for loss/update)."""

    kind: str
    layer: int | None = None


def phases_for(n_layers: int) -> tuple[Phase, ...]:
    """forward 1..L, loss, backward L..1, update."""
    return (tuple(Phase("forward", i) for i in range(n_layers)) + (Phase("loss"),)
            + tuple(Phase("backward", i) for i in reversed(range(n_layers))) + (Phase("update"),))


@dataclass(frozen=True)
class Divergence:
    """Training stopped at ``iteration`` (the one that would have been taken) for ``code``:
    'nonfinite_loss' | 'nonfinite_params' | 'exploded'."""

    iteration: int
    code: str
    lr: float

    @property
    def message(self) -> str:
        what = {"nonfinite_loss": "the loss became infinite or NaN",
                "nonfinite_params": "a weight became infinite or NaN",
                "exploded": f"the loss or a weight grew past {EXPLODED:g}"}[self.code]
        return (f"Training stopped at iteration {self.iteration}: {what}. The learning rate "
                f"({self.lr:g}) is most likely too large; try a smaller one, then Reset or Back.")


# -- pure kernels -------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _perm(seed: int, epoch: int, n: int) -> Array:
    return frozen(np.random.default_rng([seed, epoch, n]).permutation(n))


def batch_size_of(settings: Settings, n: int) -> int:
    if settings.batch == "full":
        return n
    if settings.batch == "single":
        return 1
    return max(1, min(settings.batch_size, n))


def flops_per_iteration(settings: Settings, n_params: int, n: int) -> float:
    """Multiply-adds of one iteration on n training rows: forward, backward and update over the batch."""
    return 6.0 * n_params * batch_size_of(settings, n) + 1.0


def next_batch(state: State, settings: Settings, n: int, seed: int) -> tuple[Array | None, int, int]:
    """(indices or None for the whole set in order, epoch after, pos after); reshuffled each epoch."""
    b = batch_size_of(settings, n)
    if b >= n and state.pos == 0:
        return None, state.epoch + 1, 0
    idx = _perm(seed, state.epoch, n)[state.pos:state.pos + b]
    pos = state.pos + len(idx)
    if pos >= n:
        return idx, state.epoch + 1, 0
    return idx, state.epoch, pos


def train_step(state: State, settings: Settings, X: Array, Y: Array, seed: int) -> tuple[StepRecord, State]:
    """One full iteration (forward, loss, backward, update) as a pure function of its inputs."""
    net = settings.network_for(state.net)
    opt = settings.make_optimizer()
    opt_state = state.opt_state if state.opt_name == settings.optimizer else opt.init(net)
    idx, epoch, pos = next_batch(state, settings, X.shape[0], seed)
    # a mini-batch is a fresh copy nobody else holds: marked read-only, the trace keeps it without copying
    xb, yb = (X, Y) if idx is None else (frozen(X[idx]), frozen(Y[idx]))
    fwd = net.forward(xb)
    bwd = net.backward(fwd, yb)
    new_net, new_opt = opt.step(net, bwd, opt_state)
    upd = Update(net.weights, net.biases, tuple(lb.dW for lb in bwd.layers), tuple(lb.db for lb in bwd.layers),
                 tuple(frozen(n - o) for n, o in zip(new_net.weights, net.weights)),
                 tuple(frozen(n - o) for n, o in zip(new_net.biases, net.biases)),
                 new_net.weights, new_net.biases, settings.lr, settings.optimizer)
    batch = frozen(np.arange(X.shape[0]) if idx is None else np.array(idx))
    rec = StepRecord(state.iteration + 1, state.epoch, batch, frozen_copy(yb) if idx is None else yb, fwd, bwd, upd,
                     settings)
    return rec, State(state.iteration + 1, epoch, pos, new_net, new_opt, settings.optimizer)


def divergence_of(rec: StepRecord) -> str | None:
    """Why this iteration must not be committed, or None."""
    loss = rec.backward.loss
    if not math.isfinite(loss):
        return "nonfinite_loss"
    if not all(np.isfinite(w).all() for w in rec.update.new_weights + rec.update.new_biases):
        return "nonfinite_params"
    big = max(float(np.abs(w).max()) for w in rec.update.new_weights)
    return "exploded" if loss > EXPLODED or big > EXPLODED else None


def initial_network(cfg: Config, n_in: int, n_out: int, settings: Settings | None = None) -> Network:
    """Iteration 0's network: the config's sizes, initialisation and seed, its settings' spec
    (``settings`` is ``settings_of(cfg)``, passed when the caller has it already)."""
    sizes = (n_in, *cfg.hidden, n_out)
    kw = (settings or settings_of(cfg)).spec_fields()
    if cfg.init == "worked":
        return Network(sizes, weights=WORKED_WEIGHTS, biases=WORKED_BIASES, **kw)
    return Network(sizes, seed=cfg.seed, init=cfg.init, **kw)


# -- history ------------------------------------------------------------------------------------
class History:
    """Per-iteration scalars in growable float arrays; ``column(name)`` returns a read-only view."""

    def __init__(self, n_layers: int) -> None:
        per_layer = ("grad_norm", "ratio", "dead", "saturated")
        self.columns = ("iteration", "epoch", "loss", "acc", "train_loss", "train_acc", "test_loss", "test_acc",
                        "lr") + tuple(f"{p}_{i + 1}" for p in per_layer for i in range(n_layers))
        self._idx = {c: i for i, c in enumerate(self.columns)}
        self._data = np.empty((256, len(self.columns)))
        self._n = 0
        self.stride = 1  # >1 once thinned: rows older than the thinning are every stride-th iteration

    def __len__(self) -> int:
        return self._n

    def append(self, row: dict[str, float]) -> None:
        if self._n == MAX_HISTORY_ROWS:
            keep = self._data[: self._n : 2].copy()
            self._n = len(keep)
            self._data[: self._n] = keep
            self.stride *= 2
        if self._n == len(self._data):
            self._data = np.concatenate([self._data, np.empty_like(self._data)])
        r = np.full(len(self.columns), np.nan)
        for k, v in row.items():
            r[self._idx[k]] = v
        self._data[self._n] = r
        self._n += 1

    def copy(self) -> History:
        """An independent copy (the rows are copied; column names are shared, being immutable)."""
        new = copy.copy(self)
        new._data = self._data.copy()
        return new

    def truncate(self, iteration: int) -> None:
        """Drop rows for iterations after ``iteration``."""
        it = self._data[: self._n, 0]
        self._n = int(np.searchsorted(it, iteration, side="right"))

    def column(self, name: str) -> Array:
        v = self._data[: self._n, self._idx[name]]
        v = v.view()
        v.setflags(write=False)
        return v

    def last(self) -> dict[str, float]:
        return {} if not self._n else dict(zip(self.columns, self._data[self._n - 1].tolist()))

    def as_rows(self) -> list[dict[str, float]]:
        return [dict(zip(self.columns, r)) for r in self._data[: self._n].tolist()]

    @property
    def nbytes(self) -> int:
        return self._data.nbytes


def _layer_health(rec: StepRecord) -> dict[str, float]:
    """Dead ReLU units (never active in the batch) and saturated sigmoid/tanh units, per layer (fraction)."""
    out = {}
    for i, (lf, act) in enumerate(zip(rec.forward.layers, rec.settings.activations)):
        a = lf.a
        if act in ("relu", "leaky_relu"):
            out[f"dead_{i + 1}"] = float(np.mean(np.all(lf.z <= 0, axis=0)))
        if act == "sigmoid":
            out[f"saturated_{i + 1}"] = float(np.mean(np.mean((a < 0.02) | (a > 0.98), axis=0) > 0.5))
        elif act == "tanh":
            out[f"saturated_{i + 1}"] = float(np.mean(np.mean(np.abs(a) > 0.96, axis=0) > 0.5))
    return out


# -- the session ---------------------------------------------------------------------------------
class Session:
    """A run of one Config over one Dataset, with a phase cursor, checkpoints and history."""

    def __init__(self, config: Config, dataset: Dataset | None = None) -> None:
        self._start(config, dataset if dataset is not None else dataset_for(config))

    # -- construction ------------------------------------------------------------------------
    def _start(self, config: Config, dataset: Dataset | None = None) -> None:
        ds = dataset if dataset is not None else self.dataset
        settings = settings_of(config)
        net = initial_network(config, ds.n_features, ds.n_outputs, settings)  # raises before anything changes
        self.config, self.dataset = config, ds
        state0 = State(0, 0, 0, net, settings.make_optimizer().init(net), settings.optimizer)
        self.state = state0
        self.segments: list[tuple[int, Settings]] = [(0, settings)]
        self.record: StepRecord | None = None  # open (mid-walk) or last committed
        self._open_next: State | None = None  # the state the open iteration leads to (None: none open)
        self.phase = 0
        self.diverged: Divergence | None = None
        self.history = History(net.n_layers)
        # Back cannot go before checkpoints.floor (iteration 0, or where a hand edit or a loaded run starts)
        self.checkpoints = ckpt.Checkpoints(state0, CHECKPOINT_BUDGET_BYTES)
        self._last_action = "step"
        self.edited = False  # True once parameters were set by hand (move_to): links cannot replay that
        self._preview: tuple | None = None  # (state, settings, record, next state) of preview()

    def _eval_schedule(self, settings: Settings) -> int:
        """Evaluate full train/test metrics every k iterations, so evaluation costs at most about
        half a training step (every iteration for full batch on small data)."""
        n, nt = self.dataset.n_train, self.dataset.n_test
        b = batch_size_of(settings, n)
        extra = nt + (0 if b >= n else n)
        return max(1, math.ceil(extra / (2 * b)))

    @classmethod
    def replay(cls, config: Config, k: int, dataset: Dataset | None = None,
               segments: list[tuple[int, Settings]] | None = None) -> Session:
        """The session after k iterations of ``config`` (and mid-run changes in ``segments``)."""
        s = cls(config, dataset)
        if segments:
            s.segments = list(segments)
        s.run(k)
        return s

    # -- reading -------------------------------------------------------------------------------
    @property
    def net(self) -> Network:
        return self.state.net

    @property
    def iteration(self) -> int:
        return self.state.iteration

    @property
    def epoch(self) -> float:
        return self.state.epoch + self.state.pos / max(1, self.dataset.n_train)

    @property
    def settings(self) -> Settings:
        return self.segments[-1][1]

    @property
    def phases(self) -> tuple[Phase, ...]:
        return phases_for(self.state.net.n_layers)

    @property
    def current_phase(self) -> Phase | None:
        """The phase last revealed, or None before anything of an iteration is shown."""
        return self.phases[self.phase - 1] if self.phase else None

    @property
    def mid_iteration(self) -> bool:
        return 0 < self.phase < len(self.phases)

    def flops_per_iteration(self) -> float:
        """Multiply-adds of the next iteration (the Step click's and the Training tick's budgets)."""
        return flops_per_iteration(self.settings, self.state.net.spec.n_params, self.dataset.n_train)

    def settings_for(self, iteration: int) -> Settings:
        """The settings iteration ``iteration`` (1-based) runs with."""
        current = self.segments[0][1]
        for start, s in self.segments:
            if start < iteration:
                current = s
        return current

    # -- changing settings -------------------------------------------------------------------
    def apply_config(self, config: Config, dataset: Dataset | None = None) -> str:
        """'restart' (new run), 'changed' (applies from the next iteration) or 'same'."""
        if dataset is not None and dataset is not self.dataset:
            self._start(config, dataset)
            return "restart"
        if run_key(config) != run_key(self.config):
            # an uploaded dataset stays; built-in ones are rebuilt
            self._start(config, self.dataset if config.dataset == "csv" else dataset_for(config))
            return "restart"
        new = settings_of(config)
        if new == self.settings:
            self.config = config
            return "same"
        new.spec_for(self.state.net.spec)  # validates: raises ValueError before anything changes
        new.make_optimizer()
        self.config = config
        start = self.state.iteration + (1 if self.mid_iteration else 0)
        if start == 0:  # nothing taken yet: the run starts with these settings (as a fresh one would)
            net = new.network_for(self.state.net)
            self.state = State(0, 0, 0, net, new.make_optimizer().init(net), new.optimizer)
            self.checkpoints.restart_at(self.state)
            self._preview = None
        self.segments = [(s0, s) for s0, s in self.segments if s0 < start] + [(start, new)]
        self.diverged = None  # a new learning rate deserves a new try
        return "changed"

    # -- moving forward ------------------------------------------------------------------------
    def preview(self) -> tuple[StepRecord, State]:
        """The next iteration computed but not taken (the landscape's arrow, the chain rule before a
        step). Kept for the current state and settings, so the Step that follows reuses it."""
        it = self.state.iteration + 1
        settings = self.settings_for(it)
        held = self._preview
        if held is None or held[0] is not self.state or held[1] != settings:
            with np.errstate(all="ignore"):
                rec, nxt = train_step(self.state, settings, self.dataset.X_train, self.dataset.Y_train,
                                      self.config.seed)
            held = self._preview = (self.state, settings, rec, nxt)
        return held[2], held[3]

    def _compute(self) -> tuple[StepRecord, State] | None:
        """The next iteration's record and the state after it, or None (and ``diverged`` set)."""
        it = self.state.iteration + 1
        rec, nxt = self.preview()
        self._preview = None  # about to be taken (or refused): its traces need not stay around
        code = divergence_of(rec)
        if code is not None:
            self.diverged = Divergence(it, code, rec.settings.lr)
            return None
        return rec, nxt

    def _open(self, step: tuple[StepRecord, State], phase: int) -> None:
        """Show ``phase`` phases of the iteration ``step`` computed, without taking it yet."""
        self.record, self._open_next = step
        self.phase = phase

    def _commit(self, step: tuple[StepRecord, State]) -> None:
        rec, nxt = step
        self.checkpoints.push(self.state)
        self.state = nxt
        self.record, self._open_next = rec, None
        self.phase = len(self.phases)
        self.history.append(self._row(rec))

    def _row(self, rec: StepRecord) -> dict[str, float]:
        ds, out = self.dataset, rec.forward.output
        row = {"iteration": rec.iteration, "epoch": self.epoch, "loss": rec.backward.loss, "lr": rec.settings.lr,
               "acc": classification_accuracy(out, rec.Y, ds.task)}
        full = rec.batch.size == ds.n_train
        if full:
            row["train_loss"], row["train_acc"] = row["loss"], row["acc"]
        if rec.iteration % self._eval_schedule(rec.settings) == 0 or rec.iteration == 1:
            net = self.net_before(rec)
            if not full:
                row["train_loss"], row["train_acc"] = self._evaluate(net, ds.X_train, ds.Y_train)
            if ds.n_test:
                row["test_loss"], row["test_acc"] = self._evaluate(net, ds.X_test, ds.Y_test)
        for i, (g, r) in enumerate(zip(rec.backward.grad_norms, rec.update.ratios())):
            row[f"grad_norm_{i + 1}"], row[f"ratio_{i + 1}"] = g, r
        row.update(_layer_health(rec))
        return row

    def net_before(self, rec: StepRecord) -> Network:
        """The network the record's forward pass used (old parameters, the record's spec)."""
        spec = rec.settings.spec_for(self.state.net.spec)
        return Network._from(spec, rec.update.old_weights, rec.update.old_biases, owned=True)

    def _evaluate(self, net: Network, X: Array, Y: Array) -> tuple[float, float]:
        with np.errstate(all="ignore"):
            out = net.forward(X).output
            loss = LOSSES[net.loss].value(out, Y) + net.penalty()
        return loss, classification_accuracy(out, Y, self.dataset.task)

    def step(self) -> StepRecord | None:
        """Finish the iteration being walked, or take a whole new one. None if training diverged."""
        self._last_action = "step"
        if self.mid_iteration:
            step = (self.record, self._open_next)
        else:
            if self.diverged:
                return None
            step = self._compute()
            if step is None:
                return None
        self._commit(step)
        return step[0]

    def run(self, k: int) -> int:
        """Take up to k iterations; returns how many were taken (fewer if it diverged)."""
        done = 0
        for _ in range(k):
            if self.step() is None:
                break
            done += 1
        return done

    def next_phase(self) -> Phase | None:
        """Reveal the next phase of the current iteration (starting one if none is open)."""
        self._last_action = "phase"
        if not self.mid_iteration:
            if self.diverged:
                return None
            step = self._compute()
            if step is None:
                return None
            self._open(step, 1)
            return self.current_phase
        self.phase += 1
        if self.phase == len(self.phases):
            self._commit((self.record, self._open_next))
        return self.current_phase

    # -- moving back -----------------------------------------------------------------------------
    def back(self) -> None:
        """Undo the last Next phase (one phase) or Step (one iteration)."""
        if self._last_action == "phase" or self.mid_iteration:
            self.back_phase()
        else:
            self.back_iteration()

    def back_phase(self) -> None:
        """Exact inverse of next_phase."""
        if self.mid_iteration and self.phase > 1:
            self.phase -= 1
        elif self.mid_iteration:  # back to how it was before the iteration started
            self._show_last_committed()
        elif self.state.iteration > self.checkpoints.floor:  # un-commit: the update becomes unrevealed
            step = self._redo(self.state.iteration)
            if step is not None:
                self._open(step, len(self.phases) - 1)

    def back_iteration(self) -> None:
        """Exact inverse of step: the state (and shown record) of one iteration earlier."""
        if self.mid_iteration:
            self._show_last_committed()
            return
        if self.state.iteration <= self.checkpoints.floor:
            return
        self._rewind(self.state.iteration - 1)
        self._show_last_committed()

    def reset(self) -> None:
        """Back to iteration 0 of the same config (and the same dataset)."""
        self._start(self.config)

    def _show_last_committed(self) -> None:
        k = self.state.iteration
        if k <= self.checkpoints.floor:
            self.record, self._open_next, self.phase = None, None, 0
            return
        self._commit(self._redo(k))

    def _redo(self, k: int) -> tuple[StepRecord, State] | None:
        """Rewind to iteration k - 1 and recompute iteration k with the settings it ran with (the
        rewind folds later changes in from k - 1 on; they must apply from k + 1 on, as before)."""
        segments = self.segments
        self._rewind(k - 1)
        self.segments = segments
        return self._compute()

    def _rewind(self, k: int) -> None:
        """Make iteration k the committed state (from a checkpoint, replaying forward if needed).
        Settings changed since k apply from k on: later segments fold into the current settings."""
        current = self.settings
        self.segments = [(s0, st) for s0, st in self.segments if s0 < k] or [(0, current)]
        if self.segments[-1][1] != current:
            self.segments.append((k, current))
        st = self.checkpoints.restore(k)
        self.state, self.diverged = st, None
        self.history.truncate(st.iteration)
        while self.state.iteration < k:
            self._commit(self._compute())
        self.record, self._open_next, self.phase = None, None, 0

    def resume(self, state: State, history_rows: list[dict[str, float]]) -> None:
        """Continue from a saved state (run files): it becomes iteration ``state.iteration``'s
        checkpoint, so Back and Reset work from there (Reset still returns to iteration 0)."""
        self.state, self.record, self._open_next, self.phase, self.diverged = state, None, None, 0, None
        self.history = History(state.net.n_layers)
        for row in history_rows:
            self.history.append(row)
        self.checkpoints.restart_at(state)
        self.segments = [(0, self.settings)]

    def clone(self) -> Session:
        """An independent Session in the same state: containers are copied, the immutable records
        (states, traces, datasets) are shared. Lets many students start from one cached replay."""
        new = copy.copy(self)
        new.checkpoints = self.checkpoints.copy()
        new.segments = list(self.segments)
        new.history = self.history.copy()
        return new

    def move_to(self, net: Network) -> None:
        """Put the run at new parameters (same spec), e.g. "drop the ball here" on the landscape.
        The optimizer state restarts; Back stops at this point (the edit is not replayable)."""
        if net.spec.shapes != self.state.net.spec.shapes:
            raise ValueError("move_to needs parameters of the same shapes.")
        st = self.state
        net = st.net.with_params(net.weights, net.biases)
        new = State(st.iteration, st.epoch, st.pos, net, self.settings.make_optimizer().init(net),
                    self.settings.optimizer)
        self.state, self.record, self._open_next, self.phase, self.diverged = new, None, None, 0, None
        self.checkpoints.restart_at(new)
        self.edited = True

    # -- trajectories -----------------------------------------------------------------------------
    def trajectory(self) -> tuple[Array, Array]:
        """(iterations (m,), flat parameters (m, n_params)) of kept checkpoints plus the current state."""
        states = self.checkpoints.states()
        states[self.state.iteration] = self.state
        its = sorted(states)
        return np.array(its), np.stack([states[i].net.flatten() for i in its])

    @property
    def nbytes(self) -> int:
        """Rough memory held by history, checkpoints and the current state (for the bound and the load test)."""
        return self.history.nbytes + self.checkpoints.nbytes + ckpt.state_nbytes(self.state)


def dataset_for(cfg: Config) -> Dataset:
    """The built-in dataset a Config names (CSV data is passed to Session directly)."""
    return make_dataset(cfg.dataset, n_samples=cfg.n_samples, noise=cfg.noise, test_ratio=cfg.test_ratio,
                        seed=cfg.seed, standardize=cfg.standardize)

