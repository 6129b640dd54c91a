"""The parts of the Training page: the stoppable "Train N iterations" job, curves, the input plane,
gradient and unit health, classification results.

Training many iterations never blocks the server for long: a job runs a chunk of iterations per tick
of an ``st.fragment(run_every=TICK_SECONDS)``, each chunk sized (by timing the previous one) to take
about ``TICK_TARGET`` seconds. The chunk logic (``advance``) is a pure function of the session and the job.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import backprop_core as bp
from backprop_core.datasets import predicted_classes
from backprop_core.session import Session
from viz import training as vt

from . import live
from .i18n import current_lang, labels, t
from .state import AppState, cached

N_CHOICES = (100, 500, 1000, 5000)
TICK_SECONDS = 0.2  # how often the training fragment reruns while a job runs
TICK_TARGET = 0.12  # seconds of training per tick (the rest of the tick draws the live charts)
FIRST_CHUNK_MAX = 20  # before anything is timed, start small: the FLOP count ignores Python overhead
TICK_FLOPS = 1.6e8  # about TICK_TARGET seconds of NumPy (same scale as actions.CLICK_FLOP_BUDGET)
GROWTH = 4  # a chunk changes by at most this factor from one tick to the next
JOB_KEY = "training_job"
CACHE_KEY = "training_cache"
GRID_RESOLUTION = 80
UNITS_STRIDE = 2  # hidden-unit panels use every other grid point
DIGITS_SHOWN = 24


# -- the job (pure: no streamlit) ------------------------------------------------------------------
@dataclass(frozen=True)
class TrainJob:
    """Train ``total`` iterations from iteration ``start``; ``done`` so far, ``chunk`` per tick
    (0 = not measured yet). status: running | done | stopped | diverged | interrupted."""

    total: int
    start: int
    done: int = 0
    chunk: int = 0
    status: str = "running"

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0


def first_chunk(flops: float) -> int:
    """Iterations in the first tick: what the FLOP budget allows, at most FIRST_CHUNK_MAX."""
    return int(max(1, min(FIRST_CHUNK_MAX, TICK_FLOPS // max(flops, 1.0))))


def next_chunk(taken: int, elapsed: float, previous: int, target: float = TICK_TARGET) -> int:
    """Iterations for the next tick so it takes about ``target`` s, given ``taken`` iterations took
    ``elapsed`` s; within a factor GROWTH of ``previous`` (so one slow tick cannot swing it wildly)."""
    lo, hi = max(1, previous // GROWTH), max(1, previous * GROWTH)
    if taken <= 0 or elapsed <= 0:
        return hi
    return int(min(hi, max(lo, round(taken * target / elapsed))))


def advance(session: Session, job: TrainJob, clock: Callable[[], float] = time.perf_counter,
            target: float = TICK_TARGET) -> TrainJob:
    """One tick: run the job's next chunk on ``session`` and return the job after it.

    Stops as 'diverged' when training diverges and 'interrupted' when the run moved under the job
    (reset, new run, steps taken elsewhere); a finished job is returned unchanged."""
    if not job.running:
        return job
    if session.iteration != job.start + job.done:
        return replace(job, status="interrupted")
    if session.diverged is not None:
        return replace(job, status="diverged")
    chunk = job.chunk or first_chunk(session.flops_per_iteration())
    k = min(chunk, job.total - job.done)
    t0 = clock()
    taken = session.run(k)
    elapsed = clock() - t0
    done = job.done + taken
    status = "diverged" if taken < k else "done" if done >= job.total else "running"
    return replace(job, done=done, chunk=next_chunk(taken, elapsed, chunk, target), status=status)


# -- the job in the page ---------------------------------------------------------------------------
def current_job() -> TrainJob | None:
    return st.session_state.get(JOB_KEY)


def tick_interval() -> float | None:
    """run_every for the live fragment: ticking only while a job runs."""
    job = current_job()
    return TICK_SECONDS if job is not None and job.running else None


def _start(app: AppState) -> None:
    n = int(st.session_state.get("training_n", N_CHOICES[1]))
    app.playing = False  # the Step page's Play would fight over the same run
    live.on_action(app, "train", {})  # a following student explores from here; a teacher's class follows
    st.session_state[JOB_KEY] = TrainJob(total=n, start=app.session.iteration)


def _stop() -> None:
    job = current_job()
    if job is not None and job.running:
        st.session_state[JOB_KEY] = replace(job, status="stopped")


def controls(app: AppState) -> None:
    """N selector, Start and Stop."""
    job = current_job()
    running = job is not None and job.running
    c = st.columns([1.3, 1, 1, 2.7], vertical_alignment="bottom")
    st.session_state.setdefault("training_n", N_CHOICES[1])
    c[0].selectbox(t("training.n"), N_CHOICES, key="training_n", format_func=lambda n: f"{n:,}", disabled=running)
    c[1].button(t("training.start"), on_click=_start, args=(app,), type="primary", icon=":material/play_arrow:",
                key="training_start", disabled=running or app.session.diverged is not None, width="stretch")
    c[2].button(t("training.stop"), on_click=_stop, icon=":material/stop:", key="training_stop",
                disabled=not running, width="stretch")
    c[3].caption(t("training.controls.help"))


def tick(app: AppState) -> None:
    """Inside the live fragment: run one chunk; when the job ends, redraw the whole page once."""
    job = current_job()
    if job is None or not job.running:
        return
    new = advance(app.session, job)
    st.session_state[JOB_KEY] = new
    live.sync(app)  # a class follows the training run chunk by chunk
    if not new.running:
        st.rerun(scope="app")


def progress(app: AppState) -> None:
    """The progress bar while a job runs, and how the last one ended."""
    job = current_job()
    if job is None:
        return
    text = t(f"training.job.{job.status}", done=f"{job.done:,}", total=f"{job.total:,}",
             it=f"{app.session.iteration:,}")
    if job.running or job.status == "done":
        st.progress(job.fraction, text=text)
    elif job.status == "diverged":
        st.progress(job.fraction, text=text)  # the divergence message itself is shown at the top
    else:
        st.info(text)


def metrics(app: AppState) -> None:
    s = app.session
    c = st.columns(4)
    c[0].metric(t("status.iteration"), f"{s.iteration:,}")
    c[1].metric(t("status.epoch"), f"{s.epoch:.2f}")
    c[2].metric(t("training.metric.loss"), _fmt(_latest(s, "train_loss", "loss"), "{:.4g}"))
    key = "test_acc" if has_test_set(s.dataset) else "train_acc"
    c[3].metric(t(f"training.metric.{key}"),
                "—" if s.dataset.task == "regression" else _fmt(_latest(s, key, "acc"), "{:.1%}"))


def has_test_set(ds: bp.Dataset) -> bool:
    """True when the test set holds points the network does not train on (fixed sets reuse their points)."""
    spec = bp.DATASETS.get(ds.name)
    return bool(ds.n_test) and not (spec is not None and spec.fixed_size)


def _latest(s: Session, name: str, fallback: str) -> float:
    """The most recent evaluated (non-NaN) value of a History column (or of ``fallback``)."""
    for col in (name, fallback):
        v = np.asarray(s.history.column(col))
        v = v[~np.isnan(v)]
        if v.size:
            return float(v[-1])
    return math.nan


def _fmt(v: float, pattern: str) -> str:
    return pattern.format(v) if math.isfinite(v) else "—"


# -- figures -------------------------------------------------------------------------------------------
def _chart(s: Session, key: str, build: Callable[[], go.Figure], *values: object) -> None:
    """A figure built once per network state, language and ``values``, drawn under a stable key."""
    fig = _cached(key, (s.state, s.dataset), build, (current_lang(), *values))
    st.plotly_chart(fig, key=key, config={"displayModeBar": False})


def curves(app: AppState) -> None:
    s = app.session
    log = st.toggle(t("training.log"), key="training_log", help=t("training.log.help"))
    lab = labels(vt.CURVE_LABELS, "training.fig.curves")
    c = st.columns(2)
    with c[0]:
        _chart(s, "training_loss", lambda: _legend_below(vt.loss_curves(s.history, log_y=log, labels=lab)), log)
    with c[1]:
        _chart(s, "training_acc", lambda: _legend_below(vt.accuracy_curves(s.history, labels=lab)))
    if s.history.stride > 1:
        st.caption(t("training.history_thinned", k=s.history.stride))


def _legend_below(fig: go.Figure) -> go.Figure:
    """A horizontal legend under the plot: long legend names would squeeze a narrow column's plot."""
    return fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
                             margin={"b": 40}, height=fig.layout.height + 60)


def plane_kind(ds: bp.Dataset) -> str | None:
    """'2d' (decision boundary over the input plane), '1d' (fitted curve) or None (no picture)."""
    spec = bp.DATASETS.get(ds.name)
    if ds.n_features == 2 and (spec.is_2d if spec is not None else ds.task != "regression" or ds.n_outputs == 1):
        return "2d"
    if ds.n_features == 1 and ds.task == "regression" and ds.n_outputs == 1:
        return "1d"
    return None


def _cached(name: str, refs: tuple, compute: Callable[[], object], values: tuple = ()) -> object:
    return cached(CACHE_KEY, name, refs, compute, values)


def grid_pass(s: Session) -> tuple[np.ndarray, np.ndarray | None, bp.ForwardTrace]:
    """(xx, yy, forward trace of the current network on input_grid's points), cached per state."""
    def compute():
        ds = s.dataset
        X = np.vstack([ds.X_train, ds.X_test]) if ds.n_test else ds.X_train
        xx, yy, pts = vt.input_grid(X, GRID_RESOLUTION)
        with np.errstate(all="ignore"):
            return xx, yy, s.net.forward(pts)

    return _cached("grid", (s.state, s.dataset), compute)


def input_plane(app: AppState) -> None:
    """The decision boundary (or fitted curve) with the data on top."""
    s = app.session
    ds = s.dataset
    xx, yy, trace = grid_pass(s)
    test = has_test_set(ds)  # a fixed set's test points are its training points: drawn once
    _chart(s, "training_boundary", lambda: vt.decision_boundary(
        trace.output, xx, yy, ds.X_train, ds.Y_train, ds.X_test if test else None, ds.Y_test if test else None,
        ds.task, class_names=ds.class_names or None, labels=labels(vt.BOUNDARY_LABELS, "training.fig.boundary")))
    if ds.n_test and not test:
        st.caption(t("training.fixed_size"))


def hidden_units(app: AppState) -> None:
    """Each hidden unit's output over the input plane, for a chosen hidden layer."""
    s = app.session
    n_hidden = s.net.n_layers - 1
    if n_hidden < 1:
        st.caption(t("training.units.none"))
        return
    key = "training_units_layer"
    if st.session_state.get(key) not in range(n_hidden):
        st.session_state[key] = 0
    layer = st.selectbox(t("training.units.layer"), range(n_hidden), key=key,
                         format_func=lambda i: t("training.units.layer_fmt", l=i + 1, n=s.net.sizes[i + 1],
                                                 act=t(f"act.{s.net.activations[i]}")))
    _chart(s, "training_units", lambda: vt.hidden_units_grid(
        *units_over_grid(s, layer), labels=labels(vt.UNITS_LABELS, "training.fig.units")), layer)


def units_over_grid(s: Session, layer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(activations (n_points, n_units), xx, yy) of a hidden layer on every other grid point
    (the panels are small; this keeps each tick light); all points for a 1-D input."""
    xx, yy, trace = grid_pass(s)
    A = trace.layers[layer].a
    if yy is None:
        return A, xx, yy
    A = A.reshape(len(yy), len(xx), -1)[::UNITS_STRIDE, ::UNITS_STRIDE].reshape(-1, A.shape[1])
    return A, xx[::UNITS_STRIDE], yy[::UNITS_STRIDE]


def health(app: AppState) -> None:
    s = app.session
    lab = labels(vt.HEALTH_LABELS, "training.fig.health")
    c = st.columns([3, 2])
    with c[0]:
        _chart(s, "training_grad_health", lambda: vt.gradient_health(s.history, s.net.n_layers, labels=lab))
    with c[1]:
        _chart(s, "training_unit_health", lambda: _legend_below(vt.unit_health(s.history, s.net.n_layers, labels=lab)))
    st.markdown(t("training.health.explain"))


def eval_split(s: Session) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """('test' | 'train', X, true class ids, network outputs) on the test set, or the training set
    when there is none (or it is the same points); outputs cached per state."""
    ds = s.dataset
    split = "test" if has_test_set(ds) else "train"
    X = ds.X_test if split == "test" else ds.X_train

    def compute():
        with np.errstate(all="ignore"):
            return s.net.forward(X).output

    out = _cached("eval", (s.state, s.dataset), compute)
    return split, X, ds.labels(split), out


def results(app: AppState) -> None:
    """Confusion matrix; for the bundled images (digits, mnist) also test images with predictions and
    first-layer filters."""
    s = app.session
    ds = s.dataset
    split, X, true, out = eval_split(s)
    pred = predicted_classes(out, ds.task)
    names = ds.class_names or tuple(str(k) for k in range(max(2, out.shape[1])))
    left, right = st.columns([3, 2] if len(names) > 4 else [1, 1])
    with left:
        st.caption(t(f"training.confusion.{split}"))
        _chart(s, "training_confusion", lambda: vt.confusion_matrix_figure(
            true, pred, names, labels=labels(vt.CONFUSION_LABELS, "training.fig.confusion")))
    right.markdown(t("training.confusion.explain"))
    side = bp.image_side(ds.name)
    if side is None or X.shape[1] != side * side:
        return
    st.subheader(t("training.digits"))
    dlab = labels(vt.DIGIT_LABELS, "training.fig.digits")
    probs = np.where(np.isfinite(out), out, 0.0)
    _chart(s, "training_digits", lambda: vt.digit_mosaic(X, true, pred, probs, n=DIGITS_SHOWN, class_names=names,
                                                         labels=dlab))
    if s.net.activations[-1] != "softmax":
        st.caption(t("training.digits.not_prob"))
    _chart(s, "training_filters", lambda: vt.filter_mosaic(s.net.weights[0], labels=dlab))
    st.caption(t("training.filters.explain"))
