"""The parts of the Loss-landscape page: controls, the next step previewed, the cached surface, the
picture (a Scene), the click that drops the ball, and the words under it.

Centring (a decision, explained on the page): planes of two parameters and random planes go through
a fixed origin, the parameters at the start of the run (or where the user pressed Re-centre), and the
window only doubles when the path leaves it. Stepping then moves the ball across a fixed picture and
the surface is not recomputed (it is cached on its inputs, shared by every student on the server).
"Follow the current weights" redraws through the current parameters every step; the PCA plane always
does, since its directions come from the path.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from backprop_core.landscape import (
    SUBSAMPLE_MAX,
    Plane,
    default_range,
    fit_half_widths,
    loss_surface,
    move_in_plane,
    param_directions,
    param_index,
    param_name,
    pca_directions,
    project,
    random_directions,
    surface_subsample,
)
from backprop_core.network import Network
from backprop_core.session import Settings, batch_size_of, run_key
from viz import names
from viz.landscape import LANDSCAPE_LABELS, bilinear, click_coordinates, landscape_figure

from . import actions
from .i18n import labels, t
from .state import AppState

Array = np.ndarray
K = "ls_"  # prefix of this page's session-state keys
CHART = K + "contour"
PLANES = ("params", "random", "pca")
CENTRES = ("start", "current")
RESOLUTIONS = (21, 41, 61, 81)
ZOOMS = (0.25, 0.5, 1.0, 2.0, 4.0)
MAX_LISTED = 256  # networks with more parameters offer only their steepest ones in the selectors
N_STEEPEST = 64
MAX_GROWTH = 64  # the window grows (by doubling) to hold points at most this many default half-widths away
DEFAULT_FLOPS = 4e8  # the default resolution keeps one surface under about this many multiply-adds
SUBSAMPLE_SEED = 0
SURFACE_ENTRIES = 64  # surfaces kept for the whole server (each at most 81 x 81 floats: 52 KB)
PROGRESS_STEP = 0.05  # the progress bar moves in steps of 5% (each move is a message to the browser)


# -- names of parameters --------------------------------------------------------------------------
def is_worked(app: AppState) -> bool:
    return app.config.init == "worked" and app.session.net.sizes == (2, 2, 2)


def param_label(net: Network, idx: int, worked: bool = False) -> str:
    """'W⁽²⁾[1, 1]' (viz/names: all 1-based, row = input, col = neuron) or 'b⁽¹⁾[2]'; Mazur's 'w5' added
    for the worked net."""
    kind, layer, row, col = param_name(net, idx)
    if kind == "b":
        return names.bias(layer, col)
    name = names.weight(layer, row, col)
    return f"{name} (w{4 * layer + 2 * col + row + 1})" if worked else name


def default_pair(net: Network, grad: Array | None, worked: bool) -> tuple[int, int]:
    """w5 and w6 for the worked net; else the two weights with the largest |gradient|; else the first
    two parameters of the last layer's W (or its W and b when it has a single weight)."""
    if worked:
        return param_index(net, 1, "W", 0, 0), param_index(net, 1, "W", 1, 0)
    is_w = net.weight_mask()
    if grad is not None and np.isfinite(grad).all():
        g = np.where(is_w, np.abs(grad), -1.0)
        top = np.argsort(-g, kind="stable")[:2]
        if g[top[1]] > 0:
            return int(top[0]), int(top[1])
    last = net.n_layers - 1
    first = param_index(net, last, "W", 0, 0)
    n_in, n_out = net.spec.shapes[last]
    second = (param_index(net, last, "W", 1, 0) if n_in > 1 else param_index(net, last, "W", 0, 1) if n_out > 1
              else param_index(net, last, "b", None, 0))
    return first, second


# -- the next step, previewed without committing ----------------------------------------------------
@dataclass(frozen=True)
class Preview:
    """The iteration the next Step would take, kept small (no traces): the settings it runs with, the
    gradient dL/dtheta (n_params,), the parameters after it, and the loss on its batch before and after."""

    settings: Settings
    grad: Array
    next_flat: Array
    loss_before: float
    loss_after: float


def preview(app: AppState) -> Preview:
    """The next step, computed by the session without taking it (Step then reuses it)."""
    s = app.session
    rec, nxt = s.preview()
    with np.errstate(all="ignore"):
        after = nxt.net.loss_value(s.dataset.X_train[rec.batch], rec.Y)
    return Preview(rec.settings, rec.backward.flat_grad(), nxt.net.flatten(), float(rec.backward.loss), float(after))


# -- the surface, cached for everybody --------------------------------------------------------------
def surface_data(app: AppState) -> tuple[Array, Array, bool, str]:
    """(X, Y, subsampled, digest): at most 512 training rows, always the same ones (seed 0)."""
    X, Y, sub = surface_subsample(app.session.dataset.X_train, app.session.dataset.Y_train, seed=SUBSAMPLE_SEED)
    digest = hashlib.blake2b(X.tobytes() + Y.tobytes() + str(X.shape).encode(), digest_size=16).hexdigest()
    return X, Y, sub, digest


def spec_key(net: Network) -> tuple:
    s = net.spec
    return s.sizes, s.activations, s.loss, s.regularization, s.reg_rate


class SurfaceStore:
    """Computed surfaces by key, shared by every student on the server: a deliberate, documented,
    thread-safe process-wide resource (made once by ``surface_store``). At most ``size`` entries, the
    least recently used dropped first; a key being computed has its own lock, so students who miss
    it together compute it once (as st.cache_data does). Values are read-only arrays on immutable
    bytes: no caller can change what the next one gets. (Not st.cache_data: a progress bar drawn
    while a cached function runs would be recorded and replayed, as a stray bar, on every hit.)"""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Array] = OrderedDict()
        self._computing: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()

    def _hit(self, key: tuple) -> Array | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def get(self, key: tuple, compute: Callable[[], Array]) -> Array:
        value = self._hit(key)
        if value is not None:
            return value
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            value = self._hit(key)
            if value is not None:
                return value
            try:
                value = _immutable(compute())
                with self._lock:
                    self._items[key] = value
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            return value

    def __len__(self) -> int:
        return len(self._items)


def _immutable(arr: Array) -> Array:
    """A float64 copy backed by bytes: read-only for good (setflags(write=True) raises)."""
    a = np.ascontiguousarray(arr, dtype=float)
    return np.frombuffer(a.tobytes(), dtype=float).reshape(a.shape)


@st.cache_resource(show_spinner=False)
def surface_store() -> SurfaceStore:
    return SurfaceStore(SURFACE_ENTRIES)


def cached_surface(spec: tuple, origin: bytes, d1: bytes, d2: bytes, grid: tuple, data: str,
                   _net: Network, _X: Array, _Y: Array, progress: Callable[[float], None] | None = None) -> Array:
    """S (res, res) over grid = (alpha_lo, alpha_hi, beta_lo, beta_hi, res), relative to origin.
    Keyed on everything it depends on (``_net`` only supplies ``spec``, ``_X``/``_Y`` the ``data``
    digest); ``progress`` hears the fraction done while it is computed (never on a hit)."""
    a0, a1, b0, b1, res = grid
    vec = lambda b: np.frombuffer(b, dtype=float)  # noqa: E731
    return surface_store().get(
        (spec, origin, d1, d2, grid, data),
        lambda: loss_surface(_net, _X, _Y, vec(d1), vec(d2), np.linspace(a0, a1, res), np.linspace(b0, b1, res),
                             origin=vec(origin), progress=progress))


class progress_bar:  # noqa: N801 (used like a function: ``with progress_bar(text) as bar``)
    """A progress callback for a surface being computed: the bar appears with the first block done
    (a cached surface never shows one), moves in steps of PROGRESS_STEP, and is gone after the block."""

    def __init__(self, text: str) -> None:
        self.text, self.shown, self.slot = text, -1.0, None

    def __enter__(self) -> Callable[[float], None]:
        self.slot = st.empty()
        return self.update

    def update(self, fraction: float) -> None:
        if fraction >= 1.0 or fraction - self.shown >= PROGRESS_STEP:
            self.shown = fraction
            self.slot.progress(min(1.0, fraction), text=self.text)

    def __exit__(self, *exc: object) -> None:
        self.slot.empty()


def default_resolution(net: Network, rows: int) -> int:
    """41, or 21 when a 41 x 41 surface would cost more than DEFAULT_FLOPS multiply-adds."""
    per_point = rows * (3 * net.sizes[1] + sum(a * b for a, b in net.spec.shapes[1:]))
    return 41 if 41 * 41 * per_point <= DEFAULT_FLOPS else 21


# -- the origin of fixed pictures -------------------------------------------------------------------
def anchor(app: AppState, traj_its: Array, traj: Array, digest: str) -> tuple[Array, int]:
    """(origin (n_params,), its iteration): the start of the run until Re-centre; renewed when the run,
    the network's shape or the data change, or when Back/Reset went before it."""
    s = app.session
    key = (run_key(s.config), s.net.spec.shapes, digest)
    a = st.session_state.get(K + "anchor")
    if a is None or a["key"] != key or s.iteration < a["it"] or len(a["origin"]) != s.net.spec.n_params:
        a = {"key": key, "it": int(traj_its[0]), "origin": np.array(traj[0])}
        st.session_state[K + "anchor"] = a
    return a["origin"], a["it"]


def recentre(app: AppState) -> None:
    """Button callback: the fixed picture now goes through the current weights."""
    a = st.session_state.get(K + "anchor")
    if a is not None:
        a.update(it=app.session.iteration, origin=app.session.net.flatten())


# -- controls -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    plane: str
    p1: int
    p2: int
    seed: int
    centre: str
    res: int
    zoom: float
    surface: bool
    log: bool


def step_buttons(app: AppState) -> None:
    s, stuck = app.session, app.session.diverged is not None
    c = st.columns(5)
    c[0].button(t("step.back"), key=K + "back", on_click=actions.back, args=(app,), icon=":material/undo:",
                disabled=s.iteration == 0 and s.phase == 0, width="stretch")
    c[1].button(t("step.step"), key=K + "step", on_click=actions.step, args=(app, 1), type="primary",
                icon=":material/redo:", disabled=stuck, width="stretch")
    c[2].button(t("step.step10"), key=K + "step10", on_click=actions.step, args=(app, 10),
                icon=":material/fast_forward:", disabled=stuck, width="stretch")
    c[3].button(t("step.reset"), key=K + "reset", on_click=actions.reset, args=(app,),
                icon=":material/restart_alt:", width="stretch")
    c[4].button(t("landscape.recentre"), key=K + "recentre", on_click=recentre, args=(app,),
                icon=":material/center_focus_strong:", help=t("landscape.recentre.help"), width="stretch")


def _fix(key: str, options, default) -> None:
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def param_options(app: AppState, grad: Array) -> list[int]:
    """Every parameter of a small net; of a large one the N_STEEPEST by |gradient|, fixed per run."""
    net = app.session.net
    if net.spec.n_params <= MAX_LISTED:
        return list(range(net.spec.n_params))
    key = (run_key(app.config), net.spec.shapes)
    held = st.session_state.get(K + "cands")
    if held is None or held[0] != key:
        top = np.argsort(-np.nan_to_num(np.abs(grad)), kind="stable")[:N_STEEPEST]
        held = (key, sorted(set(top.tolist()) | set(default_pair(net, grad, False))))
        st.session_state[K + "cands"] = held
    return held[1]


def _param_pickers(app: AppState, grad: Array) -> tuple[int, int]:
    net, worked = app.session.net, is_worked(app)
    opts = param_options(app, grad)
    d1, d2 = default_pair(net, grad, worked)
    _fix(K + "p1", opts, d1)
    _fix(K + "p2", opts, d2 if d2 != st.session_state[K + "p1"] else d1)
    fmt = lambda i: param_label(net, i, worked)  # noqa: E731
    p1 = st.selectbox(t("landscape.p1"), opts, key=K + "p1", format_func=fmt)
    p2 = st.selectbox(t("landscape.p2"), opts, key=K + "p2", format_func=fmt)
    if len(opts) < net.spec.n_params:
        st.caption(t("landscape.steepest", k=len(opts), n=net.spec.n_params))
    if p1 == p2:
        st.warning(t("landscape.same_param"))
        p2 = next(i for i in opts if i != p1)
    return int(p1), int(p2)


def controls(app: AppState, grad: Array, rows: int) -> Options:
    _fix(K + "plane", PLANES, "params")
    plane = st.radio(t("landscape.plane"), PLANES, key=K + "plane", format_func=lambda p: t(f"landscape.plane.{p}"))
    p1 = p2 = seed = 0
    if plane == "params":
        p1, p2 = _param_pickers(app, grad)
    elif plane == "random":
        seed = int(st.number_input(t("landscape.seed"), 0, 9999, value=0, key=K + "seed"))
    centre = "current"
    if plane != "pca":
        _fix(K + "centre", CENTRES, "start")
        centre = st.radio(t("landscape.centre"), CENTRES, key=K + "centre",
                          format_func=lambda c: t(f"landscape.centre.{c}"))
    shape = app.session.net.spec.shapes
    if st.session_state.get(K + "res_for") != shape or st.session_state.get(K + "res") not in RESOLUTIONS:
        st.session_state[K + "res"] = default_resolution(app.session.net, rows)
        st.session_state[K + "res_for"] = shape
    res = st.select_slider(t("landscape.res"), RESOLUTIONS, key=K + "res", help=t("landscape.res.help"))
    _fix(K + "zoom", ZOOMS, 1.0)
    zoom = st.select_slider(t("landscape.zoom"), ZOOMS, key=K + "zoom", format_func=lambda z: f"×{z:g}",
                            help=t("landscape.zoom.help"))
    surface = st.toggle(t("landscape.surface3d"), key=K + "3d")
    log = st.toggle(t("landscape.log"), key=K + "log", help=t("landscape.log.help"))
    return Options(plane, p1, p2, seed, centre, int(res), float(zoom), bool(surface), bool(log))


# -- the picture ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scene:
    """What is drawn. Plane coordinates are relative to ``plane.origin``; ``offset`` (2,) is added to
    every drawn coordinate (a plane of two parameters shows their values, others show coordinates)."""

    plane: Plane
    alphas: Array  # (res,) relative
    betas: Array
    S: Array  # (res, res)
    path: Array  # (m, 2) relative
    current: Array  # (2,)
    tip: Array  # (2,) where the next step lands
    offset: Array
    titles: tuple[str, str]
    names: tuple[str, str]  # what the two coordinates are called in messages
    origin_it: int | None  # iteration of a fixed origin, None if it follows the weights


def _pca_plane(traj: Array, nxt: Array, o: Options) -> tuple[Plane, tuple, tuple] | None:
    if len(traj) < 3:
        return None
    pc = pca_directions(traj)
    plane = pc.plane
    pts = np.vstack([pc.coords, project(plane, nxt)[None]])
    (a0, a1), (b0, b1) = default_range(plane, pts)
    ca, cb, ha, hb = (a0 + a1) / 2, (b0 + b1) / 2, (a1 - a0) / 2 * o.zoom, (b1 - b0) / 2 * o.zoom
    ev = plane.explained * 100
    titles = tuple(t("landscape.axis.pc", k=k + 1, pct=f"{ev[k]:.1f}") for k in range(2))
    return plane, (ca - ha, ca + ha, cb - hb, cb + hb), titles


def _fixed_plane(app: AppState, o: Options, origin: Array, traj: Array, nxt: Array) -> tuple[Plane, tuple, tuple]:
    net = app.session.net
    if o.plane == "params":
        d1, d2 = param_directions(net, o.p1, o.p2)
        names = (param_label(net, o.p1, is_worked(app)), param_label(net, o.p2, is_worked(app)))
    else:
        d1, d2 = random_directions(net.unflatten(origin), o.seed)
        names = tuple(t("landscape.axis.random", k=k, seed=o.seed) for k in (1, 2))
    plane = Plane(d1, d2, origin, o.plane)
    (_, ha), (_, hb) = default_range(plane)
    pts = np.vstack([project(plane, traj), project(plane, nxt)[None]])
    base = np.array([ha, hb]) * o.zoom
    pts = pts[np.all(np.abs(pts) <= MAX_GROWTH * base, axis=1)]  # a runaway step is drawn, not chased
    ha, hb = fit_half_widths(tuple(base), pts)
    return plane, (-ha, ha, -hb, hb), names


def scene(app: AppState, o: Options, pv: Preview, data: tuple,
          progress: Callable[[float], None] | None = None) -> Scene | None:
    """The picture for these options (data from ``surface_data``), or None when the PCA plane has fewer
    than 3 points to go on. ``progress`` hears how far a surface being computed is."""
    s = app.session
    its, traj = s.trajectory()
    X, Y, _, digest = data
    origin_it = None
    if o.plane == "pca":
        built = _pca_plane(traj, pv.next_flat, o)
        if built is None:
            return None
        plane, grid, titles = built
        names = titles
    else:
        origin, origin_it = anchor(app, its, traj, digest) if o.centre == "start" else (s.net.flatten(), None)
        plane, grid, names = _fixed_plane(app, o, origin, traj, pv.next_flat)
        titles = names
    S = cached_surface(spec_key(s.net), plane.origin.tobytes(), plane.d1.tobytes(), plane.d2.tobytes(),
                       (*grid, o.res), digest, s.net, X, Y, progress)
    offset = (np.array([plane.origin[o.p1], plane.origin[o.p2]]) if plane.kind == "params" else np.zeros(2))
    return Scene(plane, np.linspace(grid[0], grid[1], o.res), np.linspace(grid[2], grid[3], o.res), S,
                 project(plane, traj), project(plane, s.net.flatten()), project(plane, pv.next_flat), offset,
                 titles, names, origin_it)


def figure(sc: Scene, o: Options):
    """The plotly figure of a Scene, in drawn (offset) coordinates, labels translated."""
    lab = labels(LANDSCAPE_LABELS, "landscape.fig")
    lab["title"] = t(f"landscape.fig.title.{sc.plane.kind}", a=sc.names[0], b=sc.names[1])
    off = sc.offset
    return landscape_figure(sc.alphas + off[0], sc.betas + off[1], sc.S, mode="surface" if o.surface else "contour",
                            trajectory=sc.path + off, current=sc.current + off, arrow=(sc.current + off, sc.tip + off),
                            axis_titles=sc.titles, log_color=o.log, labels=lab)


def draw(app: AppState, sc: Scene, o: Options) -> None:
    """The chart; a contour remembers its Scene (and the weights it was drawn for) to place a click."""
    fig = figure(sc, o)
    if o.surface:
        st.plotly_chart(fig, key=K + "surface", config={"displayModeBar": False})
        return
    st.plotly_chart(fig, key=CHART, on_select="rerun", selection_mode="points", config={"displayModeBar": False})
    st.session_state[K + "scene"] = (app.session.state, sc)


# -- the click: drop the ball here ----------------------------------------------------------------
def selected_point(value) -> tuple[float, float] | None:
    """(x, y) drawn coordinates of a chart selection state (dict-like), or None."""
    try:
        return click_coordinates(value["selection"]["points"])
    except (KeyError, TypeError):
        return None


def drop_target(sc: Scene, theta: Array, xy: tuple[float, float]) -> Array:
    """The parameters after dropping the ball at drawn coordinates xy on the Scene's plane."""
    return move_in_plane(sc.plane, theta, xy[0] - sc.offset[0], xy[1] - sc.offset[1])


def handle_click(app: AppState) -> None:
    """Act on a click made on the last contour drawn (before anything is drawn this run)."""
    s = app.session
    xy = selected_point(st.session_state.get(CHART))
    held = st.session_state.get(K + "scene")
    if xy is None or held is None or held[0] is not s.state:
        return  # no click, or one made on a picture of other weights
    sc = held[1]
    xy = tuple(round(v, 10) for v in xy)  # grid nodes are offset + linspace: drop float noise like 1e-16
    theta = drop_target(sc, s.net.flatten(), xy)
    if not np.isfinite(theta).all() or theta.shape != (s.net.spec.n_params,):
        return
    s.move_to(s.net.unflatten(theta))
    st.session_state.pop(K + "scene", None)
    a, b = project(sc.plane, theta) + sc.offset
    key = "landscape.moved.params" if sc.plane.kind == "params" else "landscape.moved.plane"
    st.session_state[K + "msg"] = (s.state, t(key, a=sc.names[0], b=sc.names[1], va=f"{a:.4g}", vb=f"{b:.4g}"))


def moved_message(app: AppState) -> None:
    held = st.session_state.get(K + "msg")
    if held is not None and held[0] is app.session.state:
        st.success(held[1], icon=":material/sports_baseball:")


# -- words ----------------------------------------------------------------------------------------
def step_summary(app: AppState, sc: Scene, pv: Preview) -> None:
    """What the arrow is, in numbers: the two coordinates before and after, and the batch loss."""
    lr = pv.settings.lr
    (a0, b0), (a1, b1) = sc.current + sc.offset, sc.tip + sc.offset
    key = "landscape.arrow.params" if sc.plane.kind == "params" else "landscape.arrow.plane"
    st.markdown(t(key, lr=f"{lr:g}", opt=t(f"opt.{pv.settings.optimizer}"), a=sc.names[0], b=sc.names[1],
                  a0=f"{a0:.4g}", a1=f"{a1:.4g}", da=f"{a1 - a0:+.4g}", b0=f"{b0:.4g}", b1=f"{b1:.4g}",
                  db=f"{b1 - b0:+.4g}"))
    if sc.plane.kind != "params":
        full = float(np.linalg.norm(pv.next_flat - app.session.net.flatten()))
        da, db = sc.tip - sc.current
        shown = float(np.linalg.norm(da * sc.plane.d1 + db * sc.plane.d2))
        if full > 0:
            st.caption(t("landscape.arrow.share", full=f"{full:.3g}", pct=f"{min(100.0, 100 * shown / full):.0f}"))
    before, after = pv.loss_before, pv.loss_after
    if not (math.isfinite(before) and math.isfinite(after)):
        st.warning(t("landscape.loss.nonfinite"))
        return
    d = after - before
    nums = {"before": f"{before:.5g}", "after": f"{after:.5g}", "delta": f"{d:+.2e}" if abs(d) < 1e-3 else f"{d:+.4g}"}
    if d > 0:
        st.warning(t("landscape.loss.up", **nums))
    else:
        st.markdown(t("landscape.loss.down", **nums))


def drift(app: AppState, sc: Scene, X: Array, Y: Array) -> tuple[float, float] | None:
    """(loss the fixed picture shows under the star, loss at the current weights on the same rows), or
    None when the picture goes through the current weights or the star is off the picture."""
    if sc.origin_it is None or app.session.iteration == sc.origin_it:
        return None
    (a, b), lo = sc.current, (sc.alphas[0], sc.betas[0])
    if not (lo[0] <= a <= sc.alphas[-1] and lo[1] <= b <= sc.betas[-1]):
        return None
    with np.errstate(all="ignore"):
        real = app.session.net.loss_value(X, Y)
    return float(bilinear(sc.alphas, sc.betas, sc.S, sc.current[None])[0]), float(real)


def captions(app: AppState, sc: Scene, o: Options, data: tuple) -> None:
    s, (X, Y, subsampled, _) = app.session, data
    if o.plane == "pca":
        st.caption(t("landscape.about.pca", m=len(sc.path)))
        if sc.plane.fallback:
            st.caption(t("landscape.pca_fallback"))
    elif sc.origin_it is not None:
        st.caption(t("landscape.about.start", it=sc.origin_it))
        gap = drift(app, sc, X, Y)
        if gap is not None and all(map(math.isfinite, gap)):
            st.caption(t("landscape.drift", pic=f"{gap[0]:.4g}", real=f"{gap[1]:.4g}"))
    else:
        st.caption(t("landscape.about.current"))
    st.caption(t("landscape.click" if not o.surface else "landscape.click3d"))
    if subsampled:
        st.caption(t("landscape.subsample", k=SUBSAMPLE_MAX, n=s.dataset.n_train, seed=SUBSAMPLE_SEED))
    b = batch_size_of(s.settings_for(s.iteration + 1), s.dataset.n_train)
    if b < s.dataset.n_train:
        st.caption(t("landscape.minibatch", b=b, n=s.dataset.n_train))
