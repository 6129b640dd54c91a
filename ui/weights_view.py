"""The parts of the Weights page: W, dL/dW and ΔW per layer on shared scales; chosen weights over time."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from backprop_core.landscape import param_index
from backprop_core.network import Network
from backprop_core.session import Session
from viz import names as nm
from viz import weights as vw

from .i18n import current_lang, labels, t
from .state import AppState, cached

MAX_LISTED = 300  # nets with at most this many weights list them all in one multiselect
MAX_LINES = 7
CACHE_KEY = "weights_cache"
PICK_KEY = "weights_pick"  # the multiselect (Streamlit drops it when another page is shown)
CHOSEN_KEY = "weights_chosen"  # the same choice, kept across pages


# -- names of weights (pure) -----------------------------------------------------------------------
def weight_name(layer: int, i: int, j: int) -> str:
    """'W⁽ˡ⁾[i, j]' (viz/names) with 1-based layer, input i and neuron j (0-based arguments)."""
    return nm.weight(layer, i, j)


def parse_name(name: str, net: Network) -> tuple[int, int, int] | None:
    """(layer, i, j), 0-based, of a name weight_name made, or None if it does not fit this network."""
    where = nm.parse_weight(name)
    if where is None:
        return None
    layer, i, j = where
    if not 0 <= layer < net.n_layers:
        return None
    n_in, n_out = net.weights[layer].shape
    return (layer, i, j) if 0 <= i < n_in and 0 <= j < n_out else None


def all_names(net: Network) -> list[str]:
    return [weight_name(l, i, j) for l, w in enumerate(net.weights)
            for i in range(w.shape[0]) for j in range(w.shape[1])]


def default_names(net: Network, P: np.ndarray) -> list[str]:
    """One weight per layer (the first three) to start with: the one that moved most between the first
    and last rows of the trajectory P (m, n_params); W{l}[1,1] when nothing has moved yet."""
    moved = np.abs(P[-1] - P[0])
    out = []
    for l in range(min(3, net.n_layers)):
        start, n_out = param_index(net, l, "W", 0, 0), net.weights[l].shape[1]
        i, j = divmod(int(np.argmax(moved[start:start + net.weights[l].size])), n_out)
        out.append(weight_name(l, i, j))
    return out


def weight_series(net: Network, P: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """Each named weight's values (m,) from trajectory parameters P (m, n_params)."""
    out = {}
    for name in names:
        where = parse_name(name, net)
        if where is not None:
            out[name] = P[:, param_index(net, where[0], "W", where[1], where[2])]
    return out


# -- caching ---------------------------------------------------------------------------------------
def _cached(name: str, refs: tuple, compute: Callable[[], object], values: tuple = ()) -> object:
    return cached(CACHE_KEY, name, refs, compute, values)


def _chart(s: Session, key: str, build: Callable[[], go.Figure], *values: object) -> None:
    fig = _cached(key, (s.state, s.record), build, (current_lang(), *values))
    st.plotly_chart(fig, key=key, config={"displayModeBar": False})


# -- heatmaps --------------------------------------------------------------------------------------
def _titles(net: Network, symbol: str) -> list[str]:
    return [f"{symbol}{l + 1} ({w.shape[0]}×{w.shape[1]})" for l, w in enumerate(net.weights)]


def heatmaps(app: AppState) -> None:
    """W now; dL/dW and ΔW of the last iteration (each quantity on one scale across layers)."""
    s = app.session
    rec = s.record
    base = labels(vw.HEATMAP_LABELS, "weights.fig.heatmap")
    st.subheader(t("weights.w"))
    _chart(s, "weights_w", lambda: vw.weight_heatmaps(s.net.weights, _titles(s.net, "W"), labels=base))
    if rec is None:
        st.info(t("weights.no_record"))
        return
    if s.mid_iteration:
        st.caption(t("weights.mid", it=rec.iteration))
    st.subheader(t("weights.grad", it=rec.iteration))
    _chart(s, "weights_grad", lambda: vw.weight_heatmaps(
        rec.update.grad_weights, _titles(s.net, "dL/dW"), labels=base | {"title": t("weights.fig.grad_title")}))
    st.subheader(t("weights.delta", it=rec.iteration))
    _chart(s, "weights_delta", lambda: vw.weight_heatmaps(
        rec.update.delta_weights, _titles(s.net, "ΔW"), labels=base | {"title": t("weights.fig.delta_title")}))
    st.caption(t(f"weights.delta.{'sgd' if rec.settings.optimizer == 'sgd' else 'other'}",
                 lr=f"{rec.settings.lr:g}", opt=t(f"opt.{rec.settings.optimizer}")))


# -- lines -----------------------------------------------------------------------------------------
def _add(net: Network) -> None:
    """Add the weight picked with layer, i and j (big networks) to the chosen ones."""
    layer = st.session_state.get("weights_layer", 0)
    name = weight_name(layer, st.session_state.get("weights_i", 1) - 1, st.session_state.get("weights_j", 1) - 1)
    chosen = list(st.session_state.get(PICK_KEY, st.session_state.get(CHOSEN_KEY, [])))
    if parse_name(name, net) is not None and name not in chosen:
        st.session_state[PICK_KEY] = (chosen + [name])[-MAX_LINES:]


def _big_picker(net: Network) -> None:
    c = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
    if st.session_state.get("weights_layer") not in range(net.n_layers):
        st.session_state["weights_layer"] = 0
    layer = c[0].selectbox(t("weights.layer"), range(net.n_layers), key="weights_layer",
                           format_func=lambda l: f"W{nm.sup(l + 1)} ({'×'.join(map(str, net.weights[l].shape))})")
    n_in, n_out = net.weights[layer].shape
    for key, hi in (("weights_i", n_in), ("weights_j", n_out)):  # keep within the layer's shape
        st.session_state[key] = int(min(max(1, st.session_state.get(key, 1)), hi))
    c[1].number_input(t("weights.i"), 1, n_in, key="weights_i", help=t("weights.i.help"))
    c[2].number_input(t("weights.j"), 1, n_out, key="weights_j", help=t("weights.j.help"))
    c[3].button(t("weights.add"), on_click=_add, args=(net,), key="weights_add", icon=":material/add:",
                width="stretch")


def picker(app: AppState, P: np.ndarray) -> list[str]:
    """The chosen weights' names: a multiselect of all weights (small nets) or of the added ones."""
    net = app.session.net
    small = sum(w.size for w in net.weights) <= MAX_LISTED
    if not small:
        _big_picker(net)
    if PICK_KEY not in st.session_state:  # first visit, or back from another page
        st.session_state[PICK_KEY] = st.session_state.get(CHOSEN_KEY) or default_names(net, P)
    raw = list(st.session_state[PICK_KEY])
    chosen = [n for n in raw if parse_name(n, net) is not None][:MAX_LINES]
    if raw and not chosen:  # none of them fits the new network: start again from the defaults
        chosen = default_names(net, P)
    st.session_state[PICK_KEY] = chosen
    options = all_names(net) if small else chosen
    picked = st.multiselect(t("weights.pick"), options, key=PICK_KEY, max_selections=MAX_LINES,
                            help=t("weights.pick.help"), placeholder=t("weights.pick.placeholder"))
    st.session_state[CHOSEN_KEY] = list(picked)
    return list(picked)


def trajectory(s: Session) -> tuple[np.ndarray, np.ndarray]:
    """(iterations (m,), flat parameters (m, n_params)) of the kept checkpoints, cached per state."""
    return _cached("trajectory", (s.state,), s.trajectory)


def lines(app: AppState) -> None:
    s = app.session
    its, P = trajectory(s)
    names = picker(app, P)
    series = weight_series(s.net, P, names)
    lab = labels(vw.LINES_LABELS, "weights.fig.lines")
    _chart(s, "weights_lines", lambda: vw.weight_lines(its, series, labels=lab), tuple(names))
    if len(its) < its[-1] - its[0] + 1:
        st.caption(t("weights.thinned", m=len(its), n=int(its[-1]) + 1))
