"""The parts of the Chain-rule page: which record, the parameter picked (selectors or a click on the
diagram), the derivation with the record's numbers, and the central-difference check.

Per-browser state lives in st.session_state under keys starting with ``chain_``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from backprop_core.gradcheck import numeric_gradient, relative_error, resolution
from backprop_core.landscape import param_index
from backprop_core.network import Network
from backprop_core.session import Phase, Session, StepRecord
from viz import equations, network
from viz import names as nm
from viz import palette as pal

from . import actions
from .i18n import labels, name_words, t
from .state import AppState

CHART_KEY = "chain_diagram"
CLICK_KEY = "chain_click"  # the last click on the diagram, waiting to move the selectors
PICK_KEY = "chain_pick"  # the parameter shown, kept while the page's widgets are away
CHECK_KEY = "chain_check"  # (record, pick, Check) of the last central-difference check
W = MappingProxyType({"layer": "chain_layer", "kind": "chain_kind", "i": "chain_i", "j": "chain_j"})  # widget keys
SAMPLE_KEY, DIGITS_KEY = "chain_sample", "chain_digits"
H = 1e-6  # central-difference step
MAX_UNITS, MAX_EDGES = 16, 300  # the diagram's limits: past them it focuses on the picked neuron
BIG = r"\large "  # projector-sized equations


# -- the parameter picked ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Pick:
    """W[layer][i, j] (kind "W") or b[layer][j] (kind "b"); all 0-based, layer a weight layer."""

    layer: int = -1
    kind: str = "W"
    i: int = 0
    j: int = 0

    def clamp(self, sizes: Sequence[int]) -> Pick:
        """The same pick made valid for a network of these sizes (default: the last layer)."""
        n_layers = len(sizes) - 1
        layer = self.layer if 0 <= self.layer < n_layers else n_layers - 1
        kind = self.kind if self.kind in ("W", "b") else "W"
        i = min(max(self.i, 0), sizes[layer] - 1)
        j = min(max(self.j, 0), sizes[layer + 1] - 1)
        return Pick(layer, kind, i, j)


def pick_from_click(points: Sequence[Mapping], sizes: Sequence[int], current: Pick) -> Pick | None:
    """The parameter a click on the diagram names, or None if it names none.

    Edge markers carry customdata (l, i, j): the weight W[l][i, j]. Neuron markers carry (k, j): a
    neuron k >= 1 names its bias b[k-1][j]; an input neuron (k = 0) names its weight into the
    currently picked unit of the first layer.
    """
    n_layers = len(sizes) - 1
    for p in points:
        cd = _customdata(p.get("customdata") if isinstance(p, Mapping) else None)
        if len(cd) == 3 and 0 <= cd[0] < n_layers:
            pick = Pick(cd[0], "W", cd[1], cd[2])
        elif len(cd) == 2 and 1 <= cd[0] <= n_layers:
            pick = Pick(cd[0] - 1, "b", current.i, cd[1])
        elif len(cd) == 2 and cd[0] == 0:
            pick = Pick(0, "W", cd[1], current.j if current.layer == 0 else 0)
        else:
            continue
        if 0 <= pick.j < sizes[pick.layer + 1] and (pick.kind == "b" or 0 <= pick.i < sizes[pick.layer]):
            return pick.clamp(sizes)
    return None


def _customdata(cd) -> list[int]:
    """A point's customdata as ints; the browser sends an array as {"0": l, "1": i, ...}. [] if unreadable."""
    try:
        if isinstance(cd, Mapping):
            return [int(cd[k]) for k in sorted(cd, key=int)]
        return [int(v) for v in cd] if cd is not None else []
    except (TypeError, ValueError):
        return []


def _store(pick: Pick) -> None:
    st.session_state[W["layer"]] = pick.layer + 1  # the selector shows layers 1-based
    st.session_state[W["kind"]], st.session_state[W["i"]], st.session_state[W["j"]] = pick.kind, pick.i, pick.j
    st.session_state[PICK_KEY] = pick


def apply_click(sizes: Sequence[int]) -> None:
    """Move the selectors to the parameter last clicked (before they are drawn in this run)."""
    points = st.session_state.pop(CLICK_KEY, None)
    if not points:
        return
    current = st.session_state.get(PICK_KEY, Pick()).clamp(sizes)
    pick = pick_from_click(points, sizes, current)
    if pick is not None:
        _store(pick)


def _on_click() -> None:
    """on_select callback: hand the clicked points to the next run (see apply_click)."""
    state = st.session_state.get(CHART_KEY)
    points = state["selection"]["points"] if state else []
    if points:
        st.session_state[CLICK_KEY] = [dict(p) for p in points]


# -- which record ----------------------------------------------------------------------------------
def record_for(app: AppState) -> tuple[StepRecord | None, bool]:
    """(record, is_preview): the session's record, or else the next iteration computed without
    committing it (cached per state, so reruns do not recompute it)."""
    s = app.session
    if s.record is not None:
        return s.record, False
    try:
        rec, _ = s.preview()
    except ValueError as exc:  # e.g. settings the network cannot take: say so, keep the page alive
        st.error(t("chain.no_preview", err=str(exc)[:200]))
        return None, True
    return rec, True


def source(app: AppState, rec: StepRecord, preview: bool) -> None:
    """Which iteration the numbers belong to, and a Step button to take it."""
    s = app.session
    c = st.columns([5, 1], vertical_alignment="center")
    if preview:
        text = t("chain.src.preview", k=rec.iteration)
    elif s.mid_iteration:
        text = t("chain.src.walking", k=rec.iteration, p=s.phase, n=len(s.phases))
    else:
        text = t("chain.src.done", k=rec.iteration)
    n = rec.batch.size
    c[0].info(text + " " + t("chain.src.batch", n=n, opt=equations.OPTIMIZER_NAMES.get(rec.update.optimizer,
                                                                                          rec.update.optimizer),
                             lr=f"{rec.update.lr:g}"))
    c[1].button(t("chain.step"), on_click=actions.step, args=(app, 1), icon=":material/redo:", width="stretch",
                help=t("chain.step.help"), disabled=s.diverged is not None and not s.mid_iteration, key="chain_step")


# -- selectors -------------------------------------------------------------------------------------
def _column_names(n_cols: int) -> list[str]:
    lab = labels(network.NETWORK_LABELS, "fig.network")
    hidden = [lab["hidden"] if n_cols == 3 else lab["hidden_n"].format(k=k) for k in range(1, n_cols - 1)]
    return [lab["input"], *hidden, lab["output"]]


def _fix(key: str, options: Sequence, value) -> None:
    if st.session_state.get(key) not in options:
        st.session_state[key] = value


def pickers(app: AppState, rec: StepRecord) -> tuple[Pick, int, int]:
    """Layer, weight/bias, from-unit, to-unit, sample and digits: (pick, sample, digits)."""
    sizes = app.session.net.sizes
    pick = st.session_state.get(PICK_KEY, Pick()).clamp(sizes)
    names = _column_names(len(sizes))
    layers = tuple(range(1, len(sizes)))
    _fix(W["layer"], layers, pick.layer + 1)
    _fix(W["kind"], ("W", "b"), pick.kind)
    c = st.columns([1.6, 1.2, 1, 1], gap="medium")
    # option texts made now, not inside format_func, which may run later outside this session's context
    layer_text = {v: t("chain.layer.fmt", l=v, a=names[v - 1], b=names[v]) for v in layers}
    kind_text = {k: t(f"chain.kind.{k}") for k in ("W", "b")}
    layer = c[0].selectbox(t("chain.layer"), layers, key=W["layer"], help=t("chain.layer.help"),
                           format_func=layer_text.__getitem__) - 1
    kind = c[1].radio(t("chain.kind"), ("W", "b"), key=W["kind"], horizontal=True, format_func=kind_text.__getitem__)
    n_in, n_out = sizes[layer], sizes[layer + 1]
    _fix(W["i"], range(n_in), min(pick.i, n_in - 1))
    _fix(W["j"], range(n_out), min(pick.j, n_out - 1))
    i = c[2].selectbox(t("chain.from", name=names[layer]), range(n_in), key=W["i"], disabled=kind == "b",
                       format_func=lambda v: f"{nm.neuron_number(v)}", help=t("chain.from.help"))
    j = c[3].selectbox(t("chain.to", name=names[layer + 1]), range(n_out), key=W["j"],
                       format_func=lambda v: f"{nm.neuron_number(v)}")
    pick = Pick(layer, kind, i, j)
    st.session_state[PICK_KEY] = pick
    c = st.columns([1.6, 1.2, 2], gap="medium")
    with c[0]:
        sample = _sample_picker(app, rec)
    st.session_state.setdefault(DIGITS_KEY, 4)
    digits = c[1].select_slider(t("chain.digits"), (3, 4, 5, 6, 8), key=DIGITS_KEY, help=t("chain.digits.help"))
    return pick, sample, digits


def _sample_picker(app: AppState, rec: StepRecord) -> int:
    b = rec.batch.size
    if b <= 1:
        st.markdown(t("chain.sample", b=1))
        st.caption(t("chain.sample.one", row=nm.training_row(int(rec.batch[0]), name_words())))
        return 0
    if not 1 <= st.session_state.get(SAMPLE_KEY, 0) <= b:
        st.session_state[SAMPLE_KEY] = min(app.sample, b - 1) + 1
    s = int(st.number_input(t("chain.sample", b=b), 1, b, key=SAMPLE_KEY, help=t("chain.sample.help"))) - 1
    app.sample = s
    st.caption(nm.training_row(int(rec.batch[s]), name_words()))
    return s


# -- the diagram -----------------------------------------------------------------------------------
def highlight(fig: go.Figure, pick: Pick) -> go.Figure:
    """Draw the picked weight's edge (or the picked bias's neuron) in the highlight colour, using the
    positions of the neuron trace (customdata (k, j)); nothing if those neurons are not drawn."""
    neurons = next((tr for tr in fig.data if (tr.meta or {}).get("role") == "neurons"), None)
    if neurons is None:
        return fig
    where = {(int(k), int(u)): (x, y) for (k, u), x, y in zip(neurons.customdata, neurons.x, neurons.y)}
    end = where.get((pick.layer + 1, pick.j))
    start = where.get((pick.layer, pick.i)) if pick.kind == "W" else None
    if end is None or (pick.kind == "W" and start is None):
        return fig
    if pick.kind == "W":
        fig.add_trace(go.Scatter(x=[start[0], end[0]], y=[start[1], end[1]], mode="lines", hoverinfo="skip",
                                 line=dict(color=pal.HIGHLIGHT, width=10), opacity=0.55, showlegend=False,
                                 meta={"role": "picked"}))
    else:
        fig.add_trace(go.Scatter(x=[end[0]], y=[end[1]], mode="markers", hoverinfo="skip", showlegend=False,
                                 marker=dict(size=56, color="rgba(0,0,0,0)", line=dict(color=pal.HIGHLIGHT, width=6)),
                                 meta={"role": "picked"}))
    # above the edge lines, below the (invisible) click targets; it takes no hover, so clicks pass through
    k = next((n for n, tr in enumerate(fig.data) if (tr.meta or {}).get("role") in ("edge_hover", "neurons")),
             len(fig.data) - 1)
    fig.data = fig.data[:k] + (fig.data[-1],) + fig.data[k:-1]
    return fig


def focus_for(pick: Pick, sizes: Sequence[int]) -> tuple[int, int]:
    """The neuron a large diagram centres on: an end of the picked edge (the bias's own neuron), the
    one with fewer neighbours, so the picked edge is drawn among as few others as possible."""
    ends = [(pick.layer + 1, pick.j)] + ([(pick.layer, pick.i)] if pick.kind == "W" and pick.layer > 0 else [])

    def neighbours(k: int) -> int:
        return (sizes[k - 1] if k > 0 else 0) + (sizes[k + 1] if k + 1 < len(sizes) else 0)

    return min(ends, key=lambda e: neighbours(e[0]))


def diagram(app: AppState, rec: StepRecord, pick: Pick, sample: int) -> None:
    s = app.session
    net = s.net_before(rec)
    lab = labels(network.NETWORK_LABELS, "fig.network") | {"phase_backward": t("chain.fig.title")}
    big = max(net.sizes) > MAX_UNITS or sum(w.size for w in net.weights) > MAX_EDGES
    focus = focus_for(pick, net.sizes) if big else None
    view = network.view_for(rec, Phase("backward", pick.layer), sample)
    fig = network.network_figure(net, view, labels=lab, focus=focus, max_units=MAX_UNITS, max_edges=MAX_EDGES,
                                 height=470)
    st.plotly_chart(highlight(fig, pick), key=CHART_KEY, on_select=_on_click, selection_mode="points",
                    config={"displayModeBar": False})
    st.caption(t("chain.fig.click_big" if big else "chain.fig.click"))


# -- the derivation --------------------------------------------------------------------------------
def _latex(lines: Sequence[str]) -> None:
    for line in lines:
        st.latex(BIG + line)


def derivation(rec: StepRecord, pick: Pick, sample: int, digits: int) -> None:
    eq = equations.chain_latex(rec, pick.layer, pick.kind, pick.i, pick.j, sample, digits=digits,
                               labels=labels(equations.EQUATION_LABELS, "chain.eq"))
    with st.container(border=True):
        _latex(eq.result)
    st.markdown(f"#### {t('chain.h.rule')}")
    _latex(eq.rule)
    st.caption(t("chain.rule.note"))
    row = nm.training_row(int(rec.batch[sample]), name_words())
    st.markdown(f"#### {t('chain.h.sample', s=nm.sample_number(sample), row=row)}")
    st.caption(t("chain.sample.note"))
    _latex(eq.sample)
    st.markdown(f"#### {t('chain.h.batch', n=rec.batch.size)}")
    st.caption(t("chain.batch.note", n=rec.batch.size))
    _latex(eq.batch)
    st.markdown(f"#### {t('chain.h.update')}")
    _latex(eq.update)


# -- the check by central differences --------------------------------------------------------------
def central_difference(net: Network, X: np.ndarray, Y: np.ndarray, index: int, h: float = H) -> tuple[float, float]:
    """(L(theta + h e_index), L(theta - h e_index)): the two losses numeric_gradient subtracts."""
    v = net.flatten()
    vp, vm = v.copy(), v.copy()
    vp[index] += h
    vm[index] -= h
    return net.unflatten(vp).loss_value(X, Y), net.unflatten(vm).loss_value(X, Y)


@dataclass(frozen=True)
class Check:
    """Backprop's gradient against central differences for one parameter."""

    backprop: float
    numeric: float
    loss_plus: float
    loss_minus: float
    rel_error: float
    resolvable: bool  # False when the gradient is below what central differences can resolve


def check_of(s: Session, rec: StepRecord, pick: Pick) -> Check:
    """Central difference of the record's batch loss at the record's old parameters."""
    net = s.net_before(rec)
    row = pick.i if pick.kind == "W" else None
    idx = param_index(net, pick.layer, pick.kind, row, pick.j)
    X, Y = s.dataset.X_train[rec.batch], rec.Y  # the batch the record's forward pass used
    u = rec.update
    g = float(u.grad_weights[pick.layer][pick.i, pick.j] if pick.kind == "W" else u.grad_biases[pick.layer][pick.j])
    with np.errstate(all="ignore"):
        num = float(numeric_gradient(net, X, Y, h=H, index=idx))
        lp, lm = central_difference(net, X, Y, idx, H)
    rel = float(relative_error(g, num, floor=1e-12))
    return Check(g, num, lp, lm, rel, max(abs(g), abs(num)) >= resolution(rec.backward.loss, H))


def _cached_check(s: Session, rec: StepRecord, pick: Pick) -> Check:
    """check_of, remembered for the record and pick on screen (reruns for other widgets reuse it)."""
    cached = st.session_state.get(CHECK_KEY)
    if cached is not None and cached[0] is rec and cached[1] == pick:
        return cached[2]
    c = check_of(s, rec, pick)
    st.session_state[CHECK_KEY] = (rec, pick, c)
    return c


def gradient_check(app: AppState, rec: StepRecord, pick: Pick) -> None:
    c = _cached_check(app.session, rec, pick)
    f = equations.fmt
    with st.container(border=True):
        st.markdown(f"#### {t('chain.check')}")
        st.metric(t("chain.check.backprop"), f(c.backprop, 10))
        st.metric(t("chain.check.numeric"), f(c.numeric, 10))
        st.metric(t("chain.check.rel"), f(c.rel_error, 2))
        verdict = ("good" if c.rel_error < 1e-6 else "close" if c.rel_error < 1e-3 else "bad")
        if not (np.isfinite(c.backprop) and np.isfinite(c.numeric)):
            st.warning(t("chain.check.nonfinite"))
        elif not c.resolvable:
            st.info(t("chain.check.tiny"))
        else:
            (st.success if verdict == "good" else st.info if verdict == "close" else st.warning)(
                t(f"chain.check.{verdict}"))
        p = "w" if pick.kind == "W" else "b"
        st.latex(rf"L({p} + h) = {f(c.loss_plus, 12, latex=True)}")
        st.latex(rf"L({p} - h) = {f(c.loss_minus, 12, latex=True)}")
        st.latex(rf"\begin{{aligned}}\hat g &= \frac{{L({p} + h) - L({p} - h)}}{{2h}} \\ &= "
                 + f(c.numeric, 10, latex=True) + r"\end{aligned}")
        st.latex(r"\frac{|g - \hat g|}{|g| + |\hat g|} = " + f(c.rel_error, 2, latex=True))
        st.caption(t("chain.check.explain", h="10⁻⁶"))
